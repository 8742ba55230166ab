"""The incremental change feed of one démarche or groupe (DS's high-volume sync,
docs/ds-api.md, "Incremental sync").

Each cycle reads the deletions since a watermark, then the dossiers listed after the stored
cursor with a fixed `updatedSince`. A dossier is looked at in full only when its summary
differs from the feed's snapshot. Pages adapt to what they hold: a page that is mostly changes
is read *full* (the card's fields in the page itself, one request for up to 100 changes); a page
that is mostly dossiers already known is read light and its few changes are read by number,
20 per request. A full page that times out at DS is asked again, from the same cursor, smaller,
then light (docs/ds-api.md, "Timeout").

Each page ends in one transaction that writes the outbox rows, the snapshots and the new cursor
together, so a crash replays at most one page, and the outbox dedupe keys make that replay
harmless. A DS failure stops the feed for this cycle with its cursor where the last complete
page left it (partial data is never used). Memory follows one page, never the démarche.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from dsbot.backends import registry
from dsbot.backends.errors import BackendError, BackendTimeout
from dsbot.backends.port import BackendName, ChangeClassifier, Followers
from dsbot.logs import get_logger
from dsbot.notifications.model import ItemRef, ParentPayload
from dsbot.services import index
from dsbot.services.outbox import DossierContext, plan_deliveries, silence_own_actions
from dsbot.services.personal import PersonalDossier, Timing, default_timing, plan_personal
from dsbot.services.privacy import erase_dossier
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import Feed, OutboxEntry
from dsbot.store.subscriptions import DS_FEED_SCOPES

__all__ = [
    "DELETION_OVERLAP",
    "DS_SCOPES",
    "FALLBACK_HOLD",
    "FULL_FALLBACK_SIZE",
    "PAGE_SIZE",
    "FeedProcessor",
    "FeedResult",
    "RecentDossiers",
]

log = get_logger(__name__)

# The scopes of the stored feeds this processor reads: a démarche's or a groupe's (DS's).
DS_SCOPES = DS_FEED_SCOPES  # the scopes of its stored feeds (dsbot.store.subscriptions)

# DS lists the trash by a date that may be older than the newest one we saw (two
# connections, two sort keys): read a little behind the watermark and dedupe by snapshot.
DELETION_OVERLAP = timedelta(minutes=10)
PAGE_SIZE = 100
# A full page that timed out is asked again with this many dossiers; if that times out too, the
# feed reads light pages. A full dossier costs DS about 430 complexity points (a light one
# about 15): 25 of them stay in the range that the batched reads (BATCH_SIZE) have shown safe.
FULL_FALLBACK_SIZE = 25
# How long a feed whose full pages timed out keeps the smaller pages: a démarche with heavy
# forms stays heavy, but a slow hour at DS should not cost the feed its large pages for good.
FALLBACK_HOLD = timedelta(hours=1)
# A full page answered within this many seconds (DS gives up at 30) is a fast one; after
# GROW_AFTER fast pages in a row, DS is fast again: full pages are twice as large, up to the
# page size, short of the size that timed out (tried again once the hold is over).
FAST_PAGE = 5.0
GROW_AFTER = 8


class Numbered(Protocol):
    @property
    def number(self) -> int: ...


# The backend's full dossier (DS's `Dossier`): the cache keeps what the fetch gives.
D = TypeVar("D", bound=Numbered)


class RecentDossiers(Generic[D]):
    """Full dossiers read by the feed in this cycle, so that the sender can render a card
    without reading the same dossier again seconds later. Thread-safe."""

    def __init__(
        self,
        fetch: Callable[[int], D],
        ttl: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        max_items: int = 1000,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self.max_items = max_items
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._items: dict[int, tuple[float, D]] = {}

    def put(self, dossier: D) -> None:
        with self._lock:
            self._items.pop(dossier.number, None)
            self._items[dossier.number] = (self.monotonic(), dossier)
            while len(self._items) > self.max_items:  # the oldest go: memory stays bounded
                del self._items[next(iter(self._items))]

    def get(self, number: int) -> D:
        """The dossier as read at most `ttl` seconds ago, or a fresh read."""
        with self._lock:
            item = self._items.get(number)
        if item is not None and self.monotonic() - item[0] <= self._ttl:
            return item[1]
        dossier = self._fetch(number)
        self.put(dossier)
        return dossier

    def forget(self, number: int) -> None:
        with self._lock:
            self._items.pop(number, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


@dataclass
class FeedResult:
    key: str
    ok: bool = True
    pages: int = 0
    full_pages: int = 0  # of `pages`, those read with the card's fields
    fallbacks: int = 0  # full pages that timed out and were asked again, smaller or light
    listed: int = 0
    fetched: int = 0
    changes: int = 0
    enqueued: int = 0
    deletions: int = 0
    erased: int = 0  # dossiers deleted for good, their data erased
    personal: int = 0  # events queued for a person's direct messages
    error: BackendError | None = None


@dataclass(frozen=True)
class _Slow:
    """A feed whose full pages timed out: at most `full_size` dossiers per full page (0: light
    pages only) until `until`; `timed_out` is the smallest size that did."""

    full_size: int
    until: datetime
    timed_out: int = PAGE_SIZE
    fast: int = 0  # full pages of `full_size` answered fast in a row


def ds_classifier() -> ChangeClassifier:
    """DS's classifier, from the registry: the pages this processor reads are DS's."""
    classifier = registry.get(BackendName.DS).classifier
    assert classifier is not None, "DS's spec names its classifier"
    return classifier


class FeedProcessor:
    """Runs one cycle of one feed. `ds` is a DSClient (feed_page, deleted_dossiers,
    get_dossiers). Keep one per process: it remembers how each feed's pages are best read.
    `classifier` turns what it reads into changes (the port's `ChangeClassifier`; DS's by
    default): the processor never looks inside a dossier."""

    def __init__(
        self,
        store: Store,
        ds: Any,
        *,
        clock: Callable[[], datetime],
        cache: RecentDossiers[Any] | None = None,
        page_size: int = PAGE_SIZE,
        deletion_overlap: timedelta = DELETION_OVERLAP,
        classifier: ChangeClassifier | None = None,
        capture_cards: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
        personal: Timing | None = None,
    ) -> None:
        self.monotonic = monotonic
        # Set by the poller: dsbot is stopping, the feed ends at the end of the page in hand.
        self.stopping: Callable[[], bool] = lambda: False
        self.store = store
        # What a card needs of a dossier, kept when a row about its card is queued: the sender
        # renders from it and never reads DS again (DS's spec: `capture`).
        self.capture = registry.get(BackendName.DS).capture if capture_cards else None
        self.ds = ds
        self.classifier = classifier or ds_classifier()
        self.clock = clock
        self.cache = cache
        self.page_size = page_size
        self.deletion_overlap = deletion_overlap
        # Personal notifications, where the backend tells who follows a dossier.
        self.personal = personal or default_timing()
        # Per feed (key and start: a new subscription is a new feed): whether its last
        # non-empty page was mostly changes.
        self._mostly_changes: dict[tuple[str, datetime], bool] = {}
        self._slow: dict[str, _Slow] = {}
        self._lock = threading.Lock()

    def process(self, feed: Feed) -> FeedResult:
        """Deletions, then every page after the stored cursor (the deletions come with the first
        page's request: a cycle with nothing new costs one request). Never raises a BackendError:
        it comes back in the result, with everything before it committed."""
        result = FeedResult(feed.key)
        try:
            self._pages(feed, result)
        except BackendError as exc:
            result.ok = False
            result.error = exc
        return result

    # --- deletions -------------------------------------------------------------------------

    def _deletions_since(self, feed: Feed) -> datetime:
        return feed.deleted_since - self.deletion_overlap

    def _deletions(self, feed: Feed, result: FeedResult, given: Any = None) -> None:
        """`given`: the deletions the first page brought (None: more than a page of them, read
        on their own)."""
        # DS's DeletedDossier (number, state, date_supression, pending), as the client gives it.
        listed: list[Any] = (
            list(given)
            if given is not None
            else self.ds.deleted_dossiers(
                **{feed.scope: feed.number}, since=self._deletions_since(feed)
            )
        )
        if not listed:
            return
        # Oldest first; at the same date, the trash before the definitive deletion.
        listed.sort(key=lambda d: (d.date_supression, not d.pending))
        now = self.clock()
        with q.write(self.store) as db:
            subs = q.feed_subscriptions(db, feed.key)
            stored = q.load_snapshots(db, feed.key, {d.number for d in listed})
            snapshots = {n: self.classifier.from_json(s) for n, s in stored.items()}
            for deleted in listed:
                change, snapshot = self.classifier.classify_deletion(
                    snapshots.get(deleted.number), deleted
                )
                snapshots[deleted.number] = snapshot
                if change is None:
                    continue
                result.deletions += 1
                result.changes += 1
                if not deleted.pending:
                    # Gone for good: its personal data leaves with it, and every message
                    # about it becomes a tombstone that says so (docs/privacy.md).
                    q.save_snapshot(db, feed.key, deleted.number, snapshot.to_json(), now)
                    erase_dossier(
                        db, deleted.number, "deleted", now, gone_state=deleted.state.value
                    )
                    result.erased += 1
                    if self.cache is not None:
                        self.cache.forget(deleted.number)
                    continue
                context = DossierContext(deleted.number, deleted.state)
                entries = plan_deliveries(db, subs, context, [change])
                for entry in entries:
                    result.enqueued += q.enqueue(db, entry, now)
                if entries and self.capture is not None:
                    q.save_card(db, ItemRef.ds(deleted.number), None, now)  # its card: gone
                q.save_snapshot(db, feed.key, deleted.number, snapshot.to_json(), now)
                index.forget(db, deleted.number, now)
            q.advance_deleted_since(db, feed.key, max(d.date_supression for d in listed))

    # --- pages -----------------------------------------------------------------------------

    def _pages(self, feed: Feed, result: FeedResult) -> None:
        cursor = feed.end_cursor
        memo = (feed.key, feed.updated_since)
        with self._lock:
            # After a cursor, DS lists what was updated since the last page: changes, but for
            # the rare update that moves nothing in the summary. A feed's first listing (no
            # cursor yet) is unknown ground, possibly a long backfill: it starts light, one
            # page of evidence costs at most ⌈100/BATCH_SIZE⌉ reads, and the mix decides.
            full = self._mostly_changes.get(memo, feed.end_cursor is not None)
        deletions_due = True  # asked with the first page that DS answers
        while True:
            full_size = self._full_size(feed.key)
            as_full = full and full_size > 0
            size = full_size if as_full else self.page_size
            read_at = self.clock()
            started = self.monotonic()
            try:
                # DS's FeedPage: the summaries, the cursor, the full dossiers when `full`.
                page = self.ds.feed_page(
                    **{feed.scope: feed.number},
                    updated_since=feed.updated_since,
                    after=cursor,
                    page_size=size,
                    full=as_full,
                    deleted_since=self._deletions_since(feed) if deletions_due else None,
                )
            except BackendTimeout:
                if not as_full:
                    raise
                # Too heavy for DS's 30 s: the same cursor again, smaller, then light.
                self._slow_down(feed.key, size)
                result.fallbacks += 1
                log.warning("feed.page_timed_out", feed=feed.key, page_size=size)
                continue
            if deletions_due:
                # Before the page's changes, as when they were read on their own.
                self._deletions(feed, result, page.deletions)
                deletions_due = False
            if as_full:
                self._answered(feed.key, size, self.monotonic() - started)
            changed = self._page(feed, page, read_at, result)
            if page.dossiers:
                full = 2 * changed >= len(page.dossiers)
                with self._lock:
                    self._mostly_changes[memo] = full
            if not page.has_next_page or page.end_cursor is None or self.stopping():
                return
            cursor = page.end_cursor
            # Memory holds one page: this one goes before the next one is read.
            del page

    def _full_size(self, key: str) -> int:
        """Dossiers per full page for this feed now (0: light pages only)."""
        with self._lock:
            slow = self._slow.get(key)
            if slow is None:
                return self.page_size
            if slow.until <= self.clock():
                del self._slow[key]
                return self.page_size
            return min(slow.full_size, self.page_size)

    def _slow_down(self, key: str, timed_out: int) -> None:
        full_size = FULL_FALLBACK_SIZE if timed_out > FULL_FALLBACK_SIZE else 0
        with self._lock:
            self._slow[key] = _Slow(full_size, self.clock() + FALLBACK_HOLD, timed_out)

    def _answered(self, key: str, size: int, seconds: float) -> None:
        """A full page of `size` came back in `seconds`: after GROW_AFTER fast ones in a row,
        the next may be twice as large, as long as it stays under the size that timed out."""
        with self._lock:
            slow = self._slow.get(key)
            if slow is None or size < slow.full_size:
                return
            fast = slow.fast + 1 if seconds <= FAST_PAGE else 0
            larger = min(2 * size, self.page_size)
            if fast >= GROW_AFTER and larger < slow.timed_out:
                self._slow[key] = _Slow(larger, slow.until, slow.timed_out)
            else:
                self._slow[key] = _Slow(slow.full_size, slow.until, slow.timed_out, fast)

    def _page(self, feed: Feed, page: Any, read_at: datetime, result: FeedResult) -> int:
        """Classifies and commits one page; returns how many of its dossiers had changed."""
        result.pages += 1
        result.listed += len(page.dossiers)
        with self.store.connect() as db:
            stored = q.load_snapshots(db, feed.key, [s.number for s in page.dossiers])
        previous = {n: self.classifier.from_json(s) for n, s in stored.items()}
        worth = self.classifier.summary_changed
        changed = [s for s in page.dossiers if worth(previous.get(s.number), s)]
        if page.details is not None:
            result.full_pages += 1
            wanted = {s.number for s in changed}
            details = {d.number: (read_at, d) for d in page.details if d.number in wanted}
            if self.cache is not None and self.capture is None:
                for _, dossier in details.values():
                    self.cache.put(dossier)
        else:
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
                observed_at, dossier = details[summary.number]
                before = self.classifier.baseline(
                    previous.get(summary.number), summary, dossier, feed.updated_since
                )
                current = self.classifier.observe(summary, dossier, observed_at)
                changes = self.classifier.classify(before, current, dossier)
                result.personal += self._personal(db, dossier, changes, now)
                changes = silence_own_actions(changes, q.own_actions(db, summary.number))
                result.changes += sum(c.announce for c in changes)
                context = DossierContext(
                    number=summary.number,
                    state=dossier.state,
                    date_derniere_modification=summary.date_derniere_modification,
                    version=self.classifier.fingerprint(current),
                    demarche_title=dossier.demarche.title or None,
                    summary=summary,
                )
                entries = plan_deliveries(db, subs, context, changes)
                for entry in entries:
                    result.enqueued += q.enqueue(db, entry, now)
                self._capture(db, dossier, entries, observed_at)
                q.save_snapshot(db, feed.key, summary.number, current.to_json(), now)
                index.record(db, dossier, now)
            q.advance_cursor(db, feed.key, page.end_cursor)
        return len(changed)

    def _capture(
        self, db: Any, dossier: Any, entries: list[OutboxEntry], read_at: datetime
    ) -> None:
        """Keep what the card needs of `dossier` when a row may render its card (a backfill's
        rows become one summary: no card)."""
        if self.capture is None or not any(
            not (isinstance(e.payload, ParentPayload) and e.payload.backfill) for e in entries
        ):
            return
        try:
            card = self.capture(dossier)
        except ValueError:
            log.warning("card.too_large_to_capture", dossier=dossier.number)
            return
        q.save_card(db, ItemRef.ds(dossier.number), card, read_at)

    def _personal(self, db: Any, dossier: Any, changes: list[Any], now: datetime) -> int:
        """The personal events of a dossier's changes (before the channels' silencing: a
        colleague's action from Slack is news to its followers)."""
        followers = self.classifier
        if not changes or not isinstance(followers, Followers):
            return 0
        about = PersonalDossier(
            dossier.number,
            dossier.demarche.title or None,
            followers.followers(dossier),
            followers.members(dossier),
        )
        return plan_personal(db, about, changes, now, self.personal)

    def read_dossiers(self, numbers: list[int]) -> dict[int, tuple[datetime, Any]]:
        """The full dossiers (DSClient.get_dossiers), with when the read started. A dossier
        gone since it was listed is left out."""
        if not numbers:
            return {}
        read_at = self.clock()
        dossiers: dict[int, Any] = self.ds.get_dossiers(numbers)
        found: dict[int, tuple[datetime, Any]] = {}
        for number in numbers:
            dossier = dossiers.get(number)
            if dossier is None:
                # Gone between the listing and the read (trash, deletion, out of the token's
                # scope): the deletion listing says what happened. Keeping the old snapshot
                # means a return is compared with what the channels last saw.
                log.info("feed.dossier_unreadable", dossier=number)
                continue
            found[number] = (read_at, dossier)
            if self.cache is not None and self.capture is None:
                # Without captures, the sender renders from this cache. With them, keeping
                # every dossier a backfill reads would make memory follow the démarche.
                self.cache.put(dossier)
        return found
