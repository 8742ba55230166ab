"""Wiring of `dsbot run`: every service of the Slack app built from Settings, the Bolt app
served in Socket Mode or over HTTP, the health endpoint, and the poller thread, started and
stopped in order. The one place where the Slack app and the services meet."""

from __future__ import annotations

import errno
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError

from dsbot.backends import registry
from dsbot.backends.port import BackendName
from dsbot.config import ConfigError, Settings, required_for_run
from dsbot.logs import get_logger
from dsbot.metrics import Metrics
from dsbot.notifications.cycle import Poller
from dsbot.notifications.health import PollerStatus
from dsbot.notifications.readiness import NotificationHealth
from dsbot.runtime import build_item_service, build_poller
from dsbot.services.access import DossierAccessService
from dsbot.services.actions import build_action_service
from dsbot.services.directory import InstructeurDirectory
from dsbot.services.item_subscriptions import ItemSubscriptionService
from dsbot.services.linking import LinkingService
from dsbot.services.subscriptions import SubscriptionService
from dsbot.slack.app import build_app
from dsbot.slack.jobs import Jobs
from dsbot.slack.services import AppServices
from dsbot.slack.transport.http_server import (
    SERVER_THREADS,
    BackgroundServer,
    Health,
    health_wsgi,
    slack_wsgi,
)
from dsbot.slack.transport.users import SlackUserDirectory
from dsbot.slack.transport.web_client import make_web_client
from dsbot.store import DatabaseUnavailable, Store
from dsbot.texts import get_texts

log = get_logger(__name__)
# How long `dsbot run` waits for the poller when it stops (it must be gone within 5 s).
SHUTDOWN_GRACE = 3.0
# Threads of the health port's server (Slack's events get SERVER_THREADS).
HEALTH_THREADS = 4
# The whole stop, the poller and the listeners' running jobs together, stays under that 5 s.
STOP_BUDGET = 4.0


class StartupError(Exception):
    """A one-line reason why dsbot cannot start (shown by the CLI)."""


def listen(
    wsgi: Callable[..., Any], host: str, port: int, setting: str, threads: int = SERVER_THREADS
) -> BackgroundServer:
    """A started server on host:port, or a StartupError naming the option or variable to change
    (the port most often taken by another process, or by a dsbot already running)."""
    try:
        server = BackgroundServer(wsgi, host, port, threads)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                f"le port {port} est déjà pris sur {host} : changez {setting}"
            ) from None
        raise StartupError(
            f"impossible d’écouter sur {host}:{port} ({exc.strerror or exc}) : vérifiez {setting}"
        ) from None
    return server.start()


def build_services(
    settings: Settings, *, ds: Any = None, metrics: Metrics | None = None
) -> AppServices:
    """Every service of the Slack app, built from Settings (`ds`, DS's client as the registry
    builds it, may be passed in instead); `metrics` counts their requests and actions."""
    store = Store(settings.db_path)
    store.migrate()
    ds = ds or registry.get(BackendName.DS).observed_client(settings, metrics)
    slack = make_web_client(settings, observer=metrics)
    directory = InstructeurDirectory(store, ds, extra_demarches=lambda: settings.demarches)
    linking = LinkingService(store, directory, SlackUserDirectory(slack), settings.admins)
    access = DossierAccessService(ds, linking, directory)
    items = build_item_service(settings, store, metrics=metrics)
    actions = build_action_service(
        store, ds, access, registry.get(BackendName.DS).build(settings, client=ds)
    )
    if metrics is not None:
        actions.audit.on_action = metrics.action
    items.is_guest = access.is_guest
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
        actions=actions,
        items=items,
        item_subscriptions=ItemSubscriptionService(store, items.feeds),
    )


def background_poller(services: AppServices, metrics: Metrics | None = None) -> Poller:
    """The poller of `dsbot run`, on the services' database and clients (`metrics` counts its
    cycles and its Slack calls)."""
    settings = services.settings
    poller = build_poller(
        settings,
        store=services.store,
        ds=services.ds,
        slack=make_web_client(settings, retry_rate_limits=False, observer=metrics),
        texts=services.texts,
        items=services.items,
        lease_seconds=max(600.0, 3 * settings.poll_interval),
    )
    poller.metrics = metrics
    return poller


def start_background_poller(
    services: AppServices,
    stop_event: threading.Event,
    *,
    status: PollerStatus | None = None,
    poller: Poller | None = None,
) -> Callable[[], None]:
    """Start `run_forever` on its own thread for `dsbot run` (`status`: where it reports its
    liveness, for /healthz; `poller`: one already built by `background_poller`).

    Returns a function that stops it and waits for the cycle in progress to end.
    """
    settings = services.settings
    poller = poller or background_poller(services)
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
        # The feeds stop at the end of their page, the sender after the message in hand. A DS
        # request still out (or waiting for the rate limiter) is not waited for: every page is
        # committed with its cursor and every message is claimed before it is sent, so the
        # next start goes on from there and sends nothing twice (the outbox's recovery).
        thread.join(timeout=SHUTDOWN_GRACE)
        if thread.is_alive():
            log.warning("poller.left_waiting")

    return stop


