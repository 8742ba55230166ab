"""Which row is due in a channel, and when Slack lets it go.

`Scheduler.next_row` picks a channel's next row (rows of one item in order, a thread event
behind its card, a new dossier's card held until the cycle that queued it ended: it may
belong to a burst, which `coalesce` folds into one summary). `Scheduler.reserve` says whether
Slack's rate limits let it go now, kept on our side so that the outbox never earns a 429
(docs/slack.md, "Rate limits"):

- chat.postMessage: about one message a second per channel. The next slot is timed from the
  END of the previous post: timed from its start, a slow answer leaves the next request less
  than a second behind the one Slack counted, and Slack refuses it.
- chat.update, conversations.history and conversations.replies are Tier 3 methods: 50 a
  minute, per method, counted for the whole workspace and not per channel. Each method has its
  `MethodLimit`, shared by every channel, which a card update draws from instead of waiting
  for a posting slot: a token bucket (its pace, short bursts) inside a sliding window that
  never lets more than 50 go in any minute (the bucket alone let 60 go in the first one, and a
  strict Slack answered 9 × 429 to 100 updates). History and replies share one, the
  stricter.

Times are `monotonic()` seconds (injectable, so that tests move a fake clock).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from dsbot.notifications.model import SummaryTally, decode_payload
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import (
    OutboxEntry,
    OutboxKind,
    OutboxRow,
    OutboxStatus,
    ParentPayload,
)

BURST_THRESHOLD = 20
POST_INTERVAL = 1.0
TIER3_PER_MINUTE = 50.0
TIER3_BURST = 10
# The window a method's calls are counted in: Slack's minute, and a second for the time a
# request takes to reach Slack.
TIER_WINDOW = 61.0


class TokenBucket:
    """`per_minute` calls a minute on average, at most `burst` at once."""

    def __init__(
        self, per_minute: float, burst: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.monotonic = monotonic
        self._tokens = float(burst)
        self._at = monotonic()
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def try_take(self) -> float | None:
        """Take a token: None if taken, else the monotonic time when one will be there."""
        with self._lock:
            now = self.monotonic()
            self._refill(now)
            # A token refilled to within rounding of 1 is a token: the time it would still
            # take rounds to now, and asking again at "now" would never get it.
            if self._tokens >= 1.0 - 1e-9:
                self._tokens = max(self._tokens - 1.0, 0.0)
                return None
            return now + (1.0 - self._tokens) / self.rate

    def take(self, sleep: Callable[[float], None], stopped: Callable[[], bool] = bool) -> None:
        """Take a token, sleeping until there is one (or until `stopped()`)."""
        while (ready := self.try_take()) is not None and not stopped():
            sleep(max(ready - self.monotonic(), 0.0))


class SlidingWindow:
    """At most `limit` calls in any `window` seconds, as a strict Slack counts them."""

    def __init__(self, limit: int, window: float, monotonic: Callable[[], float]) -> None:
        self.limit = max(1, limit)
        self.window = window
        self.monotonic = monotonic
        self._times: deque[float] = deque()

    def ready_at(self) -> float | None:
        """None if a call may go now, else the monotonic time when one may (not thread-safe:
        the caller holds its lock)."""
        now = self.monotonic()
        while self._times and now >= self._times[0] + self.window:
            self._times.popleft()
        if len(self._times) < self.limit:
            return None
        return self._times[0] + self.window

    def record(self) -> None:
        self._times.append(self.monotonic())


class MethodLimit:
    """One Slack method's budget for the workspace: `per_minute` calls a minute on average, at
    most `burst` at once, never more than `per_minute` in any TIER_WINDOW."""

    def __init__(
        self, per_minute: float, burst: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.bucket = TokenBucket(per_minute, burst, monotonic)
        self.window = SlidingWindow(int(per_minute), TIER_WINDOW, monotonic)
        self.monotonic = monotonic
        self._lock = threading.Lock()

    def try_take(self) -> float | None:
        """Take a call: None if taken, else the monotonic time when one may be there."""
        with self._lock:
            ready = self.window.ready_at()
            if ready is None:
                ready = self.bucket.try_take()
            if ready is None:
                self.window.record()
            return ready

    def take(self, sleep: Callable[[float], None], stopped: Callable[[], bool] = bool) -> None:
        """Take a call, sleeping until there is one (or until `stopped()`)."""
        while (ready := self.try_take()) is not None and not stopped():
            sleep(max(ready - self.monotonic(), 0.0))


class Pacer:
    """When each channel may post next, and the workspace's Tier 3 budgets: `tier3` for
    chat.update, `history` for conversations.history and conversations.replies."""

    def __init__(
        self,
        *,
        post_interval: float = POST_INTERVAL,
        tier3_per_minute: float = TIER3_PER_MINUTE,
        tier3_burst: int = TIER3_BURST,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.post_interval = post_interval
        self.monotonic = monotonic
        self.tier3 = MethodLimit(tier3_per_minute, tier3_burst, monotonic)
        self.history = MethodLimit(tier3_per_minute, tier3_burst, monotonic)
        self._next_post: dict[str, float] = {}
        self._lock = threading.Lock()

    def post_ready_at(self, channel: str) -> float:
        """The monotonic time from which `channel` may post (now or earlier: at once)."""
        with self._lock:
            return self._next_post.get(channel, float("-inf"))

    def post_wait(self, channel: str) -> float | None:
        """None if `channel` may post now, else the monotonic time when it may."""
        ready = self.post_ready_at(channel)
        return None if self.monotonic() >= ready else ready

    def posted(self, channel: str) -> None:
        """A post to `channel` just ended (answered or not): the next one waits a full
        interval from now."""
        with self._lock:
            self._next_post[channel] = self.monotonic() + self.post_interval

    def wait_post(
        self, channel: str, sleep: Callable[[float], None], stopped: Callable[[], bool] = bool
    ) -> None:
        """Sleep until `channel` may post (or until `stopped()`). Checked again after each
        sleep: a clock may wake a hair early."""
        while (ready := self.post_wait(channel)) is not None and not stopped():
            sleep(max(ready - self.monotonic(), 0.0))


def is_burst_candidate(row: OutboxRow) -> bool:
    """A new dossier's card not tried yet: it may still be folded into a summary."""
    payload = row.payload
    return (
        isinstance(payload, ParentPayload)
        and row.status is OutboxStatus.PENDING
        and row.attempts == 0
        and payload.new
        and payload.summary is not None
    )


