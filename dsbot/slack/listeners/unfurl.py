"""Link previews (`link_shared` → `chat.unfurl`) of DS dossier URLs.

A preview is seen by everyone in the channel, so it is given only when the person who shared
the link may see the dossier (docs/interface.md, "Who may see a dossier") and has read budget
left (dsbot.slack.interaction.budget), it stays compact
(dsbot.slack.presentation.blocks.unfurl), and it is
given at most once per link and channel every UNFURL_WINDOW. A message with MAX_LINKS links or
more gets none: a list of dossiers pasted in a channel would otherwise fill it with previews.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk.errors import SlackApiError

from dsbot.logs import get_logger
from dsbot.slack.interaction.dossier_refs import DossierLink, dossier_link, ds_hosts
from dsbot.slack.middleware import SERVICES_KEY, actor
from dsbot.slack.presentation.blocks.unfurl import build_unfurl
from dsbot.slack.presentation.views import dossier_detail
from dsbot.slack.services import AppServices
from dsbot.store.unfurls import claim_unfurl, release_unfurl

log = get_logger(__name__)

UNFURL_WINDOW = timedelta(minutes=30)
MAX_LINKS = 3


def now_utc() -> datetime:
    return datetime.now(UTC)


def register(app: App, clock: Callable[[], datetime] = now_utc) -> None:
    def on_link_shared(event: dict[str, Any], context: BoltContext) -> None:
        # Bolt acks events itself; DS is read in the job pool, never on Bolt's thread.
        services: AppServices = context[SERVICES_KEY]
        team_id, user_id = actor(context)
        links = shared_links(event, services.settings.ds_web_base)
        if not links:
            count = len(event["links"]) if isinstance(event.get("links"), list) else 0
            log.info("unfurl.no_dossier_link", links=count)
            return
        services.jobs.submit(
            unfurl_links,
            services,
            team_id,
            user_id,
            event,
            links,
            clock(),
            on_error=lambda exc: log.warning("unfurl.failed", error=type(exc).__name__),
        )

    app.event("link_shared")(on_link_shared)


def shared_links(event: dict[str, Any], ds_web_base: str) -> list[DossierLink]:
    """The dossier links of the event worth a preview; none when the message has too many."""
    raw = event.get("links")
    if not isinstance(raw, list) or len(raw) >= MAX_LINKS:
        return []
    hosts = ds_hosts(ds_web_base)
    found: dict[str, DossierLink] = {}
    for item in raw:
        url = item.get("url") if isinstance(item, dict) else None
        link = dossier_link(url, hosts) if isinstance(url, str) else None
        if link is not None:
            found.setdefault(link.url, link)
    return list(found.values())


def unfurl_target(event: dict[str, Any]) -> dict[str, Any] | None:
    """Where chat.unfurl attaches the previews: the posted message, or the message composer."""
    unfurl_id, source = event.get("unfurl_id"), event.get("source")
    if source == "composer" and isinstance(unfurl_id, str) and unfurl_id:
        return {"unfurl_id": unfurl_id, "source": str(source)}
    channel, ts = event.get("channel"), event.get("message_ts")
    if isinstance(channel, str) and channel and isinstance(ts, str) and ts:
        return {"channel": channel, "ts": ts}
    return None


def unfurl_links(
    services: AppServices,
    team_id: str,
    user_id: str,
    event: dict[str, Any],
    links: list[DossierLink],
    now: datetime,
) -> None:
    target = unfurl_target(event)
    if target is None or not user_id or services.access.is_guest(user_id):
        log.info("unfurl.no_target")
        return
    channel = str(event.get("channel") or "")
    if "unfurl_id" in target:
        # A link still in someone's message composer (channel "COMPOSER") is seen by them
        # alone: its window is theirs, not every composer's.
        channel = f"{channel}:{user_id}"
    unfurls: dict[str, dict[str, Any]] = {}
    claimed: list[str] = []
    for link in links:
        with services.store.connect() as db:
            if not claim_unfurl(db, team_id, channel, link.url, now, UNFURL_WINDOW):
                continue
        claimed.append(link.url)
        if not services.read_budget.spend(team_id, user_id, "unfurl"):
            # The sharer's read budget is spent: no preview, and DS is not read for it.
            continue
        preview = preview_of(services, team_id, user_id, link)
        if preview is not None:
            unfurls[link.url] = preview
    given = set(unfurls)
    if unfurls:
        try:
            services.slack.chat_unfurl(unfurls=unfurls, **target)
        except SlackApiError as exc:
            log.info("unfurl.refused", error=exc.response.get("error"))
            given = set()
    with services.store.connect() as db:
        for url in claimed:
            if url not in given:
                # Not shown: a later paste (by someone who may see it) may try again.
                release_unfurl(db, team_id, channel, url)
    # Dossier numbers only: the log says what was decided, never what a dossier holds.
    log.info(
        "unfurl.decided",
        given=_numbers(link for link in links if link.url in given),
        held_back=_numbers(link for link in links if link.url not in given),
    )


def _numbers(links: Iterable[DossierLink]) -> str:
    return ",".join(str(n) for n in sorted(link.number for link in links))


def preview_of(
    services: AppServices, team_id: str, user_id: str, link: DossierLink
) -> dict[str, Any] | None:
    """The preview of the linked dossier if the sharer may see it; None otherwise."""
    try:
        dossier, access = services.access.open(team_id, user_id, link.number)
    except Exception as exc:
        # Unknown number, DS down: the link simply stays without a preview.
        log.info("unfurl.unreadable", dossier=link.number, error=type(exc).__name__)
        return None
    if not access.visible:
        return None
    if link.demarche is not None and link.demarche != dossier.demarche.number:
        # The URL names another démarche: it does not lead to this dossier.
        return None
    detail = dossier_detail(dossier, services.texts, services.settings.ds_web_base)
    return build_unfurl(detail, services.texts)
