"""Every mutation of DSClient against the sandbox, with DS's business errors in French."""

from __future__ import annotations

import pytest

from dsbot.backends.ds.errors import DSMutationError, DSPartialMutationError
from dsbot.backends.ds.models import DossierState


@pytest.fixture
def instructeur(ds_env):
    return ds_env.instructeur()


def last_traitement(stored):
    return stored["traitements"][-1]


def test_passer_en_instruction(ds_env, client, instructeur):
    ref = ds_env.dossier("en_construction")
    result = client.passer_en_instruction(ref, instructeur["id"])
    assert result.state is DossierState.EN_INSTRUCTION
    assert result.dossier_id == ref.id and result.recovered is False
    stored = ds_env.control.dossier(ref.number)
    assert stored["state"] == "en_instruction"
    assert last_traitement(stored)["emailAgentTraitant"] == instructeur["email"]


def test_accepter_with_motivation(ds_env, client, instructeur):
    ref = ds_env.dossier("en_instruction")
    result = client.accepter(ref, instructeur["id"], motivation="Dossier complet")
    assert result.state is DossierState.ACCEPTE
    stored = ds_env.control.dossier(ref.number)
    assert (stored["state"], stored["motivation"]) == ("accepte", "Dossier complet")
    assert stored["justificatif"] is None


def test_refuser_and_classer_sans_suite(ds_env, client, instructeur):
    refused, dropped = ds_env.dossier("en_instruction"), ds_env.dossier("en_instruction")
    assert client.refuser(refused, instructeur["id"], motivation="Pièce manquante").state is (
        DossierState.REFUSE
    )
    result = client.classer_sans_suite(
        dropped, instructeur["id"], motivation="Doublon", disable_notification=True
    )
    assert result.state is DossierState.SANS_SUITE
    assert ds_env.control.dossier(refused.number)["motivation"] == "Pièce manquante"
    assert ds_env.control.dossier(dropped.number)["state"] == "sans_suite"


def test_repasser_en_instruction_then_en_construction(ds_env, client, instructeur):
    ref = ds_env.dossier("refuse")
    assert client.repasser_en_instruction(ref, instructeur["id"]).state is (
        DossierState.EN_INSTRUCTION
    )
    assert client.repasser_en_construction(ref, instructeur["id"]).state is (
        DossierState.EN_CONSTRUCTION
    )
    assert ds_env.control.dossier(ref.number)["state"] == "en_construction"


def test_archiver(ds_env, client, instructeur):
    ref = ds_env.dossier("accepte")
    result = client.archiver(ref, instructeur["id"])
    assert result.archived is True
    assert client.get_dossier_state(ref.number).archived is True


def test_state_machine_errors_come_back_in_french(ds_env, client, instructeur):
    ref = ds_env.dossier("en_construction")
    with pytest.raises(DSMutationError) as info:
        client.accepter(ref, instructeur["id"], motivation="trop tôt")
    assert info.value.messages
    assert "Le dossier est déjà en construction" in info.value.message
    assert ds_env.control.dossier(ref.number)["state"] == "en_construction"
    with pytest.raises(DSMutationError) as info:
        client.archiver(ref, instructeur["id"])
    assert "traitement terminé" in info.value.message


def test_instructeur_without_access_is_refused(ds_env, client):
    demarches = ds_env.control.demarches()
    ref = ds_env.dossier("en_construction")
    own_groupe = ds_env.open_groupe(demarches[0])
    outsiders = [
        p
        for d in demarches
        for g in d["groupes"]
        for p in g["instructeurs"]
        if p["id"] not in {q["id"] for q in own_groupe["instructeurs"]}
    ]
    assert outsiders, "the sandbox should have instructeurs outside this groupe"
    with pytest.raises(DSMutationError) as info:
        client.passer_en_instruction(ref, outsiders[0]["id"])
    assert "droits d’accès" in info.value.message or "droits d'accès" in info.value.message
    assert ds_env.control.dossier(ref.number)["state"] == "en_construction"


def test_envoyer_message(ds_env, client, instructeur):
    ref = ds_env.dossier("en_instruction")
    message = client.envoyer_message(ref, instructeur["id"], "Merci de compléter votre dossier.")
    assert message.body == "Merci de compléter votre dossier."
    assert message.email == instructeur["email"]
    stored = ds_env.control.dossier(ref.number)["messages"]
    assert [(m["body"], m["email"]) for m in stored if m["email"] == instructeur["email"]] == [
        ("Merci de compléter votre dossier.", instructeur["email"])
    ]


def test_envoyer_message_empty_body_is_refused_in_french(ds_env, client, instructeur):
    ref = ds_env.dossier("en_instruction")
    with pytest.raises(DSMutationError) as info:
        client.envoyer_message(ref, instructeur["id"], "")
    assert "ne peut être vide" in info.value.message


