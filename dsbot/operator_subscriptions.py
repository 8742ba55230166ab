"""`dsbot abonner|desabonner|abonnements`: a channel's subscriptions from the command line,
for scripts and for trying the main job with the sandbox.

The words after the command are those of `/ds abonner|desabonner` (parsed by
`dsbot.services.subscription_words`), and the services are the ones `/ds` calls: the same
rules. The operator stands for an admin. Slack is asked only for what it alone knows: a
channel's id from its name (`#instruction`; an id `C…` is taken as it is), whether the bot may
post there, and the workspace's id when the database does not hold it yet — each only when
SLACK_BOT_TOKEN is set. Messages are French, one line each; a refusal is an `OperatorFault`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dsbot.backends import registry
from dsbot.backends.errors import BackendError, BackendNotFound
from dsbot.backends.port import BackendName
from dsbot.config import Settings
from dsbot.network_errors import explain
from dsbot.services import subscription_words as w
from dsbot.store import Store
from dsbot.store.subscriptions import (
    ItemSubscription,
    Subscription,
    known_team_ids,
    subscribed_channels,
)

CHANNEL_ID_RE = re.compile(r"^[CG][A-Z0-9]{6,}$")
USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{6,}$")
TEAM_ID_RE = re.compile(r"^T[A-Z0-9]{6,}$")

# What each refusal of the words means, for the command line (the `/ds` texts name `/ds`).
WORD_ERRORS = {
    "error.subscribe_groupe": "« {value} » n’est pas un numéro de groupe instructeur",
    "error.subscribe_state": "« {value} » n’est pas un état DS (en_construction, en_instruction,"
    " accepte, refuse, sans_suite)",
    "error.subscribe_since": "« {value} » n’est pas une date AAAA-MM-JJ",
    "error.subscribe_scope_state": "« {value} » n’est pas un identifiant d’état",
}
USAGE = {
    "abonner": "dsbot abonner <démarche> [groupe <n>] [etat <état>…] [depuis AAAA-MM-JJ]"
    " --canal C, ou dsbot abonner <backend> <FAMILLE> [etat <état>…] --canal C",
    "desabonner": "dsbot desabonner <démarche> --canal C, ou dsbot desabonner <backend>"
    " <FAMILLE> --canal C",
}


class OperatorFault(Exception):
    """Why the command cannot do it: one French line (the CLI adds `Erreur : `)."""


def _slack(settings: Settings) -> WebClient | None:
    if not settings.slack_bot_token:
        return None
    return WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, retry_handlers=[]
    )


def _slack_error(exc: SlackApiError) -> OperatorFault:
    return OperatorFault(f"Slack refuse la demande ({exc.response.get('error')})")


def resolve_channel(settings: Settings, channel: str) -> str:
    """A channel id: `C…`/`G…` as it is; a name (`#instruction`) through Slack."""
    if CHANNEL_ID_RE.match(channel):
        return channel
    name = channel.removeprefix("#")
    slack = _slack(settings)
    if slack is None:
        raise OperatorFault(
            f"--canal {channel} : donnez l’identifiant du canal (C…), ou définissez"
            " SLACK_BOT_TOKEN pour trouver un canal par son nom"
        )
    try:
        pages = slack.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=200
        )
        for page in pages:
            for found in page.get("channels") or []:
                if found.get("name") == name:
                    return str(found["id"])
    except SlackApiError as exc:
        raise _slack_error(exc) from None
    raise OperatorFault(
        f"--canal {channel} : aucun canal de ce nom que le bot voie (invitez-le dans un canal"
        " privé)"
    )


def channel_problem(settings: Settings, channel_id: str) -> str | None:
    """Why the bot cannot post in the channel (as `/ds abonner` checks it); None when it can,
    or when there is no SLACK_BOT_TOKEN to ask with."""
    slack = _slack(settings)
    if slack is None:
        return None
    try:
        info = slack.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        if exc.response.get("error") == "channel_not_found":
            return f"le canal {channel_id} est introuvable ou privé sans le bot : invitez-le"
        raise _slack_error(exc) from None
    if info.get("is_archived"):
        return f"le canal {channel_id} est archivé"
    if info.get("is_private") and not info.get("is_member"):
        return f"le bot n’est pas membre du canal privé {channel_id} : invitez-le"
    return None


def resolve_team(settings: Settings, store: Store, team: str | None) -> str:
    """The Slack workspace the subscription belongs to: `--equipe`, else the one the database
    already holds, else Slack's answer for SLACK_BOT_TOKEN."""
    if team is not None:
        if not TEAM_ID_RE.match(team):
            raise OperatorFault(f"--equipe : « {team} » n’est pas un identifiant d’espace T…")
        return team
    known = store_teams(store)
    if len(known) == 1:
        return known[0]
    if len(known) > 1:
        raise OperatorFault(
            f"la base connaît plusieurs espaces Slack ({', '.join(known)}) : précisez --equipe"
        )
    slack = _slack(settings)
    if slack is None:
        raise OperatorFault(
            "espace Slack inconnu : définissez SLACK_BOT_TOKEN, ou précisez --equipe T…"
        )
    try:
        return str(slack.auth_test()["team_id"])
    except SlackApiError as exc:
        raise _slack_error(exc) from None


