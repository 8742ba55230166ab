"""The control API, and what usager-side changes do to the GraphQL view."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.sandboxes.ds.gql import data, first_demarche

DOSSIER = """
query($n: Int!) { dossier(number: $n) {
  state dateDepot dateDerniereModification dateDerniereModificationChamps
  messages { email body } traitements { event emailAgentTraitant }
  champs { label stringValue updatedAt }
} }
"""


def decoded(global_id: str) -> str:
    return base64.b64decode(global_id).decode()


def test_health_and_demarches(sandbox):
    assert sandbox.control.health() == {"ok": True}
    demarches = sandbox.control.demarches()
    assert len(demarches) == 2
    for demarche in demarches:
        assert decoded(demarche["id"]) == f"Procedure-{demarche['number']}"
        assert 20 <= demarche["dossiers_count"] <= 30
        groupes = demarche["groupes"]
        assert len(groupes) >= 3
        assert [g["closed"] for g in groupes].count(True) == 1
        for groupe in groupes:
            assert decoded(groupe["id"]) == f"GroupeInstructeur-{groupe['number']}"
            for instructeur in groupe["instructeurs"]:
                assert decoded(instructeur["id"]).startswith("Instructeur-")
                local, _, domain = instructeur["email"].partition("@")
                assert "." in local and domain.endswith(".gouv.fr")
        assert {label["color"] for label in demarche["labels"]}
        assert all(decoded(label["id"]).startswith("Label-") for label in demarche["labels"])


def test_create_read_and_change_a_dossier(sandbox):
    demarche = first_demarche(sandbox)
    closed = next(g for g in demarche["groupes"] if g["closed"])
    created = sandbox.control.create_dossier(demarche["number"], groupe=closed["number"])
    assert decoded(created["id"]) == f"Dossier-{created['number']}"
    stored = sandbox.control.dossier(created["number"])
    for key in [
        "state",
        "motivation",
        "justificatif",
        "messages",
        "traitements",
        "dateDerniereModification",
        "deleted",
    ]:
        assert key in stored
    assert stored["state"] == "en_construction"
    assert stored["groupe"] == closed["number"]
    assert stored["deleted"] is None
    # Only DS's deposit notice, as on every deposit.
    (notice,) = stored["messages"]
    assert notice["author"] == "system" and "a bien été déposé" in notice["body"]
    # Deposited now: the newest dossier by deposit date.
    listed = data(
        sandbox,
        "query($n:Int!){demarche(number:$n){dossiers(last:1){nodes{number}}}}",
        {"n": demarche["number"]},
    )
    assert listed["demarche"]["dossiers"]["nodes"] == [{"number": created["number"]}]

    decided = sandbox.control.set_state(created["number"], "refuse", motivation="Hors délai.")
    assert decided["state"] == "refuse"
    assert decided["motivation"] == "Hors délai."
    agent = closed["instructeurs"][0]["email"]
    assert [(t["event"], t["emailAgentTraitant"]) for t in decided["traitements"]] == [
        ("depose", None),
        ("passe_en_instruction", agent),
        ("refuse", agent),
    ]
    back = sandbox.control.set_state(created["number"], "en_construction")
    assert [t["event"] for t in back["traitements"]][-2:] == [
        "repasse_en_instruction",
        "repasse_en_construction",
    ]
    with pytest.raises(httpx.HTTPStatusError) as failure:
        sandbox.control.set_state(created["number"], "brouillon")
    assert failure.value.response.status_code == 400
    with pytest.raises(httpx.HTTPStatusError) as failure:
        sandbox.control.create_dossier(9999)
    assert failure.value.response.status_code == 404


def test_usager_messages_and_edits_move_the_modification_dates(sandbox):
    number = sandbox.control.create_dossier(first_demarche(sandbox)["number"])["number"]
    before = data(sandbox, DOSSIER, {"n": number})["dossier"]
    sandbox.control.advance(1)
    answer = sandbox.control.add_message(number, "Voici le document demandé.")
    assert decoded(answer["id"]).startswith("Commentaire-")
    after_message = data(sandbox, DOSSIER, {"n": number})["dossier"]
    assert after_message["messages"][-1]["body"] == "Voici le document demandé."
    assert after_message["messages"][-1]["email"] == sandbox.control.dossier(number)["usager"]
    assert after_message["dateDerniereModification"] > before["dateDerniereModification"]
    assert (
        after_message["dateDerniereModificationChamps"] == before["dateDerniereModificationChamps"]
    )
    sandbox.control.advance(1)
    sandbox.control.touch(number)
    after_touch = data(sandbox, DOSSIER, {"n": number})["dossier"]
    assert after_touch["dateDerniereModification"] > after_message["dateDerniereModification"]
    assert after_touch["dateDerniereModificationChamps"] > before["dateDerniereModificationChamps"]
    edited = [
        c
        for c, old in zip(after_touch["champs"], before["champs"], strict=True)
        if c["stringValue"] != old["stringValue"]
    ]
    assert len(edited) == 1
    assert edited[0]["updatedAt"] == after_touch["dateDerniereModificationChamps"]


def test_a_message_with_an_attachment(sandbox):
    number = sandbox.control.create_dossier(first_demarche(sandbox)["number"])["number"]
    content = b"%PDF-1.4 justificatif"
    sandbox.control.add_message(
        number,
        "Ci-joint mon RIB.",
        {
            "filename": "rib.pdf",
            "content_type": "application/pdf",
            "content_base64": base64.b64encode(content).decode(),
        },
    )
    got = data(
        sandbox,
        "query($n:Int!){dossier(number:$n){messages{attachments{filename url}}}}",
        {"n": number},
    )
    [attachment] = got["dossier"]["messages"][-1]["attachments"]
    assert attachment["filename"] == "rib.pdf"
    assert httpx.get(attachment["url"]).content == content


def test_delete_keeps_the_dossier_readable_from_the_control_api(sandbox):
    number = sandbox.control.create_dossier(first_demarche(sandbox)["number"])["number"]
    deleted = sandbox.control.delete(number, reason="expired")
    assert deleted["deleted"]["reason"] == "expired"
    assert deleted["deleted"]["dateSupression"]
    assert sandbox.control.dossier(number)["deleted"] == deleted["deleted"]
    response = sandbox.control.http.get("/_sandbox/nope")
    assert response.status_code == 404


def test_an_avis_moves_the_modification_date(sandbox):
    number = sandbox.control.create_dossier(first_demarche(sandbox)["number"], "en_instruction")[
        "number"
    ]
    before = sandbox.control.dossier(number)["dateDerniereModification"]
    sandbox.control.advance(1)
    created = sandbox.control.request(
        "POST", f"/_sandbox/dossiers/{number}/avis", {"question": "Avis sur le budget ?"}
    )
    got = data(
        sandbox,
        "query($n:Int!){dossier(number:$n){dateDerniereModification avis{id question "
        "reponse claimant{email} expert{email}}}}",
        {"n": number},
    )["dossier"]
    assert got["avis"][-1]["id"] == created["id"]
    assert got["avis"][-1]["question"] == "Avis sur le budget ?"
    assert got["avis"][-1]["reponse"] is None
    assert got["dateDerniereModification"] > before


def test_siret_degraded_only_for_a_demarche_of_personnes_morales(sandbox):
    world = sandbox.app.store.world
    individual = next(n for n, d in world.demarches.items() if d["individual"])
    got = httpx.post(
        f"{sandbox.base_url}/_sandbox/dossiers",
        json={"demarche": individual, "siret_degraded": True},
    )
    assert got.status_code == 400
    assert got.json() == {"error": "siret_degraded needs a démarche for personnes morales"}


def test_the_clock_moves_forward_on_request_and_stamps_what_the_sandbox_writes(sandbox):
    start = sandbox.control.clock()
    assert start["frozen"] is False
    moved = sandbox.control.advance(3600)
    assert moved["now_us"] - start["now_us"] >= 3600 * 1_000_000
    assert sandbox.control.clock()["now_us"] >= moved["now_us"]  # and it keeps running
    number = sandbox.control.create_dossier(first_demarche(sandbox)["number"])["number"]
    created = sandbox.control.dossier(number)
    assert created["dateDepot"] == created["dateDerniereModification"]
    assert created["dateDepot"] >= moved["now"]
    jumped = sandbox.control.set_clock("2099-01-02T03:04:05+01:00")
    assert jumped["now"].startswith("2099-01-02T03:04:0")
    message = sandbox.control.add_message(number, "Pièce ajoutée.")
    assert message["createdAt"].startswith("2099-01-02T03:04:")
    assert data(sandbox, DOSSIER, {"n": number})["dossier"]["dateDerniereModification"].startswith(
        "2099-01-02T03:04:"
    )


def test_a_frozen_clock_stands_still_until_advanced(sandbox):
    frozen = sandbox.control.set_clock(freeze=True)
    assert frozen["frozen"] is True
    number = sandbox.control.create_dossier(first_demarche(sandbox)["number"])["number"]
    sandbox.control.touch(number)
    assert sandbox.control.dossier(number)["dateDerniereModification"] == frozen["now"]
    later = sandbox.control.advance(61)
    assert later["frozen"] is True
    assert later["now_us"] - frozen["now_us"] >= 61 * 1_000_000
    assert sandbox.control.clock()["now"] == later["now"]
    running = sandbox.control.set_clock(freeze=False)
    assert running["frozen"] is False and running["now_us"] >= later["now_us"]


def test_the_clock_never_goes_backwards_and_bad_moves_are_refused(sandbox):
    now = sandbox.control.clock()
    for bad, reason in (
        ({"now": "2001-01-01T00:00:00Z"}, "time never goes backwards"),
        ({"advance_s": -5}, "advance_s must be a non-negative number"),
        ({"advance_s": "60"}, "advance_s must be a non-negative number"),
        ({"now": "demain"}, "now must be an ISO 8601 date-time"),
        ({"advance_s": 1, "now": "2099-01-01T00:00:00Z"}, "not both"),
        ({"freeze": "yes"}, "freeze must be true or false"),
        ({"speed": 2}, "unknown clock field(s): speed"),
    ):
        response = sandbox.control.http.post("/_sandbox/clock", json=bad)
        assert response.status_code == 400, bad
        assert reason in response.json()["error"], response.json()
    after = sandbox.control.clock()
    assert 0 <= after["now_us"] - now["now_us"] < 60 * 1_000_000


def test_a_moved_clock_survives_a_restart_on_the_same_db(sandbox_factory, tmp_path):
    db = str(tmp_path / "sandbox.db")
    first = sandbox_factory(db_path=db)
    moved = first.control.advance(86_400 * 30)
    first.stop()
    again = sandbox_factory(db_path=db)
    assert again.loaded
    assert again.control.clock()["now_us"] >= moved["now_us"]
