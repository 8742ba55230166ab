"""What each core `/ds` subcommand does once parsed (the table's handlers,
`dsbot/slack/commands/subcommands.py`): a listener-free module, so that the table can name these
functions and the listener can read the table without an import running back up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Respond

from dsbot.logs import get_logger
from dsbot.notifications.model import Topic
from dsbot.services import personal
from dsbot.slack.commands import grammar as g
from dsbot.slack.commands.table import Invocation
from dsbot.slack.presentation.blocks.card import Viewer, build_dossier_card
from dsbot.slack.presentation.blocks.common import SlackMessage, escape
from dsbot.slack.presentation.blocks.help import build_help
from dsbot.slack.presentation.error_texts import ds_error_text
from dsbot.slack.presentation.views import dossier_detail
from dsbot.slack.services import AppServices
from dsbot.store.notifications import ItemSubscription, Subscription
from dsbot.texts import Texts

log = get_logger(__name__)


def ephemeral(message: Any) -> dict[str, Any]:
    return {"text": message.text, "blocks": message.blocks, "response_type": "ephemeral"}


def answer_error(call: Invocation) -> Callable[[BaseException], None]:
    """The job pool's answer to a job that failed: what went wrong with DS, in one sentence."""

    def on_error(exc: BaseException) -> None:
        text = ds_error_text(exc, call.services.texts)
        call.respond(text=text, response_type="ephemeral", replace_original=True)

    return on_error


# --- the core entries' handlers (dsbot/slack/commands/subcommands.py) -----------------------------


def run_help(call: Invocation, cmd: g.Help) -> None:
    services = call.services
    is_admin = call.user_id in services.settings.admins
    configured = set(services.items.backends) if services.items is not None else set()
    message = build_help(
        services.texts,
        is_admin=is_admin,
        unknown=cmd.unknown,
        configured=configured,
        table=call.table,
    )
    call.ack(**ephemeral(message))


def run_show_dossier(call: Invocation, cmd: g.ShowDossier) -> None:
    """Rate-limited, acked as loading at once, the card read from DS in the job pool."""
    services, t = call.services, call.services.texts
    if not services.read_budget.spend(call.team_id, call.user_id, "/ds dossier"):
        log.warning("budget.spent", user=call.user_id, path="/ds dossier")
        limit = services.read_budget.limit
        call.ack(text=t("dossier.rate_limited", limit=limit), response_type="ephemeral")
        return
    call.ack(text=t("dossier.loading", number=cmd.number), response_type="ephemeral")
    services.jobs.submit(
        show_dossier,
        services,
        call.team_id,
        call.user_id,
        cmd.number,
        call.respond,
        on_error=answer_error(call),
    )


def run_whoami(call: Invocation, cmd: g.WhoAmI) -> None:
    text = whoami_text(call.services, call.team_id, call.user_id)
    call.respond(text=text, response_type="ephemeral")


def run_list_subscriptions(call: Invocation, cmd: g.ListSubscriptions) -> None:
    text = list_subscriptions_text(call.services, call.team_id, call.channel_id)
    call.respond(text=text, response_type="ephemeral")


def run_summary(call: Invocation, cmd: g.Summary) -> None:
    call.respond(**ephemeral(summary_message(call.services, call.team_id, call.channel_id, cmd)))


def run_search(call: Invocation, cmd: g.Search) -> None:
    """Dossiers found in the local index among those the person may see (0 DS request)."""
    call.respond(**ephemeral(search_message(call.services, call.team_id, call.user_id, cmd.text)))


def search_message(services: AppServices, team_id: str, user_id: str, text: str) -> SlackMessage:
    from dsbot.services.search import MAX_RESULTS, find
    from dsbot.slack.presentation.blocks.search import build_search_results

    t = services.texts
    if services.access.is_guest(user_id):
        return SlackMessage(text=t("access.reason_guest"), blocks=[])
    is_admin = services.linking.is_admin(user_id)
    instructeur_id = services.linking.resolve(team_id, user_id).instructeur_id
    if instructeur_id is None and not is_admin:
        return SlackMessage(text=t("search.not_linked"), blocks=[])
    entries = find(services.store, text, instructeur_id=instructeur_id, sees_all=is_admin)
    return build_search_results(text, entries, datetime.now(UTC), t, limit=MAX_RESULTS)


