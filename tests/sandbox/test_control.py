"""The control API, and what usager-side changes do to the GraphQL view."""

from __future__ import annotations

import base64
import time

import httpx
import pytest

from tests.sandbox.gql import data, first_demarche

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
    assert stored["messages"] == []
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
    time.sleep(1.01)
    answer = sandbox.control.add_message(number, "Voici le document demandé.")
    assert decoded(answer["id"]).startswith("Commentaire-")
    after_message = data(sandbox, DOSSIER, {"n": number})["dossier"]
    assert after_message["messages"][-1]["body"] == "Voici le document demandé."
    assert after_message["messages"][-1]["email"] == sandbox.control.dossier(number)["usager"]
    assert after_message["dateDerniereModification"] > before["dateDerniereModification"]
    assert (
        after_message["dateDerniereModificationChamps"] == before["dateDerniereModificationChamps"]
    )
    time.sleep(1.01)
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
    time.sleep(1.01)
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
