"""The Bolt app factory: it receives its settings and services, so tests build it on fakes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
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


def request_kind(body: dict[str, Any]) -> str:
    """What a request is, for /metrics: Slack's payload type (`block_actions`,
    `view_submission`, `event_callback`…), `slash_command` for a command."""
    if body.get("command"):
        return "slash_command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind.isidentifier() else "other"


class TimedApp(App):
    """Bolt's App, timing each request until Bolt has its ack (`dispatch` returns then, in
    both modes): `on_ack(kind, seconds)`."""

    def __init__(
        self, *args: Any, on_ack: Callable[[str, float], None] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._on_ack = on_ack

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        if self._on_ack is None:
            return super().dispatch(req)
        started = time.monotonic()
        try:
            return super().dispatch(req)
        finally:
            body = req.body if isinstance(req.body, dict) else {}
            self._on_ack(request_kind(body), time.monotonic() - started)


def build_app(services: AppServices, *, on_ack: Callable[[str, float], None] | None = None) -> App:
    """The app over `services`; `on_ack` is told each request's time to its ack (/metrics)."""
    settings = services.settings
    app = TimedApp(
        on_ack=on_ack,
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
            log.info("listener.none", kind=_kind(body))
            return BoltResponse(status=200, body="")
        # The failure is visible in the logs; the person gets a clear message (a slash
        # command's answer) or a plain acknowledgement, never a 500 (that Slack shows as its
        # own error, and would retry for an event).
        log.error("listener.unhandled_error", error=type(error).__name__, exc_info=error)
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
