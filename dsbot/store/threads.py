"""Reads of `channel_messages` for the Slack layer: where a DS dossier's notifications are, so
that an action taken from Slack is also told in their threads (migrations m003_notifications,
m009_item_keys). Rows are keyed by (backend, ref): these read DS's, whose ref is the number."""

from __future__ import annotations

from sqlite_utils import Database

from dsbot.backends.port import BackendName

_DS = BackendName.DS.value


def dossier_threads(db: Database, team_id: str, dossier_number: int) -> list[tuple[str, str]]:
    """(channel_id, ts) of the dossier's notification message in each channel, by channel."""
    return [
        (row["channel_id"], row["ts"])
        for row in db.query(
            "SELECT channel_id, ts FROM channel_messages"
            " WHERE team_id = ? AND backend = ? AND ref = ? ORDER BY channel_id",
            [team_id, _DS, str(dossier_number)],
        )
    ]


def dossier_of_message(db: Database, team_id: str, channel_id: str, ts: str) -> int | None:
    """The DS dossier whose notification is the message `ts` of the channel (a thread's root);
    None when it is no notification, or another backend's item's."""
    for row in db.query(
        "SELECT ref FROM channel_messages"
        " WHERE team_id = ? AND channel_id = ? AND ts = ? AND backend = ?",
        [team_id, channel_id, ts, _DS],
    ):
        return int(row["ref"])
    return None
