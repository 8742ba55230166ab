"""`dsbot backup FILE` (issue 18, part 5): a consistent copy while the bot writes, restored and
compared; one French line and exit 1 for each refusal."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsbot.cli import cli
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.audit import AuditRow, insert_audit
from dsbot.store.notifications import AlertPayload, OutboxEntry


class Writer(threading.Thread):
    """The bot's writes: each transaction queues an outbox row and audits an action, so that a
    copy taken between two transactions has as many of each."""

    def __init__(self, store: Store) -> None:
        super().__init__(daemon=True)
        self.store = store
        self.written = 0
        self.stop = threading.Event()
        self.reached = threading.Condition()

    def run(self) -> None:
        while not self.stop.is_set():
            n = self.written + 1
            now = datetime.now(UTC)
            with q.write(self.store) as db:
                q.enqueue(
                    db,
                    OutboxEntry("T1", "C1", None, AlertPayload("notify.x", {"n": n}), f"k{n}"),
                    now,
                )
                insert_audit(
                    db,
                    AuditRow(now.isoformat(), "T1", "U1", None, n, "accepter", None, None, None,
                             "ok", None),
                )  # fmt: skip
            with self.reached:
                self.written = n
                self.reached.notify_all()

    def wait_for(self, count: int) -> int:
        with self.reached:
            assert self.reached.wait_for(lambda: self.written >= count, timeout=30)
            return self.written


@pytest.fixture
def writing(store) -> Iterator[Writer]:
    writer = Writer(store)
    writer.start()
    yield writer
    writer.stop.set()
    writer.join(timeout=30)


def counts(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as db:
        [(outbox,)] = db.execute("SELECT count(*) FROM outbox").fetchall()
        [(audit,)] = db.execute("SELECT count(*) FROM audit").fetchall()
    return outbox, audit


def backup(db_path: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["backup", *args], env={"DSBOT_DB": db_path})
    return result.exit_code, result.stdout, result.stderr


def test_a_backup_under_write_load_is_consistent_and_restores(writing, store, tmp_path):
    copy = tmp_path / "copie.db"
    before = writing.wait_for(20)
    code, out, err = backup(store.path, str(copy))
    after = writing.written
    assert (code, err) == (0, ""), err
    assert out.startswith(f"Copie de {store.path} dans {copy} : ") and "intégrité vérifiée" in out
    writing.wait_for(after + 5)  # the bot goes on writing after the copy
    writing.stop.set()
    writing.join(timeout=30)

    # The copy is one self-contained file, sound, and the database of one instant.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copie")) == ["copie.db"]
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA journal_mode").fetchall() == [("delete",)]
        copied = [key for (key,) in db.execute("SELECT dedupe_key FROM outbox ORDER BY id")]
    outbox, audit = counts(copy)
    assert outbox == audit, "both rows of a transaction, or neither"
    assert before <= outbox <= after
    assert copied == [f"k{n}" for n in range(1, outbox + 1)]
    assert counts(Path(store.path))[0] > outbox

    # Restore as the README says: the copy in place of DSBOT_DB, and dsbot opens it as it is.
    restored = tmp_path / "restauree" / "dsbot.db"
    restored.parent.mkdir()
    restored.write_bytes(copy.read_bytes())
    again = Store(str(restored))
    assert again.pending_migrations() == []
    again.migrate()
    assert counts(restored) == (outbox, audit)
    with again.connect() as db:
        assert q.outbox_row(db, outbox) is not None and q.outbox_row(db, outbox + 1) is None


def test_the_refusals_are_one_french_line(store, tmp_path):
    existing = tmp_path / "deja.db"
    existing.write_bytes(b"ancienne copie")
    cases = {
        (str(existing),): f"{existing} existe déjà : --force pour le remplacer",
        (str(tmp_path / "nulle-part" / "c.db"),): "n’existe pas",
        (str(tmp_path),): "est un dossier",
        (store.path,): "est la base elle-même",
    }
    for args, reason in cases.items():
        code, out, err = backup(store.path, *args)
        assert (code, out) == (1, ""), args
        [line] = err.splitlines()
        assert line.startswith("Erreur : ") and reason in line, (args, line)
    assert existing.read_bytes() == b"ancienne copie"
    code, _, err = backup(str(tmp_path / "absente.db"), str(tmp_path / "c.db"))
    assert code == 1 and "DSBOT_DB" in err and "n’existe pas" in err
    assert not (tmp_path / "c.db").exists() and not (tmp_path / "absente.db").exists()
    # --force replaces the old copy.
    code, _, _ = backup(store.path, str(existing), "--force")
    assert code == 0 and counts(existing) == (0, 0)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".deja")]