def store_teams(store: Store) -> list[str]:
    """The workspaces an existing database knows (none for an absent one, left absent)."""
    if not store.exists():
        return []
    with store.connect() as db:
        return known_team_ids(db)


def resolve_creator(settings: Settings, by: str | None) -> str:
    """The admin `/ds abonner` would name: told when Slack refuses the channel later."""
    if by is not None:
        if not USER_ID_RE.match(by):
            raise OperatorFault(f"--par : « {by} » n’est pas un identifiant Slack U…")
        return by
    if settings.admins:
        return sorted(settings.admins)[0]
    raise OperatorFault(
        "--par U… manque (l’admin Slack prévenu si le canal refuse un jour les messages),"
        " ou définissez DSBOT_ADMINS"
    )


def parse(command: str, words: list[str]) -> Any:
    """The request the words make, with the same parse functions as `/ds`."""
    backends = {spec.name: spec for spec in registry.specs() if spec.items}
    if words and words[0].lower() in backends:
        spec = backends[words[0].lower()]
        if command == "abonner":
            request: Any = w.parse_subscribe_family(
                spec.name, "error.subscribe_scope_usage", "error.subscribe_scope_state", words[1:]
            )
        else:
            request = w.parse_unsubscribe_family(
                spec.name, "error.unsubscribe_scope_usage", words[1:]
            )
    elif command == "abonner":
        request = w.parse_subscribe(words)
    else:
        request = w.parse_unsubscribe(words)
    if isinstance(request, w.Invalid):
        text = WORD_ERRORS.get(request.error_key)
        if text is None:
            raise OperatorFault(f"utilisation : {USAGE[command]}")
        raise OperatorFault(text.format(**request.params))
    return request


def describe(sub: Subscription | ItemSubscription) -> str:
    """One subscription, in a line."""
    if isinstance(sub, Subscription):
        what = f"démarche {sub.demarche_number}"
        if sub.groupe_number:
            what += f", groupe {sub.groupe_number}"
    else:
        what = f"{sub.backend} {sub.family}"
    states = ", ".join(sub.states) if sub.states else "tous"
    line = f"{sub.channel_id} : {what} ; états : {states} ; par {sub.created_by}"
    if sub.paused_reason:
        line += f" ; EN PAUSE ({sub.paused_reason}) : abonnez de nouveau pour reprendre"
    return line


@contextmanager
def _ds(settings: Settings) -> Iterator[Any]:
    settings.require("DS_API_TOKEN")
    # One try: the operator sees at once why, and runs the command again.
    ds = registry.get(BackendName.DS).client(settings, max_read_retries=0)
    try:
        yield ds
    finally:
        ds.close()


