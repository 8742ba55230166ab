"""The change feed of one Dynacase family, feeding the same outbox as DS's feeds.

Dynacase's API has no filter and no webhook (docs/dynacase-api.md, §5.4): a family is listed
by `revdate` descending, page by page, and the listing stops at the first revision older than
the cursor, the newest `revdate` already seen (with the documents seen at that very second,
since `revdate` has second precision). Each listed document is compared with the feed's
snapshot of it (revision, state): unknown → its card; another state → the card updated and one
event in its thread; anything else that moved (an edit) → the card refreshed.

The outbox rows, the snapshots and the new cursor are written in one transaction, so a crash
replays the cycle at most, and the dedupe keys make that replay harmless; delivery is the
DS pipeline's (claim → post with metadata → record, recovered from the channel's history).
Outbox rows and channel messages name the document by its `ItemRef` ("dynacase", initid).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from dsbot.backends.dynacase.client import DynacaseClient
from dsbot.backends.dynacase.models import Document
from dsbot.backends.errors import BackendError
from dsbot.backends.port import BackendName
from dsbot.notifications.model import ItemRef, ItemStateChanged, ParentPayload, ThreadPayload
from dsbot.services.feed import FeedResult
from dsbot.services.outbox import OWN_ACTION_WINDOW
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import Feed, ItemSubscription, OutboxEntry

log = logging.getLogger(__name__)

PAGE_SIZE = 50
BACKEND = BackendName.DYNACASE


@dataclass(frozen=True)
class Cursor:
    """The newest `revdate` seen (Dynacase's `YYYY-MM-DD HH:MM:SS`, which sorts as it
    compares), and the documents seen at that second."""

    revdate: str
    seen: tuple[int, ...] = ()

    def to_text(self) -> str:
        return json.dumps({"revdate": self.revdate, "seen": sorted(set(self.seen))})

    @classmethod
    def from_text(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        data = json.loads(text)
        return cls(str(data["revdate"]), tuple(int(i) for i in data.get("seen") or ()))

    @classmethod
    def of(cls, documents: list[Document], previous: Cursor | None = None) -> Cursor | None:
        """The cursor after `documents` (any order) were seen."""
        dated = [d for d in documents if d.revdate]
        if not dated:
            return previous
        newest = max(d.revdate or "" for d in dated)
        seen = {d.initid for d in dated if d.revdate == newest}
        if previous is not None:
            if previous.revdate > newest:
                return previous
            if previous.revdate == newest:
                seen |= set(previous.seen)
        return cls(newest, tuple(seen))


@dataclass(frozen=True)
class DocSnapshot:
    revision: int
    revdate: str
    state: str | None
    state_label: str | None

    def to_json(self) -> str:
        return json.dumps(
            {
                "revision": self.revision,
                "revdate": self.revdate,
                "state": self.state,
                "state_label": self.state_label,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> DocSnapshot:
        d = json.loads(text)
        return cls(int(d["revision"]), str(d["revdate"]), d.get("state"), d.get("state_label"))

    @classmethod
    def of(cls, document: Document) -> DocSnapshot:
        state = document.state
        return cls(
            document.revision,
            document.revdate or "",
            state.id if state else None,
            state.label if state else None,
        )


def family_of(feed: Feed) -> str:
    return feed.key.split(":", 1)[1]


def first_cursor(client: DynacaseClient, family: str) -> Cursor | None:
    """Where a new feed starts: after the family's newest revision (nothing before the
    subscription is posted). Raises the client's error for a family it cannot list."""
    page = client.list_documents(family, slice=PAGE_SIZE)
    return Cursor.of(list(page.documents))


def _passes(sub: ItemSubscription, change: ItemStateChanged | None, doc: Document) -> bool:
    """A state change counts for the states on both of its sides; a card for the document's
    current state."""
    if not sub.states:
        return True
    if change is not None:
        return change.from_state in sub.states or change.to_state in sub.states
    return doc.state is not None and doc.state.id in sub.states


