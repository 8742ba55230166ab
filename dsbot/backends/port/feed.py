"""What changed in a backend since a cursor: its feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NewType, Protocol, runtime_checkable

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


class ChangeClassifier(Protocol):
    """How a backend's full reads become the notification model's changes, for a feed that
    lists summaries and reads what moved in full (DS's démarches: `dsbot.services.feed`).

    The objects are the backend's own, opaque to the feed: a *snapshot* (what the feed last
    knew of an item, stored as its `to_json()` text), a listing's *summary* (it has a
    `number`), a *read* (the item in full) and a deletion listing's *entry*. The changes are
    the notification model's `Change`s (`dsbot.notifications.model`), which the port does not
    import: that model builds on the port."""

    def from_json(self, text: str) -> Any:
        """The snapshot stored as `text`."""
        ...

    def summary_changed(self, previous: Any | None, summary: Any) -> bool:
        """Whether a listed item may differ from its snapshot: worth a full read."""
        ...

    def baseline(self, previous: Any | None, summary: Any, read: Any, start: datetime) -> Any:
        """What to compare a read with: the snapshot, or the item as it was at `start` when
        the feed never read it in full."""
        ...

    def observe(self, summary: Any, read: Any, observed_at: datetime) -> Any:
        """The snapshot of the item as read (the read started at `observed_at`)."""
        ...

    def classify(self, previous: Any, current: Any, read: Any) -> list[Any]:
        """The changes from snapshot `previous` to `current`, oldest first."""
        ...

    def classify_deletion(self, previous: Any | None, entry: Any) -> tuple[Any | None, Any]:
        """A deleted or trashed item: its change (None when already known) and its snapshot."""
        ...

    def fingerprint(self, snapshot: Any) -> str:
        """A short digest of what the snapshot says of the item (the card's version)."""
        ...
