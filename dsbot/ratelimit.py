"""Client-side rate limit, so that the process stays under DS's Rack::Attack throttle.

DS allows 400 requests per minute per `Authorization` header, in fixed windows aligned on the
minute, and answers HTTP 429 beyond (docs/ds-api.md, "Rate limit"). A sliding window of N
requests per period guarantees that no fixed window of the same length sees more than N,
whatever its alignment.
Every DS client of the process that uses the same token must share one limiter: the registry
below hands out one per (url, token).

The numbers (docs/scaling.md, "Indexing at DS's speed"):

- `DEFAULT_LIMIT` = 392 of DS's 400. The 8 left are the margin for what this limiter cannot
  see: a slot is counted when it is granted, DS counts the request when it arrives, so a
  request granted at the end of a minute may land in DS's next window (network jitter), and
  another process with the same token (`dsbot check`: 3 requests and one per démarche) counts
  in DS's window, not in this one. Beyond that margin DS answers 429: the transport holds the
  whole limiter until DS's window ends and retries, nothing is lost (a page's cursor only
  moves once the page is written).
- `PEOPLE_RESERVE` = 5 %: the poller (`background=True`: the feeds, the cards it sends, the
  Home tabs it refreshes) never takes the last 20 slots of the window (372 of 392), and never
  takes a slot while a person's request is waiting for one. Twenty reads a minute that no
  backfill can take, and any free slot after them, is what people's cards and commands need;
  the poller keeps 372 / 400 = 93 % of DS's budget, so a backfill of N requests takes at
  most N / 372 minutes, 1.075 × the N / 400 DS allows (goal ≤ 1.10). Before, 360 with 36
  reserved: 324 a minute, 1.23 × what DS allows.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable

DS_LIMIT_PER_MINUTE = 400
# A margin of 8 under DS's limit (see the module's docstring): network jitter can shift a
# request into DS's next window, and another process (`dsbot check`) may use the same token.
DEFAULT_LIMIT = 392
DEFAULT_PERIOD = 60.0
# The share of the window the poller may never take: people's own budget (20 of 392).
PEOPLE_RESERVE = 0.05
# How long a background request waits before looking again while a person's is waiting.
YIELD_WAIT = 0.05


class WaitTooLong(Exception):
    """The next slot is further away than the caller agreed to wait."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"next request slot in {wait:.1f} s")
        self.wait = wait


class RateLimiter:
    """At most `limit` acquisitions in any `period` seconds; `acquire` blocks until allowed.

    Thread-safe. `clock` and `sleep` are injectable so that tests can use a fake clock.
    """

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        period: float = DEFAULT_PERIOD,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._granted: deque[float] = deque()
        self._blocked_until = 0.0
        self.waited = 0.0  # total seconds callers were made to wait, for logs and tests
        # The slots a background request may never take (at least one when limit > 1).
        self.reserve = min(max(1, round(limit * PEOPLE_RESERVE)), limit - 1)
        self.people_waiting = 0

    def _wait_needed(self, now: float, background: bool) -> float:
        while self._granted and self._granted[0] <= now - self.period:
            self._granted.popleft()
        wait = self._blocked_until - now
        limit = self.limit - self.reserve if background else self.limit
        if len(self._granted) >= limit:
            # The slot of this priority frees when the oldest ones over its limit leave.
            wait = max(wait, self._granted[len(self._granted) - limit] + self.period - now)
        if background and self.people_waiting:
            wait = max(wait, YIELD_WAIT)
        return max(wait, 0.0)

    def try_acquire(self, *, background: bool = False) -> float:
        """Take a slot if one is free now (returns 0.0), else return the seconds to wait."""
        with self._lock:
            now = self._clock()
            wait = self._wait_needed(now, background)
            if wait <= 0:
                self._granted.append(now)
            return wait

    def acquire(self, max_wait: float | None = None, *, background: bool = False) -> float:
        """Block until a slot is free and take it. Returns the seconds spent waiting.

        With `max_wait`, raises WaitTooLong instead of starting a wait longer than that (a user
        waiting on a click is better told to come back later than kept hanging).
        `background`: the poller's request, after people's (see the module's docstring).
        """
        waited = 0.0
        queued = False
        try:
            while True:
                wait = self.try_acquire(background=background)
                if wait <= 0:
                    return waited
                if max_wait is not None and waited + wait > max_wait:
                    raise WaitTooLong(wait)
                if not background and not queued:
                    queued = True
                    with self._lock:
                        self.people_waiting += 1
                # Sleep outside the lock so that other threads can compute their own wait.
                self._sleep(wait)
                waited += wait
                with self._lock:
                    self.waited += wait
        finally:
            if queued:
                with self._lock:
                    self.people_waiting -= 1

    def hold(self, seconds: float) -> None:
        """Refuse every slot for `seconds` (DS said 429: everyone in the process backs off)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + max(seconds, 0.0))

    def in_window(self) -> int:
        """How many slots were taken within the last period."""
        with self._lock:
            self._wait_needed(self._clock(), False)
            return len(self._granted)


_registry: dict[tuple[str, str], RateLimiter] = {}
_registry_lock = threading.Lock()


def token_key(token: str) -> str:
    """A stable, non-reversible key for a token (the token itself is never stored in the key)."""
    return hashlib.sha256(token.encode()).hexdigest()


def shared_limiter(
    url: str, token: str, *, limit: int = DEFAULT_LIMIT, period: float = DEFAULT_PERIOD
) -> RateLimiter:
    """The process-wide limiter for this (url, token); created on first use with these settings."""
    key = (url, token_key(token))
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = RateLimiter(limit, period)
        return limiter
