"""Wiring of the notification side: the poller and what it needs (`dsbot poll`, `dsbot digest`,
and the poller thread of `dsbot run`), built from Settings. The services' layers know nothing of
Slack and are handed their Slack parts from here. What serves Slack interactively (Bolt, the
HTTP server, the action services) is wired in `dsbot.app_runtime`, which cron commands do not
import."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from slack_sdk import WebClient

from dsbot.backends import registry
from dsbot.backends.port import BackendName, FeedSource
from dsbot.config import Settings
from dsbot.logs import get_logger
from dsbot.notifications.cycle import CycleReport, Poller, utc_now
from dsbot.notifications.feeds import BackendFeeds, FeedReader, Feeds
from dsbot.services.digest import PARIS, DigestScheduler
from dsbot.services.directory import InstructeurDirectory
from dsbot.services.feed import DS_SCOPES, PAGE_SIZE, FeedProcessor, RecentDossiers
from dsbot.services.item_feed import ItemFeedProcessor
from dsbot.services.items import ItemService
from dsbot.services.linking import LinkingService
from dsbot.services.personal import default_timing
from dsbot.slack.interaction.home import HomePublisher
from dsbot.slack.sender import Sender
from dsbot.slack.transport.users import SlackUserDirectory
from dsbot.slack.transport.web_client import make_web_client
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.texts import Texts, get_texts

if TYPE_CHECKING:  # prometheus_client is for `dsbot run`, not for cron commands
    from dsbot.metrics import Metrics

log = get_logger(__name__)


# --- the notification poller ---------------------------------------------------------------------


def build_poller(
    settings: Settings,
    *,
    store: Store | None = None,
    ds: Any = None,
    slack: WebClient | None = None,
    texts: Texts | None = None,
    pacing: float = 1.0,
    page_size: int = PAGE_SIZE,
    clock: Callable[[], datetime] = utc_now,
    items: ItemService | None = None,
    **poller_options: Any,
) -> Poller:
    """A Poller and its Sender from Settings; any part may be passed in instead.
    `poller_options` are the Poller's own keyword arguments (backoff, alerts, lease)."""
    if store is None:
        store = Store(settings.db_path)
        store.migrate()
    if ds is None:
        settings.require("DS_API_TOKEN")
        ds = registry.get(BackendName.DS).client(settings)
    if slack is None and not settings.slack_bot_token and not _has_work(store):
        # Nothing subscribed, nothing queued: nothing to post, so no Slack token needed yet (a
        # first `poll --once` checks DS alone). Used all the same, it names the missing token.
        slack = cast(WebClient, _SlackTokenMissing(settings))
    if slack is None:
        settings.require("SLACK_BOT_TOKEN")
        # The sender reschedules on 429 itself: sleeping in the client would stall a cycle.
        slack = make_web_client(settings, retry_rate_limits=False)
    # The poller's DS requests wait behind people's in the token's shared limiter.
    background = getattr(ds, "background", None)
    if callable(background):
        ds = background()
    cache = RecentDossiers(ds.get_dossier)
    texts = texts or get_texts(settings.lang)
    if items is None:
        items = build_item_service(settings, store)
    sender = Sender(
        store,
        slack,
        cache.get,
        texts,
        ds_web_base=settings.ds_web_base,
        ops_channel=settings.ops_channel,
        pacing=pacing,
        clock=clock,
        backends=items.backends,
        channel_detail=settings.channel_detail,
    )
    feeds = build_feeds(
        FeedProcessor(
            store,
            ds,
            clock=clock,
            cache=cache,
            page_size=page_size,
            personal=default_timing(
                timedelta(seconds=settings.notifications_window), settings.digest_time
            ),
        ),
        {
            name: ItemFeedProcessor(store, name, feed, items.backends[name].reader(), clock=clock)
            for name, feed in feeds_of(items, settings).items()
        },
    )
    poller_options.setdefault("retention_days", settings.retention_days)
    poller = Poller(
        store,
        feeds,
        sender,
        ops_channel=settings.ops_channel,
        clock=clock,
        cache=cache,
        digests=DigestScheduler(
            store,
            digest_time=settings.digest_time,
            reminder_days=settings.reminder_days,
            clock=clock,
        ),
        homes=build_home_publisher(settings, store, ds, slack, texts, clock=clock),
        **poller_options,
    )
    return poller


def build_feeds(ds: FeedProcessor, others: Mapping[str, FeedReader]) -> Feeds:
    """DS's feeds, then those of the other configured backends in the registry's order (a
    backend not configured has no reader: its feeds wait). Each backend's health is counted
    under `<name>_health`, and its recovery notice is the text its spec names."""
    feeds = [BackendFeeds(BackendName.DS, ds, "ds_health", "notify.ops.ds_recovered", DS_SCOPES)]
    for spec in registry.specs():
        reader = others.get(spec.name)
        if reader is not None:
            recovered = spec.text_key("notify.ops.recovered")
            feeds.append(
                BackendFeeds(BackendName(spec.name), reader, f"{spec.name}_health", recovered)
            )
    return Feeds(feeds)


