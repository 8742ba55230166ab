"""Queries on the `links` and `instructeur_directory` tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from dsbot.store.sql import one_row as _row


@dataclass(frozen=True)
class Membership:
    """An instructeur in one groupe of a démarche, as the directory keeps it."""

    instructeur_id: str
    email: str
    groupe_number: int


@dataclass(frozen=True)
class LinkRow:
    team_id: str
    slack_user_id: str
    instructeur_id: str
    email: str
    method: str  # "auto" | "admin"
    linked_by: str
    linked_at: str


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def get_link(db: Database, team_id: str, user_id: str) -> LinkRow | None:
    rows = db.query(
        "select * from links where team_id = ? and slack_user_id = ?", [team_id, user_id]
    )
    row = next(rows, None)
    return LinkRow(**row) if row else None


def save_link(db: Database, row: LinkRow) -> None:
    db.table("links").upsert(row.__dict__, pk=("team_id", "slack_user_id"))


def delete_link(db: Database, team_id: str, user_id: str) -> bool:
    existing = get_link(db, team_id, user_id)
    if existing:
        db.table("links").delete((team_id, user_id))
    return existing is not None


def replace_directory(db: Database, rosters: Mapping[int, Iterable[Membership]]) -> int:
    """Replace the directory rows of these démarches (number → its instructeurs by groupe)."""
    at = now_iso()
    count = 0
    for demarche_number, members in rosters.items():
        db.execute("delete from instructeur_directory where demarche_number = ?", [demarche_number])
        rows = [
            {
                "instructeur_id": m.instructeur_id,
                "email": m.email.lower(),
                "demarche_number": demarche_number,
                "groupe_number": m.groupe_number,
                "refreshed_at": at,
            }
            for m in members
        ]
        if rows:
            db.table("instructeur_directory").insert_all(
                rows, pk=("instructeur_id", "groupe_number"), replace=True
            )
        count += len(rows)
    return count


def instructeur_ids_for_email(db: Database, email: str) -> list[str]:
    rows = db.query(
        "select distinct instructeur_id from instructeur_directory where email = ? order by 1",
        [email.lower()],
    )
    return [r["instructeur_id"] for r in rows]


def known_demarches(db: Database) -> list[int]:
    rows = db.query("select distinct demarche_number from instructeur_directory")
    return [r["demarche_number"] for r in rows]


def oldest_refresh(db: Database) -> str | None:
    row = next(db.query("select min(refreshed_at) as oldest from instructeur_directory"), None)
    return row["oldest"] if row else None


def linked_slack_user(db: Database, team_id: str, email: str) -> str | None:
    """The Slack user linked to a DS email, to mention them instead of printing the email."""
    row = _row(
        db,
        "SELECT slack_user_id FROM links WHERE team_id = ? AND lower(email) = ? LIMIT 1",
        [team_id, email.lower()],
    )
    return row["slack_user_id"] if row else None
