"""What the table modules of the store share: time as text, one row, one write transaction.

Every query function takes an open `Database` and leaves transactions to its caller, so that the
feed can write its outbox rows, snapshots and cursor in one transaction (`write`).
Times are stored as UTC ISO 8601 strings, which sort as they compare.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from dsbot.store.db import Store


def to_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@contextmanager
def write(store: Store) -> Iterator[Database]:
    """One write transaction, taken at once (BEGIN IMMEDIATE) so that it never has to upgrade
    a read lock (which fails at once, whatever the busy timeout, when another writer won)."""
    with store.connect() as db:
        db.execute("BEGIN IMMEDIATE")
        yield db


def one_row(db: Database, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
    return next(iter(db.query(sql, list(params))), None)


def fetch_rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows of a SELECT, as `db.query` gives them, without its guard (a savepoint around
    each statement): for reads the feed makes for every dossier of every page it writes."""
    cursor = db.conn.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