class DynacaseFeedProcessor:
    """Runs one cycle of a Dynacase family's feed with the bot's reads client."""

    def __init__(
        self,
        store: Store,
        client: DynacaseClient,
        *,
        clock: Callable[[], datetime],
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.store = store
        self.client = client
        self.clock = clock
        self.page_size = page_size

    def process(self, feed: Feed) -> FeedResult:
        """Never raises a BackendError: it comes back in the result, nothing committed."""
        result = FeedResult(feed.key)
        try:
            self._process(feed, result)
        except BackendError as exc:
            result.ok = False
            result.error = exc
        return result

    def _listed(self, family: str, cursor: Cursor | None, result: FeedResult) -> list[Document]:
        """The documents changed since the cursor, newest first."""
        found: list[Document] = []
        offset = 0
        while True:
            page = self.client.list_documents(family, slice=self.page_size, offset=offset)
            result.pages += 1
            result.listed += len(page.documents)
            for document in page.documents:
                revdate = document.revdate or ""
                if cursor is not None and revdate < cursor.revdate:
                    return found  # the first already-seen revision: older ones are too
                found.append(document)
            if page.is_last or not page.documents:
                return found
            offset += page.length

    def _process(self, feed: Feed, result: FeedResult) -> None:
        family = family_of(feed)
        cursor = Cursor.from_text(feed.end_cursor)
        listed = self._listed(family, cursor, result)
        if not listed:
            return
        with self.store.connect() as db:
            stored = q.load_snapshots(db, feed.key, [d.initid for d in listed])
        before = {n: DocSnapshot.from_json(s) for n, s in stored.items()}
        changed: list[Document] = []
        for document in listed:
            previous = before.get(document.initid)
            if (
                previous is None
                and cursor is not None
                and document.revdate == cursor.revdate
                and document.initid in cursor.seen
            ):
                continue  # seen when the feed started, before the subscription
            if previous is not None and previous == DocSnapshot.of(document):
                continue
            changed.append(document)
        # Who changed the state, and why: read before the transaction (SQLite's write lock is
        # never held while waiting for Dynacase).
        changes: dict[int, ItemStateChanged] = {}
        for document in changed:
            previous = before.get(document.initid)
            state = document.state
            if previous is None or state is None or previous.state == state.id:
                continue
            changes[document.initid] = self._state_change(document, previous)
        now = self.clock()
        with q.write(self.store) as db:
            subs = q.feed_item_subscriptions(db, feed.key)
            # Oldest first: the channel reads the cards in the order things happened.
            for document in reversed(changed):
                change = changes.get(document.initid)
                previous = before.get(document.initid)
                if change is not None and _made_by_the_bot(db, document.initid, change):
                    # Whoever clicked already saw it, and the action refreshed the card: the
                    # card is refreshed again, nothing is told (as for DS, services/outbox.py).
                    change = None
                if previous is None or change is not None:
                    result.changes += 1
                for entry in self._plan(db, subs, document, previous, change):
                    result.enqueued += q.enqueue(db, entry, now)
                snapshot = DocSnapshot.of(document)
                q.save_snapshot(db, feed.key, document.initid, snapshot.to_json(), now)
            new_cursor = Cursor.of(listed, cursor)
            if new_cursor is not None:
                q.set_cursor(db, feed.key, new_cursor.to_text())

    def _state_change(self, document: Document, previous: DocSnapshot) -> ItemStateChanged:
        state = document.state
        assert state is not None
        by = comment = None
        at = document.modified_at
        try:
            # The state change is written in the history of the revision it closes, the
            # comment beside it (same person, same second): the two newest revisions hold it.
            revisions = self.client.history(document.initid, revisions=2)
        except BackendError as exc:
            # The event still goes out, only without who and why.
            log.info("history of %s unreadable: %s", document.initid, type(exc).__name__)
            revisions = []
        entries = [e for r in revisions for e in r.entries]
        change = next((e for e in entries if e.is_state_change), None)
        if change is not None:
            by = change.uname or None
            at = change.at or at
            comment = next(
                (
                    e.comment
                    for e in entries
                    if e.code is None
                    and e.level == "info"
                    and e.date == change.date
                    and e.uid == change.uid
                    and e.comment
                ),
                None,
            )
        return ItemStateChanged(
            at=at,
            title=document.title,
            from_state=previous.state,
            from_label=previous.state_label,
            to_state=state.id,
            to_label=state.label,
            to_color=state.color or None,
            by=by,
            comment=comment,
        )

    @staticmethod
    def _plan(
        db: Database,
        subs: list[ItemSubscription],
        document: Document,
        previous: DocSnapshot | None,
        change: ItemStateChanged | None,
    ) -> list[OutboxEntry]:
        item = ItemRef(BACKEND, str(document.initid))
        stamp = (
            f"{document.revdate}:{document.revision}:{document.state.id if document.state else ''}"
        )
        entries: list[OutboxEntry] = []
        for sub in subs:
            prefix = f"{sub.team_id}:{sub.channel_id}:{BACKEND}:{document.initid}"
            has_card = (
                q.parent_ts(db, sub.team_id, sub.channel_id, item) is not None
                or q.pending_parent(db, sub.channel_id, item) is not None
            )
            announce = (previous is None or change is not None) and _passes(sub, change, document)
            if not (announce or has_card):
                continue  # an edit, or a state not followed, of a card the channel never had
            parent = ParentPayload(create=announce, new=previous is None, item=item)
            entries.append(
                OutboxEntry(sub.team_id, sub.channel_id, item, parent, f"{prefix}:card:{stamp}")
            )
            if change is not None and announce:
                thread = ThreadPayload(change, item=item)
                key = f"{prefix}:state:{document.revdate}:{document.revision}:{change.to_state}"
                entries.append(OutboxEntry(sub.team_id, sub.channel_id, item, thread, key))
        return entries


def _made_by_the_bot(db: Database, initid: int, change: ItemStateChanged) -> bool:
    """The state change is one the bot made from Slack: an `ok` audit row of this document,
    done as the same person Dynacase names, close to it in time."""
    if change.at is None or not change.by:
        return False
    at = change.at if change.at.tzinfo else change.at.replace(tzinfo=UTC)
    return any(
        who == change.by and abs(at - when) <= OWN_ACTION_WINDOW
        for who, when in q.own_item_changes(db, initid, BACKEND)
    )
