"""The link previews already given (migration m007_unfurls): at most one per link and channel
in a window."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database


def claim_unfurl(
    db: Database, team_id: str, channel_id: str, url: str, now: datetime, window: timedelta
) -> bool:
    """True, and noted, when no preview of `url` was given in the channel within `window`
    before `now`; False otherwise. One statement, so two deliveries of an event claim once."""
    cursor = db.execute(
        "INSERT INTO unfurls (team_id, channel_id, url, unfurled_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (team_id, channel_id, url) DO UPDATE SET unfurled_at = excluded.unfurled_at"
        " WHERE unfurls.unfurled_at <= ?",
        [team_id, channel_id, url, now.isoformat(), (now - window).isoformat()],
    )
    return cursor.rowcount == 1


def release_unfurl(db: Database, team_id: str, channel_id: str, url: str) -> None:
    """Forget a claim whose preview could not be given, so the next paste may try again."""
    db.execute(
        "DELETE FROM unfurls WHERE team_id = ? AND channel_id = ? AND url = ?",
        [team_id, channel_id, url],
    )
