"""Every read of DSClient against the sandbox, over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dsbot.backends.ds.errors import DSNotFound
from dsbot.backends.ds.models import DossierState


def test_get_demarche_matches_the_sandbox(ds_env, client):
    expected = ds_env.demarche()
    demarche = client.get_demarche(expected["number"])
    assert demarche.id == expected["id"]
    assert demarche.title == expected["title"]
    assert [(g.number, g.label, g.closed) for g in demarche.groupes] == [
        (g["number"], g["label"], g["closed"]) for g in expected["groupes"]
    ]
    assert {(p.id, p.email) for g in demarche.groupes for p in g.instructeurs} == {
        (p["id"], p["email"]) for g in expected["groupes"] for p in g["instructeurs"]
    }
    assert {lb.id for lb in demarche.labels} == {lb["id"] for lb in expected["labels"]}
    assert all(not g.closed for g in demarche.open_groupes)


def test_get_groupe_matches_the_sandbox(ds_env, client):
    expected = ds_env.open_groupe(ds_env.demarche())
    groupe = client.get_groupe(expected["number"])
    assert (groupe.id, groupe.number, groupe.label) == (
        expected["id"],
        expected["number"],
        expected["label"],
    )
    assert [p.email for p in groupe.instructeurs] == [p["email"] for p in expected["instructeurs"]]


def test_get_dossier_reads_a_new_dossier_and_its_messages(ds_env, client):
    demarche = ds_env.demarche()
    ref = ds_env.dossier("en_construction")
    ds_env.control.add_message(ref.number, "Bonjour, où en est mon dossier ?")
    dossier = client.get_dossier(ref.number)
    stored = ds_env.control.dossier(ref.number)
    assert (dossier.id, dossier.number) == (ref.id, ref.number)
    assert dossier.state is DossierState.EN_CONSTRUCTION
    assert stored["state"] == "en_construction"
    assert dossier.demarche.number == demarche["number"]
    assert dossier.groupe_instructeur.number in {g["number"] for g in demarche["groupes"]}
    assert dossier.date_depot.tzinfo is not None
    assert "Bonjour, où en est mon dossier ?" in [m.body for m in dossier.messages]


def test_get_dossier_state_is_a_light_read(ds_env, client):
    ref = ds_env.dossier("accepte")
    dossier = client.get_dossier_state(ref.number)
    assert dossier.id == ref.id
    assert dossier.state is DossierState.ACCEPTE
    assert dossier.archived is False
    assert dossier.groupe_instructeur.instructeurs
    # Not selected by get_dossier_state: left empty.
    assert dossier.champs == () and dossier.messages == ()
    assert dossier.demarche.number == 0


def test_unknown_dossier_is_not_found(client):
    with pytest.raises(DSNotFound) as info:
        client.get_dossier(987_654_321)
    assert info.value.code == "not_found"
    assert "not found" in info.value.message


def test_feed_pages_lists_every_dossier_updated_since(ds_env, client):
    number = ds_env.demarche()["number"]
    since = datetime.now(UTC)
    created = [ds_env.dossier("en_construction").number for _ in range(5)]
    pages = list(client.feed_pages(demarche=number, updated_since=since, page_size=2))
    seen = [d.number for page in pages for d in page.dossiers]
    assert set(created) <= set(seen)
    assert len(seen) == len(set(seen))
    assert all(len(page.dossiers) <= 2 for page in pages)
    assert [p.has_next_page for p in pages[:-1]] == [True] * (len(pages) - 1)
    assert pages[-1].has_next_page is False
    for page in pages:
        dates = [d.date_derniere_modification for d in page.dossiers]
        assert dates == sorted(dates)
        assert page.end_cursor is not None or not page.dossiers


def test_feed_pages_is_lazy_and_resumes_after_a_cursor(ds_env, client):
    number = ds_env.demarche()["number"]
    since = datetime.now(UTC)  # after every earlier test's updates (the sandbox is shared)
    first, second = ds_env.dossier().number, ds_env.dossier().number
    before = ds_env.op_count("DsbotDemarcheDossiers")
    pages = client.feed_pages(demarche=number, updated_since=since, page_size=1)
    assert ds_env.op_count("DsbotDemarcheDossiers") == before  # nothing sent yet
    page = next(pages)
    assert ds_env.op_count("DsbotDemarcheDossiers") == before + 1
    pages.close()
    assert page.dossiers[0].number == first
    rest = list(client.feed_pages(demarche=number, updated_since=since, after=page.end_cursor))
    assert [d.number for p in rest for d in p.dossiers] == [second]
    # Past the end: an empty page whose null cursor must not replace the stored one.
    tail = list(client.feed_pages(demarche=number, updated_since=since, after=rest[-1].end_cursor))
    assert len(tail) == 1 and tail[0].dossiers == () and tail[0].end_cursor is None


def test_feed_pages_of_a_groupe(ds_env, client):
    demarche = ds_env.demarche()
    groupe = ds_env.open_groupe(demarche)
    since = datetime.now(UTC)
    created = ds_env.control.create_dossier(demarche["number"], "en_construction", groupe["number"])
    seen = [
        d
        for page in client.feed_pages(groupe=groupe["number"], updated_since=since)
        for d in page.dossiers
    ]
    assert created["number"] in [d.number for d in seen]
    assert {d.groupe_number for d in seen} == {groupe["number"]}


def test_feed_pages_needs_one_scope_and_an_aware_date(client):
    now = datetime.now(UTC)
    with pytest.raises(ValueError):
        client.feed_pages(updated_since=now)
    with pytest.raises(ValueError):
        client.feed_pages(demarche=1, groupe=2, updated_since=now)
    with pytest.raises(ValueError):
        client.feed_pages(demarche=1, updated_since=datetime.now())


def test_deleted_dossiers_lists_deletions_since(ds_env, client):
    number = ds_env.demarche()["number"]
    since = datetime.now(UTC)
    kept = ds_env.dossier("en_instruction")
    gone = [ds_env.dossier("en_construction"), ds_env.dossier("accepte")]
    for ref in gone:
        ds_env.control.delete(ref.number)
    deleted = client.deleted_dossiers(demarche=number, since=since)
    numbers = [d.number for d in deleted]
    assert {r.number for r in gone} <= set(numbers)
    assert kept.number not in numbers
    assert len(numbers) == len(set((d.pending, d.number) for d in deleted))
    for d in deleted:
        assert d.date_supression >= since - timedelta(seconds=1)
        assert d.reason
    stored = ds_env.control.dossier(gone[0].number)
    assert stored["deleted"] is not None


def test_deleted_dossiers_of_a_groupe(ds_env, client):
    demarche = ds_env.demarche()
    groupe = ds_env.open_groupe(demarche)
    since = datetime.now(UTC)
    created = ds_env.control.create_dossier(demarche["number"], "refuse", groupe["number"])
    ds_env.control.delete(created["number"])
    deleted = client.deleted_dossiers(groupe=groupe["number"], since=since)
    assert created["number"] in [d.number for d in deleted]


def test_deleted_dossiers_follows_every_page_of_both_connections(ds_env, client):
    number = ds_env.demarche()["number"]
    since = datetime.now(UTC)
    gone = [
        ds_env.dossier(s).number for s in ("en_construction", "accepte", "refuse", "sans_suite")
    ]
    for n in gone:
        ds_env.control.delete(n)
    before = ds_env.op_count("DsbotDemarcheDeleted")
    deleted = client.deleted_dossiers(demarche=number, since=since, page_size=1)
    assert set(gone) <= {d.number for d in deleted}
    assert ds_env.op_count("DsbotDemarcheDeleted") - before >= 2
    assert len(deleted) == len({(d.pending, d.id) for d in deleted})


def test_a_full_feed_page_carries_what_get_dossier_reads(ds_env, client):
    demarche = ds_env.demarche()
    groupe = ds_env.open_groupe(demarche)["number"]
    since = datetime.now(UTC)
    numbers = [ds_env.dossier().number for _ in range(3)]
    for scope in ({"demarche": demarche["number"]}, {"groupe": groupe}):
        light = client.feed_page(**scope, updated_since=since)
        full = client.feed_page(**scope, updated_since=since, full=True)
        assert light.details is None
        assert full.dossiers == light.dossiers
        assert [d.number for d in full.dossiers] == numbers
        assert full.details == tuple(client.get_dossier(n) for n in numbers)
        assert full.end_cursor == light.end_cursor


def test_get_dossiers_reads_twenty_per_request_and_leaves_out_the_missing(ds_env, client):
    numbers = [ds_env.dossier().number for _ in range(23)]
    gone = numbers[5]
    ds_env.control.delete(gone)
    before = ds_env.op_count("DsbotGetDossiers"), ds_env.op_count("DsbotGetDossier")
    found = client.get_dossiers([*numbers, numbers[0]])  # a number twice is read once
    assert sorted(found) == sorted(set(numbers) - {gone})
    # Two batches; DS fails the first one whole for the deleted dossier: read one by one.
    assert ds_env.op_count("DsbotGetDossiers") - before[0] == 2
    assert ds_env.op_count("DsbotGetDossier") - before[1] == 20
    assert found[numbers[7]] == client.get_dossier(numbers[7])
    assert found[numbers[22]] == client.get_dossier(numbers[22])
    assert client.get_dossiers([]) == {}
