"""The Bolt app factory: it receives its settings and services, so tests build it on fakes."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse

from dsbot.slack.listeners import register_listeners
from dsbot.slack.middleware import inject_services
from dsbot.slack.services import AppServices

log = logging.getLogger(__name__)

# Bolt's listener threads only parse and ack (the work goes to Jobs), so a modest pool is enough.
LISTENER_THREADS = 16


class DropRequestBodies(logging.Filter):
    """Bolt logs the whole body of a request whose signature fails (at INFO): never kept.

    In HTTP mode dsbot.slack.transport.edge refuses such requests before Bolt; this covers any
    other path.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Invalid request signature")


def bolt_logger() -> logging.Logger:
    logger = logging.getLogger("dsbot.bolt")
    if not any(isinstance(f, DropRequestBodies) for f in logger.filters):
        logger.addFilter(DropRequestBodies())
    return logger


def build_app(services: AppServices) -> App:
    settings = services.settings
    app = App(
        # The name Bolt would find itself (its caller's file name), given: to find it, Bolt
        # calls inspect.stack(), which reads the source of every frame of the stack (~0.1 s
        # of CPU under a deep one, as in the tests, paid by each app built).
        name="app.py",
        logger=bolt_logger(),
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
