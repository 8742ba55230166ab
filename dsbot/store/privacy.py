"""Erasing an item's personal data from the database (docs/privacy.md).

`erase_item` runs in its caller's write transaction: it queues a tombstone (`ErasePayload`)
for every Slack message the bot remembers about the item (its card in each channel, the
replies in the card's thread, cards shared in a channel, actions told in a thread), then
deletes or reduces every row that holds the item's data: the outbox rows (payloads carry message
excerpts and e-mails), the index and its search row, the followers, the feed snapshots (reduced
to the state and the deletion when the item is gone from its backend, so that the deletion is
not announced twice), the link previews, and the audit rows (reduced to number, action, person
and time). Bytes left in free pages are zeroed by `PRAGMA secure_delete` (dsbot/store/db.py);
the caller compacts afterwards (`search.optimize`, `Store.compact`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime

from sqlite_utils import Database

from dsbot.notifications.model import ErasePayload, ItemRef, OutboxKind
from dsbot.store import search
from dsbot.store.outbox import OutboxEntry, enqueue
from dsbot.store.sql import to_iso

# The feeds of DS (dsbot/store/subscriptions.py, feed_key); another backend's are "<name>:…".
# The mark an erasure leaves on a row being sent (its outcome unknown): `last_error`, which
# sending it clears (`mark_sent`) only after the engine has read it.
_ERASED = "erased:"


@dataclass
class Removed:
    """What an erasure removed or queued, by kind of data."""

    messages: int = 0  # Slack messages to replace by a tombstone
    outbox: int = 0
    index: int = 0
    search: int = 0
    snapshots: int = 0
    audit: int = 0
    previews: int = 0
    captures: int = 0  # what the feed kept to render the card (the demandeur, a message)

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))


def remember_post(
    db: Database, team_id: str, channel_id: str, ts: str, item: ItemRef, what: str, at: datetime
) -> None:
    """A message about `item` the bot posted outside `channel_messages` (a thread reply, a
    shared card, an action told in a thread): erased with the item."""
    db.execute(
        "INSERT OR IGNORE INTO slack_posts (team_id, channel_id, ts, backend, ref, what,"
        " posted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [team_id, channel_id, ts, item.backend.value, item.ref, what, to_iso(at)],
    )


def messages_of(db: Database, item: ItemRef) -> list[tuple[str, str, str]]:
    """(team_id, channel_id, ts) of every Slack message the bot remembers about `item`."""
    params = [item.backend.value, item.ref]
    rows = db.execute(
        "SELECT team_id, channel_id, ts FROM channel_messages WHERE backend = ? AND ref = ?"
        " UNION SELECT team_id, channel_id, ts FROM slack_posts WHERE backend = ? AND ref = ?"
        " UNION SELECT team_id, channel_id, sent_ts FROM outbox WHERE backend = ? AND ref = ?"
        " AND sent_ts IS NOT NULL AND kind IN (?, ?) ORDER BY 2, 3",
        [*params, *params, *params, OutboxKind.PARENT.value, OutboxKind.THREAD.value],
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def erase_item(
    db: Database,
    item: ItemRef,
    reason: str,
    now: datetime,
    *,
    gone_state: str | None = None,
    feed_scopes: tuple[str, ...] = (),
) -> Removed:
    """Queue the tombstones and delete the item's data (see the module's docstring).
    `gone_state`: the item was deleted in its backend in that state; its snapshots keep only
    that, so that the deletion listing is not taken for news again. `feed_scopes`: the scopes
    of the feeds that read the item's backend (DS's démarches and groupes); by default its
    name, as other backends key their feeds `<backend>:<scope>`."""
    removed = Removed()
    messages = messages_of(db, item)
    params = [item.backend.value, item.ref]
    removed.outbox = db.execute(
        "DELETE FROM outbox WHERE backend = ? AND ref = ? AND kind != ? AND status != 'sending'",
        [*params, OutboxKind.ERASE.value],
    ).rowcount
    # A row being sent may be in Slack already, or about to be: marked, it gets its tombstone
    # once its ts is known (dsbot/notifications/delivery/engine.py, _record_success).
    db.execute(
        "UPDATE outbox SET last_error = ? WHERE backend = ? AND ref = ? AND kind != ?"
        " AND status = 'sending'",
        [_ERASED + reason, *params, OutboxKind.ERASE.value],
    )
    for team_id, channel_id, ts in messages:
        entry = OutboxEntry(
            team_id,
            channel_id,
            item,
            ErasePayload(ts=ts, reason=reason),
            f"erase:{team_id}:{channel_id}:{ts}",
        )
        removed.messages += int(enqueue(db, entry, now))
    db.execute("DELETE FROM channel_messages WHERE backend = ? AND ref = ?", params)
    db.execute("DELETE FROM slack_posts WHERE backend = ? AND ref = ?", params)
    removed.captures = db.execute(
        "DELETE FROM card_captures WHERE backend = ? AND ref = ?", params
    ).rowcount
    removed.index = db.execute(
        "DELETE FROM dossier_index WHERE backend = ? AND ref = ?", params
    ).rowcount
    db.execute("DELETE FROM dossier_followers WHERE backend = ? AND ref = ?", params)
    number = item.ds_number
    if number is not None:
        removed.search = search.delete(db, number)
        removed.previews = db.execute(
            "DELETE FROM unfurls WHERE url LIKE ? OR url LIKE ?",
            [f"%/dossiers/{number}", f"%/dossiers/{number}/%"],
        ).rowcount
    scopes = feed_scopes or (item.backend.value,)
    removed.snapshots = _reduce_snapshots(db, item, scopes, gone_state, now)
    removed.audit = _reduce_audit(db, item)
    return removed


def _reduce_snapshots(
    db: Database, item: ItemRef, scopes: tuple[str, ...], gone_state: str | None, now: datetime
) -> int:
    if not item.ref.isdigit():
        return 0
    rows = db.execute(
        "SELECT feed_key FROM feed_snapshots WHERE dossier_number = ?", [int(item.ref)]
    ).fetchall()
    keys = [k for (k,) in rows if k.split(":", 1)[0] in scopes]
    for key in keys:
        if gone_state is None:
            db.execute(
                "DELETE FROM feed_snapshots WHERE feed_key = ? AND dossier_number = ?",
                [key, int(item.ref)],
            )
        else:
            reduced = json.dumps(
                {"state": gone_state, "status": "deleted", "status_at": now.isoformat()},
                separators=(",", ":"),
            )
            db.execute(
                "UPDATE feed_snapshots SET snapshot = ?, updated_at = ? WHERE feed_key = ?"
                " AND dossier_number = ?",
                [reduced, to_iso(now), key, int(item.ref)],
            )
    return len(keys)


def _reduce_audit(db: Database, item: ItemRef) -> int:
    """Audit rows keep the number, the action, the person and the time."""
    if not item.ref.isdigit():
        return 0
    where = "dossier_number = ? AND backend = ?"
    params = [int(item.ref), item.backend.value]
    db.execute(
        "DELETE FROM action_keys WHERE key IN (SELECT action_key FROM audit WHERE"
        f" {where} AND action_key IS NOT NULL)",
        params,
    )
    return db.execute(
        "UPDATE audit SET motivation_length = NULL, file_name = NULL, file_checksum = NULL,"
        f" error = NULL, action_key = NULL WHERE {where}",
        params,
    ).rowcount


def erased_while_sending(db: Database, row_id: int) -> str | None:
    """The reason of an erasure of the row's item that ran while the row was being sent (the
    erasure leaves such a row alone, marked): its message must be erased too."""
    row = db.execute("SELECT last_error FROM outbox WHERE id = ?", [row_id]).fetchone()
    mark = row[0] if row else None
    return mark[len(_ERASED) :] if isinstance(mark, str) and mark.startswith(_ERASED) else None


def erase_late_message(
    db: Database,
    row_id: int,
    team_id: str,
    channel_id: str,
    item: ItemRef,
    ts: str,
    reason: str,
    now: datetime,
) -> None:
    """A message sent while its item was being erased: a tombstone for it too, and its row
    (and payload) gone."""
    entry = OutboxEntry(
        team_id,
        channel_id,
        item,
        ErasePayload(ts=ts, reason=reason),
        f"erase:{team_id}:{channel_id}:{ts}",
    )
    enqueue(db, entry, now)
    db.execute("DELETE FROM outbox WHERE id = ?", [row_id])


def closed_before(db: Database, before: datetime) -> list[int]:
    """DS dossiers closed (accepté, refusé, sans suite) before `before`, as the index says."""
    rows = db.execute(
        "SELECT CAST(ref AS INTEGER) FROM dossier_index WHERE backend = 'ds' AND state IN"
        " ('accepte', 'refuse', 'sans_suite') AND state_since < ? ORDER BY 1",
        [to_iso(before)],
    ).fetchall()
    return [int(r[0]) for r in rows]
