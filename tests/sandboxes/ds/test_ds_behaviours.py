"""What DS does after each action, besides the change asked for, and what it refuses: the
sandbox must do the same, or it hides what the bot has to cope with (docs/ds-api.md).

Each test is named after the DS behaviour it pins down.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from dsbot.backends.ds.models import DS_SENDER_EMAILS
from dsbot.sandboxes.ds import clock
from dsbot.sandboxes.ds.workflow import CONTACT_EMAIL
from tests.sandboxes.ds.gql import data, errors, first_demarche, open_groupe, post
from tests.sandboxes.ds.test_mutations import Case, mutate
from tests.sandboxes.ds.test_upload import create, put

MB = 1024 * 1024

DOSSIER = """
query($n: Int!) { dossier(number: $n) {
  state datePassageEnConstruction datePassageEnInstruction dateTraitement dateExpiration
  dateDerniereCorrectionEnAttente
  instructeurs { id email }
  attestation { filename }
  messages { id email body createdAt discardedAt correction { reason dateResolution } }
} }
"""
MESSAGE = "message { id body discardedAt attachments { filename } } errors { message }"


@pytest.fixture
def case(sandbox) -> Case:
    demarche = first_demarche(sandbox)
    groupe = open_groupe(demarche)
    members = {i["id"] for i in groupe["instructeurs"]}
    outsider = next(
        i for g in demarche["groupes"] for i in g["instructeurs"] if i["id"] not in members
    )
    return Case(sandbox, demarche, groupe, groupe["instructeurs"][0], outsider)


@pytest.fixture
def advance(monkeypatch) -> Callable[[float], None]:
    """Moves the sandbox's clock forward, in-process, for this test only (never sleeps)."""
    real = time  # the module clock.py reads, replaced below for this test
    offset_ns = [0]

    class Shifted:
        def time_ns(self) -> int:
            return real.time_ns() + offset_ns[0]

        def __getattr__(self, name: str):
            return getattr(real, name)

    monkeypatch.setattr(clock, "time", Shifted())
    monkeypatch.setattr(clock, "_last_now", clock._last_now)  # back to real time afterwards

    def move(seconds: float) -> None:
        offset_ns[0] += int(seconds * 1e9)

    return move


def read(case: Case, dossier: dict) -> dict:
    return data(case.sandbox, DOSSIER, {"n": dossier["number"]})["dossier"]


def send(case: Case, dossier: dict, body: str, **extra) -> dict:
    values = {
        "dossierId": dossier["id"],
        "instructeurId": case.instructeur["id"],
        "body": body,
        **extra,
    }
    return mutate(
        case.sandbox, "dossierEnvoyerMessage", "DossierEnvoyerMessageInput", MESSAGE, values
    )


def delete_message(case: Case, message_id: str) -> dict:
    return mutate(
        case.sandbox,
        "dossierSupprimerMessage",
        "DossierSupprimerMessageInput",
        MESSAGE,
        {"messageId": message_id, "instructeurId": case.instructeur["id"]},
    )


# --- followers ---------------------------------------------------------------------------


def test_passer_en_instruction_makes_the_instructeur_follow_the_dossier(case):
    dossier = case.new()
    assert read(case, dossier)["instructeurs"] == []
    case.act("dossierPasserEnInstruction", dossier, disableNotification=True)
    assert read(case, dossier)["instructeurs"] == [case.instructeur]


def move_to_a_groupe_without_the_instructeur(case, sandbox, dossier) -> None:
    """dossierChangerGroupeInstructeur to a groupe the case's instructeur is not in."""
    target = next(
        g
        for g in case.demarche["groupes"]
        if g["number"] != case.groupe["number"]
        and case.instructeur["id"] not in {i["id"] for i in g["instructeurs"]}
    )
    mutate(
        sandbox,
        "dossierChangerGroupeInstructeur",
        "DossierChangerGroupeInstructeurInput",
        "dossier { id } errors { message }",
        {"dossierId": dossier["id"], "groupeInstructeurId": target["id"]},
    )


def test_changing_groupe_unfollows_the_instructeurs_outside_the_new_groupe(case, sandbox):
    dossier = case.new()
    case.act("dossierPasserEnInstruction", dossier)
    move_to_a_groupe_without_the_instructeur(case, sandbox, dossier)
    assert read(case, dossier)["instructeurs"] == []


def test_a_message_cannot_be_deleted_once_its_author_left_the_dossiers_groupe(case, sandbox):
    # DossierSupprimerMessage#authorized?: soft_deletable?, then dossier_authorized_for?.
    dossier = case.new()
    sent = send(case, dossier, "Pièce manquante.")["message"]
    move_to_a_groupe_without_the_instructeur(case, sandbox, dossier)
    refused = delete_message(case, sent["id"])
    assert refused["errors"] == [
        {"message": "L’instructeur n’a pas les droits d’accès à ce dossier"}
    ]
    assert [m["body"] for m in read(case, dossier)["messages"]][-1] == "Pièce manquante."