def test_modifier_annotations(ds_env, client, instructeur):
    ref = ds_env.dossier("en_instruction")
    dossier = client.get_dossier(ref.number)
    text_annotations = [a for a in dossier.annotations if a.typename == "TextChamp"]
    assert text_annotations, "the sandbox's démarches have a text annotation"
    target = text_annotations[0]
    saved = client.modifier_annotations(
        ref, instructeur["id"], [{"id": target.id, "value": {"text": "vu en commission"}}]
    )
    assert [(c.id, c.value) for c in saved.saved] == [(target.id, "vu en commission")]
    assert saved.recovered is False
    reread = {a.id: a.value for a in client.get_dossier(ref.number).annotations}
    assert reread[target.id] == "vu en commission"


def test_modifier_annotations_partial_failure(ds_env, client, instructeur):
    ref = ds_env.dossier("en_instruction")
    target = next(
        a for a in client.get_dossier(ref.number).annotations if a.typename == "TextChamp"
    )
    with pytest.raises(DSPartialMutationError) as info:
        client.modifier_annotations(
            ref,
            instructeur["id"],
            [
                {"id": target.id, "value": {"text": "gardé"}},
                {"id": "Q2hhbXAtOTk5OTk5", "value": {"text": "perdu"}},
            ],
        )
    assert "n’existe pas" in info.value.message or "n'existe pas" in info.value.message
    assert [(c.id, c.value) for c in info.value.result] == [(target.id, "gardé")]


def test_labels(ds_env, client):
    demarche = ds_env.demarche()
    ref = ds_env.dossier("en_instruction")
    initial = {lb.id for lb in client.get_dossier(ref.number).labels}
    label = next(lb for lb in demarche["labels"] if lb["id"] not in initial)
    client.ajouter_label(ref, label["id"])
    assert {lb.id for lb in client.get_dossier(ref.number).labels} == initial | {label["id"]}
    with pytest.raises(DSMutationError) as info:
        client.ajouter_label(ref, label["id"])
    assert "Ce label est déjà associé au dossier" in info.value.message
    client.supprimer_label(ref, label["id"])
    assert {lb.id for lb in client.get_dossier(ref.number).labels} == initial
    with pytest.raises(DSMutationError) as info:
        client.supprimer_label(ref, label["id"])
    assert "n’est pas associé" in info.value.message or "n'est pas associé" in info.value.message


def test_bascule_suivi(ds_env, client, instructeur):
    ref = ds_env.dossier("en_construction")
    client.bascule_suivi(ref, instructeur["id"])
    assert instructeur["id"] in [p.id for p in client.get_dossier(ref.number).followers]
    client.bascule_suivi(ref, instructeur["id"], follow=False)
    assert instructeur["id"] not in [p.id for p in client.get_dossier(ref.number).followers]


def test_desarchiver(ds_env, client, instructeur):
    ref = ds_env.dossier("accepte")
    client.archiver(ref, instructeur["id"])
    result = client.desarchiver(ref, instructeur["id"])
    assert result.archived is False and result.recovered is False
    assert ds_env.control.dossier(ref.number)["archived"] is False
    with pytest.raises(DSMutationError) as info:
        client.desarchiver(ref, instructeur["id"])
    assert info.value.messages  # DS's words, passed on as they are


def test_changer_groupe_instructeur(ds_env, client):
    demarche = ds_env.demarche()
    own = ds_env.open_groupe(demarche)
    target = next(g for g in demarche["groupes"] if not g["closed"] and g["id"] != own["id"])
    ref = ds_env.dossier("en_instruction")
    result = client.changer_groupe_instructeur(ref, target["id"])
    assert result.dossier_id == ref.id and result.recovered is False
    assert ds_env.control.dossier(ref.number)["groupe"] == target["number"]
    # Already there: DS says so in French.
    with pytest.raises(DSMutationError) as info:
        client.changer_groupe_instructeur(ref, target["id"])
    assert "déjà avec le groupe instructeur" in info.value.message


def test_envoyer_message_with_a_correction(ds_env, client, instructeur):
    ref = ds_env.dossier("en_instruction")
    message = client.envoyer_message(
        ref, instructeur["id"], "Il manque l’attestation.", correction="incomplete"
    )
    assert message.body == "Il manque l’attestation."
    stored = ds_env.control.dossier(ref.number)
    assert stored["state"] == "en_construction"
    [sent] = [m for m in stored["messages"] if m["id"] == message.id]
    assert sent["correction"]["reason"] == "incomplete"


def test_supprimer_message(ds_env, client, instructeur):
    ref = ds_env.dossier("en_instruction")
    message = client.envoyer_message(ref, instructeur["id"], "Envoyé par erreur.")
    client.supprimer_message(ref, instructeur["id"], message.id)
    [stored] = [m for m in ds_env.control.dossier(ref.number)["messages"] if m["id"] == message.id]
    assert stored["body"] == ""
    with pytest.raises(DSMutationError) as info:
        client.supprimer_message(ref, instructeur["id"], message.id)
    assert "ne peut pas être supprimé" in info.value.message
