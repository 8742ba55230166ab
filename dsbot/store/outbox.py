"""Queries on `outbox`: the messages to send, written in the same transaction as the feed
cursor, each about one item `(backend, ref)` or none (alerts, summaries, digests)."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from dsbot.backends.port import BackendName
from dsbot.notifications.model import (
    PAYLOAD_TYPES,
    ItemRef,
    OutboxKind,
    OutboxPayload,
    OutboxStatus,
    decode_payload,
    encode_bounded,
)
from dsbot.store.sql import from_iso, to_iso
from dsbot.store.sql import one_row as _row


def _item(row: dict[str, Any]) -> ItemRef | None:
    return ItemRef(BackendName(row["backend"]), row["ref"]) if row["backend"] else None


@dataclass(frozen=True)
class OutboxEntry:
    """A message to send, before it has an id. Its kind is its payload's."""

    team_id: str
    channel_id: str
    item: ItemRef | None  # None: about no one item (alert, summary, digest)
    payload: OutboxPayload
    dedupe_key: str

    @property
    def kind(self) -> OutboxKind:
        return self.payload.kind


@dataclass(frozen=True)
class OutboxRow:
    id: int
    team_id: str
    channel_id: str
    item: ItemRef | None
    kind: OutboxKind
    payload: OutboxPayload
    dedupe_key: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sending_at: datetime | None = None
    thread_ts: str | None = None
    sent_ts: str | None = None
    last_error: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutboxRow:
        kind = OutboxKind(row["kind"])
        return cls(
            id=row["id"],
            team_id=row["team_id"],
            channel_id=row["channel_id"],
            item=_item(row),
            kind=kind,
            payload=decode_payload(kind, row["payload"]),
            dedupe_key=row["dedupe_key"],
            status=OutboxStatus(row["status"]),
            attempts=row["attempts"],
            next_attempt_at=from_iso(row["next_attempt_at"]),  # type: ignore[arg-type]
            created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
            sending_at=from_iso(row["sending_at"]),
            thread_ts=row["thread_ts"],
            sent_ts=row["sent_ts"],
            last_error=row["last_error"],
        )


def enqueue(db: Database, entry: OutboxEntry, now: datetime) -> bool:
    """Add a row unless its dedupe key was ever used (then nothing happens): True if added.
    Its payload is stored within MAX_PAYLOAD_BYTES (`encode_bounded`: PayloadTooLarge else)."""
    if not isinstance(entry.payload, tuple(PAYLOAD_TYPES.values())):
        raise TypeError(f"not an outbox payload: {entry.payload!r}")
    cursor = db.execute(
        "INSERT OR IGNORE INTO outbox (team_id, channel_id, backend, ref, kind, payload,"
        " dedupe_key, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entry.team_id,
            entry.channel_id,
            entry.item.backend.value if entry.item else None,
            entry.item.ref if entry.item else None,
            entry.kind.value,
            encode_bounded(entry.payload),
            entry.dedupe_key,
            to_iso(now),
            to_iso(now),
        ],
    )
    return cursor.rowcount == 1


def outbox_row(db: Database, row_id: int) -> OutboxRow | None:
    row = _row(db, "SELECT * FROM outbox WHERE id = ?", [row_id])
    return OutboxRow.from_row(row) if row else None


def open_rows(db: Database, channel_id: str | None = None) -> list[OutboxRow]:
    """Rows still to send (pending or sending), oldest first."""
    sql = "SELECT * FROM outbox WHERE status IN ('pending', 'sending')"
    params: list[Any] = []
    if channel_id is not None:
        sql += " AND channel_id = ?"
        params.append(channel_id)
    return [OutboxRow.from_row(r) for r in db.query(sql + " ORDER BY id", params)]


def iter_open_rows(db: Database, channel_id: str) -> Generator[OutboxRow, None, None]:
    """A channel's rows still to send, oldest first, read one at a time (by the
    `outbox_open_channel` index: no sort, no rescan of what the caller does not read)."""
    cursor = db.execute(
        "SELECT * FROM outbox WHERE channel_id = ?"
        " AND status IN ('pending', 'sending') ORDER BY id",
        [channel_id],
    )
    columns = [d[0] for d in cursor.description]
    try:
        for values in cursor:
            yield OutboxRow.from_row(dict(zip(columns, values, strict=True)))
    finally:
        cursor.close()  # a caller that stops early leaves no statement open on a shared connection