# --- the message from DS's contact address --------------------------------------------------


def test_every_instructeur_transition_writes_a_message_from_ds_contact_address(case):
    dossier = case.new()
    number = dossier["number"]
    # The deposit wrote the first one (DossierStateConcern#after_passer_en_construction).
    deposit = read(case, dossier)["messages"][0]
    assert deposit["email"] == CONTACT_EMAIL
    assert deposit["body"].startswith(f"<p>[Votre dossier n° {number} a bien été déposé (")
    # DS's default templates (subjects and words of notification_mailer/default_templates).
    steps = [
        ("dossierPasserEnInstruction", {}, "va être examiné"),
        ("dossierAccepter", {"motivation": "Complet."}, "<strong>a été accepté le "),
        ("dossierRepasserEnInstruction", {}, "la précédente décision sur ce dossier est caduque"),
        ("dossierRefuser", {"motivation": "Hors délai."}, "<blockquote>Hors délai.</blockquote>"),
        ("dossierRepasserEnInstruction", {}, "est en train d’être réexaminé"),
        (
            "dossierClasserSansSuite",
            {"motivation": "Abandon."},
            "<blockquote>Abandon.</blockquote>",
        ),
    ]
    for name, extra, words in steps:
        before = len(read(case, dossier)["messages"])
        # disableNotification stops DS's e-mail, not the message in the messagerie.
        assert case.act(name, dossier, disableNotification=True, **extra)["errors"] is None
        messages = read(case, dossier)["messages"]
        assert len(messages) == before + 1, name
        assert messages[-1]["email"] == CONTACT_EMAIL
        assert messages[-1]["body"].startswith(f"<p>[Votre dossier n° {number} ")
        assert words in messages[-1]["body"], name


def test_the_notices_come_from_an_address_the_client_knows_as_ds():
    """The sandbox keeps its own copy of DS's contact address; it must be one the client reads
    as DS's own notices, or the bot would announce them as the usager's messages."""
    assert CONTACT_EMAIL in DS_SENDER_EMAILS


HISTORY = """
query($n: Int!) { demarche(number: $n) { dossiers(first: 100) { nodes {
  number traitements { state dateTraitement emailAgentTraitant }
  messages { email createdAt } } } } }
"""


def test_generated_history_has_ds_notice_for_each_transition(sandbox):
    nodes = data(sandbox, HISTORY, {"n": first_demarche(sandbox)["number"]})["demarche"]
    checked = 0
    for node in nodes["dossiers"]["nodes"]:
        notices = {m["createdAt"] for m in node["messages"] if m["email"] == CONTACT_EMAIL}
        for traitement in node["traitements"][1:]:
            assert traitement["dateTraitement"] in notices, node["number"]
            checked += 1
    assert checked > 0


# --- corrections -------------------------------------------------------------------------


def test_passer_en_instruction_resolves_a_pending_correction(case):
    dossier = case.new()
    asked = send(case, dossier, "Il manque le RIB.", correction="incomplete")["message"]
    assert read(case, dossier)["dateDerniereCorrectionEnAttente"] is not None
    case.act("dossierPasserEnInstruction", dossier)
    after = read(case, dossier)
    assert after["dateDerniereCorrectionEnAttente"] is None
    [request] = [m for m in after["messages"] if m["id"] == asked["id"]]
    assert request["correction"]["dateResolution"] is not None


def test_deleting_the_correction_message_resolves_the_correction(case):
    dossier = case.new()
    asked = send(case, dossier, "Le devis est illisible.", correction="incorrect")["message"]
    assert delete_message(case, asked["id"])["errors"] is None
    after = read(case, dossier)
    assert after["dateDerniereCorrectionEnAttente"] is None
    assert after["state"] == "en_construction"


def test_a_second_correction_sends_the_dossier_back_to_construction_again(case):
    dossier = case.new("en_instruction")
    send(case, dossier, "Le devis est illisible.", correction="incorrect")
    assert read(case, dossier)["state"] == "en_construction"
    case.act("dossierPasserEnInstruction", dossier)
    first = read(case, dossier)
    assert first["state"] == "en_instruction"
    send(case, dossier, "Le RIB est périmé.", correction="outdated")
    second = read(case, dossier)
    assert second["state"] == "en_construction"
    assert second["dateDerniereCorrectionEnAttente"] is not None
    pending = [
        m for m in second["messages"] if m["correction"] and not m["correction"]["dateResolution"]
    ]
    assert [m["body"] for m in pending] == ["Le RIB est périmé."]


