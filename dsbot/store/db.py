"""Connections to the dsbot database.

Listeners run on Bolt's worker threads and the poller on its own thread; a sqlite3 connection
must not be shared across threads, so every unit of work opens its own (cheap) connection.
Inside `Store.unit()` (one message sent: pick, claim, send, record), every `connect()` of that
thread shares the unit's connection: one open instead of about ten.

Once migrated, the store keeps one idle read-only connection open (its anchor). SQLite's last
connection to close a WAL database checkpoints it, fsyncs it and deletes the WAL, which the next
open then recreates: without an anchor every unit of work paid that (about 2 ms, 3× the unit
itself). A read-only connection never checkpoints nor deletes the WAL when it closes, so the
anchor cannot harm a database restored in place of a deleted one; it follows the file: one
that disappears or is replaced gets the anchor closed (and a new one on the new file).

Only `migrate()` (at start-up) may create the file. Once migrated, connections open it
read-write without creating it: a database file deleted under a running dsbot is reported
(`DatabaseUnavailable`) instead of being silently recreated empty, which would answer every
command with an error and forget every subscription.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from dsbot.db_location import folder_problem
from dsbot.logs import get_logger
from dsbot.store.migrations import migrations

log = get_logger(__name__)

BUSY_TIMEOUT_SECONDS = 30
# A health probe must answer quickly: a writer holding the lock longer is busy, not broken.
PROBE_TIMEOUT_SECONDS = 1.0


class DatabaseUnavailable(Exception):
    """The database cannot be opened or written. One line, for operators (in French), naming
    the file; the caller adds the setting it came from."""


class Store:
    """The database at `path`. Call `migrate()` once at start-up."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        # Set by migrate(): from then on the file must exist (see the module's docstring).
        self.migrated = False
        self._local = threading.local()  # .db: the connection of this thread's unit()
        self._anchor_lock = threading.Lock()
        self._anchor: weakref.finalize[[], Store] | None = None  # closes the anchor once
        self._anchor_file: tuple[int, int] | None = None  # (device, inode) it holds open

    def _sqlite(self, timeout: float) -> sqlite3.Connection:
        """The raw connection (tests inject faults here)."""
        if not self.migrated:
            return sqlite3.connect(self.path, timeout=timeout)
        uri = f"{Path(self.path).resolve().as_uri()}?mode=rw"
        return sqlite3.connect(uri, timeout=timeout, uri=True)

    def _file(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_dev, info.st_ino)

    def _follow_anchor(self, file: tuple[int, int] | None) -> None:
        """Keep the anchor on the file at `path` (see the module's docstring)."""
        if file == self._anchor_file:
            return
        with self._anchor_lock:
            if file == self._anchor_file:
                return
            if self._anchor is not None:
                self._anchor()
                self._anchor = self._anchor_file = None
            if file is None:
                return
            try:
                conn = sqlite3.connect(
                    f"{Path(self.path).resolve().as_uri()}?mode=ro",
                    uri=True,
                    check_same_thread=False,  # closed by whichever thread sees the file change
                )
            except sqlite3.Error:
                return  # a store without anchor is slower, not wrong
            try:
                # Its first read opens the WAL: from then on it holds it open.
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error:
                conn.close()
                return
            self._anchor = weakref.finalize(self, conn.close)
            self._anchor_file = file

    def close(self) -> None:
        """Close the anchor (connections of units of work close themselves)."""
        self._follow_anchor(None)

    def _open(self, timeout: float = BUSY_TIMEOUT_SECONDS) -> Database:
        if self.migrated:
            file = self._file()
            self._follow_anchor(file)
            if file is None:
                raise DatabaseUnavailable(self.missing_message())
        try:
            conn = self._sqlite(timeout)
        except sqlite3.OperationalError:
            if self.migrated and not self.exists():
                raise DatabaseUnavailable(self.missing_message()) from None
            raise
        conn.execute("PRAGMA foreign_keys = ON")
        # What is deleted is overwritten with zeros, not left in free pages: an erased
        # dossier's personal data must not stay in the file (docs/privacy.md).
        conn.execute("PRAGMA secure_delete = ON")
        return Database(conn)

    def missing_message(self) -> str:
        return (
            f"la base {self.path} a disparu pendant que dsbot tournait : elle n’est pas recréée"
            " vide ; restaurez-la (sauvegarde) ou redémarrez dsbot pour en créer une neuve"
        )

    def probe(self) -> str | None:
        """None if the database can be read and written now, else why not (for /healthz).
        Writes nothing: a write transaction is begun, then rolled back."""
        try:
            db = self._open(PROBE_TIMEOUT_SECONDS)
        except DatabaseUnavailable as exc:
            return str(exc)
        except sqlite3.Error as exc:
            return f"base {self.path} : {_reason(exc)}"
        try:
            db.execute("SELECT count(*) FROM poller_state").fetchone()
            db.execute("BEGIN IMMEDIATE")
            db.conn.rollback()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return None  # another writer holds it: busy, not broken
            return f"base {self.path} : {_reason(exc)}"
        except sqlite3.Error as exc:
            return f"base {self.path} : {_reason(exc)}"
        finally:
            db.close()
        return None

    def exists(self) -> bool:
        return Path(self.path).is_file()

    def migrate(self) -> None:
        """Create or upgrade the schema and switch to WAL (concurrent readers, one writer).
        A missing folder is refused (dsbot.db_location)."""
        problem = folder_problem(self.path)
        if problem is not None:
            raise DatabaseUnavailable(problem)
        created = not self.exists()
        self.migrated = False
        try:
            db = self._open()
            try:
                db.enable_wal()
                migrations.apply(db)
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"base {self.path} : {_reason(exc)}") from None
        if created:
            log.info("store.created", path=str(self.path))
        self.migrated = True
        self._follow_anchor(self._file())

    def pending_migrations(self) -> list[str]:
        """The migrations `migrate()` would apply, read without writing anything."""
        conn = sqlite3.connect(f"{Path(self.path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            return [m.name for m in migrations.pending(Database(conn))]
        finally:
            conn.close()

    def compact(self) -> None:
        """After an erasure: fold the WAL back into the file and truncate it, so that no
        frame written before keeps erased bytes (free pages are zeroed by secure_delete)."""
        db = self._open()
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()

    @contextmanager
    def connect(self) -> Iterator[Database]:
        """A connection for one unit of work; commits on success, rolls back on error. Inside
        `unit()`, the unit's connection: a block that found a transaction open is part of it
        (the block that opened it commits)."""
        shared: Database | None = getattr(self._local, "db", None)
        if shared is not None:
            if shared.conn.in_transaction:
                yield shared
            else:
                with shared.conn:
                    yield shared
            return
        db = self._open()
        try:
            with db.conn:
                yield db
        finally:
            db.close()

    @contextmanager
    def unit(self) -> Iterator[None]:
        """One connection for everything this thread does inside the block (nested: the outer
        block's)."""
        if getattr(self._local, "db", None) is not None:
            yield
            return
        db = self._open()
        self._local.db = db
        try:
            yield
        finally:
            self._local.db = None
            db.close()


def _reason(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return "impossible d’y écrire (droits sur le fichier et sur son dossier ?)"
    if "not a database" in text:
        return "ce fichier n’est pas une base SQLite"
    if "locked" in text:
        return "la base est verrouillée par un autre processus"
    if "full" in text:
        return "le disque est plein"
    return text
