"""Wiring: everything `dsbot run` and `dsbot poll` need, built from Settings, started and
stopped in order. The one place where the Slack layer and the services meet: the services'
layers know nothing of Slack, and are handed their Slack parts from here."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dsbot.backends.ds.client import DSClient
from dsbot.config import ConfigError, Settings
from dsbot.services.digest import PARIS, DigestScheduler
from dsbot.services.directory import InstructeurDirectory
from dsbot.services.dynacase_feed import DynacaseFeedProcessor
from dsbot.services.feed import PAGE_SIZE, RecentDossiers
from dsbot.services.items import ItemService
from dsbot.services.linking import LinkingService
from dsbot.services.poller import CycleReport, Poller, utc_now
from dsbot.services.poller_health import PollerStatus
from dsbot.slack.home import HomePublisher
from dsbot.slack.sender import Sender
from dsbot.slack.users import SlackUserDirectory
from dsbot.slack.web_client import make_web_client
from dsbot.store import DatabaseUnavailable, Store
from dsbot.store import notifications as q
from dsbot.texts import Texts, get_texts

# `dsbot poll` and `dsbot digest` (cron, every few minutes) need the poller only: what serves
# Slack (Bolt, its listeners, the HTTP server, the action services) is imported by the functions
# of `dsbot run`, so that the others do not pay for it at start-up.
if TYPE_CHECKING:
    from dsbot.backends.dynacase.client import DynacaseClient
    from dsbot.slack.http_server import BackgroundServer, Health
    from dsbot.slack.services import AppServices

log = logging.getLogger(__name__)


class StartupError(Exception):
    """A one-line reason why dsbot cannot start (shown by the CLI)."""


def required_settings(http: bool) -> tuple[str, ...]:
    """What `dsbot run` cannot start without, in Socket Mode or in HTTP mode."""
    mode = "SLACK_SIGNING_SECRET" if http else "SLACK_APP_TOKEN"
    return ("SLACK_BOT_TOKEN", mode, "DS_API_TOKEN")


def build_services(settings: Settings, *, ds: DSClient | None = None) -> AppServices:
    """Every service of the Slack app, built from Settings (`ds` may be passed in instead)."""
    from dsbot.services.access import DossierAccessService
    from dsbot.services.actions import build_action_service
    from dsbot.services.item_subscriptions import DynacaseSubscriptionService
    from dsbot.services.subscriptions import SubscriptionService
    from dsbot.slack.jobs import Jobs
    from dsbot.slack.services import AppServices

    store = Store(settings.db_path)
    store.migrate()
    ds = ds or DSClient(settings.ds_api_url, settings.ds_api_token or "")
    slack = make_web_client(settings)
    directory = InstructeurDirectory(store, ds, extra_demarches=lambda: settings.demarches)
    linking = LinkingService(store, directory, SlackUserDirectory(slack), settings.admins)
    access = DossierAccessService(ds, linking, directory)
    items = build_item_service(settings, store)
    dynacase = dynacase_client_of(items)
    return AppServices(
        settings=settings,
        texts=get_texts(settings.lang),
        store=store,
        ds=ds,
        slack=slack,
        directory=directory,
        linking=linking,
        access=access,
        jobs=Jobs(),
        subscriptions=SubscriptionService(store, ds),
        actions=build_action_service(store, ds, access),
        items=items,
        dynacase_subscriptions=(
            DynacaseSubscriptionService(store, dynacase) if dynacase is not None else None
        ),
    )


# --- the notification poller ---------------------------------------------------------------------


def build_poller(
    settings: Settings,
    *,
    store: Store | None = None,
    ds: DSClient | None = None,
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
        ds = DSClient(settings.ds_api_url, settings.ds_api_token or "")
    if slack is None and not settings.slack_bot_token and not _has_work(store):
        # Nothing subscribed, nothing queued: nothing to post, so no Slack token needed yet (a
        # first `poll --once` checks DS alone). Used all the same, it names the missing token.
        slack = cast(WebClient, _SlackTokenMissing(settings))
    if slack is None:
        settings.require("SLACK_BOT_TOKEN")
        # The sender reschedules on 429 itself: sleeping in the client would stall a cycle.
        slack = make_web_client(settings, retry_rate_limits=False)
    cache = RecentDossiers(ds.get_dossier)
    texts = texts or get_texts(settings.lang)
    if items is None:
        items = build_item_service(settings, store)
    dynacase = dynacase_client_of(items)
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
    )
    return Poller(
        store,
        ds,
        sender,
        ops_channel=settings.ops_channel,
        clock=clock,
        cache=cache,
        page_size=page_size,
        digests=DigestScheduler(
            store,
            digest_time=settings.digest_time,
            reminder_days=settings.reminder_days,
            clock=clock,
        ),
        homes=build_home_publisher(settings, store, ds, slack, texts, clock=clock),
        dynacase=(
            DynacaseFeedProcessor(store, dynacase, clock=clock) if dynacase is not None else None
        ),
        **poller_options,
    )


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
    ds: DSClient,
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
        poller.processor.ds.close()


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
    from dsbot.slack.digest import render_digest
    from dsbot.slack.render_terminal import render_message

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
        poller.processor.ds.close()
    return [f"digest queued for {c}" for _, c in queued] or [
        "no digest queued (none subscribed, or already sent today)"
    ]


def start_background_poller(
    services: AppServices, stop_event: threading.Event, *, status: PollerStatus | None = None
) -> Callable[[], None]:
    """Start `run_forever` on its own thread for `dsbot run` (`status`: where it reports its
    liveness, for /healthz).

    Returns a function that stops it and waits for the cycle in progress to end.
    """
    settings = services.settings
    poller = build_poller(
        settings,
        store=services.store,
        ds=services.ds,
        slack=make_web_client(settings, retry_rate_limits=False),
        texts=services.texts,
        items=services.items,
        lease_seconds=max(600.0, 3 * settings.poll_interval),
    )
    if status is not None:
        poller.status = status
    thread = threading.Thread(
        target=poller.run_forever,
        args=(settings.poll_interval, stop_event),
        name="dsbot-poller",
        daemon=True,
    )
    thread.start()

    def stop() -> None:
        stop_event.set()
        thread.join(timeout=60)

    return stop


# --- dsbot run -----------------------------------------------------------------------------------


def dynacase_client_of(items: ItemService) -> DynacaseClient | None:
    """The bot's Dynacase reads client (DYNACASE_TOKEN), when Dynacase is configured."""
    from dsbot.backends.dynacase.backend import DynacaseBackend
    from dsbot.backends.port import BackendName

    backend = items.backends.get(BackendName.DYNACASE)
    return backend.client if isinstance(backend, DynacaseBackend) else None