@dataclass
class _Burst:
    """New-dossier cards of one démarche in one channel, as they are read: the row ids to fold
    and the summary's counts and sample, never the rows themselves."""

    ids: list[int] = field(default_factory=list)
    tally: SummaryTally = field(default_factory=SummaryTally)


def _burst_candidates(db: Database) -> Iterator[tuple[int, str, str, ParentPayload]]:
    """(id, team, channel, payload) of every new dossier's card not tried yet, oldest first,
    read row by row (a backfill queues one per dossier of the démarche)."""
    cursor = db.execute(
        "SELECT id, team_id, channel_id, payload FROM outbox WHERE status = 'pending'"
        " AND kind = 'parent' AND attempts = 0 ORDER BY id"
    )
    for row_id, team_id, channel_id, text in cursor:
        payload = decode_payload(OutboxKind.PARENT, text)
        if isinstance(payload, ParentPayload) and payload.new and payload.summary is not None:
            yield row_id, team_id, channel_id, payload


def coalesce_bursts(db: Database, now: datetime, threshold: int = BURST_THRESHOLD) -> int:
    """Replace more than `threshold` waiting new-dossier cards of one démarche in one channel
    by a single summary row (the feed commits page by page, so a burst is only known once the
    cycle's pages are all in). Returns the number of summary rows written.

    The summary holds counts and a sample (`SummaryPayload`), and the rows are read one at a
    time: memory and the row's size stay the same for 30 dossiers or 100,000."""
    groups: dict[tuple[str, str, int | None, bool], _Burst] = defaultdict(_Burst)
    for row_id, team_id, channel_id, payload in _burst_candidates(db):
        burst = groups[(team_id, channel_id, payload.demarche, payload.backfill)]
        burst.ids.append(row_id)
        assert payload.summary is not None
        burst.tally.add(payload.summary, payload.demarche_title)
    written = 0
    for (team_id, channel_id, demarche, backfill), burst in groups.items():
        # A backfill is always one summary, however small; live deposits only above the
        # threshold.
        if not backfill and len(burst.ids) <= threshold:
            continue
        db.conn.executemany(
            "UPDATE outbox SET status = ?, last_error = ? WHERE id = ?",
            [(OutboxStatus.COLLAPSED.value, "burst summary", i) for i in burst.ids],
        )
        kind = "backfill" if backfill else "summary"
        first, last = burst.ids[0], burst.ids[-1]
        key = f"{team_id}:{channel_id}:{kind}:{demarche}:{first}-{last}"
        summary = burst.tally.payload(demarche)
        q.enqueue(db, OutboxEntry(team_id, channel_id, None, summary, key), now)
        written += 1
    return written


