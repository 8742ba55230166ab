"""The Slack WebClient, pointed at SLACK_API_URL, with slack_sdk's own retry handlers."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from dsbot.config import Settings

SLACK_TIMEOUT_SECONDS = 10


def make_web_client(settings: Settings, *, retry_rate_limits: bool = True) -> WebClient:
    """A client for listeners. The outbox sender passes retry_rate_limits=False: it reschedules
    on 429 itself instead of sleeping in a thread."""
    handlers = [ConnectionErrorRetryHandler(max_retry_count=1), ServerErrorRetryHandler(2)]
    if retry_rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_SECONDS,
        retry_handlers=handlers,
    )