def run_notifications(call: Invocation, cmd: g.Notifications) -> None:
    text = notifications_text(call.services, call.team_id, call.user_id, cmd)
    call.respond(text=text, response_type="ephemeral")


def notifications_text(
    services: AppServices, team_id: str, user_id: str, cmd: g.Notifications
) -> str:
    """One's personal notifications, after the change asked for if any."""
    t = services.texts
    if cmd.mode is not None:
        topics = [cmd.topic] if cmd.topic is not None else list(Topic)
        personal.set_modes(services.store, team_id, user_id, dict.fromkeys(topics, cmd.mode))
    modes = personal.modes_of(services.store, team_id, user_id)
    lines = [t("personal.prefs")]
    lines += [
        t("personal.prefs_line", topic=t(f"personal.topic.{k}"), mode=t(f"personal.mode.{m}"))
        for k, m in modes.items()
    ]
    lines.append(t("personal.prefs_hint"))
    if services.linking.resolve(team_id, user_id).link is None:
        lines.append(t("personal.not_linked"))
    return "\n".join(lines)


def run_link(call: Invocation, cmd: g.Link) -> None:
    text = link_text(call.services, call.team_id, call.user_id, cmd)
    call.respond(text=text, response_type="ephemeral")


def run_unlink(call: Invocation, cmd: g.Unlink) -> None:
    removed = call.services.linking.unlink(call.team_id, call.user_id, cmd.user_id)
    key = "link.unlinked" if removed else "link.unlinked_none"
    call.respond(text=call.services.texts(key, user=f"<@{cmd.user_id}>"), response_type="ephemeral")


def run_subscription_change(call: Invocation, cmd: g.Subscribe | g.Unsubscribe) -> None:
    text = subscription_change_text(call.services, call.team_id, call.user_id, call.channel_id, cmd)
    call.respond(text=text, response_type="ephemeral")


def run_family_subscription_change(
    call: Invocation, cmd: g.SubscribeFamily | g.UnsubscribeFamily
) -> None:
    text = family_subscription_text(call.services, call.team_id, call.user_id, call.channel_id, cmd)
    call.respond(text=text, response_type="ephemeral")


def show_dossier(
    services: AppServices, team_id: str, user_id: str, number: int, respond: Respond
) -> None:
    """The ephemeral dossier card, with the actions this user may take; to a user who may not
    see the dossier, why not and how to get linked, without any of its content."""
    t = services.texts
    try:
        dossier, access = services.access.open(team_id, user_id, number)
    except Exception as exc:
        # Every DS failure gets its own clear sentence; the number helps the user spot a typo.
        # A dossier not for this person (`NotForYou`) answers as an unknown number does.
        log.info("dossier.unreadable", dossier=number, user=user_id, error=type(exc).__name__)
        respond(
            text=ds_error_text(exc, t, number=number),
            response_type="ephemeral",
            replace_original=True,
        )
        return
    viewer = Viewer(
        instructeur_id=access.instructeur_id, can_act=access.allowed, reason_key=access.reason_key
    )
    card = build_dossier_card(
        dossier_detail(dossier, t, services.settings.ds_web_base),
        viewer=viewer,
        texts=t,
        ephemeral=True,
    )
    respond(**ephemeral(card), replace_original=True)


