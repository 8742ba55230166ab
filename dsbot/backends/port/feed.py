"""What changed in a backend since a cursor: its feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NewType, Protocol, runtime_checkable

from dsbot.backends.port.items import ItemState

# Where a feed stands, in the backend's own terms (a DS page cursor, a Dynacase revision date):
# text, so the store keeps it as is, and opaque, so nobody outside the backend reads into it.
FeedCursor = NewType("FeedCursor", str)


@dataclass(frozen=True)
class Change:
    """One item a feed reports as changed; `state` when the listing tells it."""

    ref: str
    modified_at: datetime | None = None
    state: ItemState | None = None


@dataclass(frozen=True)
class FeedBatch:
    """What changed after a cursor: `cursor` is where the next call starts; `more` says the
    backend has more to give now (call again at once)."""

    changes: tuple[Change, ...]
    cursor: FeedCursor
    more: bool = False


@runtime_checkable
class FeedSource(Protocol):
    """A backend's changes, as the bot reads them (no person's credential)."""

    def start(self, scope: str, since: datetime) -> FeedCursor:
        """The cursor after which `changes` reports what changed at or after `since` in
        `scope` (a démarche, a family)."""
        ...

    def changes(self, scope: str, cursor: FeedCursor) -> FeedBatch:
        """One batch of changes after `cursor`. Raises BackendError, and the cursor stays
        good to try again."""
        ...
