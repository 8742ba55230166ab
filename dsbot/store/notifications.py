"""Queries on the notification tables: subscriptions, feeds, feed_snapshots, outbox,
channel_messages and poller_state (migration m003_notifications).

Every function takes an open `Database` and leaves transactions to its caller, so that the
feed can write its outbox rows, snapshots and cursor in one transaction (`write`).
Times are stored as UTC ISO 8601 strings, which sort as they compare.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from dsbot.store.db import Store
from dsbot.store.payloads import (
    PAYLOAD_TYPES,
    AlertPayload,
    OutboxKind,
    OutboxPayload,
    OutboxStatus,
    ParentPayload,
    SummaryPayload,
    ThreadPayload,
    decode_payload,
    encode_payload,
)

__all__ = [
    "AlertPayload",
    "OutboxKind",
    "OutboxStatus",
    "ParentPayload",
    "SummaryPayload",
    "ThreadPayload",
]


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


def _row(db: Database, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
    return next(iter(db.query(sql, list(params))), None)


# --- subscriptions ---------------------------------------------------------------------------


def feed_key(demarche: int, groupe: int | None) -> str:
    """The feed that serves a subscription: its groupe's if it has one, else its démarche's."""
    return f"groupe:{groupe}" if groupe is not None else f"demarche:{demarche}"


@dataclass(frozen=True)
class Subscription:
    id: int
    team_id: str
    channel_id: str
    demarche_number: int
    groupe_number: int | None
    states: tuple[str, ...]  # DossierState values; empty: every state
    created_by: str
    created_at: datetime
    since: datetime
    paused_reason: str | None = None
    paused_at: datetime | None = None

    @property
    def feed_key(self) -> str:
        return feed_key(self.demarche_number, self.groupe_number)

    @property
    def active(self) -> bool:
        return self.paused_at is None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Subscription:
        return cls(
            id=row["id"],
            team_id=row["team_id"],
            channel_id=row["channel_id"],
            demarche_number=row["demarche_number"],
            groupe_number=row["groupe_number"],
            states=tuple(json.loads(row["states"] or "[]")),
            created_by=row["created_by"],
            created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
            since=from_iso(row["since"]),  # type: ignore[arg-type]
            paused_reason=row["paused_reason"],
            paused_at=from_iso(row["paused_at"]),
        )


_FEED_KEY_SQL = (
    "CASE WHEN groupe_number IS NULL THEN 'demarche:' || demarche_number "
    "ELSE 'groupe:' || groupe_number END"
)


def get_subscription(
    db: Database, team_id: str, channel_id: str, demarche: int
) -> Subscription | None:
    row = _row(
        db,
        "SELECT * FROM subscriptions WHERE team_id = ? AND channel_id = ? AND demarche_number = ?",
        [team_id, channel_id, demarche],
    )
    return Subscription.from_row(row) if row else None


def subscription_by_id(db: Database, subscription_id: int) -> Subscription | None:
    row = _row(db, "SELECT * FROM subscriptions WHERE id = ?", [subscription_id])
    return Subscription.from_row(row) if row else None


def insert_subscription(
    db: Database,
    *,
    team_id: str,
    channel_id: str,
    demarche: int,
    groupe: int | None,
    states: Iterable[str],
    created_by: str,
    created_at: datetime,
    since: datetime,
) -> int:
    cursor = db.execute(
        "INSERT INTO subscriptions (team_id, channel_id, demarche_number, groupe_number, states,"
        " created_by, created_at, since) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            team_id,
            channel_id,
            demarche,
            groupe,
            json.dumps(sorted(set(states))),
            created_by,
            to_iso(created_at),
            to_iso(since),
        ],
    )
    return int(cursor.lastrowid)  # type: ignore[arg-type]


def update_subscription_scope(
    db: Database, subscription_id: int, *, groupe: int | None, states: Iterable[str]
) -> None:
    db.execute(
        "UPDATE subscriptions SET groupe_number = ?, states = ? WHERE id = ?",
        [groupe, json.dumps(sorted(set(states))), subscription_id],
    )


def set_paused(db: Database, subscription_id: int, reason: str | None, at: datetime | None) -> None:
    db.execute(
        "UPDATE subscriptions SET paused_reason = ?, paused_at = ? WHERE id = ?",
        [reason, to_iso(at) if at else None, subscription_id],
    )


def set_since(db: Database, subscription_id: int, since: datetime) -> None:
    db.execute("UPDATE subscriptions SET since = ? WHERE id = ?", [to_iso(since), subscription_id])


def delete_subscription(db: Database, subscription_id: int) -> None:
    db.execute("DELETE FROM subscriptions WHERE id = ?", [subscription_id])


def channel_subscriptions(db: Database, team_id: str, channel_id: str) -> list[Subscription]:
    rows = db.query(
        "SELECT * FROM subscriptions WHERE team_id = ? AND channel_id = ? ORDER BY demarche_number",
        [team_id, channel_id],
    )
    return [Subscription.from_row(r) for r in rows]


def feed_subscriptions(db: Database, key: str, *, active_only: bool = True) -> list[Subscription]:
    sql = f"SELECT * FROM subscriptions WHERE {_FEED_KEY_SQL} = ?"
    if active_only:
        sql += " AND paused_at IS NULL"
    return [Subscription.from_row(r) for r in db.query(sql + " ORDER BY id", [key])]


def feed_in_use(db: Database, key: str) -> bool:
    return bool(_row(db, f"SELECT 1 AS x FROM subscriptions WHERE {_FEED_KEY_SQL} = ?", [key]))


# --- subscriptions to another backend's items (a Dynacase family) ------------------------------


def item_feed_key(backend: str, family: str) -> str:
    return f"{backend}:{family}"


@dataclass(frozen=True)
class ItemSubscription:
    id: int
    team_id: str
    channel_id: str
    backend: str  # a BackendName value
    family: str
    states: tuple[str, ...]  # the backend's state ids; empty: every state
    created_by: str
    created_at: datetime
    paused_reason: str | None = None
    paused_at: datetime | None = None

    @property
    def feed_key(self) -> str:
        return item_feed_key(self.backend, self.family)

    @property
    def active(self) -> bool:
        return self.paused_at is None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ItemSubscription:
        return cls(
            id=row["id"],
            team_id=row["team_id"],
            channel_id=row["channel_id"],
            backend=row["backend"],
            family=row["family"],
            states=tuple(json.loads(row["states"] or "[]")),
            created_by=row["created_by"],
            created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
            paused_reason=row["paused_reason"],
            paused_at=from_iso(row["paused_at"]),
        )


def get_item_subscription(
    db: Database, team_id: str, channel_id: str, backend: str, family: str
) -> ItemSubscription | None:
    row = _row(
        db,
        "SELECT * FROM item_subscriptions WHERE team_id = ? AND channel_id = ? AND backend = ?"
        " AND family = ?",
        [team_id, channel_id, backend, family],
    )
    return ItemSubscription.from_row(row) if row else None


def insert_item_subscription(
    db: Database,
    *,
    team_id: str,
    channel_id: str,
    backend: str,
    family: str,
    states: Iterable[str],
    created_by: str,
    created_at: datetime,
) -> ItemSubscription:
    db.execute(
        "INSERT INTO item_subscriptions (team_id, channel_id, backend, family, states,"
        " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            team_id,
            channel_id,
            backend,
            family,
            json.dumps(sorted(set(states))),
            created_by,
            to_iso(created_at),
        ],
    )
    found = get_item_subscription(db, team_id, channel_id, backend, family)
    assert found is not None
    return found


def update_item_subscription(
    db: Database, subscription_id: int, *, states: Iterable[str], resume: bool
) -> None:
    sql = "UPDATE item_subscriptions SET states = ?"
    if resume:
        sql += ", paused_reason = NULL, paused_at = NULL"
    db.execute(sql + " WHERE id = ?", [json.dumps(sorted(set(states))), subscription_id])


def delete_item_subscription(db: Database, subscription_id: int) -> None:
    db.execute("DELETE FROM item_subscriptions WHERE id = ?", [subscription_id])


def channel_item_subscriptions(
    db: Database, team_id: str, channel_id: str
) -> list[ItemSubscription]:
    rows = db.query(
        "SELECT * FROM item_subscriptions WHERE team_id = ? AND channel_id = ?"
        " ORDER BY backend, family",
        [team_id, channel_id],
    )
    return [ItemSubscription.from_row(r) for r in rows]


def feed_item_subscriptions(db: Database, key: str) -> list[ItemSubscription]:
    rows = db.query(
        "SELECT * FROM item_subscriptions WHERE backend || ':' || family = ?"
        " AND paused_at IS NULL ORDER BY id",
        [key],
    )
    return [ItemSubscription.from_row(r) for r in rows]


def item_feed_in_use(db: Database, key: str) -> bool:
    return bool(
        _row(db, "SELECT 1 AS x FROM item_subscriptions WHERE backend || ':' || family = ?", [key])
    )


def pause_item_subscriptions(
    db: Database, team_id: str, channel_id: str, reason: str, at: datetime
) -> list[ItemSubscription]:
    """Pause the channel's active item subscriptions; returns those it paused."""
    paused = [s for s in channel_item_subscriptions(db, team_id, channel_id) if s.active]
    db.execute(
        "UPDATE item_subscriptions SET paused_reason = ?, paused_at = ? WHERE team_id = ?"
        " AND channel_id = ? AND paused_at IS NULL",
        [reason, to_iso(at), team_id, channel_id],
    )
    return paused


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


