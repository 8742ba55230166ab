"""The port through which delivery reaches Slack, and what a drain reports.

`dsbot.slack.sender.SlackOutbox` implements `SlackPort` over slack_sdk; the delivery service
(`dsbot.services.delivery`) only ever sees these types, so that it imports nothing of Slack.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from dsbot.notifications.model import ItemRef
from dsbot.store.notifications import OutboxRow


@dataclass(frozen=True)
class DeliveryTag:
    """What every message carries in its metadata: the outbox row and the database it came
    from (a random id, so that the history of a channel once served by another dsbot database
    cannot be mistaken for ours)."""

    outbox_id: int
    db: str


class SlackRefused(Exception):
    """Slack answered, and not with ok: its error name, HTTP status and Retry-After."""

    def __init__(self, error: str, *, status: int = 200, retry_after: float | None = None):
        super().__init__(error)
        self.error = error
        self.status = status
        self.retry_after = retry_after

    @property
    def rate_limited(self) -> bool:
        return self.status == 429 or self.error == "ratelimited"

    @property
    def transient(self) -> bool:
        """A failure that may go away by itself: rate limit, Slack's own trouble."""
        return self.rate_limited or self.status >= 500 or self.error == "internal_error"


class NoAnswer(Exception):
    """No answer from Slack (network, timeout): the call may or may not have been done."""


class SlackPort(Protocol):
    """What delivery needs of Slack. Renderers return an opaque message that `post` and
    `update` take back; calls raise `SlackRefused` or `NoAnswer`."""

    def render_card(self, number: int) -> Any:
        """The dossier's card (reads DS: may raise BackendError)."""

    def render_gone_card(self, number: int) -> Any: ...

    def render_item_card(self, item: ItemRef) -> Any:
        """Another backend's item as a channel card, read with the bot's token (may raise the
        port's NotFound, Refused, or the backend's own errors)."""

    def render_item_gone_card(self, item: ItemRef) -> Any: ...

    def render_event(self, row: OutboxRow, mention: Callable[[str], str]) -> Any:
        """A thread event; `mention(email)` gives a linked Slack user id, or the email."""

    def render_summary(self, row: OutboxRow) -> Any: ...

    def render_alert(self, row: OutboxRow) -> Any: ...

    def render_digest(self, row: OutboxRow) -> Any: ...

    def post(
        self,
        channel: str,
        message: Any,
        *,
        tag: DeliveryTag,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> str:
        """Post a message; returns its ts."""

    def update(self, channel: str, ts: str, message: Any, *, tag: DeliveryTag) -> None: ...

    def find(
        self,
        channel: str,
        tag: DeliveryTag,
        *,
        thread_ts: str | None = None,
        before_page: Callable[[], None] = lambda: None,
    ) -> str | None:
        """The ts of the message carrying `tag` in the channel's history (or the thread's
        replies), if Slack has it. `before_page()` is called before each page is read."""


@dataclass
class DrainReport:
    sent: int = 0
    rescheduled: int = 0
    dead: int = 0
    skipped: int = 0
    collapsed: int = 0
    recovered: int = 0
    paused_channels: int = 0

    def add(self, other: DrainReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class Outbox(Protocol):
    """What the poller drives: a DeliveryService, or anything that drains like one."""

    stop_event: threading.Event | None

    def drain(self, budget: float | None = None, *, admit: bool = True) -> DrainReport: ...

    def admit(self) -> None: ...