@dataclass
class Runtime:
    settings: Settings
    services: AppServices
    health: Health = field(default_factory=Health)
    metrics: Metrics = field(default_factory=Metrics)
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
        poller = background_poller(self.services, self.metrics)
        self.health.notifications = NotificationHealth(
            self.services.store,
            poller.feeds,
            poller.clock,
            outbox_max_age=self.settings.outbox_max_age,
        )
        self.metrics.watch_store(self.services.store, poller.clock)
        stop = start_background_poller(
            self.services, self.stop_event, status=self.health.poller, poller=poller
        )
        self._stoppers.append(stop)
        self.health.poller_started = True

    def serve_http(self, host: str, port: int) -> BackgroundServer:
        app = build_app(self.services, on_ack=self.metrics.ack)
        wsgi = slack_wsgi(app, self.health, signing_secret=self.settings.slack_signing_secret or "")
        server = listen(wsgi, host, port, "--port ou --host")
        self._stoppers.append(server.stop)
        self.http_port = server.port
        if self.settings.health_port and self.settings.health_port != server.port:
            # The same probe works in both modes (the Dockerfile's HEALTHCHECK uses this port).
            self.serve_health(host)
        self.health.server_up = True
        log.info("slack.http_listening", host=server.host, port=server.port, path="/slack/events")
        return server

    def serve_socket_mode(self, host: str) -> None:
        from dsbot.slack.transport.socket_mode import GuardedSocketModeHandler

        app = build_app(self.services, on_ack=self.metrics.ack)
        handler = GuardedSocketModeHandler(app, self.settings.slack_app_token)
        try:
            handler.connect()  # type: ignore[no-untyped-call]  # slack_bolt leaves it unannotated
        except SlackApiError as exc:
            raise StartupError(
                f"Slack refuse le jeton d’application ({exc.response.get('error')}) :"
                " vérifiez SLACK_APP_TOKEN (xapp-…, portée connections:write)"
            ) from None
        except OSError as exc:
            raise StartupError(f"Slack est injoignable (Socket Mode) : {exc}") from None
        self._stoppers.append(handler.close)
        if self.settings.health_port:
            self.serve_health(host)
        self.health.server_up = True
        log.info("slack.socket_mode_connected")

    def serve_health(self, host: str) -> None:
        """/livez, /readyz, /healthz and /metrics on DSBOT_HEALTH_PORT, on the interface
        `--host` names (127.0.0.1 keeps them off the network)."""
        server = listen(
            health_wsgi(self.health),
            host,
            self.settings.health_port,
            "DSBOT_HEALTH_PORT ou --host",
            # Probes and a scraper: a few short answers at a time (each thread costs a start).
            threads=HEALTH_THREADS,
        )
        self._stoppers.append(server.stop)
        log.info("health.listening", host=server.host, port=server.port)

    def stop(self) -> None:
        deadline = time.monotonic() + STOP_BUDGET
        self.stop_event.set()
        for stop in reversed(self._stoppers):
            try:
                stop()
            except Exception:
                log.exception("runtime.stop_failed")
        # A click being answered finishes (its reply, its audit line) if it can in time.
        self.services.jobs.shutdown(timeout=max(0.5, deadline - time.monotonic()))
        # Idle keep-alive connections would otherwise linger on DS's side.
        self.services.ds.close()


def start(
    settings: Settings,
    *,
    http: bool,
    host: str = "0.0.0.0",
    port: int = 3000,
    poller: bool = True,
    ds: Any = None,
) -> Runtime:
    """Start the bot; returns the running Runtime (call .stop() to end it).

    `poller=False` leaves notifications out (tests of the interactive side).
    """
    try:
        settings.require(*required_for_run(http))
    except ConfigError as exc:
        raise StartupError(str(exc)) from None
    metrics = Metrics()
    try:
        services = build_services(settings, ds=ds, metrics=metrics)
    except DatabaseUnavailable as exc:
        raise StartupError(f"DSBOT_DB : {exc}") from None
    runtime = Runtime(settings, services, metrics=metrics)
    runtime.health.store = services.store
    runtime.health.metrics = metrics.exposition
    runtime.health.poll_interval = settings.poll_interval
    try:
        runtime.check_slack()
        # Warm the instructeur directory so that the first /ds of the day does not wait for it.
        runtime.warmup = runtime.services.jobs.submit(runtime.services.directory.refresh_if_stale)
        if http:
            runtime.serve_http(host, port)
        else:
            runtime.serve_socket_mode(host)
        if poller:
            runtime.start_poller()
        else:
            runtime.health.poller_started = True
    except BaseException:
        runtime.stop()
        raise
    return runtime
