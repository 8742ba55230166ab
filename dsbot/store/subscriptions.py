"""Queries on the channel subscriptions: `subscriptions` (a DS démarche or groupe, migration
m003_notifications) and to another backend's family (m008), in one table since m009_item_keys:
each row follows `(backend, ref)`, a DS démarche (`ref` its number, as text) or a Dynacase
family (`ref` its name). `Subscription` is a DS row, `ItemSubscription` another backend's."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from dsbot.store.sql import from_iso, to_iso
from dsbot.store.sql import one_row as _row

# The scopes of DS's feeds, as `feed_key` names them: a démarche's, or one of its groupes'.
DS_FEED_SCOPES = ("demarche", "groupe")


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
            demarche_number=int(row["ref"]),
            groupe_number=row["groupe_number"],
            states=tuple(json.loads(row["states"] or "[]")),
            created_by=row["created_by"],
            created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
            since=from_iso(row["since"]),  # type: ignore[arg-type]
            paused_reason=row["paused_reason"],
            paused_at=from_iso(row["paused_at"]),
        )


FEED_KEY_SQL = (
    "CASE WHEN backend != 'ds' THEN backend || ':' || ref"
    " WHEN groupe_number IS NULL THEN 'demarche:' || ref ELSE 'groupe:' || groupe_number END"
)


def get_subscription(
    db: Database, team_id: str, channel_id: str, demarche: int
) -> Subscription | None:
    row = _row(
        db,
        "SELECT * FROM subscriptions WHERE team_id = ? AND channel_id = ? AND backend = 'ds'"
        " AND ref = ?",
        [team_id, channel_id, str(demarche)],
    )
    return Subscription.from_row(row) if row else None


def subscription_by_id(db: Database, subscription_id: int) -> Subscription | None:
    row = _row(db, "SELECT * FROM subscriptions WHERE id = ? AND backend = 'ds'", [subscription_id])
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
        "INSERT INTO subscriptions (team_id, channel_id, backend, ref, groupe_number, states,"
        " created_by, created_at, since) VALUES (?, ?, 'ds', ?, ?, ?, ?, ?, ?)",
        [
            team_id,
            channel_id,
            str(demarche),
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
        "SELECT * FROM subscriptions WHERE team_id = ? AND channel_id = ? AND backend = 'ds'"
        " ORDER BY CAST(ref AS INTEGER)",
        [team_id, channel_id],
    )
    return [Subscription.from_row(r) for r in rows]


def subscribed_channels(db: Database) -> list[tuple[str, str]]:
    """(team_id, channel_id) of every channel with a subscription, of any backend."""
    rows = db.query("SELECT DISTINCT team_id, channel_id FROM subscriptions ORDER BY 2, 1")
    return [(str(row["team_id"]), str(row["channel_id"])) for row in rows]


def known_team_ids(db: Database) -> list[str]:
    """The Slack workspaces the database knows, from its subscriptions and links."""
    tables = set(db.table_names())
    queries = [
        f"SELECT team_id FROM {table} WHERE team_id != ''"
        for table in ("subscriptions", "links")
        if table in tables
    ]
    if not queries:
        return []
    return sorted({str(row["team_id"]) for row in db.query(" UNION ".join(queries))})


def feed_subscriptions(db: Database, key: str, *, active_only: bool = True) -> list[Subscription]:
    sql = f"SELECT * FROM subscriptions WHERE backend = 'ds' AND {FEED_KEY_SQL} = ?"
    if active_only:
        sql += " AND paused_at IS NULL"
    return [Subscription.from_row(r) for r in db.query(sql + " ORDER BY id", [key])]


def feed_in_use(db: Database, key: str) -> bool:
    return bool(_row(db, f"SELECT 1 AS x FROM subscriptions WHERE {FEED_KEY_SQL} = ?", [key]))


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
            family=row["ref"],
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
        "SELECT * FROM subscriptions WHERE team_id = ? AND channel_id = ? AND backend = ?"
        " AND ref = ?",
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
        "INSERT INTO subscriptions (team_id, channel_id, backend, ref, states, created_by,"
        " created_at, since) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            team_id,
            channel_id,
            backend,
            family,
            json.dumps(sorted(set(states))),
            created_by,
            to_iso(created_at),
            to_iso(created_at),  # a family's feed starts when it is created: no `since`
        ],
    )
    found = get_item_subscription(db, team_id, channel_id, backend, family)
    assert found is not None
    return found


def update_item_subscription(
    db: Database, subscription_id: int, *, states: Iterable[str], resume: bool
) -> None:
    sql = "UPDATE subscriptions SET states = ?"
    if resume:
        sql += ", paused_reason = NULL, paused_at = NULL"
    db.execute(sql + " WHERE id = ?", [json.dumps(sorted(set(states))), subscription_id])


def delete_item_subscription(db: Database, subscription_id: int) -> None:
    db.execute("DELETE FROM subscriptions WHERE id = ? AND backend != 'ds'", [subscription_id])


def channel_item_subscriptions(
    db: Database, team_id: str, channel_id: str
) -> list[ItemSubscription]:
    rows = db.query(
        "SELECT * FROM subscriptions WHERE team_id = ? AND channel_id = ? AND backend != 'ds'"
        " ORDER BY backend, ref",
        [team_id, channel_id],
    )
    return [ItemSubscription.from_row(r) for r in rows]


def feed_item_subscriptions(db: Database, key: str) -> list[ItemSubscription]:
    rows = db.query(
        "SELECT * FROM subscriptions WHERE backend != 'ds' AND backend || ':' || ref = ?"
        " AND paused_at IS NULL ORDER BY id",
        [key],
    )
    return [ItemSubscription.from_row(r) for r in rows]


def item_feed_in_use(db: Database, key: str) -> bool:
    return bool(
        _row(
            db,
            "SELECT 1 AS x FROM subscriptions WHERE backend != 'ds' AND backend || ':' || ref = ?",
            [key],
        )
    )


def pause_item_subscriptions(
    db: Database, team_id: str, channel_id: str, reason: str, at: datetime
) -> list[ItemSubscription]:
    """Pause the channel's active item subscriptions; returns those it paused."""
    paused = [s for s in channel_item_subscriptions(db, team_id, channel_id) if s.active]
    db.execute(
        "UPDATE subscriptions SET paused_reason = ?, paused_at = ? WHERE team_id = ?"
        " AND channel_id = ? AND backend != 'ds' AND paused_at IS NULL",
        [reason, to_iso(at), team_id, channel_id],
    )
    return paused


def subscribed_families(db: Database, backend: str) -> list[str]:
    """The families of `backend` some channel follows, paused or not. Reads a database not yet
    upgraded to m009_item_keys too (`dsbot check` runs before any migration)."""
    if "item_subscriptions" in db.table_names():
        sql = "SELECT DISTINCT family AS ref FROM item_subscriptions WHERE backend = ? ORDER BY 1"
    else:
        sql = "SELECT DISTINCT ref FROM subscriptions WHERE backend = ? ORDER BY ref"
    return [str(r["ref"]) for r in db.query(sql, [backend])]
