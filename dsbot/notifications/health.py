"""Health: the feeds' (backoff, alerts to the ops channel, recovery notices), what the running
poller tells /healthz, and how it reports its own faults.

`FeedHealth` records each feed's outcome (a failing feed backs off exponentially, its cursor
kept) and counts a backend's failed cycles: past `alert_after` (a token problem: at once) ONE
alert goes to the ops channel, again only after a cooldown, and a recovery message when the
backend answers again. Each backend's health is its own (DS being fine says nothing of
Dynacase).

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
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from dsbot.backends.errors import BackendAuthFailed, BackendError, BackendRateLimited
from dsbot.backoff import exponential_delay
from dsbot.logs import get_logger
from dsbot.redact import redact
from dsbot.services.feed import FeedResult
from dsbot.store import DatabaseUnavailable, Store
from dsbot.store import notifications as q
from dsbot.store.notifications import AlertPayload, OutboxEntry
from dsbot.texts import get_texts

# The poller's logger: operators grep for it.
log = get_logger("dsbot.notifications.cycle")

ALERT_AFTER_FAILED_CYCLES = 3
ALERT_COOLDOWN = timedelta(hours=1)
BACKOFF_BASE = 30.0
BACKOFF_CAP = 1800.0

# /healthz answers 503 once no poll cycle has succeeded for STALE_CYCLES poll intervals (a cycle
# in progress that is still getting through its feeds counts as alive).
STALE_CYCLES = 3
# A failing loop waits the poll interval, then twice as long each time, at most this long.
FAULT_BACKOFF_CAP = 300.0


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
    # The delivery thread: True running, False ended, None never started (no loop).
    delivering: bool | None = None
    silent_for: float = 0.0  # seconds since the loop last ended a cycle or got through a feed

    def to_json(self) -> dict[str, Any]:
        return {
            "alive": self.alive,
            "delivery": self.delivering,
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
        self.delivering: bool | None = None
        # The loop's heartbeat, success or not: a loop that stops beating is stuck.
        self._beat_at: float | None = None

    def started(self) -> None:
        with self._lock:
            self.alive = True
            self.ended = False
            self.started_at = self._beat_at = self._monotonic()

    def delivery_started(self) -> None:
        with self._lock:
            self.delivering = True

    def delivery_stopped(self) -> None:
        with self._lock:
            self.delivering = False

    def stopped(self) -> None:
        with self._lock:
            self.alive = False
            self.ended = True

    def progress(self) -> None:
        """A long cycle got through one more feed: it is working, not stuck."""
        with self._lock:
            self._progress_at = self._beat_at = self._monotonic()

    def succeeded(self) -> None:
        with self._lock:
            self._last_success_at = self._progress_at = self._beat_at = self._monotonic()
            self.last_success = datetime.now(UTC)
            self.consecutive_failures = 0
            self.last_error = None

    def failed(self, exc: BaseException) -> int:
        with self._lock:
            self._beat_at = self._monotonic()
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
            beat = self._beat_at if self._beat_at is not None else self.started_at
            return PollerSnapshot(
                alive=self.alive,
                ended=self.ended,
                last_success=self.last_success,
                consecutive_failures=self.consecutive_failures,
                last_error=self.last_error,
                stale_for=over if over > 0 else None,
                delivering=self.delivering,
                silent_for=self._monotonic() - beat if beat is not None else 0.0,
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
            log.error("loop.failed", loop=where, error=error_line(exc), exc_info=exc)
        else:
            log.debug("loop.failed_again", loop=where, error=error_line(exc))
        return count

    def succeeded(self, where: str) -> int:
        """Returns how many failures in a row just ended (0: none)."""
        with self._lock:
            count = sum(self._seen.pop(where, {}).values())
        if count:
            log.warning("loop.recovered", loop=where, failures=count)
        return count


def error_text(error: BackendError | None) -> str:
    if error is None:
        return "?"
    return redact(f"{type(error).__name__}: {error.message}")[:300]


def alert_level(text_key: str) -> int:
    """A fault is an ERROR; its end is news, not a fault: a recovery is INFO, a fault that is
    already over when it can be told (`poller_fault_over`) a WARNING."""
    if text_key.endswith("_recovered"):
        return logging.INFO
    if text_key.endswith("_over"):
        return logging.WARNING
    return logging.ERROR


def log_alert(text_key: str, params: dict[str, Any]) -> None:
    """The ops alert as an event at its level, with the catalog's French sentence (the
    operators' language) beside its fields."""
    level = alert_level(text_key)
    emit = (
        log.error
        if level >= logging.ERROR
        else log.warning
        if level >= logging.WARNING
        else log.info
    )
    emit("ops.alert", alert=text_key, text=redact(get_texts("fr")(text_key, **params)), **params)


