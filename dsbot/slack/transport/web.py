"""The Slack transport of the outbox: posts, updates and finds messages by their metadata.

`SlackTransport` implements `dsbot.notifications.delivery.port.Transport` over a slack_sdk
WebClient and turns Slack's answers into the port's two exceptions. It renders nothing and
reads no backend (`dsbot.slack.rendering` renders; the engine prepares). Finding a message
after a crash reads the channel's history (or the thread's replies): that needs the history
scopes (channels:history, groups:history).
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dsbot.notifications.delivery.port import DeliveryTag, NoAnswer, SlackRefused
from dsbot.redact import redact
from dsbot.slack.presentation.blocks.common import SlackMessage

__all__ = ["METADATA_EVENT_TYPE", "SlackTransport"]

METADATA_EVENT_TYPE = "dsbot_outbox"
HISTORY_PAGE = 200
NETWORK_ERRORS = (URLError, OSError, TimeoutError, http.client.HTTPException)


class SlackTransport:
    """`Transport` over a WebClient; `history_pages` bounds a history search."""

    def __init__(self, client: WebClient, *, history_pages: int = 3) -> None:
        self.client = client
        self.history_pages = history_pages
        self._dms: dict[str, str] = {}  # user → their direct-message conversation
        self._dm_lock = threading.Lock()

    # --- calls -----------------------------------------------------------------------------

    def post(
        self,
        channel: str,
        message: SlackMessage,
        *,
        tag: DeliveryTag,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> str:
        kwargs: dict[str, Any] = {}
        if thread_ts is not None:
            kwargs = {"thread_ts": thread_ts, "reply_broadcast": broadcast}
        with _answers():
            response = self.client.chat_postMessage(
                channel=channel,
                metadata=_metadata(tag),
                unfurl_links=False,
                unfurl_media=False,
                **kwargs,
                **message.as_kwargs(),
            )
        return str(response["ts"])

    def update(self, channel: str, ts: str, message: SlackMessage, *, tag: DeliveryTag) -> None:
        with _answers():
            self.client.chat_update(
                channel=channel, ts=ts, metadata=_metadata(tag), **message.as_kwargs()
            )

    def open_dm(self, user: str) -> str:
        """conversations.open, once per user (Slack gives the same conversation every time)."""
        with self._dm_lock:
            known = self._dms.get(user)
        if known is not None:
            return known
        with _answers():
            response = self.client.conversations_open(users=user)
        channel = str((response.get("channel") or {})["id"])
        with self._dm_lock:
            self._dms[user] = channel
        return channel

    def find(
        self,
        channel: str,
        tag: DeliveryTag,
        *,
        thread_ts: str | None = None,
        before_page: Callable[[], None] = lambda: None,
    ) -> str | None:
        pages = self._replies(channel, thread_ts) if thread_ts else self._history(channel)
        with _answers():
            for messages in _paced(pages, before_page):
                for message in messages:
                    payload = (message.get("metadata") or {}).get("event_payload") or {}
                    if payload.get("outbox_id") == tag.outbox_id and payload.get("db") == tag.db:
                        return str(message["ts"])
        return None

    def _history(self, channel: str) -> Iterator[list[dict[str, Any]]]:
        cursor = None
        for _ in range(self.history_pages):
            response = self.client.conversations_history(
                channel=channel, limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor
            )
            yield response.get("messages") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def _replies(self, channel: str, thread_ts: str) -> Iterator[list[dict[str, Any]]]:
        cursor = None
        while True:
            response = self.client.conversations_replies(
                channel=channel,
                ts=thread_ts,
                limit=HISTORY_PAGE,
                include_all_metadata=True,
                cursor=cursor,
            )
            yield response.get("messages") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return


def _paced(pages: Iterator[Any], before_page: Callable[[], None]) -> Iterator[Any]:
    while True:
        before_page()
        try:
            yield next(pages)
        except StopIteration:
            return


def _metadata(tag: DeliveryTag) -> dict[str, Any]:
    return {
        "event_type": METADATA_EVENT_TYPE,
        "event_payload": {"outbox_id": tag.outbox_id, "db": tag.db},
    }


class _answers:
    """Slack's answers as the port's exceptions."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, SlackApiError):
            raise _refused(exc) from exc
        if isinstance(exc, NETWORK_ERRORS):
            raise NoAnswer(redact(f"{type(exc).__name__}: {exc}")) from exc


def _refused(exc: SlackApiError) -> SlackRefused:
    response = exc.response
    try:
        error = str(response.get("error") or "")
    except AttributeError:
        error = ""
    status = getattr(response, "status_code", 200)
    return SlackRefused(error or "unknown_error", status=status, retry_after=_retry_after(exc))


def _retry_after(exc: SlackApiError) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name)
        if value:
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                return None
    return None