def channels_with_open_rows(db: Database) -> list[str]:
    rows = db.query(
        "SELECT DISTINCT channel_id FROM outbox WHERE status IN ('pending', 'sending')"
        " ORDER BY channel_id",
    )
    return [r["channel_id"] for r in rows]


def next_due_at(db: Database) -> datetime | None:
    row = _row(db, "SELECT min(next_attempt_at) AS at FROM outbox WHERE status = 'pending'")
    return from_iso(row["at"]) if row else None


@dataclass(frozen=True)
class Backlog:
    """What waits in the outbox: how many rows, and since when the oldest one was queued."""

    depth: int
    oldest: datetime | None


def backlog(db: Database) -> Backlog:
    """Rows still to send (pending or sending), for /healthz and /metrics."""
    row = _row(
        db,
        "SELECT count(*) AS depth, min(created_at) AS oldest FROM outbox"
        " WHERE status IN ('pending', 'sending')",
    )
    if row is None:
        return Backlog(0, None)
    return Backlog(int(row["depth"]), from_iso(row["oldest"]))


def sending_rows(db: Database) -> list[OutboxRow]:
    rows = db.query("SELECT * FROM outbox WHERE status = 'sending' ORDER BY id")
    return [OutboxRow.from_row(r) for r in rows]


def claim(db: Database, row_id: int, now: datetime, thread_ts: str | None = None) -> bool:
    """Mark a pending row as being sent; False if someone else took it first."""
    cursor = db.execute(
        "UPDATE outbox SET status = 'sending', sending_at = ?, thread_ts = ?,"
        " attempts = attempts + 1 WHERE id = ? AND status = 'pending'",
        [to_iso(now), thread_ts, row_id],
    )
    return cursor.rowcount == 1


def mark_sent(db: Database, row_id: int, ts: str | None) -> None:
    db.execute(
        "UPDATE outbox SET status = 'sent', sent_ts = ?, last_error = NULL WHERE id = ?",
        [ts, row_id],
    )


def mark_final(db: Database, row_id: int, status: OutboxStatus, reason: str | None) -> None:
    if not OutboxStatus(status).final:
        raise ValueError(f"not a final status: {status!r}")
    db.execute(
        "UPDATE outbox SET status = ?, last_error = ? WHERE id = ?",
        [OutboxStatus(status).value, reason, row_id],
    )


def count_attempt(db: Database, row_id: int) -> None:
    """Count a try that never reached Slack (the message could not be rendered)."""
    db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", [row_id])


def last_outbox_id(db: Database) -> int:
    row = _row(db, "SELECT max(id) AS id FROM outbox")
    return int(row["id"] or 0) if row else 0


def reschedule(db: Database, row_id: int, at: datetime, error: str) -> None:
    db.execute(
        "UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ? WHERE id = ?",
        [to_iso(at), error, row_id],
    )


def release(db: Database, row_id: int) -> None:
    """Give a claimed row back untouched (it was not sent, nothing is known to be wrong)."""
    db.execute(
        "UPDATE outbox SET status = 'pending', attempts = max(attempts - 1, 0) WHERE id = ?",
        [row_id],
    )


def close_channel_rows(db: Database, channel_id: str, status: OutboxStatus, reason: str) -> int:
    cursor = db.execute(
        "UPDATE outbox SET status = ?, last_error = ? WHERE channel_id = ?"
        " AND status IN ('pending', 'sending') AND kind != 'alert'",
        [OutboxStatus(status).value, reason, channel_id],
    )
    return cursor.rowcount


def pending_parent(db: Database, channel_id: str, item: ItemRef) -> OutboxRow | None:
    row = _row(
        db,
        "SELECT * FROM outbox WHERE channel_id = ? AND backend = ? AND ref = ? AND kind = 'parent'"
        " AND status IN ('pending', 'sending') ORDER BY id LIMIT 1",
        [channel_id, item.backend.value, item.ref],
    )
    return OutboxRow.from_row(row) if row else None


def prune_outbox(db: Database, before: datetime) -> int:
    """Forget finished rows older than `before` (their dedupe keys cannot come back by then)."""
    # By the created_at index (`+status`: not by the status one, which would read every
    # finished row, as old as it is).
    cursor = db.execute(
        "DELETE FROM outbox WHERE created_at < ? AND +status IN ('sent', 'dead', 'skipped',"
        " 'collapsed')",
        [to_iso(before)],
    )
    return cursor.rowcount
