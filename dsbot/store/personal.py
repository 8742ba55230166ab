"""Queries for personal notifications: each person's preferences (`notification_prefs`), who
is linked to which instructeur, and the open direct-message row that gathers a person's
events (`outbox`, kind `personal`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from dsbot.notifications.model import (
    DEFAULT_MODES,
    Mode,
    OutboxKind,
    PersonalPayload,
    Topic,
    encode_payload,
)
from dsbot.store.outbox import OutboxRow
from dsbot.store.sql import fetch_rows, to_iso


@dataclass(frozen=True)
class LinkedPerson:
    """A Slack user linked to a DS instructeur."""

    team_id: str
    slack_user_id: str
    instructeur_id: str
    email: str


def preferences(db: Database, team_id: str, user_id: str) -> dict[Topic, Mode]:
    """Every topic's mode for this person: theirs, or the default."""
    modes = dict(DEFAULT_MODES)
    rows = db.query(
        "SELECT topic, mode FROM notification_prefs WHERE team_id = ? AND slack_user_id = ?",
        [team_id, user_id],
    )
    for row in rows:
        try:
            modes[Topic(row["topic"])] = Mode(row["mode"])
        except ValueError:
            continue  # a topic or mode a later dsbot wrote: ignored, never fatal
    return modes


def set_preferences(
    db: Database, team_id: str, user_id: str, modes: dict[Topic, Mode], now: datetime
) -> None:
    for topic, mode in modes.items():
        db.execute(
            "INSERT INTO notification_prefs (team_id, slack_user_id, topic, mode, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (team_id, slack_user_id, topic)"
            " DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at",
            [team_id, user_id, topic.value, mode.value, to_iso(now)],
        )


def linked_people(db: Database, instructeur_ids: Iterable[str]) -> list[LinkedPerson]:
    """The Slack users linked to these instructeurs, in every workspace."""
    ids = sorted(set(instructeur_ids))
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    rows = fetch_rows(
        db,
        "SELECT team_id, slack_user_id, instructeur_id, email FROM links"
        f" WHERE instructeur_id IN ({marks}) ORDER BY team_id, slack_user_id",
        ids,
    )
    return [LinkedPerson(**row) for row in rows]


def open_gathering(db: Database, team_id: str, user_id: str, prefix: str) -> OutboxRow | None:
    """The pending personal row of this person whose dedupe key starts with `prefix`, if any
    (keys are made of ids and numbers: no LIKE wildcard in them)."""
    row = next(
        db.query(
            "SELECT * FROM outbox WHERE team_id = ? AND channel_id = ? AND kind = ?"
            " AND dedupe_key LIKE ? AND status = 'pending' ORDER BY id DESC LIMIT 1",
            [team_id, user_id, OutboxKind.PERSONAL.value, prefix + "%"],
        ),
        None,
    )
    return OutboxRow.from_row(row) if row else None


def regather(db: Database, row_id: int, payload: PersonalPayload) -> bool:
    """Replace the events of a row still pending; False if it was claimed meanwhile."""
    cursor = db.execute(
        "UPDATE outbox SET payload = ? WHERE id = ? AND status = 'pending'",
        [encode_payload(payload), row_id],
    )
    return cursor.rowcount == 1


def hold(db: Database, dedupe_key: str, until: datetime) -> None:
    """A row just queued waits until `until` (a gathering's end)."""
    db.execute(
        "UPDATE outbox SET next_attempt_at = ? WHERE dedupe_key = ? AND status = 'pending'",
        [to_iso(until), dedupe_key],
    )
