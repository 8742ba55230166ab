"""The change feed of one scope of a backend other than DS (a family of documents, …), over the
port's `FeedSource`, feeding the same outbox as DS's feeds.

Each cycle asks the backend's `FeedSource` what changed after the feed's cursor (opaque text,
kept as is) and compares each reported item with the feed's snapshot of it (state, time of
its last change): unknown → its card; another state → the card updated and one event in its
thread; anything else that moved (an edit) → the card refreshed. Who made a state change, and
why, is read from the item's history with the bot's reader.

The outbox rows, the snapshots and the new cursor are written in one transaction, so a crash
replays the cycle at most, and the dedupe keys make that replay harmless; delivery is the
DS pipeline's (claim → post with metadata → record, recovered from the channel's history).
Outbox rows and channel messages name the item by its `ItemRef` (backend, ref). The snapshot
table is keyed by number: a feed's refs are numbers (a document's initid).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from dsbot.backends.errors import BackendError
from dsbot.backends.port import BackendName, Change, FeedCursor, FeedSource, ItemSource
from dsbot.logs import get_logger
from dsbot.notifications.model import ItemRef, ItemStateChanged, ParentPayload, ThreadPayload
from dsbot.services.feed import FeedResult
from dsbot.services.outbox import OWN_ACTION_WINDOW
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import Feed, ItemSubscription, OutboxEntry

log = get_logger(__name__)

# How many batches one cycle reads of a feed that says it has more.
MAX_BATCHES = 20


@dataclass(frozen=True)
class ItemSnapshot:
    """What the feed last told of an item: enough to know a new state from an edit."""

    modified_at: str
    state: str | None
    state_label: str | None

    def to_json(self) -> str:
        return json.dumps(
            {"modified_at": self.modified_at, "state": self.state, "state_label": self.state_label}
        )

    @classmethod
    def from_json(cls, text: str) -> ItemSnapshot:
        # A snapshot of the feed before it ran on the port (revision, revdate) has no
        # `modified_at`: the
        # item differs once, and its card is refreshed, nothing told.
        d = json.loads(text)
        return cls(str(d.get("modified_at") or ""), d.get("state"), d.get("state_label"))

    @classmethod
    def of(cls, change: Change) -> ItemSnapshot:
        state = change.state
        return cls(
            change.modified_at.isoformat() if change.modified_at else "",
            state.id if state else None,
            state.label if state else None,
        )


def scope_of(feed: Feed) -> str:
    return feed.key.split(":", 1)[1]


def first_cursor(source: FeedSource, scope: str, now: datetime) -> FeedCursor:
    """Where a new feed starts: after everything the scope holds now (nothing before the
    subscription is posted). Raises the backend's error for a scope it cannot list."""
    cursor = source.start(scope, now)
    for _ in range(MAX_BATCHES):
        batch = source.changes(scope, cursor)
        cursor = batch.cursor
        if not batch.more:
            break
    return cursor


def _passes(sub: ItemSubscription, change: ItemStateChanged | None, seen: Change) -> bool:
    """A state change counts for the states on both of its sides; a card for the item's
    current state."""
    if not sub.states:
        return True
    if change is not None:
        return change.from_state in sub.states or change.to_state in sub.states
    return seen.state is not None and seen.state.id in sub.states


def _number(ref: str) -> int:
    return int(ref) if ref.isdigit() else 0


