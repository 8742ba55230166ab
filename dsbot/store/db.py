"""Connections to the dsbot database.

Listeners run on Bolt's worker threads and the poller on its own thread; a sqlite3 connection
must not be shared across threads, so every unit of work opens its own (cheap) connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from dsbot.store.migrations import migrations

BUSY_TIMEOUT_SECONDS = 30


class Store:
    """The database at `path`. Call `migrate()` once at start-up."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)

    def _open(self) -> Database:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
        conn.execute("PRAGMA foreign_keys = ON")
        return Database(conn)

    def migrate(self) -> None:
        """Create or upgrade the schema and switch to WAL (concurrent readers, one writer)."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = self._open()
        try:
            db.enable_wal()
            migrations.apply(db)
        finally:
            db.close()

    @contextmanager
    def connect(self) -> Iterator[Database]:
        """A connection for one unit of work; commits on success, rolls back on error."""
        db = self._open()
        try:
            with db.conn:
                yield db
        finally:
            db.close()
