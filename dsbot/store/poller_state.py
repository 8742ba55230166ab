"""Queries on `poller_state`: small durable facts of the poller (DS health and alert state,
the single-poller lease), one JSON value per key."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from dsbot.store.sql import one_row as _row


def get_state(db: Database, key: str) -> dict[str, Any] | None:
    row = _row(db, "SELECT value FROM poller_state WHERE key = ?", [key])
    return json.loads(row["value"]) if row else None


def set_state(db: Database, key: str, value: dict[str, Any]) -> None:
    db.execute(
        "INSERT INTO poller_state (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, json.dumps(value)],
    )
