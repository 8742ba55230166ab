"""Queries on `card_captures`: what each item's card needs, as its backend captured it when
the feed read the item (DS: `dsbot/backends/ds/card_capture.py`), so that the sender renders a
card without reading the backend again. One row per item, replaced by each newer read; a NULL
`card` says the item is gone (trashed, deleted): its card says so. Rows older than the
retention go with the outbox's pruning (docs/scaling.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from dsbot.notifications.model import ItemRef
from dsbot.store.sql import from_iso, to_iso
from dsbot.store.sql import one_row as _row


@dataclass(frozen=True)
class CardCapture:
    card: str | None  # the backend's capture; None: the item is gone
    read_at: datetime


def save_card(db: Database, item: ItemRef, card: str | None, read_at: datetime) -> None:
    """Keep `card` as the item's capture, unless a newer read is already kept."""
    db.execute(
        "INSERT INTO card_captures (backend, ref, card, read_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (backend, ref) DO UPDATE SET card = excluded.card,"
        " read_at = excluded.read_at WHERE excluded.read_at >= card_captures.read_at",
        [item.backend.value, item.ref, card, to_iso(read_at)],
    )


def card_capture(db: Database, item: ItemRef) -> CardCapture | None:
    row = _row(
        db,
        "SELECT card, read_at FROM card_captures WHERE backend = ? AND ref = ?",
        [item.backend.value, item.ref],
    )
    if row is None:
        return None
    read_at = from_iso(row["read_at"])
    assert read_at is not None
    return CardCapture(row["card"], read_at)


def prune_cards(db: Database, before: datetime) -> int:
    """Forget captures read before `before` (by the `read_at` index)."""
    cursor = db.execute("DELETE FROM card_captures WHERE read_at < ?", [to_iso(before)])
    return cursor.rowcount