def subscribe(
    settings: Settings, store: Store, team: str, channel: str, creator: str, request: Any
) -> str:
    """`dsbot abonner`: the same service calls as `/ds abonner`; returns the line to print."""
    problem = channel_problem(settings, channel)
    if problem is not None:
        raise OperatorFault(problem)
    if isinstance(request, w.SubscribeFamily):
        return _subscribe_family(settings, store, team, channel, creator, request)
    from dsbot.services.subscriptions import GroupeNotInDemarche, SubscriptionService

    with _ds(settings) as ds:
        try:
            result = SubscriptionService(store, ds).subscribe(
                team,
                channel,
                request.demarche,
                groupe=request.groupe,
                states=request.states,
                created_by=creator,
                since=request.since,
            )
        except GroupeNotInDemarche as exc:
            raise OperatorFault(exc.message) from None
        except BackendNotFound:
            raise OperatorFault(
                f"la démarche {request.demarche} est introuvable, ou hors de portée de DS_API_TOKEN"
            ) from None
        except BackendError as exc:
            words = explain(exc, urlsplit(settings.ds_api_url).netloc)
            if words is not None:
                raise OperatorFault(f"DS est injoignable à DS_API_URL : {words}") from None
            raise OperatorFault(f"DS refuse : {exc.message}") from None
    done = "abonné" if result.kind == "created" else "abonnement mis à jour"
    return f"{done} — {describe(result.subscription)}"


def _subscribe_family(
    settings: Settings,
    store: Store,
    team: str,
    channel: str,
    creator: str,
    request: w.SubscribeFamily,
) -> str:
    from dsbot.runtime import build_item_service
    from dsbot.services.item_subscriptions import ItemSubscriptionService

    items = build_item_service(settings, store)
    service = ItemSubscriptionService(store, items.feeds)
    if not service.enabled(request.backend):
        raise OperatorFault(f"le backend {request.backend} n’est pas configuré")
    try:
        result = service.subscribe(
            team,
            channel,
            BackendName(request.backend),
            request.family,
            states=request.states,
            created_by=creator,
        )
    except BackendNotFound:
        raise OperatorFault(
            f"{request.backend} : la famille {request.family} est introuvable"
        ) from None
    except BackendError as exc:
        raise OperatorFault(f"{request.backend} refuse : {exc.message}") from None
    done = "abonné" if result.kind == "created" else "abonnement mis à jour"
    return f"{done} — {describe(result.subscription)}"


def unsubscribe(store: Store, team: str, channel: str, request: Any) -> str:
    """`dsbot desabonner`: the services `/ds desabonner` calls; no backend is read."""
    from dsbot.services.item_subscriptions import ItemSubscriptionService
    from dsbot.services.subscriptions import SubscriptionService

    if isinstance(request, w.UnsubscribeFamily):
        what = f"{request.backend} {request.family}"
        removed = ItemSubscriptionService(store, {}).unsubscribe(
            team, channel, BackendName(request.backend), request.family
        )
    else:
        what = f"la démarche {request.demarche}"
        # Unsubscribing reads nothing of DS: no client is built (nor DS_API_TOKEN needed).
        removed = SubscriptionService(store, cast(Any, None)).unsubscribe(
            team, channel, request.demarche
        )
    if not removed:
        raise OperatorFault(f"le canal {channel} n’est pas abonné à {what}")
    return f"désabonné — {channel} ne suit plus {what}"


def listing(store: Store, channel: str | None) -> list[str]:
    """`dsbot abonnements`: every subscription of the database, or of one channel."""
    from dsbot.store import notifications as q

    lines: list[str] = []
    with store.connect() as db:
        for team, channel_id in subscribed_channels(db):
            if channel is not None and channel_id != channel:
                continue
            lines += [describe(s) for s in q.channel_subscriptions(db, team, channel_id)]
            lines += [describe(s) for s in q.channel_item_subscriptions(db, team, channel_id)]
    return lines
