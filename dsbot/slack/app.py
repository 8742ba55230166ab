"""The Bolt app factory: it receives its settings and services, so tests build it on fakes."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from dsbot.logs import get_logger
from dsbot.slack.listeners import register_listeners
from dsbot.slack.middleware import inject_services
from dsbot.slack.services import AppServices

log = get_logger(__name__)

# Bolt's listener threads only parse and ack (the work goes to Jobs), so a modest pool is enough.
LISTENER_THREADS = 16


class DropBoltNoise(logging.Filter):
    """Two of Bolt's lines are never kept:

    - the whole body of a request whose signature fails (at INFO). In HTTP mode
      dsbot.slack.transport.edge refuses such requests before Bolt; this covers any other path;
    - "`token` will be unused", at every start: Bolt reads SLACK_BOT_TOKEN from the environment
      even when it is handed a client, which already holds that very token.
    """

    TOKEN_UNUSED = warning_client_prioritized_and_token_skipped()

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (message.startswith("Invalid request signature") or message == self.TOKEN_UNUSED)


def bolt_logger() -> logging.Logger:
    logger = logging.getLogger("dsbot.bolt")
    if not any(isinstance(f, DropBoltNoise) for f in logger.filters):
        logger.addFilter(DropBoltNoise())
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
    )
    app.use(inject_services(services))
    register_listeners(app)

    @app.error
    def on_unhandled_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        # Bolt already answered Slack; here we make sure the failure is visible in the logs.
        log.error("listener.unhandled_error", error=type(error).__name__, exc_info=error)
        return BoltResponse(status=500, body="")

    return app
