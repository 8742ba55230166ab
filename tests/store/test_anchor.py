"""The store's anchor: one idle read-only connection that keeps the WAL open between units of
work, so that closing a unit neither checkpoints nor deletes the WAL, and that never harms a
database restored in place of a deleted one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dsbot.store import Store
from dsbot.store.db import DatabaseUnavailable


def wal(store: Store) -> Path:
    return Path(f"{store.path}-wal")


def write(store: Store, value: str) -> None:
    with store.connect() as db:
        db.execute("INSERT INTO poller_state (key, value) VALUES (?, ?)", (value, value))


def keys(store: Store) -> set[str]:
    with store.connect() as db:
        return {row[0] for row in db.execute("SELECT key FROM poller_state")}


def test_closing_a_unit_of_work_keeps_the_wal(store):
    write(store, "one")
    # Without the anchor, the last connection to close would have folded and deleted it.
    assert wal(store).exists()
    write(store, "two")
    assert keys(store) >= {"one", "two"}


def test_the_last_connection_still_cleans_up_once_the_store_is_closed(store):
    write(store, "one")
    store.close()
    with sqlite3.connect(store.path) as conn:
        conn.execute("SELECT count(*) FROM poller_state").fetchone()
    conn.close()
    assert not wal(store).exists()
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT value FROM poller_state WHERE key = 'one'").fetchone()
    conn.close()


def test_a_restored_database_keeps_what_is_written_after_its_restore(store, tmp_path):
    write(store, "before-backup")
    backup = tmp_path / "backup.db"
    with sqlite3.connect(store.path) as source, sqlite3.connect(backup) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    write(store, "lost-with-the-file")
    # The operator deletes the file with its WAL under a running dsbot...
    path = Path(store.path)
    for file in (path, wal(store), Path(f"{store.path}-shm")):
        file.unlink(missing_ok=True)
    with pytest.raises(DatabaseUnavailable), store.connect():
        pass
    # ... and restores the backup: what dsbot writes next lands in the restored file and stays,
    # whatever the anchor of the deleted file does when it closes.
    backup.rename(path)
    write(store, "after-restore")
    store.close()
    with sqlite3.connect(path) as conn:
        found = {row[0] for row in conn.execute("SELECT key FROM poller_state")}
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    assert {"before-backup", "after-restore"} <= found
    assert "lost-with-the-file" not in found


def test_a_file_replaced_while_open_gets_a_new_anchor(store, tmp_path):
    write(store, "old")
    other = Store(tmp_path / "other.db")
    other.migrate()
    write(other, "new")
    other.close()
    with sqlite3.connect(other.path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    path = Path(store.path)
    for file in (path, wal(store), Path(f"{store.path}-shm")):
        file.unlink(missing_ok=True)
    Path(other.path).rename(path)  # replaced without dsbot ever seeing it missing
    write(store, "newer")
    assert keys(store) >= {"new", "newer"}
    assert "old" not in keys(store)
