"""What delivery needs of Slack, and what a drain reports.

Two ports: a `Transport` only posts, updates and finds messages
(`dsbot.slack.transport.SlackTransport`); a `Renderer` turns a row and what the engine
prepared for it into a message (`dsbot.slack.rendering.TableRenderer`, a table of pure
functions keyed by outbox kind). The engine (`dsbot.notifications.delivery.engine`) only ever
sees these types, so that it imports nothing of Slack.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

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


class Renderer(Protocol):
    """Renders a row: `prepared` is what the engine read for it beforehand
    (`dsbot.notifications.delivery.prepare`), None for the kinds that need nothing. Never
    reads a backend."""

    def render(self, row: OutboxRow, prepared: object) -> Any: ...


class Transport(Protocol):
    """Slack's calls delivery makes. Messages are opaque (what the Renderer made); calls raise
    `SlackRefused` or `NoAnswer`."""

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

    def open_dm(self, user: str) -> str:
        """The id of the bot's direct-message conversation with `user` (opened if needed)."""

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