# --- dates ---------------------------------------------------------------------------------


def test_going_back_moves_the_passage_dates_and_keeps_the_others(case, advance):
    dossier = case.new("accepte")
    decided = read(case, dossier)
    assert decided["dateTraitement"] is not None
    assert decided["dateExpiration"] is not None
    advance(2)  # DS shows dates to the second
    case.act("dossierRepasserEnInstruction", dossier)
    again = read(case, dossier)
    # dateTraitement stays; datePassageEnInstruction moves; no expiration en instruction.
    assert again["dateTraitement"] == decided["dateTraitement"]
    assert again["datePassageEnInstruction"] > decided["datePassageEnInstruction"]
    assert again["dateExpiration"] is None
    advance(2)
    case.act("dossierRepasserEnConstruction", dossier)
    back = read(case, dossier)
    assert back["datePassageEnInstruction"] == again["datePassageEnInstruction"]
    assert back["dateTraitement"] == decided["dateTraitement"]
    assert back["datePassageEnConstruction"] > again["datePassageEnInstruction"]
    assert back["dateExpiration"] is not None


# --- attachments ---------------------------------------------------------------------------


def _uploaded(case: Case, dossier: dict, content: bytes, **override) -> str:
    upload = create(case.sandbox, dossier, content, **override)
    assert put(upload, content).status_code == 201
    return upload["signedBlobId"]


@pytest.mark.parametrize(
    ("content", "content_type", "refusal"),
    [
        (b"<html></html>", "text/html", "Le type de fichier de la pièce jointe n’est pas autorisé"),
        (
            b"%PDF" + b"0" * (20 * MB - 4),
            "application/pdf",
            "La pièce jointe est trop volumineuse : sa taille doit être inférieure à 20 Mo",
        ),
    ],
)
def test_message_attachments_outside_ds_types_or_of_20_mb_are_refused(
    case, content, content_type, refusal
):
    dossier = case.new()
    signed = _uploaded(case, dossier, content, contentType=content_type, filename="piece")
    before = len(read(case, dossier)["messages"])
    got = send(case, dossier, "Voir la pièce jointe.", attachment=signed)
    assert got == {"message": None, "errors": [{"message": refusal}]}
    assert len(read(case, dossier)["messages"]) == before
    # Just under the limit, of a type DS takes: accepted.
    small = b"%PDF" + b"0" * (MB - 4)
    fine = _uploaded(case, dossier, small, contentType="application/pdf", filename="ok.pdf")
    ok = send(case, dossier, "Voir la pièce jointe.", attachment=fine)
    assert ok["errors"] is None
    assert ok["message"]["attachments"] == [{"filename": "ok.pdf"}]


def test_a_signed_blob_id_expires_after_one_hour(case, advance):
    dossier = case.new()
    content = b"%PDF-1.7 justificatif"
    signed = _uploaded(case, dossier, content, filename="rib.pdf")
    advance(3599)
    assert send(case, dossier, "Le RIB.", attachment=signed)["errors"] is None
    advance(2)
    late = send(case, dossier, "Le RIB, encore.", attachment=signed)
    assert late == {
        "message": None,
        "errors": [{"message": "L’identifiant du fichier téléversé est invalide"}],
    }


def test_an_upload_url_expires_after_one_hour(case, advance):
    dossier = case.new()
    content = b"%PDF-1.7 justificatif"
    upload = create(case.sandbox, dossier, content, filename="rib.pdf")
    advance(3601)
    late = put(upload, content)
    assert late.status_code == 401
    assert b"Temp URL expired." in late.content


def test_a_deleted_message_body_is_empty(case):
    dossier = case.new()
    sent = send(case, dossier, "Message envoyé par erreur.")["message"]
    gone = delete_message(case, sent["id"])
    assert gone["errors"] is None
    assert gone["message"]["body"] == ""
    assert gone["message"]["discardedAt"] is not None
    [stored] = [m for m in read(case, dossier)["messages"] if m["id"] == sent["id"]]
    assert stored["body"] == ""


# --- attestation ---------------------------------------------------------------------------


def test_the_attestation_is_built_later_and_only_with_an_activated_template(case, advance):
    with_template = case.new("en_instruction")
    case.act("dossierAccepter", with_template, motivation="Complet.")
    assert read(case, with_template)["attestation"] is None
    advance(10)
    assert read(case, with_template)["attestation"] == {
        "filename": f"attestation-{with_template['number']}.pdf"
    }
    other = case.sandbox.control.demarches()[1]
    groupe = open_groupe(other)
    instructeur = groupe["instructeurs"][0]
    without = case.sandbox.control.create_dossier(
        other["number"], "en_instruction", groupe["number"]
    )
    case.act("dossierAccepter", without, instructeur=instructeur, motivation="Complet.")
    advance(10)
    assert read(case, without)["attestation"] is None


