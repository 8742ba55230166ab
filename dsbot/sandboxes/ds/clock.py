"""Time as the sandbox keeps it: integer microseconds since the epoch.

DS stores microseconds (Postgres) but its API shows timestamps to the second, in the
Europe/Paris zone with an offset (graphql-ruby's ISO8601DateTime, docs/ds-api.md, pitfall 2).
Cursors keep the full precision, in UTC, with nanoseconds, as DS's keyset cursors do
(docs/ds-api.md, "Pagination").

Each server has its own `SandboxClock`: real time plus an offset that `POST /_sandbox/clock`
moves forward (never back), optionally frozen, so that tests and demos make DS's one-second
timestamps move without sleeping.
"""

from __future__ import annotations

import calendar
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
US = 1_000_000
DAY_US = 86_400 * US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_last_now = 0


def now_us() -> int:
    """Real time, strictly increasing. A server reads its `SandboxClock` instead."""
    global _last_now
    value = time.time_ns() // 1000
    if value <= _last_now:
        value = _last_now + 1
    _last_now = value
    return value


class ClockError(ValueError):
    """A bad move of the sandbox clock (backwards, or not a number or a date-time)."""


class SandboxClock:
    """The time of one sandbox: real time plus an offset, or frozen at an instant.

    Readings are strictly increasing (by one microsecond when the clock is frozen or real time
    has not moved) so that two writes never share a sort key, as in DS.
    """

    def __init__(self, wall_ns: Callable[[], int] | None = None, offset_us: int = 0) -> None:
        # Real time is looked up at each reading (not bound here), so that a test may still
        # shift this module's `time` in-process.
        self._wall_ns = wall_ns if wall_ns is not None else lambda: time.time_ns()
        self._lock = threading.Lock()
        self._offset_us = offset_us
        self._frozen_at: int | None = None
        self._last = 0

    @property
    def offset_us(self) -> int:
        """How far ahead of real time the clock is (kept by the store across restarts)."""
        return self._offset_us

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def _base(self) -> int:
        if self._frozen_at is not None:
            return self._frozen_at
        return self._wall_ns() // 1000 + self._offset_us

    def now_us(self) -> int:
        with self._lock:
            value = max(self._base(), self._last + 1)
            self._last = value
            return value

    def time(self) -> float:
        """Seconds since the epoch, like `time.time()`."""
        return self.now_us() / US

    def peek_us(self) -> int:
        """The current time without consuming a tick (it still becomes a floor: what was
        shown is never followed by an earlier reading, even if the machine's clock steps
        back)."""
        with self._lock:
            self._last = max(self._base(), self._last)
            return self._last

    def restore(self, offset_us: int) -> None:
        """Takes back the offset a previous run of the same `--db` had reached."""
        with self._lock:
            self._offset_us = int(offset_us)

    def advance(self, seconds: float) -> int:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ClockError("advance_s must be a non-negative number of seconds")
        with self._lock:
            step = round(seconds * US)
            self._offset_us += step
            if self._frozen_at is not None:
                self._frozen_at += step
        return self.peek_us()

    def set(self, target_us: int) -> int:
        with self._lock:
            current = max(self._base(), self._last)
            if target_us < current:
                raise ClockError(
                    f"time never goes backwards: {iso(target_us)} is before the sandbox's "
                    f"now, {iso(current)}"
                )
            self._offset_us += target_us - current
            if self._frozen_at is not None:
                self._frozen_at = target_us
        return self.peek_us()

    def freeze(self, frozen: bool) -> int:
        with self._lock:
            if frozen and self._frozen_at is None:
                self._frozen_at = max(self._base(), self._last)
            elif not frozen and self._frozen_at is not None:
                # Resumes from where it stood: real time plus the offset that lands there.
                self._offset_us = self._frozen_at - self._wall_ns() // 1000
                self._frozen_at = None
        return self.peek_us()

    def as_json(self) -> dict[str, Any]:
        now = self.peek_us()
        return {"now": iso(now), "now_us": now, "frozen": self.frozen}


def to_datetime(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def iso(us: int) -> str:
    """`2024-03-05T14:02:11+01:00`: what DS shows (to the second, Paris offset)."""
    return to_datetime(us - us % US).astimezone(PARIS).isoformat()


def iso_date(us: int) -> str:
    return to_datetime(us).astimezone(PARIS).date().isoformat()


def cursor_time(us: int) -> str:
    """`2024-03-05T13:02:11.123456000Z`: the timestamp inside a DS cursor."""
    dt = to_datetime(us)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{us % US:06d}000Z"


def parse_iso(text: str) -> int:
    """An ISO 8601 date-time (offset optional, Paris when absent) as microseconds.

    Raises ValueError on anything else, like graphql-ruby's ISO8601DateTime coercion.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{text!r} is not a valid ISO 8601 date-time")
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Nanosecond cursors and the like: Python parses at most 6 fractional digits.
    if "." in value:
        head, _, tail = value.partition(".")
        digits = ""
        while tail and tail[0].isdigit():
            digits, tail = digits + tail[0], tail[1:]
        value = f"{head}.{(digits + '000000')[:6]}{tail}"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=PARIS)
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def parse_date(text: str) -> str:
    """An ISO 8601 date (`YYYY-MM-DD`), normalised. Raises ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a valid ISO 8601 date")
    return date.fromisoformat(text.strip()[:10]).isoformat()


def us_from_date(day: date, hour: int = 0) -> int:
    dt = datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * US


def add_months(us: int, months: int) -> int:
    """`us` plus `months` calendar months, as Rails' `time + n.months` (docs/ds-api.md,
    "dateExpiration").

    DS runs in the Paris zone: the wall-clock time is kept and the day is clamped to the end of
    the target month (31 January + 1 month = 28 or 29 February), so the UTC offset may change.
    """
    local = to_datetime(us).astimezone(PARIS)
    index = local.year * 12 + local.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    moved = local.replace(year=year, month=month, day=min(local.day, last_day))
    # Rebuilt from its wall clock so that the offset is the target day's (summer or winter).
    rebuilt = datetime.combine(moved.date(), moved.timetz().replace(tzinfo=None), tzinfo=PARIS)
    delta = rebuilt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds
