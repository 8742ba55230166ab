"""The Bolt app factory: it receives its settings and services, so tests build it on fakes."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError

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
        logger=bolt_logger(),
        client=services.slack,
        # Socket Mode skips signature checks; HTTP mode requires the secret (checked by config).
        signing_secret=settings.slack_signing_secret or "",
        # auth.test is called by the runtime, which reports a failure clearly and feeds /healthz.
        token_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="dsbot-ack"),
        # A payload no listener takes reaches on_unhandled_error, to be acknowledged there.
        raise_error_for_unhandled_request=True,
    )
    app.use(inject_services(services))
    register_listeners(app)

    @app.error
    def on_unhandled_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        if isinstance(error, BoltUnhandledRequestError):
            # A signed payload of Slack's shapes that dsbot does not handle (an event it did not
            # subscribe to, a button of an old message): acknowledged, as Slack expects, rather
            # than Bolt's 404, which Slack shows as a failure and retries.
            log.info("no listener for a %s payload", _kind(body))
            return BoltResponse(status=200, body="")
        # The failure is visible in the logs; the person gets a clear message (a slash
        # command's answer) or a plain acknowledgement, never a 500 (that Slack shows as its
        # own error, and would retry for an event).
        log.error("unhandled error in listener: %s", type(error).__name__, exc_info=error)
        if isinstance(body, dict) and "command" in body:
            text = services.texts("error.unexpected")
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
        return BoltResponse(status=200, body="")

    return app


def _kind(body: Any) -> str:
    kind = body.get("type") if isinstance(body, dict) else None
    if "command" in body:
        kind = "slash command"
    return kind if isinstance(kind, str) else "untyped"