# --- feeds -------------------------------------------------------------------------------------


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
        " WHERE paused_at IS NULL) OR key IN (SELECT backend || ':' || family"
        " FROM item_subscriptions WHERE paused_at IS NULL) ORDER BY key",
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


# --- outbox ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxEntry:
    """A message to send, before it has an id. Its kind is its payload's."""

    team_id: str
    channel_id: str
    dossier_number: int | None
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
    dossier_number: int | None
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
            dossier_number=row["dossier_number"],
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
    """Add a row unless its dedupe key was ever used (then nothing happens): True if added."""
    if not isinstance(entry.payload, tuple(PAYLOAD_TYPES.values())):
        raise TypeError(f"not an outbox payload: {entry.payload!r}")
    cursor = db.execute(
        "INSERT OR IGNORE INTO outbox (team_id, channel_id, dossier_number, kind, payload,"
        " dedupe_key, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entry.team_id,
            entry.channel_id,
            entry.dossier_number,
            entry.kind.value,
            encode_payload(entry.payload),
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


def channels_with_open_rows(db: Database) -> list[str]:
    rows = db.query(
        "SELECT DISTINCT channel_id FROM outbox WHERE status IN ('pending', 'sending')"
        " ORDER BY channel_id",
    )
    return [r["channel_id"] for r in rows]


def next_due_at(db: Database) -> datetime | None:
    row = _row(db, "SELECT min(next_attempt_at) AS at FROM outbox WHERE status = 'pending'")
    return from_iso(row["at"]) if row else None


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


def pending_parent(db: Database, channel_id: str, dossier_number: int) -> OutboxRow | None:
    row = _row(
        db,
        "SELECT * FROM outbox WHERE channel_id = ? AND dossier_number = ? AND kind = 'parent'"
        " AND status IN ('pending', 'sending') ORDER BY id LIMIT 1",
        [channel_id, dossier_number],
    )
    return OutboxRow.from_row(row) if row else None


def prune_outbox(db: Database, before: datetime) -> int:
    """Forget finished rows older than `before` (their dedupe keys cannot come back by then)."""
    cursor = db.execute(
        "DELETE FROM outbox WHERE created_at < ? AND status IN ('sent', 'dead', 'skipped',"
        " 'collapsed')",
        [to_iso(before)],
    )
    return cursor.rowcount


# --- channel_messages --------------------------------------------------------------------------


def parent_ts(db: Database, team_id: str, channel_id: str, dossier_number: int) -> str | None:
    row = _row(
        db,
        "SELECT ts FROM channel_messages WHERE team_id = ? AND channel_id = ?"
        " AND dossier_number = ?",
        [team_id, channel_id, dossier_number],
    )
    return row["ts"] if row else None


def set_parent_ts(
    db: Database, team_id: str, channel_id: str, dossier_number: int, ts: str, at: datetime
) -> None:
    db.execute(
        "INSERT INTO channel_messages (team_id, channel_id, dossier_number, ts, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, channel_id, dossier_number)"
        " DO UPDATE SET ts = excluded.ts, updated_at = excluded.updated_at",
        [team_id, channel_id, dossier_number, ts, to_iso(at), to_iso(at)],
    )


def touch_parent(
    db: Database, team_id: str, channel_id: str, dossier_number: int, at: datetime
) -> None:
    db.execute(
        "UPDATE channel_messages SET updated_at = ? WHERE team_id = ? AND channel_id = ?"
        " AND dossier_number = ?",
        [to_iso(at), team_id, channel_id, dossier_number],
    )


def forget_parent(db: Database, team_id: str, channel_id: str, dossier_number: int) -> None:
    db.execute(
        "DELETE FROM channel_messages WHERE team_id = ? AND channel_id = ? AND dossier_number = ?",
        [team_id, channel_id, dossier_number],
    )


# --- audit (written by the actions service) ----------------------------------------------------


def own_actions(
    db: Database, dossier_number: int, backend: str = "ds"
) -> list[tuple[str, datetime]]:
    """The bot's successful actions on a dossier (or another backend's item, by its number):
    (action, at), newest first. A DS dossier and a Dynacase document may share a number."""
    if "audit" not in db.table_names():
        return []
    rows = db.query(
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


def linked_slack_user(db: Database, team_id: str, email: str) -> str | None:
    """The Slack user linked to a DS email, to mention them instead of printing the email."""
    row = _row(
        db,
        "SELECT slack_user_id FROM links WHERE team_id = ? AND lower(email) = ? LIMIT 1",
        [team_id, email.lower()],
    )
    return row["slack_user_id"] if row else None


# --- poller_state ------------------------------------------------------------------------------


def get_state(db: Database, key: str) -> dict[str, Any] | None:
    row = _row(db, "SELECT value FROM poller_state WHERE key = ?", [key])
    return json.loads(row["value"]) if row else None


def set_state(db: Database, key: str, value: dict[str, Any]) -> None:
    db.execute(
        "INSERT INTO poller_state (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, json.dumps(value)],
    )
