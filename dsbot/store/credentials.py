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


def secrets_with_prefix(db: Database, prefix: str) -> list[tuple[str, str, str, str]]:
    """(team_id, slack_user_id, backend, secret) of the rows whose secret starts with `prefix`."""
    rows = db.execute(
        "SELECT team_id, slack_user_id, backend, secret FROM backend_credentials"
        " WHERE substr(secret, 1, ?) = ?",
        [len(prefix), prefix],
    ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def replace_secret(
    db: Database, team_id: str, user_id: str, backend: str, old: str, new: str
) -> bool:
    """Swap `old` for `new` if the row still holds `old` (a concurrent connect wins)."""
    cursor = db.execute(
        "UPDATE backend_credentials SET secret = ?"
        " WHERE team_id = ? AND slack_user_id = ? AND backend = ? AND secret = ?",
        [new, team_id, user_id, backend, old],
    )
    return cursor.rowcount > 0
