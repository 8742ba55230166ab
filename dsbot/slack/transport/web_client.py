"""The Slack WebClient, pointed at SLACK_API_URL, with slack_sdk's own retry handlers; with an
observer, each call is counted by method and outcome, and each 429 Slack answers (for /metrics)."""

from __future__ import annotations

from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from dsbot.config import Settings

SLACK_TIMEOUT_SECONDS = 10


class SlackObserver(Protocol):
    def slack_call(self, method: str, outcome: str) -> None:
        """A call ended: `ok`, Slack's error code, `ratelimited` or `network`."""
        ...

    def slack_429(self, method: str) -> None:
        """Slack answered 429 (the call may be retried after it)."""
        ...


class RateLimitCounter(RetryHandler):
    """Retries nothing; sees every answer before the handlers that retry do (it comes first),
    so a 429 that a handler then retries is counted too."""

    def __init__(self, observer: SlackObserver) -> None:
        super().__init__(max_retry_count=0)
        self.observer = observer

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            self.observer.slack_429(request.url.rsplit("/", 1)[-1].split("?", 1)[0])
        return False


class ObservedWebClient(WebClient):
    """A WebClient that tells `observer` how each call ended."""

    def __init__(self, *args: Any, observer: SlackObserver, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.observer = observer

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            status = exc.response.status_code if exc.response is not None else None
            self.observer.slack_call(api_method, "ratelimited" if status == 429 else str(error))
            raise
        except Exception:
            self.observer.slack_call(api_method, "network")
            raise
        self.observer.slack_call(api_method, "ok")
        return response


def make_web_client(
    settings: Settings, *, retry_rate_limits: bool = True, observer: SlackObserver | None = None
) -> WebClient:
    """A client for listeners. The outbox sender passes retry_rate_limits=False: it reschedules
    on 429 itself instead of sleeping in a thread. `observer` counts the calls (/metrics)."""
    handlers: list[RetryHandler] = [
        ConnectionErrorRetryHandler(max_retry_count=1),
        ServerErrorRetryHandler(2),
    ]
    if retry_rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    options: dict[str, Any] = {
        "token": settings.slack_bot_token,
        "base_url": settings.slack_api_url,
        "timeout": SLACK_TIMEOUT_SECONDS,
    }
    if observer is None:
        return WebClient(retry_handlers=handlers, **options)
    return ObservedWebClient(
        retry_handlers=[RateLimitCounter(observer), *handlers], observer=observer, **options
    )
