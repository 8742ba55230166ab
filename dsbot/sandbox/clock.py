"""Time as the sandbox keeps it: integer microseconds since the epoch.

DS stores microseconds (Postgres) but its API shows timestamps to the second, in the
Europe/Paris zone with an offset (graphql-ruby's ISO8601DateTime, docs/ds-api.md, pitfall 2).
Cursors keep the full precision, in UTC, with nanoseconds, as DS's keyset cursors do
(docs/ds-api.md, "Pagination").
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
US = 1_000_000
DAY_US = 86_400 * US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_last_now = 0


def now_us() -> int:
    """Current time; strictly increasing so that two writes never share a sort key."""
    global _last_now
    value = time.time_ns() // 1000
    if value <= _last_now:
        value = _last_now + 1
    _last_now = value
    return value


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
