"""Queries on `backend_credentials` (migration m005_backend_credentials).

The table only ever holds ciphertext: encryption is `dsbot.services.credentials`'s job.
"""

from __future__ import annotations

from sqlite_utils import Database


def put_secret(
    db: Database, team_id: str, user_id: str, backend: str, secret: str, at: str
) -> None:
    db.table("backend_credentials").upsert(
        {
            "team_id": team_id,
            "slack_user_id": user_id,
            "backend": backend,
            "secret": secret,
            "created_at": at,
        },
        pk=("team_id", "slack_user_id", "backend"),
    )


def get_secret(db: Database, team_id: str, user_id: str, backend: str) -> str | None:
    row = db.execute(
        "SELECT secret FROM backend_credentials"
        " WHERE team_id = ? AND slack_user_id = ? AND backend = ?",
        [team_id, user_id, backend],
    ).fetchone()
    return row[0] if row else None


def delete_secret(db: Database, team_id: str, user_id: str, backend: str) -> bool:
    cursor = db.execute(
        "DELETE FROM backend_credentials WHERE team_id = ? AND slack_user_id = ? AND backend = ?",
        [team_id, user_id, backend],
    )
    return cursor.rowcount > 0
