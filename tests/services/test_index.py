"""The local dossier index: what the feed records, what the Home and the digest read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from dsbot.backends.ds.models import (
    DemarcheRef,
    Dossier,
    DossierState,
    GroupeInstructeur,
    Message,
    Profile,
)
from dsbot.services import index
from dsbot.services.home import MAX_LINES_PER_SECTION, PAGE, HomeState, load_home
from dsbot.store import Store
from dsbot.store import index as q
from dsbot.store.notifications import write
from tests.fakes.db_template import premigrated

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ALICE = Profile("ins-alice", "alice@exemple.gouv.fr")
BRUNO = Profile("ins-bruno", "bruno@exemple.gouv.fr")
G1 = GroupeInstructeur("g1", 11, "Nord", instructeurs=(ALICE,))
G2 = GroupeInstructeur("g2", 12, "Sud", instructeurs=(BRUNO,))


def dossier(
    number: int,
    state: DossierState = DossierState.EN_CONSTRUCTION,
    *,
    groupe: GroupeInstructeur = G1,
    followers: tuple[Profile, ...] = (),
    days_old: int = 3,
    messages: tuple[Message, ...] = (),
    **extra,
) -> Dossier:
    depot = NOW - timedelta(days=days_old)
    return Dossier(
        id=f"D{number}",
        number=number,
        state=state,
        archived=False,
        demarche=DemarcheRef("P1", 100, "Subventions"),
        groupe_instructeur=groupe,
        date_depot=depot,
        date_derniere_modification=depot,
        usager_email="usager@example.org",
        date_passage_en_instruction=depot if state is DossierState.EN_INSTRUCTION else None,
        followers=followers,
        messages=messages,
        **extra,
    )


def message(email: str, hours_ago: int) -> Message:
    return Message(f"M{email}{hours_ago}", email, "texte", NOW - timedelta(hours=hours_ago))


@pytest.fixture
def store(tmp_path) -> Store:
    # A copy of the migrated template (tests/fakes/db_template.py): migrating each time costs.
    s = Store(premigrated(tmp_path / "dsbot.db"))
    s.migrate()
    return s


def record(store: Store, *dossiers: Dossier) -> None:
    with write(store) as db:
        for d in dossiers:
            index.record(db, d, NOW)


def numbers(store: Store, section: str, **kw) -> list[int]:
    kw.setdefault("instructeur_id", ALICE.id)
    kw.setdefault("sees_all", False)
    kw.setdefault("state_filter", "")
    kw.setdefault("limit", 100)
    with store.connect() as db:
        _, entries = q.section(db, section, **kw)
    return [e.number for e in entries]


def test_entry_knows_who_wrote_last_and_since_when_the_state_holds():
    usager_last = dossier(
        1,
        DossierState.EN_INSTRUCTION,
        messages=(message(ALICE.email, 5), message("usager@example.org", 2)),
    )
    entry = index.entry_from_dossier(usager_last)
    assert entry.last_message_from_usager is True
    assert entry.last_message_at == NOW - timedelta(hours=2)
    assert entry.state_since == usager_last.date_passage_en_instruction
    assert entry.groupe_members == (ALICE.id,)
    answered = dossier(2, messages=(message("usager@example.org", 5), message(ALICE.email, 1)))
    assert index.entry_from_dossier(answered).last_message_from_usager is False


def test_sections_hold_the_viewers_groupes_only(store):
    record(
        store,
        dossier(1),  # en construction, groupe 1
        dossier(2, DossierState.EN_INSTRUCTION),  # nobody follows it
        dossier(3, DossierState.EN_INSTRUCTION, followers=(ALICE,)),
        dossier(4, groupe=G2),  # Bruno's groupe
        dossier(5, DossierState.ACCEPTE, followers=(ALICE,)),
        dossier(6, messages=(message("usager@example.org", 1),)),
    )
    assert numbers(store, "a_traiter") == [1, 2, 6]
    assert numbers(store, "suivis") == [3]
    assert numbers(store, "suivis", state_filter="termine") == [5]
    assert numbers(store, "en_attente") == [6]
    assert numbers(store, "a_traiter", instructeur_id=BRUNO.id) == [4]
    # Not linked: nothing. An admin sees every tracked dossier.
    assert numbers(store, "a_traiter", instructeur_id=None) == []
    assert numbers(store, "a_traiter", instructeur_id=None, sees_all=True) == [1, 2, 4, 6]
    assert numbers(store, "a_traiter", state_filter="en_instruction") == [2]


def test_a_dossier_moving_groupe_or_deleted_leaves_the_old_home(store):
    record(store, dossier(1))
    record(store, dossier(1, groupe=G2))
    assert numbers(store, "a_traiter") == []
    assert numbers(store, "a_traiter", instructeur_id=BRUNO.id) == [1]
    with write(store) as db:
        index.forget(db, 1, NOW)
    assert numbers(store, "a_traiter", instructeur_id=BRUNO.id) == []


def test_homes_of_the_people_concerned_become_dirty_then_debounced(store):
    with write(store) as db:
        for user, instructeur in (("UALICE", ALICE.id), ("UBRUNO", BRUNO.id)):
            q.save_home(
                db,
                "T1",
                user,
                instructeur_id=instructeur,
                sees_all=False,
                view_state={},
                published_at=NOW - timedelta(seconds=5),
            )
    record(store, dossier(1))
    with store.connect() as db:
        assert q.due_homes(db, NOW - timedelta(seconds=30)) == []  # published 5 s ago
        due = q.due_homes(db, NOW)
    assert [t.slack_user_id for t in due] == ["UALICE"]
    # Moving to Bruno's groupe concerns both: the old and the new groupe.
    with write(store) as db:
        q.save_home(
            db,
            "T1",
            "UALICE",
            instructeur_id=ALICE.id,
            sees_all=False,
            view_state={},
            published_at=NOW,
        )
    record(store, dossier(1, groupe=G2))
    with store.connect() as db:
        assert {t.slack_user_id for t in q.due_homes(db, NOW)} == {"UALICE", "UBRUNO"}


def test_paging_stops_at_the_home_tab_limit(store):
    record(store, *(dossier(n, days_old=n) for n in range(1, 41)))
    state = HomeState()
    data = load_home(store, instructeur_id=ALICE.id, sees_all=False, state=state)
    a_traiter = data.sections[0]
    assert a_traiter.total == 40 and len(a_traiter.entries) == PAGE and a_traiter.has_more
    # The longest waiting first.
    assert a_traiter.entries[0].number == 40
    for _ in range(5):
        state = state.more("a_traiter")
    assert state.limit("a_traiter") == MAX_LINES_PER_SECTION
    assert state.limit("suivis") == PAGE


def test_home_state_from_a_click_is_checked_not_trusted():
    assert HomeState.loads("not json") == HomeState()
    assert HomeState.loads('{"f": "DROP TABLE", "n": {"a_traiter": 10000}}') == HomeState(
        "", {"a_traiter": MAX_LINES_PER_SECTION}
    )
    state = HomeState("en_instruction", {"suivis": 20})
    assert HomeState.loads(state.dumps()) == state
    assert state.filtered("termine") == HomeState("termine", {})


def test_freshness_is_the_least_recent_feed(store):
    with store.connect() as db:
        assert q.freshness(db) is None
        for key, at in (("demarche:1", NOW), ("demarche:2", NOW - timedelta(minutes=3))):
            db.execute(
                "INSERT INTO feeds (key, scope, number, updated_since, deleted_since, created_at,"
                " last_success_at) VALUES (?, 'demarche', 1, ?, ?, ?, ?)",
                [key, NOW.isoformat(), NOW.isoformat(), NOW.isoformat(), at.isoformat()],
            )
        assert q.freshness(db) == NOW - timedelta(minutes=3)


def test_sva_date_and_expiration_are_kept(store):
    record(
        store,
        replace(
            dossier(1),
            date_previsionnelle_decision=date(2026, 12, 1),
            date_expiration=NOW + timedelta(days=3),
        ),
    )
    with store.connect() as db:
        (entry,) = q.entries(db, 100)
    assert entry.date_previsionnelle_decision == date(2026, 12, 1)
    assert entry.date_expiration == NOW + timedelta(days=3)


def test_a_list_page_summary_refreshes_an_indexed_dossier(store):
    from dsbot.backends.ds.models import DossierSummary

    record(store, dossier(1, followers=(ALICE,)))
    later = NOW + timedelta(hours=1)
    summary = DossierSummary(
        id="D1",
        number=1,
        state=DossierState.EN_INSTRUCTION,
        archived=False,
        date_depot=NOW - timedelta(days=3),
        date_derniere_modification=later,
        date_passage_en_instruction=later,
        groupe_number=G2.number,
    )
    with write(store) as db:
        assert index.record_summary(db, summary, later) is True
        assert index.record_summary(db, replace(summary, number=99), later) is False
    with store.connect() as db:
        (entry,) = q.entries(db, 100)
    assert (entry.state, entry.groupe_number, entry.state_since) == (
        DossierState.EN_INSTRUCTION,
        G2.number,
        later,
    )
    # Followers are kept from the last full read.
    assert numbers(store, "suivis", instructeur_id=ALICE.id, sees_all=True) == [1]


def test_a_groupe_s_members_follow_its_latest_read_and_are_written_once_a_page(store):
    def members() -> set[str]:
        with store.connect() as db:
            rows = db.execute("SELECT instructeur_id FROM groupe_members WHERE groupe_number = 11")
            return {r[0] for r in rows.fetchall()}

    statements: list[str] = []
    with write(store) as db:
        db.conn.set_trace_callback(statements.append)
        for number in range(1, 6):  # a page's dossiers of one groupe
            index.record(db, dossier(number), NOW)
        db.conn.set_trace_callback(None)
    assert members() == {ALICE.id}
    assert sum("INSERT INTO groupe_members" in s for s in statements) == 1
    # Bruno joins the groupe, then Alice leaves it: the next read says so.
    record(store, dossier(6, groupe=replace(G1, instructeurs=(ALICE, BRUNO))))
    assert members() == {ALICE.id, BRUNO.id}
    record(store, dossier(7, groupe=replace(G1, instructeurs=(BRUNO,))))
    assert members() == {BRUNO.id}
