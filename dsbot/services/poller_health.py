"""What the running poller tells /healthz, and how it reports its own faults.

`PollerStatus` is written by the poller's threads and read by the health endpoint: plain
attributes under a lock, in monotonic time for ages (the poller's own clock may be DS's) and in
wall time for the JSON.

`FaultLog` logs a fault once per kind (where it happened and the exception's type) with its
traceback, then only counts repeats, so that a database down for an hour does not write a
traceback every cycle; the first success after it says how many failures it ended.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dsbot.redact import redact
from dsbot.store import DatabaseUnavailable

log = logging.getLogger("dsbot.services.poller")

# /healthz answers 503 once no poll cycle has succeeded for STALE_CYCLES poll intervals (a cycle
# in progress that is still getting through its feeds counts as alive).
STALE_CYCLES = 3


def error_line(exc: BaseException) -> str:
    """One line for logs and ops alerts; a database fault names the setting to look at."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, DatabaseUnavailable | sqlite3.Error):
        text = f"DSBOT_DB, {text}"
    return redact(text)[:300]


@dataclass
class PollerSnapshot:
    alive: bool
    ended: bool  # the loop ran and stopped (a stop, or a crash it could not survive)
    last_success: datetime | None
    consecutive_failures: int
    last_error: str | None
    stale_for: float | None  # seconds past the allowed age; None when fresh

    def to_json(self) -> dict[str, Any]:
        return {
            "alive": self.alive,
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "consecutive_failures": self.consecutive_failures,
            "last_error": self.last_error,
        }


class PollerStatus:
    """The poller loop's liveness: started, last successful cycle, failures in a row."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self.alive = False
        self.ended = False
        # Until the loop starts, the age of "no cycle yet" counts from here.
        self.started_at: float | None = monotonic()
        self.last_success: datetime | None = None
        self._last_success_at: float | None = None
        self._progress_at: float | None = None
        self.consecutive_failures = 0
        self.last_error: str | None = None

    def started(self) -> None:
        with self._lock:
            self.alive = True
            self.ended = False
            self.started_at = self._monotonic()

    def stopped(self) -> None:
        with self._lock:
            self.alive = False
            self.ended = True

    def progress(self) -> None:
        """A long cycle got through one more feed: it is working, not stuck."""
        with self._lock:
            self._progress_at = self._monotonic()

    def succeeded(self) -> None:
        with self._lock:
            self._last_success_at = self._progress_at = self._monotonic()
            self.last_success = datetime.now(UTC)
            self.consecutive_failures = 0
            self.last_error = None

    def failed(self, exc: BaseException) -> int:
        with self._lock:
            self.consecutive_failures += 1
            self.last_error = error_line(exc)
            return self.consecutive_failures

    def snapshot(self, interval: float) -> PollerSnapshot:
        with self._lock:
            # Before any success, the age counts from the start (a first cycle takes a while).
            marks = [m for m in (self.started_at, self._last_success_at) if m is not None]
            if self.consecutive_failures == 0 and self._progress_at is not None:
                marks.append(self._progress_at)
            age = self._monotonic() - max(marks) if marks else 0.0
            over = age - STALE_CYCLES * interval
            return PollerSnapshot(
                alive=self.alive,
                ended=self.ended,
                last_success=self.last_success,
                consecutive_failures=self.consecutive_failures,
                last_error=self.last_error,
                stale_for=over if over > 0 else None,
            )


class FaultLog:
    """Logs each kind of fault once, and its end."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, dict[str, int]] = {}

    def failed(self, where: str, exc: BaseException) -> int:
        """Returns the failures in a row at `where`."""
        kind = type(exc).__name__
        with self._lock:
            kinds = self._seen.setdefault(where, {})
            first_of_kind = kind not in kinds
            kinds[kind] = kinds.get(kind, 0) + 1
            count = sum(kinds.values())
        if first_of_kind:
            log.error("%s failed (%s); will retry", where, error_line(exc), exc_info=exc)
        else:
            log.debug("%s failed again (%s)", where, error_line(exc))
        return count

    def succeeded(self, where: str) -> int:
        """Returns how many failures in a row just ended (0: none)."""
        with self._lock:
            count = sum(self._seen.pop(where, {}).values())
        if count:
            log.warning("%s works again after %s failure(s)", where, count)
        return count