def queue_alert(
    db: Database, ops_channel: str | None, text_key: str, params: dict[str, Any], now: datetime
) -> str:
    """Queue an ops alert for the ops channel (when there is one) and log it; returns its text
    key. Logged once queued: a database that refuses it is the caller's to report."""
    if not ops_channel:
        log_alert(text_key, params)
        return text_key
    q.enqueue(
        db,
        OutboxEntry(
            "", ops_channel, None, AlertPayload(text_key, params), f"ops:{text_key}:{q.to_iso(now)}"
        ),
        now,
    )
    log_alert(text_key, params)
    return text_key


@dataclass
class FeedHealth:
    """Each feed's backoff and each backend's alerts, kept in poller_state."""

    store: Store
    ops_channel: str | None
    clock: Callable[[], datetime]
    backoff_base: float = BACKOFF_BASE
    backoff_cap: float = BACKOFF_CAP
    alert_after: int = ALERT_AFTER_FAILED_CYCLES
    alert_cooldown: timedelta = ALERT_COOLDOWN

    def record(self, key: str, failures_before: int, result: FeedResult) -> None:
        now = self.clock()
        with q.write(self.store) as db:
            if result.ok:
                q.record_feed_success(db, key, now)
                return
            error = result.error
            # The first failure waits `backoff_base`, each further one twice as long.
            delay = exponential_delay(
                failures_before + 1, base=self.backoff_base, cap=self.backoff_cap
            )
            if isinstance(error, BackendRateLimited) and error.retry_after:
                delay = max(delay, error.retry_after)
            q.record_feed_failure(db, key, error_text(error), now + timedelta(seconds=delay))
        log.warning("feed.failed", feed=key, error=error_text(error), retry_in_s=round(delay))

    def check(self, results: list[FeedResult], *, key: str, recovered: str) -> list[str]:
        """Count failed cycles; alert once past the threshold (auth problems at once), and
        say when the backend is back. Returns the alert keys queued."""
        if not results:
            return []
        now = self.clock()
        failed = [r for r in results if not r.ok]
        queued: list[str] = []
        with q.write(self.store) as db:
            state = q.get_state(db, key) or {"failed_cycles": 0, "alert": None}
            if not failed:
                if state.get("alert"):
                    queued.append(queue_alert(db, self.ops_channel, recovered, {}, now))
                q.set_state(db, key, {"failed_cycles": 0, "alert": None})
                return queued
            state["failed_cycles"] = int(state.get("failed_cycles") or 0) + 1
            errors = [r.error for r in failed if r.error is not None]
            # Each backend's error names its own alert.
            kinds = [e.alert_kind for e in errors]
            # A token problem says what to do; it wins over a generic outage (`*_down`).
            kind = next(
                (k for k in kinds if not k.endswith("_down")), kinds[0] if kinds else "ds_down"
            )
            error = errors[kinds.index(kind)] if errors else None
            threshold = self.alert_after if kind.endswith("_down") else 1
            # /readyz says so at once, whatever alert the backend's errors name.
            refused = next((e for e in errors if isinstance(e, BackendAuthFailed)), None)
            state["refused"] = (
                {"kind": refused.alert_kind, "error": error_text(refused)} if refused else None
            )
            last = q.from_iso(state.get("alerted_at"))
            cooled = last is None or now - last >= self.alert_cooldown
            if state["failed_cycles"] >= threshold and (state.get("alert") != kind or cooled):
                params = {"count": state["failed_cycles"], "error": error_text(error)}
                queued.append(queue_alert(db, self.ops_channel, f"notify.ops.{kind}", params, now))
                state["alert"] = kind
                state["alerted_at"] = q.to_iso(now)
            q.set_state(db, key, state)
        return queued