def summary_message(
    services: AppServices, team_id: str, channel_id: str, cmd: g.Summary
) -> SlackMessage:
    """The channel's digest now, from the local index (no DS request)."""
    from dsbot.services.digest import DigestScheduler
    from dsbot.slack.rendering.digest import render_digest

    settings = services.settings
    scheduler = DigestScheduler(
        services.store, digest_time=settings.digest_time, reminder_days=settings.reminder_days
    )
    digest = scheduler.summary(team_id, channel_id, cmd.demarche)
    if not digest.demarches:
        demarche = f" {cmd.demarche}" if cmd.demarche is not None else ""
        text = services.texts("digest.none", demarche=demarche)
        return SlackMessage(text=text, blocks=[])
    return render_digest(
        services.store,
        services.slack,
        services.texts,
        settings.ds_web_base,
        team_id,
        channel_id,
        digest,
    )


def whoami_text(services: AppServices, team_id: str, user_id: str) -> str:
    t = services.texts
    status = services.linking.resolve(team_id, user_id)
    if status.link is None:
        reason = t(status.reason or "link.reason_no_match", email=status.email or "?")
        return t("link.whoami_none", reason=reason)
    method = t("link.method_" + status.link.method)
    return t(
        "link.whoami",
        email=status.link.email,
        instructeur_id=status.link.instructeur_id,
        method=method,
    )


def link_text(services: AppServices, team_id: str, admin_id: str, cmd: g.Link) -> str:
    from dsbot.services.linking import NotAnInstructeur

    t = services.texts
    try:
        services.linking.link(team_id, admin_id, cmd.user_id, cmd.email)
    except NotAnInstructeur:
        return t("link.not_instructeur", email=escape(cmd.email))
    return t("link.linked", user=f"<@{cmd.user_id}>", email=escape(cmd.email))


def list_subscriptions_text(services: AppServices, team_id: str, channel_id: str) -> str:
    t = services.texts
    subs = services.subscriptions.list(team_id, channel_id)
    families = (
        services.item_subscriptions.list(team_id, channel_id)
        if services.item_subscriptions is not None
        else []
    )
    if not subs and not families:
        return t("subscriptions.none")
    lines = [t("subscriptions.header")]
    lines += [subscription_line(t, s) for s in subs]
    lines += [family_line(t, f) for f in families]
    return "\n".join(lines)


def family_line(t: Texts, sub: ItemSubscription) -> str:
    states = (
        ", ".join(f"`{s}`" for s in sub.states) if sub.states else t("subscriptions.all_states")
    )
    paused = t("subscriptions.paused", reason=sub.paused_reason) if sub.paused_reason else ""
    return t(
        _key(t, sub.backend, "subscriptions.scope_line"),
        family=f"`{sub.family}`",
        states=states,
        creator=f"<@{sub.created_by}>",
        paused=paused,
    )


def family_subscription_text(
    services: AppServices,
    team_id: str,
    user_id: str,
    channel_id: str,
    cmd: g.SubscribeFamily | g.UnsubscribeFamily,
) -> str:
    """`/ds abonner <backend> …` and `/ds desabonner <backend> …` (admins only)."""
    from dsbot.backends.errors import BackendError, BackendNotFound
    from dsbot.backends.port import BackendName

    t = services.texts
    service = services.item_subscriptions
    if service is None or not service.enabled(cmd.backend):
        return t(_key(t, cmd.backend, "subscriptions.off"))
    backend = BackendName(cmd.backend)
    family = f"`{cmd.family}`"
    if isinstance(cmd, g.UnsubscribeFamily):
        removed = service.unsubscribe(team_id, channel_id, backend, cmd.family)
        stem = "subscriptions.scope_removed" if removed else "subscriptions.scope_not_found"
        return t(_key(t, cmd.backend, stem), family=family)
    from dsbot.slack.commands.exposure import ExposureGate

    problem = channel_problem(services, channel_id)
    gate = ExposureGate(services, team_id, user_id, channel_id, cmd.confirmed, cmd.backend)
    problem = problem or gate.refusal(cmd.family)
    if problem is not None:
        return problem
    try:
        result = service.subscribe(
            team_id, channel_id, backend, cmd.family, states=cmd.states, created_by=user_id
        )
    except BackendNotFound:
        return t(_key(t, cmd.backend, "subscriptions.scope_unknown"), family=family)
    except BackendError as exc:
        from dsbot.slack.commands.items import backend_error_text

        return backend_error_text(exc, services)
    line = family_line(t, result.subscription)
    stem = (
        "subscriptions.scope_merged" if result.kind == "merged" else "subscriptions.scope_created"
    )
    return t(_key(t, cmd.backend, stem), family=family, line=line) + gate.confirmed_note(cmd.family)


