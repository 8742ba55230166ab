"""Upgrades: a database made by the first release (only the first migration) is brought to the
latest schema by `Store.migrate()`, and keeps its data."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from dsbot.store import Store
from dsbot.store.links import LinkRow, get_link, instructeur_ids_for_email, known_demarches
from dsbot.store.migrations import migrations

LINKS = [
    LinkRow(
        team_id="T0PREF33",
        slack_user_id="U0ALICE01",
        instructeur_id="SW5zdHJ1Y3RldXItNDI=",
        email="alice.martin@gironde.gouv.fr",
        method="auto",
        linked_by="U0ALICE01",
        linked_at="2025-03-04T09:15:02+00:00",
    ),
    LinkRow(
        team_id="T0PREF33",
        slack_user_id="U0BRUNO01",
        instructeur_id="SW5zdHJ1Y3RldXItNDM=",
        email="bruno.petit@gironde.gouv.fr",
        method="admin",
        linked_by="U0ADMIN01",
        linked_at="2025-03-05T16:40:11+00:00",
    ),
]
DIRECTORY = [
    {
        "instructeur_id": "SW5zdHJ1Y3RldXItNDI=",
        "email": "alice.martin@gironde.gouv.fr",
        "demarche_number": 1001,
        "groupe_number": 201,
        "refreshed_at": "2025-03-05T06:00:00+00:00",
    },
    {
        "instructeur_id": "SW5zdHJ1Y3RldXItNDI=",
        "email": "alice.martin@gironde.gouv.fr",
        "demarche_number": 1002,
        "groupe_number": 305,
        "refreshed_at": "2025-03-05T06:00:00+00:00",
    },
    {
        "instructeur_id": "SW5zdHJ1Y3RldXItNDM=",
        "email": "bruno.petit@gironde.gouv.fr",
        "demarche_number": 1001,
        "groupe_number": 202,
        "refreshed_at": "2025-03-05T06:00:00+00:00",
    },
]


def schema(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's columns (name, type, not null), and its indexes, for comparison."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for table in db.tables:
        columns = [(c.name, c.type, bool(c.notnull)) for c in table.columns]
        indexes = sorted((i.name, tuple(i.columns)) for i in table.indexes)
        tables[table.name] = [*columns, *indexes]
    return tables


def first_release_db(path: str) -> Database:
    db = Database(path)
    first, second, *_ = migrations.pending(db)
    migrations.apply(db, stop_before=second.name)
    assert [m.name for m in migrations.applied(db)] == [first.name]
    return db


def test_a_first_release_database_is_upgraded_to_the_latest_schema_with_its_data(tmp_path):
    path = str(tmp_path / "dsbot.db")
    db = first_release_db(path)
    assert "audit" not in db.table_names() and "outbox" not in db.table_names()
    db.table("links").insert_all([row.__dict__ for row in LINKS])
    db.table("instructeur_directory").insert_all(DIRECTORY)
    db.close()

    Store(path).migrate()

    upgraded = Database(path)
    fresh = Database(str(tmp_path / "fresh.db"))
    migrations.apply(fresh)
    assert [m.name for m in migrations.applied(upgraded)] == [
        m.name for m in migrations.applied(fresh)
    ]
    assert migrations.pending(upgraded) == []
    # The same schema as a database created by the latest release, table for table.
    assert schema(upgraded) == schema(fresh)
    # The data survived, and the current queries read it.
    for row in LINKS:
        assert get_link(upgraded, row.team_id, row.slack_user_id) == row
    assert instructeur_ids_for_email(upgraded, "Alice.Martin@gironde.gouv.fr") == [
        "SW5zdHJ1Y3RldXItNDI="
    ]
    assert sorted(known_demarches(upgraded)) == [1001, 1002]
    assert upgraded["instructeur_directory"].count == len(DIRECTORY)
    # The later tables work: a row written to the newest columns reads back.
    upgraded.table("audit").insert(
        {
            "at": "2025-03-06T10:00:00+00:00",
            "team_id": "T0PREF33",
            "slack_user_id": "U0ALICE01",
            "dossier_number": 10021,
            "action": "accepter",
            "result": "ok",
            "action_key": "view:abc:accepter:10021",
        }
    )
    [audit] = upgraded["audit"].rows
    assert audit["recovered"] == 0 and audit["action_key"] == "view:abc:accepter:10021"


def test_migrating_twice_changes_nothing(tmp_path):
    path = str(tmp_path / "dsbot.db")
    first_release_db(path).close()
    store = Store(path)
    store.migrate()
    before = schema(Database(path))
    store.migrate()
    assert schema(Database(path)) == before
