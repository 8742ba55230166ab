"""Queries on `feeds` (one change feed per démarche, groupe or family, shared by every
subscribed channel: its cursor and its health) and `feed_snapshots` (what each feed last saw of
each item, to tell a real change from a re-listing). Migration m003_notifications."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from dsbot.store.sql import from_iso, to_iso
from dsbot.store.sql import one_row as _row
from dsbot.store.subscriptions import FEED_KEY_SQL as _FEED_KEY_SQL


def create_item_feed(
    db: Database, key: str, *, cursor: str | None, start: datetime, created_at: datetime
) -> Feed:
    """A new feed of a backend's family (INSERT OR IGNORE: a running feed keeps its cursor).
    Its `end_cursor` is the feed's own text (the newest revision seen)."""
    scope = key.split(":", 1)[0]
    db.execute(
        "INSERT OR IGNORE INTO feeds (key, scope, number, updated_since, end_cursor,"
        " deleted_since, created_at) VALUES (?, ?, 0, ?, ?, ?, ?)",
        [key, scope, to_iso(start), cursor, to_iso(start), to_iso(created_at)],
    )
    feed = get_feed(db, key)
    assert feed is not None
    return feed


def set_cursor(db: Database, key: str, cursor: str) -> None:
    db.execute("UPDATE feeds SET end_cursor = ? WHERE key = ?", [cursor, key])


@dataclass(frozen=True)
class Feed:
    key: str
    scope: str  # "demarche" | "groupe"
    number: int
    updated_since: datetime
    end_cursor: str | None
    deleted_since: datetime
    created_at: datetime
    failures: int = 0
    next_poll_at: datetime | None = None
    last_error: str | None = None
    last_success_at: datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Feed:
        return cls(
            key=row["key"],
            scope=row["scope"],
            number=row["number"],
            updated_since=from_iso(row["updated_since"]),  # type: ignore[arg-type]
            end_cursor=row["end_cursor"],
            deleted_since=from_iso(row["deleted_since"]),  # type: ignore[arg-type]
            created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
            failures=row["failures"],
            next_poll_at=from_iso(row["next_poll_at"]),
            last_error=row["last_error"],
            last_success_at=from_iso(row["last_success_at"]),
        )


def get_feed(db: Database, key: str) -> Feed | None:
    row = _row(db, "SELECT * FROM feeds WHERE key = ?", [key])
    return Feed.from_row(row) if row else None


def create_feed(db: Database, key: str, *, start: datetime, created_at: datetime) -> Feed:
    """A new feed that lists what changed from `start` on (INSERT OR IGNORE: an existing feed
    keeps its fixed `updated_since` and its cursor)."""
    scope, number = key.split(":")
    db.execute(
        "INSERT OR IGNORE INTO feeds (key, scope, number, updated_since, deleted_since,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [key, scope, int(number), to_iso(start), to_iso(start), to_iso(created_at)],
    )
    feed = get_feed(db, key)
    assert feed is not None
    return feed


def delete_feed(db: Database, key: str) -> None:
    db.execute("DELETE FROM feed_snapshots WHERE feed_key = ?", [key])
    db.execute("DELETE FROM feeds WHERE key = ?", [key])


def active_feeds(db: Database) -> list[Feed]:
    """Feeds with at least one subscription that is not paused (DS's and other backends')."""
    rows = db.query(
        f"SELECT * FROM feeds WHERE key IN (SELECT {_FEED_KEY_SQL} FROM subscriptions"
        " WHERE paused_at IS NULL) ORDER BY key",
    )
    return [Feed.from_row(r) for r in rows]


def advance_cursor(db: Database, key: str, end_cursor: str | None) -> None:
    """Move the feed's cursor; a null cursor (empty page) never replaces a stored one."""
    if end_cursor:
        db.execute("UPDATE feeds SET end_cursor = ? WHERE key = ?", [end_cursor, key])


def advance_deleted_since(db: Database, key: str, since: datetime) -> None:
    db.execute(
        "UPDATE feeds SET deleted_since = max(deleted_since, ?) WHERE key = ?",
        [to_iso(since), key],
    )


def record_feed_success(db: Database, key: str, at: datetime) -> None:
    db.execute(
        "UPDATE feeds SET failures = 0, next_poll_at = NULL, last_error = NULL,"
        " last_success_at = ? WHERE key = ?",
        [to_iso(at), key],
    )


def record_feed_failure(db: Database, key: str, error: str, next_poll_at: datetime) -> int:
    db.execute(
        "UPDATE feeds SET failures = failures + 1, last_error = ?, next_poll_at = ? WHERE key = ?",
        [error, to_iso(next_poll_at), key],
    )
    row = _row(db, "SELECT failures FROM feeds WHERE key = ?", [key])
    return int(row["failures"]) if row else 0


# --- snapshots ---------------------------------------------------------------------------------


def load_snapshots(db: Database, key: str, numbers: Iterable[int]) -> dict[int, str]:
    """The stored snapshots (JSON) of these dossiers in this feed."""
    numbers = list(numbers)
    found: dict[int, str] = {}
    # Bound the number of SQL variables (SQLite's default limit is 999 on old builds).
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(
            "SELECT dossier_number, snapshot FROM feed_snapshots"
            f" WHERE feed_key = ? AND dossier_number IN ({marks})",
            [key, *chunk],
        ):
            found[row["dossier_number"]] = row["snapshot"]
    return found


def save_snapshot(db: Database, key: str, number: int, snapshot: str, at: datetime) -> None:
    db.execute(
        "INSERT INTO feed_snapshots (feed_key, dossier_number, snapshot, updated_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (feed_key, dossier_number)"
        " DO UPDATE SET snapshot = excluded.snapshot, updated_at = excluded.updated_at",
        [key, number, snapshot, to_iso(at)],
    )
