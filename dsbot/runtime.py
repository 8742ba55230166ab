"""Wiring: everything `dsbot run` needs, built from Settings, started and stopped in order."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError

from dsbot.config import ConfigError, Settings
from dsbot.services.access import DossierAccessService
from dsbot.services.directory import InstructeurDirectory
from dsbot.services.linking import LinkingService
from dsbot.slack.app import AppServices, build_app
from dsbot.slack.http_server import BackgroundServer, Health, health_wsgi, slack_wsgi
from dsbot.slack.jobs import Jobs
from dsbot.slack.users import SlackUserDirectory
from dsbot.slack.web_client import make_web_client
from dsbot.store import Store
from dsbot.texts import get_texts

log = logging.getLogger(__name__)


class StartupError(Exception):
    """A one-line reason why dsbot cannot start (shown by the CLI)."""


def build_services(settings: Settings, *, ds: Any = None) -> AppServices:
    from dsbot.ds.client import DSClient

    store = Store(settings.db_path)
    store.migrate()
    ds = ds or DSClient(settings.ds_api_url, settings.ds_api_token or "")
    slack = make_web_client(settings)
    directory = InstructeurDirectory(store, ds, extra_demarches=lambda: settings.demarches)
    linking = LinkingService(store, directory, SlackUserDirectory(slack), settings.admins)
    services = AppServices(
        settings=settings,
        texts=get_texts(settings.lang),
        store=store,
        ds=ds,
        slack=slack,
        directory=directory,
        linking=linking,
        access=DossierAccessService(ds, linking, directory),
        jobs=Jobs(),
    )
    attach_optional_services(services)
    return services


def attach_optional_services(services: AppServices) -> None:
    """Services of later features, wired when their modules are present."""
    from dsbot.services.actions import build_action_service

    services.actions = build_action_service(services.store, services.ds, services.access)
    services.items = build_item_service(services.settings, services.store)
    try:
        from dsbot.services.subscriptions import SubscriptionService
    except ImportError:
        return
    services.subscriptions = SubscriptionService(services.store, services.ds)


def build_item_service(settings: Settings, store: Store) -> Any:
    """The backends other than DS that are configured (Dynacase), behind one ItemService."""
    from dsbot.backends.dynacase.backend import DynacaseBackend
    from dsbot.backends.dynacase.client import client_from_settings
    from dsbot.backends.port import Backend, BackendName
    from dsbot.services.audit import AuditService
    from dsbot.services.credentials import CredentialVault
    from dsbot.services.items import ItemService

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


@dataclass
class Runtime:
    settings: Settings
    services: AppServices
    health: Health = field(default_factory=Health)
    http_port: int | None = None
    warmup: Future[Any] | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    _stoppers: list[Callable[[], None]] = field(default_factory=list)

    def check_slack(self) -> dict[str, Any]:
        try:
            auth = self.services.slack.auth_test()
        except SlackApiError as exc:
            raise StartupError(
                f"Slack refused the bot token ({exc.response.get('error')}): check SLACK_BOT_TOKEN"
            ) from None
        except OSError as exc:
            raise StartupError(f"Slack is unreachable at SLACK_API_URL: {exc}") from None
        self.health.slack_ok = True
        return dict(auth.data)

    def start_poller(self) -> None:
        try:
            from dsbot.services.poller import start_background_poller
        except ImportError:
            log.warning("notification poller not available in this build")
            self.health.poller_started = True
            return
        stop = start_background_poller(self.services, self.stop_event)
        self._stoppers.append(stop)
        self.health.poller_started = True

    def serve_http(self, host: str, port: int) -> BackgroundServer:
        app = build_app(self.services)
        server = BackgroundServer(slack_wsgi(app, self.health), host, port).start()
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

        app = build_app(self.services)
        handler = SocketModeHandler(app, self.settings.slack_app_token)
        handler.connect()
        self._stoppers.append(handler.close)
        if self.settings.health_port:
            self.serve_health()
        self.health.server_up = True
        log.info("connected to Slack in Socket Mode")

    def serve_health(self) -> None:
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
        close = getattr(self.services.ds, "close", None)
        if close is not None:
            close()  # idle keep-alive connections would otherwise linger on DS's side


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
    needed = ["SLACK_BOT_TOKEN", "DS_API_TOKEN"]
    needed.append("SLACK_SIGNING_SECRET" if http else "SLACK_APP_TOKEN")
    try:
        settings.require(*needed)
    except ConfigError as exc:
        raise StartupError(str(exc)) from None
    runtime = Runtime(settings, build_services(settings, ds=ds))
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
