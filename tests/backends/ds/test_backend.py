"""DS behind the backend port: a dossier read as an item, its actions, one performed as an
instructeur, and the change feed, against the DS sandbox over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dsbot.backends.ds.backend import DSBackend
from dsbot.backends.ds.client import DSClient
from dsbot.backends.port import ActionRequest, BackendName, InputKind
from dsbot.slack.presentation.blocks.item import ItemViewer, build_item_card
from dsbot.texts import Texts


def backend_and_people(sandbox) -> tuple[DSBackend, dict, str]:
    client = DSClient(sandbox.graphql_url, "sandbox-token")
    demarche = sandbox.control.demarches()[0]
    groupe = next(g for g in demarche["groupes"] if not g["closed"] and g["instructeurs"])
    instructeur = groupe["instructeurs"][0]["id"]
    return DSBackend(client, Texts("fr"), "https://ds.example.fr"), groupe, instructeur


def test_a_dossier_is_an_item_with_its_state_and_link(sandbox) -> None:
    backend, groupe, _ = backend_and_people(sandbox)
    demarche = sandbox.control.demarches()[0]["number"]
    number = sandbox.control.create_dossier(demarche, "en_instruction", groupe["number"])["number"]
    item = backend.reader().get_item(str(number))
    assert item.backend is BackendName.DS and item.ref == str(number)
    assert item.state is not None and item.state.label == "En instruction"
    assert item.url == f"https://ds.example.fr/procedures/{demarche}/dossiers/{number}"
    # The bot reads; only a person acts.
    assert backend.reader().available_actions(item.ref) == []
    anyone = [a.id for a in backend.reader().available_actions(item.ref, for_anyone=True)]
    assert anyone == ["accepter", "refuser", "classer_sans_suite"]


def test_a_decision_through_the_port_as_the_instructeur(sandbox) -> None:
    backend, groupe, instructeur = backend_and_people(sandbox)
    demarche = sandbox.control.demarches()[0]["number"]
    number = sandbox.control.create_dossier(demarche, "en_instruction", groupe["number"])["number"]
    person = backend.as_person(instructeur)
    refuser = next(a for a in person.available_actions(str(number)) if a.id == "refuser")
    form = person.action_form(str(number), refuser)
    [motivation] = form.inputs
    assert motivation.kind is InputKind.LONG_TEXT and motivation.required
    assert form.action.target is not None and form.action.target.label == "Refusé"

    result = person.perform(
        ActionRequest(str(number), refuser, values={"motivation": "Pièces manquantes."})
    )
    assert result.done and result.item is not None and result.item.state is not None
    assert result.item.state.id == "refuse"
    assert sandbox.control.dossier(number)["motivation"] == "Pièces manquantes."
    # The same generic card renders a DS dossier.
    card = build_item_card(result.item, [], viewer=ItemViewer(can_act=True), texts=Texts("fr"))
    assert "Refusé" in str(card.blocks) and "Démarche" in str(card.blocks)


def test_an_action_ds_no_longer_allows_is_refused_without_a_call(sandbox) -> None:
    backend, groupe, instructeur = backend_and_people(sandbox)
    demarche = sandbox.control.demarches()[0]["number"]
    number = sandbox.control.create_dossier(demarche, "en_construction", groupe["number"])["number"]
    person = backend.as_person(instructeur)
    accepter = person.action("accepter")
    assert person.why_not(str(number), accepter) == ""
    result = person.perform(ActionRequest(str(number), accepter))
    assert not result.done and sandbox.control.dossier(number)["state"] == "en_construction"


def test_changed_since_lists_recent_dossiers(sandbox) -> None:
    backend, groupe, _ = backend_and_people(sandbox)
    demarche = sandbox.control.demarches()[0]["number"]
    number = sandbox.control.create_dossier(demarche, "en_construction", groupe["number"])["number"]
    items = backend.reader().changed_since(str(demarche), datetime.now(UTC) - timedelta(hours=1))
    assert str(number) in [i.ref for i in items]