def build_item_service(settings: Settings, store: Store) -> ItemService:
    """The backends other than DS that are configured (Dynacase), behind one ItemService."""
    from dsbot.backends.dynacase.backend import DynacaseBackend
    from dsbot.backends.dynacase.client import client_from_settings
    from dsbot.backends.port import Backend, BackendName
    from dsbot.services.audit import AuditService
    from dsbot.services.credentials import CredentialVault

    backends: dict[BackendName, Backend] = {}
    dynacase = client_from_settings(settings)
    if dynacase is not None:
        backends[BackendName.DYNACASE] = DynacaseBackend(dynacase)
    return ItemService(
        store,
        backends,
        CredentialVault(store, settings.secret_key),
        AuditService(store),
        settings.admins,
    )


def _new_health() -> Health:
    from dsbot.slack.http_server import Health

    return Health()


@dataclass
class Runtime:
    settings: Settings
    services: AppServices
    health: Health = field(default_factory=_new_health)
    http_port: int | None = None
    warmup: Future[Any] | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    _stoppers: list[Callable[[], None]] = field(default_factory=list)

    def check_slack(self) -> dict[str, Any]:
        try:
            auth = self.services.slack.auth_test()
        except SlackApiError as exc:
            raise StartupError(
                f"Slack refuse le jeton du bot ({exc.response.get('error')}) :"
                " vérifiez SLACK_BOT_TOKEN"
            ) from None
        except OSError as exc:
            raise StartupError(f"Slack est injoignable à SLACK_API_URL : {exc}") from None
        self.health.slack_ok = True
        # auth.test answers JSON (SlackResponse.data is bytes only for file downloads).
        return dict(auth.data) if isinstance(auth.data, dict) else {}

    def start_poller(self) -> None:
        self.health.poller = PollerStatus()
        stop = start_background_poller(self.services, self.stop_event, status=self.health.poller)
        self._stoppers.append(stop)
        self.health.poller_started = True

    def serve_http(self, host: str, port: int) -> BackgroundServer:
        from dsbot.slack.app import build_app
        from dsbot.slack.http_server import BackgroundServer, slack_wsgi

        app = build_app(self.services)
        wsgi = slack_wsgi(app, self.health, signing_secret=self.settings.slack_signing_secret or "")
        server = BackgroundServer(wsgi, host, port).start()
        self._stoppers.append(server.stop)
        self.http_port = server.port
        if self.settings.health_port and self.settings.health_port != server.port:
            # The same probe works in both modes (the Dockerfile's HEALTHCHECK uses this port).
            self.serve_health()
        self.health.server_up = True
        log.info("listening on http://%s:%s/slack/events", server.host, server.port)
        return server

    def serve_socket_mode(self) -> None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from dsbot.slack.app import build_app

        app = build_app(self.services)
        handler = SocketModeHandler(app, self.settings.slack_app_token)
        handler.connect()
        self._stoppers.append(handler.close)
        if self.settings.health_port:
            self.serve_health()
        self.health.server_up = True
        log.info("connected to Slack in Socket Mode")

    def serve_health(self) -> None:
        from dsbot.slack.http_server import BackgroundServer, health_wsgi

        server = BackgroundServer(health_wsgi(self.health), "0.0.0.0", self.settings.health_port)
        self._stoppers.append(server.start().stop)

    def stop(self) -> None:
        self.stop_event.set()
        for stop in reversed(self._stoppers):
            try:
                stop()
            except Exception:
                log.exception("error while stopping")
        self.services.jobs.shutdown(wait=False)
        # Idle keep-alive connections would otherwise linger on DS's side.
        self.services.ds.close()


def start(
    settings: Settings,
    *,
    http: bool,
    host: str = "0.0.0.0",
    port: int = 3000,
    poller: bool = True,
    ds: DSClient | None = None,
) -> Runtime:
    """Start the bot; returns the running Runtime (call .stop() to end it).

    `poller=False` leaves notifications out (tests of the interactive side).
    """
    try:
        settings.require(*required_settings(http))
    except ConfigError as exc:
        raise StartupError(str(exc)) from None
    try:
        services = build_services(settings, ds=ds)
    except DatabaseUnavailable as exc:
        raise StartupError(f"DSBOT_DB : {exc}") from None
    runtime = Runtime(settings, services)
    runtime.health.store = services.store
    runtime.health.poll_interval = settings.poll_interval
    try:
        runtime.check_slack()
        # Warm the instructeur directory so that the first /ds of the day does not wait for it.
        runtime.warmup = runtime.services.jobs.submit(runtime.services.directory.refresh_if_stale)
        if http:
            runtime.serve_http(host, port)
        else:
            runtime.serve_socket_mode()
        if poller:
            runtime.start_poller()
        else:
            runtime.health.poller_started = True
    except BaseException:
        runtime.stop()
        raise
    return runtime
