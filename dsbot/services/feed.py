"""The incremental change feed of one démarche or groupe (docs/ds-api.md,
"Incremental sync").

Each cycle reads the deletions since a watermark, then the dossiers listed after the stored
cursor with a fixed `updatedSince`. Pages are light; a full dossier is read only when its
summary differs from the feed's snapshot. Each page ends in one transaction that writes the
outbox rows, the snapshots and the new cursor together, so a crash replays at most one page,
and the outbox dedupe keys make that replay harmless. A DS failure stops the feed for this
cycle with its cursor where the last complete page left it (partial data is never used).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dsbot.ds.errors import DSError, DSNotFound, DSPermissionDenied
from dsbot.ds.models import DeletedDossier, Dossier, FeedPage, parse_dossier
from dsbot.services import index
from dsbot.services.classify import (
    Snapshot,
    baseline,
    classify,
    classify_deletion,
    fingerprint,
    observe,
)
from dsbot.services.classify import summary_changed as _summary_changed
from dsbot.services.outbox import DossierContext, plan_deliveries, silence_own_actions
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import Feed

log = logging.getLogger(__name__)

# DS lists the trash by a date that may be older than the newest one we saw (two
# connections, two sort keys): read a little behind the watermark and dedupe by snapshot.
DELETION_OVERLAP = timedelta(minutes=10)
PAGE_SIZE = 100
# Full reads per request (queries/get_dossiers.graphql has that many slots). A full dossier
# costs DS about 430 complexity points: 20 stay far below its limit and its 30 s timeout.
BATCH_SIZE = 20


class RecentDossiers:
    """Full dossiers read by the feed in this cycle, so that the sender can render a card
    without reading the same dossier again seconds later. Thread-safe."""

    def __init__(self, fetch: Callable[[int], Dossier], ttl: float = 60.0) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._lock = threading.Lock()
        self._items: dict[int, tuple[float, Dossier]] = {}

    def put(self, dossier: Dossier) -> None:
        with self._lock:
            self._items[dossier.number] = (time.monotonic(), dossier)

    def get(self, number: int) -> Dossier:
        """The dossier as read at most `ttl` seconds ago, or a fresh read."""
        with self._lock:
            item = self._items.get(number)
        if item is not None and time.monotonic() - item[0] <= self._ttl:
            return item[1]
        dossier = self._fetch(number)
        self.put(dossier)
        return dossier

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass
class FeedResult:
    key: str
    ok: bool = True
    pages: int = 0
    listed: int = 0
    fetched: int = 0
    changes: int = 0
    enqueued: int = 0
    deletions: int = 0
    error: DSError | None = None


class FeedProcessor:
    """Runs one cycle of one feed. `ds` is a DSClient (feed_pages, deleted_dossiers,
    get_dossier)."""

    def __init__(
        self,
        store: Store,
        ds: Any,
        *,
        clock: Callable[[], datetime],
        cache: RecentDossiers | None = None,
        page_size: int = PAGE_SIZE,
        deletion_overlap: timedelta = DELETION_OVERLAP,
    ) -> None:
        self.store = store
        self.ds = ds
        self.clock = clock
        self.cache = cache
        self.page_size = page_size
        self.deletion_overlap = deletion_overlap

    def process(self, feed: Feed) -> FeedResult:
        """Deletions, then every page after the stored cursor. Never raises a DSError: it
        comes back in the result, with everything before it committed."""
        result = FeedResult(feed.key)
        try:
            self._deletions(feed, result)
            for page in self.ds.feed_pages(
                **{feed.scope: feed.number},
                updated_since=feed.updated_since,
                after=feed.end_cursor,
                page_size=self.page_size,
            ):
                self._page(feed, page, result)
        except DSError as exc:
            result.ok = False
            result.error = exc
        return result

    # --- deletions -------------------------------------------------------------------------

    def _deletions(self, feed: Feed, result: FeedResult) -> None:
        since = feed.deleted_since - self.deletion_overlap
        listed: list[DeletedDossier] = self.ds.deleted_dossiers(
            **{feed.scope: feed.number}, since=since
        )
        if not listed:
            return
        # Oldest first; at the same date, the trash before the definitive deletion.
        listed.sort(key=lambda d: (d.date_supression, not d.pending))
        now = self.clock()
        with q.write(self.store) as db:
            subs = q.feed_subscriptions(db, feed.key)
            stored = q.load_snapshots(db, feed.key, {d.number for d in listed})
            snapshots = {n: Snapshot.from_json(s) for n, s in stored.items()}
            for deleted in listed:
                change, snapshot = classify_deletion(snapshots.get(deleted.number), deleted)
                snapshots[deleted.number] = snapshot
                if change is None:
                    continue
                result.deletions += 1
                result.changes += 1
                context = DossierContext(deleted.number, deleted.state)
                for entry in plan_deliveries(db, subs, context, [change]):
                    result.enqueued += q.enqueue(db, entry, now)
                q.save_snapshot(db, feed.key, deleted.number, snapshot.to_json(), now)
                index.forget(db, deleted.number, now)
            q.advance_deleted_since(db, feed.key, max(d.date_supression for d in listed))

    # --- pages -----------------------------------------------------------------------------

    def _page(self, feed: Feed, page: FeedPage, result: FeedResult) -> None:
        result.pages += 1
        result.listed += len(page.dossiers)
        with self.store.connect() as db:
            stored = q.load_snapshots(db, feed.key, [s.number for s in page.dossiers])
        previous = {n: Snapshot.from_json(s) for n, s in stored.items()}
        changed = [s for s in page.dossiers if _summary_changed(previous.get(s.number), s)]
        # Network reads happen before the transaction: SQLite's write lock is never held
        # while waiting for DS (Slack listeners write too).
        details = self.read_dossiers([s.number for s in changed])
        result.fetched += len(details)
        now = self.clock()
        with q.write(self.store) as db:
            subs = q.feed_subscriptions(db, feed.key)
            for summary in changed:
                if summary.number not in details:
                    continue
                read_at, dossier = details[summary.number]
                before = baseline(
                    previous.get(summary.number), summary, dossier, feed.updated_since
                )
                current = observe(summary, dossier, read_at)
                changes = classify(before, current, dossier)
                changes = silence_own_actions(changes, q.own_actions(db, summary.number))
                result.changes += sum(c.announce for c in changes)
                context = DossierContext(
                    number=summary.number,
                    state=dossier.state,
                    date_derniere_modification=summary.date_derniere_modification,
                    version=fingerprint(current),
                    demarche_title=dossier.demarche.title or None,
                    summary=summary,
                )
                for entry in plan_deliveries(db, subs, context, changes):
                    result.enqueued += q.enqueue(db, entry, now)
                q.save_snapshot(db, feed.key, summary.number, current.to_json(), now)
                index.record(db, dossier, now)
            q.advance_cursor(db, feed.key, page.end_cursor)

    def read_dossiers(self, numbers: list[int]) -> dict[int, tuple[datetime, Dossier]]:
        """The full dossiers, with when each read started, BATCH_SIZE per request. A dossier
        gone since it was listed is left out."""
        found: dict[int, tuple[datetime, Dossier]] = {}
        for start in range(0, len(numbers), BATCH_SIZE):
            batch = numbers[start : start + BATCH_SIZE]
            read_at = self.clock()
            variables: dict[str, object] = {}
            for slot, number in enumerate(batch):
                variables[f"n{slot}"] = number
                variables[f"i{slot}"] = True
            try:
                data = self.ds.execute("get_dossiers", variables)
                dossiers = [
                    parse_dossier(data[f"d{slot}"]) if data.get(f"d{slot}") else None
                    for slot in range(len(batch))
                ]
            except (DSNotFound, DSPermissionDenied):
                # One of them is gone (DS fails the whole request): find which, one by one.
                dossiers = [self._read_one(number) for number in batch]
            for number, dossier in zip(batch, dossiers, strict=True):
                if dossier is None:
                    # Gone between the listing and the read (trash, deletion, out of the
                    # token's scope): the deletion listing says what happened. Keeping the old
                    # snapshot means a return is compared with what the channels last saw.
                    log.info("dossier %s listed but no longer readable", number)
                    continue
                found[number] = (read_at, dossier)
                if self.cache is not None:
                    self.cache.put(dossier)
        return found

    def _read_one(self, number: int) -> Dossier | None:
        try:
            return self.ds.get_dossier(number)
        except (DSNotFound, DSPermissionDenied):
            return None
