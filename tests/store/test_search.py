"""The search index (dsbot/store/search.py): what people type finds the dossier, accents and
case ignored, among the groupes they may see; m011 fills it from dossiers already indexed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database

from dsbot.backends.port import DossierState
from dsbot.store import Store, search
from dsbot.store import index as q
from dsbot.store.index import IndexEntry
from dsbot.store.migrations import migrations
from dsbot.store.search import SearchFields, match_expression
from dsbot.store.sql import write

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ALICE = "instructeur-alice"


def add(db: Database, number: int, groupe: int, fields: SearchFields) -> None:
    entry = IndexEntry(
        number=number,
        demarche_number=7,
        demarche_title=fields.demarche_title,
        groupe_number=groupe,
        state=DossierState.EN_CONSTRUCTION,
        archived=False,
        date_depot=NOW,
        state_since=NOW,
        date_derniere_modification=NOW,
    )
    q.upsert(db, entry, NOW)
    search.upsert(db, number, groupe, fields)


@pytest.fixture
def filled(store: Store) -> Store:
    with write(store) as db:
        db.execute(
            "INSERT INTO groupe_members (groupe_number, instructeur_id) VALUES (1, ?)", [ALICE]
        )
        add(
            db,
            101,
            1,
            SearchFields(
                demandeur="Élodie Lefèvre",
                email="elodie.lefevre@laposte.net",
                labels="À relancer",
                demarche_title="Subvention aux associations",
            ),
        )
        add(
            db,
            102,
            1,
            SearchFields(
                demandeur="Boulangerie Dupont SARL",
                email="contact@dupont.fr",
                siret="13002526500013",
                demarche_title="Subvention aux associations",
            ),
        )
        add(db, 201, 2, SearchFields(demandeur="Élodie Martin", demarche_title="Permis"))
    return store


def found(store: Store, text: str, *, me: str | None = ALICE, admin: bool = False) -> list[int]:
    with store.connect() as db:
        return [e.number for e in search.search(db, text, instructeur_id=me, sees_all=admin)]


def test_what_people_type_finds_the_dossier(filled):
    assert found(filled, "elodie LEFEVRE") == [101]
    assert found(filled, "lef") == [101]  # the beginning of a word
    assert found(filled, "Élodie") == [101]  # 201 is in another groupe
    assert found(filled, "130 025 265 00013") == [102]  # a SIRET typed in groups
    assert found(filled, "contact@dupont.fr") == [102]
    assert found(filled, "elodie.lefevre@lap") == [101]  # an address being typed
    assert found(filled, "a relancer") == [101]
    assert found(filled, "subvention") == [102, 101]  # newest first
    assert found(filled, "102") == [102]
    assert found(filled, "g1") == []  # the groupe column is not searched by words


def test_visibility(filled):
    assert found(filled, "elodie", admin=True, me=None) == [201, 101]
    assert found(filled, "martin") == []
    assert found(filled, "elodie", me=None) == []
    assert found(filled, "elodie", me="someone-else") == []
    # A search row left behind by a groupe change never shows what the index says is elsewhere.
    with write(filled) as db:
        db.execute("UPDATE dossier_index SET groupe_number = 2 WHERE ref = '101'")
    assert found(filled, "lefevre") == []


def test_nothing_to_search():
    assert match_expression("  ,;  ") is None
    assert match_expression('"') is None


def test_m010_fills_the_index_from_dossiers_already_indexed(tmp_path):
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m011_privacy_and_search")
    db.execute(
        "INSERT INTO dossier_index (backend, ref, demarche_number, demarche_title, groupe_number,"
        " state, date_depot, state_since, date_derniere_modification, indexed_at) VALUES"
        " ('ds', '77', 7, 'Permis de détention', 3, 'en_construction', ?, ?, ?, ?)",
        [NOW.isoformat()] * 4,
    )
    db.conn.commit()
    db.close()
    store = Store(path)
    store.migrate()
    with store.connect() as conn:
        conn.execute(
            "INSERT INTO groupe_members (groupe_number, instructeur_id) VALUES (3, ?)", [ALICE]
        )
    assert found(store, "detention") == [77]
