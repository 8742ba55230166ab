"""The Bolt app factory: it receives its settings and services, so tests build it on fakes."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from dsbot.config import Settings
from dsbot.services.access import DossierAccessService
from dsbot.services.directory import InstructeurDirectory
from dsbot.services.linking import LinkingService
from dsbot.slack.jobs import Jobs
from dsbot.slack.listeners import register_listeners
from dsbot.slack.middleware import inject_services
from dsbot.store import Store
from dsbot.texts import Texts

log = logging.getLogger(__name__)

# Bolt's listener threads only parse and ack (the work goes to Jobs), so a modest pool is enough.
LISTENER_THREADS = 16


@dataclass
class AppServices:
    settings: Settings
    texts: Texts
    store: Store
    ds: Any  # dsbot.ds.client.DSClient
    slack: WebClient
    directory: InstructeurDirectory
    linking: LinkingService
    access: DossierAccessService
    jobs: Jobs
    subscriptions: Any = None  # dsbot.services.subscriptions.SubscriptionService
    actions: Any = None  # dsbot.services.actions.ActionService
    # Items of the other backends (Dynacase), acted on with each person's own token.
    items: Any = None  # dsbot.services.items.ItemService


def build_app(services: AppServices) -> App:
    settings = services.settings
    app = App(
        client=services.slack,
        # Socket Mode skips signature checks; HTTP mode requires the secret (checked by config).
        signing_secret=settings.slack_signing_secret or "",
        # auth.test is called by the runtime, which reports a failure clearly and feeds /healthz.
        token_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="dsbot-ack"),
    )
    app.use(inject_services(services))
    register_listeners(app)

    @app.error
    def on_unhandled_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        # Bolt already answered Slack; here we make sure the failure is visible in the logs.
        log.error("unhandled error in listener: %s", type(error).__name__, exc_info=error)
        return BoltResponse(status=500, body="")

    return app
