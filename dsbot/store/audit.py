"""Queries on the `audit` and `action_keys` tables (migrations m002_audit, m004_audit_details,
m005_backend_credentials).

`audit.at` is UTC ISO 8601 with microseconds, so that string order is time order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from dsbot.store.sql import from_iso

# action_keys.status
KEY_RUNNING = "running"
KEY_DONE = "done"
# Nothing was changed in DS: the same key may run again (a clean retry).
KEY_FAILED = "failed"


def to_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class AuditRow:
    """One attempt at an action, whatever its result."""

    at: str
    team_id: str
    slack_user_id: str
    instructeur_id: str | None
    dossier_number: int
    action: str
    motivation_length: int | None
    file_name: str | None
    file_checksum: str | None
    result: str  # "ok", "refused", "error", "duplicate"
    error: str | None
    recovered: bool = False
    action_key: str | None = None
    # "ds", or another backend (`dsbot.backends.port.BackendName`); `dossier_number` is then
    # that backend's item number (a Dynacase initid), `instructeur_id` the person it names.
    backend: str = "ds"


# The column order of exports: the table's, minus the internal rowid.
AUDIT_COLUMNS: tuple[str, ...] = ("id", *AuditRow.__dataclass_fields__)


def insert_audit(db: Database, row: AuditRow) -> int:
    record = asdict(row)
    record["recovered"] = int(row.recovered)
    table = db.table("audit").insert(record)
    assert table.last_pk is not None  # an insert into a rowid table always has one
    return int(table.last_pk)


def audit_rows(
    db: Database, since: str | None = None, until: str | None = None
) -> Iterator[dict[str, Any]]:
    """Rows with `since <= at < until` (ISO strings, either bound optional), oldest first."""
    where: list[str] = []
    params: list[str] = []
    if since is not None:
        where.append("at >= ?")
        params.append(since)
    if until is not None:
        where.append("at < ?")
        params.append(until)
    sql = f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    for row in db.query(sql + " ORDER BY at, id", params):
        row["recovered"] = bool(row["recovered"])
        yield row


def claim_key(db: Database, key: str, now: datetime) -> bool:
    """Take the idempotency key `key`; False when it is running or already done.

    Each statement is atomic, so two threads or processes submitting the same key cannot both
    get True. A key left `failed` (nothing changed in DS) can be claimed again.
    """
    at = to_iso(now)
    inserted = db.execute(
        "INSERT OR IGNORE INTO action_keys (key, created_at, status, result)"
        " VALUES (?, ?, ?, NULL)",
        [key, at, KEY_RUNNING],
    )
    if inserted.rowcount == 1:
        return True
    retried = db.execute(
        "UPDATE action_keys SET status = ?, created_at = ?, result = NULL"
        " WHERE key = ? AND status = ?",
        [KEY_RUNNING, at, key, KEY_FAILED],
    )
    return retried.rowcount == 1


def finish_key(db: Database, key: str, status: str, result: str | None = None) -> None:
    db.execute("UPDATE action_keys SET status = ?, result = ? WHERE key = ?", [status, result, key])


def key_status(db: Database, key: str) -> str | None:
    row = next(db.query("SELECT status FROM action_keys WHERE key = ?", [key]), None)
    return row["status"] if row else None


# --- the bot's own actions, read by the feeds (not to announce them back) ---------------------


def own_actions(
    db: Database, dossier_number: int, backend: str = "ds"
) -> list[tuple[str, datetime]]:
    """The bot's successful actions on a dossier (or another backend's item, by its number):
    (action, at), newest first. A DS dossier and a Dynacase document may share a number."""
    # Once per dossier of every page the feeds write: no look at the schema first.
    rows = _rows_if_audited(
        db,
        "SELECT action, at FROM audit WHERE dossier_number = ? AND backend = ? AND (result IS"
        " NULL OR result = 'ok') ORDER BY at DESC LIMIT 50",
        [dossier_number, backend],
    )
    found = []
    for row in rows:
        at = from_iso(row["at"])
        if at is not None:
            found.append((row["action"] or "", at if at.tzinfo else at.replace(tzinfo=UTC)))
    return found


def own_item_changes(db: Database, number: int, backend: str) -> list[tuple[str, datetime]]:
    """Who the bot acted as (the name the backend writes in its history), and when, for its
    successful actions on another backend's item, newest first."""
    rows = db.query(
        "SELECT instructeur_id, at FROM audit WHERE dossier_number = ? AND backend = ? AND"
        " result = 'ok' AND instructeur_id IS NOT NULL ORDER BY at DESC LIMIT 50",
        [number, backend],
    )
    found = []
    for row in rows:
        at = from_iso(row["at"])
        if at is not None:
            found.append((str(row["instructeur_id"]), at if at.tzinfo else at.replace(tzinfo=UTC)))
    return found


def own_actions_by_person(
    db: Database, dossier_number: int, backend: str = "ds"
) -> dict[str, list[tuple[str, datetime]]]:
    """`own_actions`, per Slack user who made them (personal notifications silence a person's
    own actions only: a colleague's still reach them)."""
    rows = _rows_if_audited(
        db,
        "SELECT slack_user_id, action, at FROM audit WHERE dossier_number = ? AND backend = ?"
        " AND (result IS NULL OR result = 'ok') ORDER BY at DESC LIMIT 50",
        [dossier_number, backend],
    )
    found: dict[str, list[tuple[str, datetime]]] = {}
    for row in rows:
        at = from_iso(row["at"])
        if at is not None:
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            found.setdefault(str(row["slack_user_id"]), []).append((row["action"] or "", at))
    return found


def _rows_if_audited(db: Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """The rows of a query on `audit`; none in a database that has no audit yet."""
    try:
        cursor = db.conn.execute(sql, params)
    except sqlite3.OperationalError as exc:
        if "no such table: audit" in str(exc):
            return []
        raise
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