def _key(t: Texts, backend: str, stem: str) -> str:
    """The text key that says `stem` for `backend` (its spec names it)."""
    from dsbot.slack.presentation.backend_texts import backend_key

    return backend_key(t, backend, stem)


def channel_problem(services: AppServices, channel_id: str) -> str | None:
    """Why the bot cannot post in this channel (`/invite` it), or None when it can."""
    from slack_sdk.errors import SlackApiError

    t = services.texts
    try:
        info = services.slack.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        key = "subscriptions.not_in_channel" if error == "channel_not_found" else "error.slack"
        return t(key, error=error)
    if info.get("is_archived"):
        return t("subscriptions.archived")
    if info.get("is_private") and not info.get("is_member"):
        return t("subscriptions.not_in_channel", error="not_in_channel")
    return None


def subscription_line(t: Texts, sub: Subscription) -> str:
    states = (
        ", ".join(t("state." + s) for s in sub.states)
        if sub.states
        else t("subscriptions.all_states")
    )
    groupe = t("subscriptions.groupe", groupe=sub.groupe_number) if sub.groupe_number else ""
    paused = t("subscriptions.paused", reason=sub.paused_reason) if sub.paused_reason else ""
    return t(
        "subscriptions.line",
        demarche=sub.demarche_number,
        groupe=groupe,
        states=states,
        creator=f"<@{sub.created_by}>",
        paused=paused,
    )


def subscription_change_text(
    services: AppServices,
    team_id: str,
    user_id: str,
    channel_id: str,
    cmd: g.Subscribe | g.Unsubscribe,
) -> str:
    t = services.texts
    if isinstance(cmd, g.Unsubscribe):
        removed = services.subscriptions.unsubscribe(team_id, channel_id, cmd.demarche)
        key = "subscriptions.removed" if removed else "subscriptions.not_found"
        return t(key, demarche=cmd.demarche)
    return subscribe_text(services, team_id, user_id, channel_id, cmd)


def subscribe_text(
    services: AppServices, team_id: str, user_id: str, channel_id: str, cmd: g.Subscribe
) -> str:
    """Subscribe the channel, after checking that the bot can post there (`/invite` otherwise)."""
    from dsbot.backends.errors import BackendNotFound
    from dsbot.services.subscriptions import GroupeNotInDemarche
    from dsbot.slack.commands.exposure import ExposureGate

    t = services.texts
    problem = channel_problem(services, channel_id)
    gate = ExposureGate(services, team_id, user_id, channel_id, cmd.confirmed)
    problem = problem or gate.refusal(cmd.demarche)
    if problem is not None:
        return problem
    try:
        result = services.subscriptions.subscribe(
            team_id,
            channel_id,
            cmd.demarche,
            groupe=cmd.groupe,
            states=cmd.states,
            created_by=user_id,
            since=cmd.since,
        )
    except GroupeNotInDemarche:
        return t("subscriptions.groupe_not_in_demarche", groupe=cmd.groupe, demarche=cmd.demarche)
    except BackendNotFound:
        return t("subscriptions.demarche_unknown", demarche=cmd.demarche)
    except Exception as exc:
        return ds_error_text(exc, t)
    line = subscription_line(t, result.subscription)
    note = gate.confirmed_note(cmd.demarche)
    if result.kind == "merged":
        return t("subscriptions.merged", demarche=cmd.demarche, line=line) + note
    if cmd.since is not None:
        since = cmd.since.isoformat()
        text = t("subscriptions.created_since", demarche=cmd.demarche, since=since, line=line)
        return text + note
    return t("subscriptions.created", demarche=cmd.demarche, line=line) + note