# --- decisions DS refuses ---------------------------------------------------------------------


ANNOTATIONS = "query($n: Int!) { dossier(number: $n) { annotations { id label } } }"


def test_a_decision_with_a_required_annotation_left_empty_is_refused(sandbox):
    demarche = sandbox.control.demarches()[1]  # its « Avis du service » is required
    groupe = open_groupe(demarche)
    instructeur = groupe["instructeurs"][0]
    case = Case(sandbox, demarche, groupe, instructeur, instructeur)
    dossier = case.new("en_instruction")
    annotations = data(sandbox, ANNOTATIONS, {"n": dossier["number"]})["dossier"]["annotations"]
    avis = next(a["id"] for a in annotations if a["label"] == "Avis du service")
    mutate(
        sandbox,
        "dossierModifierAnnotations",
        "DossierModifierAnnotationsInput",
        "errors { message }",
        {
            "dossierId": dossier["id"],
            "instructeurId": instructeur["id"],
            "annotations": [{"id": avis, "value": {"dropDownList": ""}}],
        },
    )
    refused = case.act("dossierAccepter", dossier, motivation="Complet.")
    # DS's wording, misleading as it is.
    assert refused == {
        "dossier": None,
        "errors": [{"message": "Le dossier est déjà en instruction"}],
    }
    assert case.stored(dossier)["state"] == "en_instruction"
    mutate(
        sandbox,
        "dossierModifierAnnotations",
        "DossierModifierAnnotationsInput",
        "errors { message }",
        {
            "dossierId": dossier["id"],
            "instructeurId": instructeur["id"],
            "annotations": [{"id": avis, "value": {"dropDownList": "Favorable"}}],
        },
    )
    assert case.act("dossierAccepter", dossier, motivation="Complet.")["errors"] is None


DEMANDEUR = """
query($n: Int!) { dossier(number: $n) { demandeur { __typename ... on PersonneMoraleIncomplete {
  siret } } } }
"""


def test_a_decision_on_a_siret_in_degraded_mode_is_refused(case, sandbox):
    created = sandbox.control.request(
        "POST",
        "/_sandbox/dossiers",
        {
            "demarche": case.demarche["number"],
            "state": "en_instruction",
            "groupe": case.groupe["number"],
            "siret_degraded": True,
        },
    )
    demandeur = data(sandbox, DEMANDEUR, {"n": created["number"]})["dossier"]["demandeur"]
    assert demandeur["__typename"] == "PersonneMoraleIncomplete"
    assert len(demandeur["siret"]) == 14
    for name, extra in (
        ("dossierAccepter", {}),
        ("dossierRefuser", {"motivation": "Non."}),
        ("dossierClasserSansSuite", {"motivation": "Abandon."}),
    ):
        refused = case.act(name, created, **extra)
        assert refused == {
            "dossier": None,
            "errors": [
                {
                    "message": "Les informations du SIRET du dossier ne sont pas complètes. "
                    "Veuillez réessayer plus tard."
                }
            ],
        }
    assert case.stored(created)["state"] == "en_instruction"


# --- smaller ones --------------------------------------------------------------------------

REVISION = """
query($n: Int!, $r: ID, $min: ID, $max: ID) { demarche(number: $n) {
  dossiers(first: 1, revision: $r, minRevision: $min, maxRevision: $max) { nodes { number } }
} }
"""


@pytest.mark.parametrize("argument", ["r", "min", "max"])
def test_an_unknown_revision_is_not_found(sandbox, argument):
    number = first_demarche(sandbox)["number"]
    found = errors(sandbox, REVISION, {"n": number, argument: "UHJvY2VkdXJlUmV2aXNpb24tOTk5OQ=="})
    # RecordNotFound, worded by the schema's rescue_from after the field's type: `dossiers`.
    assert found[0]["message"] == "DossierConnection not found"
    assert found[0]["extensions"]["code"] == "not_found"
    assert found[0]["path"] == ["demarche", "dossiers"]
    not_an_id = errors(sandbox, REVISION, {"n": number, argument: "not an id"})
    assert not_an_id[0]["message"] == 'Invalid input: "not an id"'


def test_a_token_expired_and_from_a_forbidden_network_gets_the_network_error(sandbox):
    sandbox.control.add_token("old-far-token", expired=True, forbidden_network=True)
    got = post(sandbox, "{ demarche(number: 1) { id } }", token="old-far-token")
    assert got.status_code == 403
    assert got.json()["errors"][0]["extensions"]["code"] == "forbidden"