def close_ds(poller: Poller) -> None:
    """Close the DS client the poller's DS feeds read with."""
    reader = poller.feeds.reader(BackendName.DS)
    if isinstance(reader, FeedProcessor):
        reader.ds.close()


def _has_work(store: Store) -> bool:
    with store.connect() as db:
        return bool(q.active_feeds(db) or q.channels_with_open_rows(db))


class _SlackTokenMissing:
    """Stands for the Slack client when SLACK_BOT_TOKEN is not set."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def __getattr__(self, name: str) -> Any:
        self._settings.require("SLACK_BOT_TOKEN")
        raise AttributeError(name)


def build_home_publisher(
    settings: Settings,
    store: Store,
    ds: Any,
    slack: WebClient,
    texts: Texts,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> HomePublisher:
    """The poller's own publisher of Home tabs (debounced refreshes after feed changes)."""
    directory = InstructeurDirectory(store, ds, extra_demarches=lambda: settings.demarches)
    linking = LinkingService(store, directory, SlackUserDirectory(slack), settings.admins)
    return HomePublisher(store, slack, linking, texts, clock=clock)


def run_once(settings: Settings, **options: Any) -> CycleReport:
    """`dsbot poll --once`: one cycle with everything built from Settings (`options`: those
    of `build_poller`)."""
    poller = build_poller(settings, **options)
    try:
        return poller.run_cycle()
    finally:
        close_ds(poller)


def run_digest(
    settings: Settings,
    *,
    channel: str | None = None,
    dry_run: bool = False,
    clock: Callable[[], datetime] = utc_now,
    **options: Any,
) -> list[str]:
    """`dsbot digest`: today's digest of every subscribed channel (or of one), now. Queued
    with the day's dedupe key (a channel that had its digest today gets no second one), then
    sent unless another poller holds the database (it will send it). With `dry_run`: nothing
    is queued or sent; returns the digests as terminal text. Reads the local index, not DS."""
    from dsbot.slack.presentation.render_terminal import render_message
    from dsbot.slack.rendering.digest import render_digest

    store = Store(settings.db_path)
    store.migrate()
    texts = get_texts(settings.lang)
    scheduler = DigestScheduler(
        store, digest_time=settings.digest_time, reminder_days=settings.reminder_days, clock=clock
    )
    if dry_run:
        return [
            f"# {channel_id}\n"
            + render_message(
                render_digest(store, None, texts, settings.ds_web_base, team_id, channel_id, digest)
            )
            for team_id, channel_id, digest in scheduler.preview(channel=channel)
        ]
    now = clock()
    day = now.astimezone(PARIS).date()
    queued = scheduler.enqueue(day, now, channel=channel)
    poller = build_poller(settings, store=store, texts=texts, clock=clock, **options)
    try:
        if poller.acquire_lease():
            try:
                poller.sender.drain(None)
            finally:
                poller.release_lease()
    finally:
        close_ds(poller)
    return [f"résumé du jour mis en file pour {c}" for _, c in queued] or [
        "aucun résumé mis en file (aucun canal abonné, ou résumé du jour déjà envoyé)"
    ]


# --- the backends other than DS ------------------------------------------------------------------


def feeds_of(items: ItemService, settings: Settings) -> dict[BackendName, FeedSource]:
    """The feed of each backend of `items`: its own, or, for a backend built elsewhere (a
    caller's ItemService), its spec's over the client the backend reads with."""
    feeds = dict(items.feeds)
    for name, backend in items.backends.items():
        client = getattr(backend, "client", None)
        if name not in feeds and client is not None:
            feeds[name] = registry.get(name).feed(client, settings)
    return feeds


def build_item_service(
    settings: Settings, store: Store, *, metrics: Metrics | None = None
) -> ItemService:
    """The configured backends whose items ItemService serves (all but DS), with their feeds
    over the same client (the bot's credential), built through the registry (`metrics` counts
    their requests and the actions taken)."""
    from dsbot.backends.port import Backend
    from dsbot.services.audit import AuditService
    from dsbot.services.credentials import CredentialVault, SecretKeyError

    backends: dict[BackendName, Backend] = {}
    feeds: dict[BackendName, FeedSource] = {}
    for spec in registry.enabled(settings):
        if spec.items:
            client = spec.observed_client(settings, metrics)
            backend = spec.adapter(client, settings)
            backends[backend.name] = backend
            feeds[backend.name] = spec.feed(client, settings)
    vault = CredentialVault(store, settings.secret_key)
    if settings.secret_key:
        # Tokens stored before they were bound to their row (Fernet): re-encrypted once.
        try:
            vault.migrate()
        except SecretKeyError as exc:
            log.warning("credentials.not_migrated", error=type(exc).__name__)
    return ItemService(
        store,
        backends,
        vault,
        AuditService(store, on_action=metrics.action if metrics is not None else None),
        settings.admins,
        feeds=feeds,
    )
