"""The schema of dsbot.db, as an append-only list of migrations (described in the README).

Never edit a migration that has shipped: add a new one.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("dsbot")


@migrations()
def m001_links(db: Database) -> None:
    # One row per Slack user: who they act as in DS, and how that link was made.
    db["links"].create(
        {
            "team_id": str,
            "slack_user_id": str,
            "instructeur_id": str,
            "email": str,
            "method": str,  # "auto" (verified Slack email) or "admin" (lier)
            "linked_by": str,
            "linked_at": str,
        },
        pk=("team_id", "slack_user_id"),
    )
    # The instructeurs the DS token can see, refreshed periodically (automatic linking).
    db["instructeur_directory"].create(
        {
            "instructeur_id": str,
            "email": str,  # lower-cased
            "demarche_number": int,
            "groupe_number": int,
            "refreshed_at": str,
        },
        pk=("instructeur_id", "groupe_number"),
    )
    db["instructeur_directory"].create_index(["email"])


@migrations()
def m002_audit(db: Database) -> None:
    db["audit"].create(
        {
            "id": int,
            "at": str,
            "team_id": str,
            "slack_user_id": str,
            "instructeur_id": str,
            "dossier_number": int,
            "action": str,
            "motivation_length": int,
            "file_name": str,
            "file_checksum": str,
            "result": str,  # "ok", "refused", "error"
            "error": str,
        },
        pk="id",
    )
    db["audit"].create_index(["at"])
    # Idempotency keys of actions: a double click or a double submit runs one mutation.
    db["action_keys"].create(
        {"key": str, "created_at": str, "status": str, "result": str},
        pk="key",
    )
