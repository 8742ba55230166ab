"""Reads of `channel_messages` for the Slack layer: where a dossier's notifications are, so
that an action taken from Slack is also told in their threads (migration m003_notifications).
"""

from __future__ import annotations

from sqlite_utils import Database


def dossier_threads(db: Database, team_id: str, dossier_number: int) -> list[tuple[str, str]]:
    """(channel_id, ts) of the dossier's notification message in each channel, by channel."""
    return [
        (row["channel_id"], row["ts"])
        for row in db.query(
            "SELECT channel_id, ts FROM channel_messages"
            " WHERE team_id = ? AND dossier_number = ? ORDER BY channel_id",
            [team_id, dossier_number],
        )
    ]


def dossier_of_message(db: Database, team_id: str, channel_id: str, ts: str) -> int | None:
    """The dossier whose notification is the message `ts` of the channel (a thread's root)."""
    for row in db.query(
        "SELECT dossier_number FROM channel_messages"
        " WHERE team_id = ? AND channel_id = ? AND ts = ?",
        [team_id, channel_id, ts],
    ):
        return int(row["dossier_number"])
    return None
