"""Queries on `channel_messages`: the one top-level message of each item `(backend, ref)` in
each channel, whose thread gets the item's later events. Kept for good."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from dsbot.notifications.model import ItemRef
from dsbot.store.sql import to_iso


def parent_ts(db: Database, team_id: str, channel_id: str, item: ItemRef) -> str | None:
    found = db.conn.execute(  # for every dossier of every page the feeds write: no guard
        "SELECT ts FROM channel_messages WHERE team_id = ? AND channel_id = ?"
        " AND backend = ? AND ref = ?",
        [team_id, channel_id, item.backend.value, item.ref],
    ).fetchone()
    return str(found[0]) if found and found[0] is not None else None


def set_parent_ts(
    db: Database, team_id: str, channel_id: str, item: ItemRef, ts: str, at: datetime
) -> None:
    db.execute(
        "INSERT INTO channel_messages (team_id, channel_id, backend, ref, ts, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, channel_id, backend, ref)"
        " DO UPDATE SET ts = excluded.ts, updated_at = excluded.updated_at",
        [team_id, channel_id, item.backend.value, item.ref, ts, to_iso(at), to_iso(at)],
    )


def touch_parent(db: Database, team_id: str, channel_id: str, item: ItemRef, at: datetime) -> None:
    db.execute(
        "UPDATE channel_messages SET updated_at = ? WHERE team_id = ? AND channel_id = ?"
        " AND backend = ? AND ref = ?",
        [to_iso(at), team_id, channel_id, item.backend.value, item.ref],
    )


def forget_parent(db: Database, team_id: str, channel_id: str, item: ItemRef) -> None:
    db.execute(
        "DELETE FROM channel_messages WHERE team_id = ? AND channel_id = ? AND backend = ?"
        " AND ref = ?",
        [team_id, channel_id, item.backend.value, item.ref],
    )