class Scheduler:
    """Which row of a channel goes next, and whether its slot is there."""

    def __init__(
        self,
        store: Store,
        pacer: Pacer,
        clock: Callable[[], datetime],
        burst_threshold: int = BURST_THRESHOLD,
    ) -> None:
        self.store = store
        self.pacer = pacer
        self.clock = clock
        self.burst_threshold = burst_threshold
        # New-dossier cards above this id wait: a burst is only known once the poll cycle that
        # queued it has ended (see coalesce()).
        self.horizon = 0

    def coalesce(self) -> int:
        """A cycle ended: fold its bursts into summaries and let the other new cards go."""
        with q.write(self.store) as db:
            collapsed = coalesce_bursts(db, self.clock(), self.burst_threshold)
            self.horizon = q.last_outbox_id(db)
        return collapsed

    def _held(self, row: OutboxRow) -> bool:
        return row.id > self.horizon and is_burst_candidate(row)

    def next_row(self, channel: str) -> OutboxRow | None:
        """The next row to send in this channel: rows of one dossier go in order, a thread
        event waits for its dossier's parent message, and a new dossier's card waits for the
        end of the poll cycle that queued it (it may belong to a burst)."""
        now = self.clock()
        with self.store.connect() as db:
            waiting: set[object] = set()
            with closing(q.iter_open_rows(db, channel)) as rows:
                for row in rows:
                    key: object = row.item if row.item is not None else row.id
                    if key in waiting:
                        continue
                    if (
                        row.status is not OutboxStatus.PENDING
                        or row.next_attempt_at > now
                        or self._held(row)
                    ):
                        waiting.add(key)
                        continue
                    if row.kind is OutboxKind.THREAD and row.item is not None:
                        has_parent = q.parent_ts(db, row.team_id, channel, row.item)
                        parent = None if has_parent else q.pending_parent(db, channel, row.item)
                        if parent is not None:
                            if (
                                parent.status is OutboxStatus.PENDING
                                and parent.next_attempt_at <= now
                                and not self._held(parent)
                            ):
                                return parent
                            waiting.add(key)
                            continue
                    return row
        return None

    def reserve(self, row: OutboxRow) -> float | None:
        """None if `row` may go now (a Tier 3 token taken for an update), else the monotonic
        time when it may."""
        if row.kind is OutboxKind.PARENT and row.item is not None:
            with self.store.connect() as db:
                ts = q.parent_ts(db, row.team_id, row.channel_id, row.item)
            if ts is not None:
                return self.pacer.tier3.try_take()
        elif row.kind is OutboxKind.THREAD and row.item is not None:
            with self.store.connect() as db:
                if q.parent_ts(db, row.team_id, row.channel_id, row.item) is None:
                    return None  # queues its card: no Slack call
        elif row.kind is OutboxKind.ERASE:
            return self.pacer.tier3.try_take()  # a tombstone is a chat.update
        return self.pacer.post_wait(row.channel_id)
