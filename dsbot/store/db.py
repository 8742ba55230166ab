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


class DatabaseUnavailable(Exception):
    """The database cannot be opened or written. One line, for operators (in French), naming
    the file; the caller adds the setting it came from."""


class Store:
    """The database at `path`. Call `migrate()` once at start-up."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)

    def _open(self) -> Database:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
        conn.execute("PRAGMA foreign_keys = ON")
        return Database(conn)

    def exists(self) -> bool:
        return Path(self.path).is_file()

    def migrate(self) -> None:
        """Create or upgrade the schema and switch to WAL (concurrent readers, one writer).

        A missing folder is refused rather than created: it is most often a typo in the path,
        and a database created there would silently start empty.
        """
        folder = Path(self.path).parent
        if not folder.is_dir():
            raise DatabaseUnavailable(f"le dossier {folder} de la base {self.path} n’existe pas")
        if Path(self.path).is_dir():
            raise DatabaseUnavailable(f"{self.path} est un dossier, pas un fichier de base")
        try:
            db = self._open()
            try:
                db.enable_wal()
                migrations.apply(db)
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"base {self.path} : {_reason(exc)}") from None

    def pending_migrations(self) -> list[str]:
        """The migrations `migrate()` would apply, read without writing anything."""
        conn = sqlite3.connect(f"{Path(self.path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            return [m.name for m in migrations.pending(Database(conn))]
        finally:
            conn.close()

    @contextmanager
    def connect(self) -> Iterator[Database]:
        """A connection for one unit of work; commits on success, rolls back on error."""
        db = self._open()
        try:
            with db.conn:
                yield db
        finally:
            db.close()


def _reason(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return "impossible d’y écrire (droits sur le fichier et sur son dossier ?)"
    if "not a database" in text:
        return "ce fichier n’est pas une base SQLite"
    if "locked" in text:
        return "la base est verrouillée par un autre processus"
    return text