class ItemFeedProcessor:
    """Runs one cycle of a feed of `backend` with its `FeedSource` and the bot's reader."""

    def __init__(
        self,
        store: Store,
        backend: BackendName,
        source: FeedSource,
        reader: ItemSource,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.backend = backend
        self.source = source
        self.reader = reader
        self.clock = clock

    def process(self, feed: Feed) -> FeedResult:
        """Never raises a BackendError: it comes back in the result, nothing committed."""
        result = FeedResult(feed.key)
        try:
            self._process(feed, result)
        except BackendError as exc:
            result.ok = False
            result.error = exc
        return result

    def _listed(
        self, scope: str, cursor: FeedCursor, result: FeedResult
    ) -> tuple[list[Change], FeedCursor]:
        """The changes after the cursor (one per item, the latest), and the cursor after them."""
        found: dict[str, Change] = {}
        for _ in range(MAX_BATCHES):
            batch = self.source.changes(scope, cursor)
            result.pages += 1
            result.listed += len(batch.changes)
            for change in batch.changes:
                known = found.get(change.ref)
                if known is None or (change.modified_at or _MIN) >= (known.modified_at or _MIN):
                    found[change.ref] = change
            cursor = batch.cursor
            if not batch.more:
                break
        return list(found.values()), cursor

    def _process(self, feed: Feed, result: FeedResult) -> None:
        scope = scope_of(feed)
        cursor = FeedCursor(feed.end_cursor or "")
        if not feed.end_cursor:
            cursor = self.source.start(scope, feed.updated_since)
        listed, new_cursor = self._listed(scope, cursor, result)
        if not listed:
            if new_cursor != cursor:
                with q.write(self.store) as db:
                    q.set_cursor(db, feed.key, new_cursor)
            return
        with self.store.connect() as db:
            stored = q.load_snapshots(db, feed.key, [_number(c.ref) for c in listed])
        before = {str(n): ItemSnapshot.from_json(s) for n, s in stored.items()}
        changed = [c for c in listed if before.get(c.ref) != ItemSnapshot.of(c)]
        # Who changed the state, and why: read before the transaction (SQLite's write lock is
        # never held while waiting for the backend).
        changes: dict[str, ItemStateChanged] = {}
        for seen in changed:
            previous = before.get(seen.ref)
            if previous is None or seen.state is None or previous.state == seen.state.id:
                continue
            changes[seen.ref] = self._state_change(seen, previous)
        now = self.clock()
        # Oldest first: the channel reads the cards in the order things happened.
        changed.sort(key=lambda c: c.modified_at or _MIN)
        with q.write(self.store) as db:
            subs = q.feed_item_subscriptions(db, feed.key)
            for seen in changed:
                change = changes.get(seen.ref)
                previous = before.get(seen.ref)
                if change is not None and self._made_by_the_bot(db, seen.ref, change):
                    # Whoever clicked already saw it, and the action refreshed the card: the
                    # card is refreshed again, nothing is told (as for DS, services/outbox.py).
                    change = None
                if previous is None or change is not None:
                    result.changes += 1
                for entry in self._plan(db, subs, seen, previous, change):
                    result.enqueued += q.enqueue(db, entry, now)
                snapshot = ItemSnapshot.of(seen)
                q.save_snapshot(db, feed.key, _number(seen.ref), snapshot.to_json(), now)
            q.set_cursor(db, feed.key, new_cursor)

    def _state_change(self, seen: Change, previous: ItemSnapshot) -> ItemStateChanged:
        state = seen.state
        assert state is not None
        by = comment = None
        at = seen.modified_at
        title = ""
        try:
            item = self.reader.get_item(seen.ref)
        except BackendError as exc:
            # The event still goes out, only without who and why.
            log.info("feed.history_unreadable", item=seen.ref, error=type(exc).__name__)
        else:
            title = item.title
            # The newest state change, and the comment written beside it (same person, same
            # moment).
            entry = next((h for h in item.history if h.is_state_change), None)
            if entry is not None:
                by = entry.who or None
                at = entry.at or at
                comment = next(
                    (
                        h.text
                        for h in item.history
                        if not h.is_state_change
                        and h.at == entry.at
                        and h.who == entry.who
                        and h.text
                    ),
                    None,
                )
        return ItemStateChanged(
            at=at,
            title=title,
            from_state=previous.state,
            from_label=previous.state_label,
            to_state=state.id,
            to_label=state.label,
            to_color=state.color or None,
            by=by,
            comment=comment,
        )

    def _plan(
        self,
        db: Database,
        subs: list[ItemSubscription],
        seen: Change,
        previous: ItemSnapshot | None,
        change: ItemStateChanged | None,
    ) -> list[OutboxEntry]:
        item = ItemRef(self.backend, seen.ref)
        moment = seen.modified_at.isoformat() if seen.modified_at else ""
        stamp = f"{moment}:{seen.state.id if seen.state else ''}"
        entries: list[OutboxEntry] = []
        for sub in subs:
            prefix = f"{sub.team_id}:{sub.channel_id}:{self.backend}:{seen.ref}"
            has_card = (
                q.parent_ts(db, sub.team_id, sub.channel_id, item) is not None
                or q.pending_parent(db, sub.channel_id, item) is not None
            )
            announce = (previous is None or change is not None) and _passes(sub, change, seen)
            if not (announce or has_card):
                continue  # an edit, or a state not followed, of a card the channel never had
            parent = ParentPayload(create=announce, new=previous is None, item=item)
            entries.append(
                OutboxEntry(sub.team_id, sub.channel_id, item, parent, f"{prefix}:card:{stamp}")
            )
            if change is not None and announce:
                thread = ThreadPayload(change, item=item)
                key = f"{prefix}:state:{moment}:{change.to_state}"
                entries.append(OutboxEntry(sub.team_id, sub.channel_id, item, thread, key))
        return entries

    def _made_by_the_bot(self, db: Database, ref: str, change: ItemStateChanged) -> bool:
        """The state change is one the bot made from Slack: an `ok` audit row of this item,
        done as the same person the backend names, close to it in time."""
        if change.at is None or not change.by:
            return False
        at = change.at if change.at.tzinfo else change.at.replace(tzinfo=UTC)
        return any(
            who == change.by and abs(at - when) <= OWN_ACTION_WINDOW
            for who, when in q.own_item_changes(db, _number(ref), self.backend)
        )


_MIN = datetime.min.replace(tzinfo=UTC)
