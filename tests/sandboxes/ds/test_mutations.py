"""Mutations: the state machine, DS's French errors, the instructeur-groupe check, and what
moves dateDerniereModification (docs/ds-api.md, "What moves
dateDerniereModification", "Mutations", "State machine")."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.fakes.ds_sandbox import ControlledSandbox
from tests.sandboxes.ds.gql import data, errors, first_demarche, open_groupe

DOSSIER_FIELDS = "dossier { id state archived dateDerniereModification } errors { message }"


def mutate(sandbox, name: str, input_type: str, payload: str, values: dict) -> dict:
    query = f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ {payload} }} }}"
    return data(sandbox, query, {"i": values})[name]


@dataclass
class Case:
    sandbox: ControlledSandbox
    demarche: dict
    groupe: dict
    instructeur: dict
    outsider: dict  # an instructeur of the démarche who is not in the groupe

    def new(self, state: str = "en_construction") -> dict:
        created = self.sandbox.control.create_dossier(
            self.demarche["number"], state, self.groupe["number"]
        )
        return created

    def act(self, name: str, dossier: dict, instructeur: dict | None = None, **extra) -> dict:
        values = {
            "dossierId": dossier["id"],
            "instructeurId": (instructeur or self.instructeur)["id"],
            **extra,
        }
        input_type = name[0].upper() + name[1:] + "Input"
        return mutate(self.sandbox, name, input_type, DOSSIER_FIELDS, values)

    def stored(self, dossier: dict) -> dict:
        return self.sandbox.control.dossier(dossier["number"])


@pytest.fixture
def case(sandbox) -> Case:
    demarche = first_demarche(sandbox)
    groupe = open_groupe(demarche)
    members = {i["id"] for i in groupe["instructeurs"]}
    outsider = next(
        i for g in demarche["groupes"] for i in g["instructeurs"] if i["id"] not in members
    )
    return Case(sandbox, demarche, groupe, groupe["instructeurs"][0], outsider)


def test_the_happy_path_records_traitements_with_the_instructeur(case):
    dossier = case.new()
    before = case.stored(dossier)["dateDerniereModification"]
    case.sandbox.control.advance(1)  # dates are shown to the second
    got = case.act("dossierPasserEnInstruction", dossier, disableNotification=True)
    assert got["errors"] is None
    assert got["dossier"]["state"] == "en_instruction"
    assert got["dossier"]["dateDerniereModification"] > before
    got = case.act("dossierAccepter", dossier, motivation="Dossier complet.")
    assert got["dossier"]["state"] == "accepte"
    stored = case.stored(dossier)
    assert stored["state"] == "accepte"
    assert stored["motivation"] == "Dossier complet."
    assert stored["justificatif"] is None
    events = [(t["event"], t["emailAgentTraitant"]) for t in stored["traitements"]]
    email = case.instructeur["email"]
    assert events == [("depose", None), ("passe_en_instruction", email), ("accepte", email)]
    assert stored["traitements"][-1]["motivation"] == "Dossier complet."


@pytest.mark.parametrize(
    ("name", "extra", "target", "message"),
    [
        ("dossierAccepter", {}, "accepte", "Le dossier est déjà accepté"),
        ("dossierRefuser", {"motivation": "Non."}, "refuse", "Le dossier est déjà refusé"),
        (
            "dossierClasserSansSuite",
            {"motivation": "Abandon."},
            "sans_suite",
            "Le dossier est déjà classé sans suite",
        ),
    ],
)
def test_decisions_need_en_instruction(case, name, extra, target, message):
    dossier = case.new()
    early = case.act(name, dossier, **extra)
    assert early == {
        "dossier": None,
        "errors": [{"message": "Le dossier est déjà en construction"}],
    }
    case.act("dossierPasserEnInstruction", dossier)
    assert case.act(name, dossier, **extra)["dossier"]["state"] == target
    assert case.act(name, dossier, **extra)["errors"] == [{"message": message}]
    assert case.stored(dossier)["traitements"][-1]["motivation"] == extra.get("motivation")


def test_refuser_requires_a_motivation(case):
    dossier = case.new("en_instruction")
    found = errors(
        case.sandbox,
        "mutation($i: DossierRefuserInput!) { dossierRefuser(input: $i) { errors { message } } }",
        {"i": {"dossierId": dossier["id"], "instructeurId": case.instructeur["id"]}},
    )
    assert "motivation" in found[0]["message"]
    assert case.stored(dossier)["state"] == "en_instruction"


def test_an_instructeur_outside_the_groupe_has_no_access(case):
    dossier = case.new()
    got = case.act("dossierPasserEnInstruction", dossier, instructeur=case.outsider)
    assert got == {
        "dossier": None,
        "errors": [{"message": "L’instructeur n’a pas les droits d’accès à ce dossier"}],
    }
    assert case.stored(dossier)["state"] == "en_construction"
    # The state check comes first: a wrong state and a wrong instructeur tell the state.
    done = case.new("accepte")
    got = case.act("dossierPasserEnInstruction", done, instructeur=case.outsider)
    assert got["errors"] == [{"message": "Le dossier est déjà accepté"}]


def test_back_and_forth_and_archiving(case):
    dossier = case.new("refuse")
    assert case.act("dossierArchiver", dossier)["dossier"]["archived"] is True
    got = case.act("dossierRepasserEnInstruction", dossier)
    assert got["dossier"]["state"] == "en_instruction"
    assert got["dossier"]["archived"] is False
    assert case.act("dossierRepasserEnInstruction", dossier)["errors"] == [
        {"message": "Le dossier est déjà en instruction"}
    ]
    assert case.act("dossierArchiver", dossier)["errors"] == [
        {
            "message": "Un dossier ne peut être déplacé dans « à archiver » qu’une fois le "
            "traitement terminé"
        }
    ]
    assert case.act("dossierRepasserEnConstruction", dossier)["dossier"]["state"] == (
        "en_construction"
    )
    assert case.act("dossierRepasserEnConstruction", dossier)["errors"] == [
        {"message": "Le dossier est déjà en construction"}
    ]
    stored = case.stored(dossier)
    assert [t["event"] for t in stored["traitements"]][-2:] == [
        "repasse_en_instruction",
        "repasse_en_construction",
    ]
    assert stored["motivation"] is None


@pytest.mark.parametrize(
    "dossier_id",
    ["RG9zc2llci05OTk5OTk=", "bm9wZQ==", "not base64 at all", "SW5zdHJ1Y3RldXItMzAwMQ=="],
)
def test_bad_global_ids_are_not_found_named_after_the_payload(case, dossier_id):
    found = errors(
        case.sandbox,
        "mutation($i: DossierPasserEnInstructionInput!) { dossierPasserEnInstruction(input: $i)"
        " { errors { message } } }",
        {"i": {"dossierId": dossier_id, "instructeurId": case.instructeur["id"]}},
    )
    assert found[0]["message"] == "DossierPasserEnInstructionPayload not found"
    assert found[0]["extensions"]["code"] == "not_found"


def test_messages_from_the_instructeur(case):
    dossier = case.new()
    before = case.stored(dossier)["dateDerniereModification"]
    case.sandbox.control.advance(1)
    payload = "message { id email body createdAt attachments { filename } } errors { message }"
    send = {"dossierId": dossier["id"], "instructeurId": case.instructeur["id"]}
    got = mutate(
        case.sandbox,
        "dossierEnvoyerMessage",
        "DossierEnvoyerMessageInput",
        payload,
        {**send, "body": "Merci de compléter votre dossier."},
    )
    assert got["errors"] is None
    assert got["message"]["email"] == case.instructeur["email"]
    assert got["message"]["attachments"] == []
    stored = case.stored(dossier)
    assert stored["messages"][-1]["body"] == "Merci de compléter votre dossier."
    assert stored["messages"][-1]["email"] == case.instructeur["email"]
    assert stored["dateDerniereModification"] > before
    blank = mutate(
        case.sandbox,
        "dossierEnvoyerMessage",
        "DossierEnvoyerMessageInput",
        payload,
        {**send, "body": "   "},
    )
    assert blank == {
        "message": None,
        "errors": [{"message": "Le champ « Votre message » ne peut être vide"}],
    }
    bad = mutate(
        case.sandbox,
        "dossierEnvoyerMessage",
        "DossierEnvoyerMessageInput",
        payload,
        {**send, "body": "Voir pièce jointe", "attachment": "abc--def"},
    )
    assert bad["errors"] == [{"message": "L’identifiant du fichier téléversé est invalide"}]
    archived = case.new("accepte")
    case.act("dossierArchiver", archived)
    closed = mutate(
        case.sandbox,
        "dossierEnvoyerMessage",
        "DossierEnvoyerMessageInput",
        payload,
        {"dossierId": archived["id"], "instructeurId": case.instructeur["id"], "body": "Bonjour"},
    )
    # Commentaire#messagerie_available? under DS's error format: the attribute comes first.
    closed_text = (
        "Le champ « Dossier » Il n’est pas possible d’envoyer un message sur un dossier "
        "supprimé, à archiver ou en brouillon"
    )
    assert closed["errors"] == [{"message": closed_text}]
    both = mutate(
        case.sandbox,
        "dossierEnvoyerMessage",
        "DossierEnvoyerMessageInput",
        payload,
        {"dossierId": archived["id"], "instructeurId": case.instructeur["id"], "body": " "},
    )
    # Every validation runs, in the model's order: messagerie, then the body.
    assert both["errors"] == [
        {"message": closed_text},
        {"message": "Le champ « Votre message » ne peut être vide"},
    ]


def test_a_correction_request_sends_an_en_instruction_dossier_back(case):
    dossier = case.new("en_instruction")
    got = mutate(
        case.sandbox,
        "dossierEnvoyerMessage",
        "DossierEnvoyerMessageInput",
        "message { id correction { reason dateResolution } } errors { message }",
        {
            "dossierId": dossier["id"],
            "instructeurId": case.instructeur["id"],
            "body": "Le devis est illisible.",
            "correction": "incorrect",
        },
    )
    assert got["message"]["correction"] == {"reason": "incorrect", "dateResolution": None}
    assert case.stored(dossier)["state"] == "en_construction"


ANNOTATIONS = """
query($n: Int!) { dossier(number: $n) { dateDerniereModification dateDerniereModificationAnnotations
  annotations { id __typename label stringValue ... on RepetitionChamp { rows { id } } } } }
"""


def test_modifier_annotations_is_not_atomic(case):
    dossier = case.new("en_instruction")
    number = dossier["number"]
    before = data(case.sandbox, ANNOTATIONS, {"n": number})["dossier"]
    by_label = {a["label"]: a for a in before["annotations"]}
    case.sandbox.control.advance(1)
    text = by_label["Référence interne"]["id"]
    checkbox = by_label["Dossier complet"]["id"]
    repetition = by_label["Suivi des relances"]["id"]
    visit = by_label["Date et heure de la visite"]["id"]
    commission = by_label["Date de passage en commission"]["id"]
    got = mutate(
        case.sandbox,
        "dossierModifierAnnotations",
        "DossierModifierAnnotationsInput",
        "annotations { id stringValue } errors { message }",
        {
            "dossierId": dossier["id"],
            "instructeurId": case.instructeur["id"],
            "annotations": [
                {"id": text, "value": {"text": "REF-2026-042"}},
                {"id": checkbox, "value": {"checkbox": True}},
                {"id": checkbox, "value": {"text": "oui"}},
                {"id": "Q2hhbXAtOTk5OTk5", "value": {"text": "x"}},
                {"id": repetition, "value": {"repetition": 2}},
                {"id": visit, "value": {"datetime": "2026-03-05T14:30:00+01:00"}},
                {"id": commission, "value": {"date": "2026-04-02"}},
            ],
        },
    )
    assert [a["id"] for a in got["annotations"]] == [text, checkbox, repetition, visit, commission]
    assert got["annotations"][3]["stringValue"] == "5 mars 2026 14:30"
    assert got["annotations"][4]["stringValue"] == "2 avril 2026"
    assert got["annotations"][0]["stringValue"] == "REF-2026-042"
    assert got["errors"] == [
        {"message": f'L‘annotation "{checkbox}" n’est pas de type attendu'},
        {"message": 'L‘annotation "Q2hhbXAtOTk5OTk5" n’existe pas'},
    ]
    after = data(case.sandbox, ANNOTATIONS, {"n": number})["dossier"]
    values = {a["label"]: a for a in after["annotations"]}
    assert values["Référence interne"]["stringValue"] == "REF-2026-042"
    assert values["Dossier complet"]["stringValue"] == "Oui"
    assert len(values["Suivi des relances"]["rows"]) == 2 + len(
        by_label["Suivi des relances"]["rows"]
    )
    assert after["dateDerniereModification"] > before["dateDerniereModification"]
    assert (
        after["dateDerniereModificationAnnotations"] > before["dateDerniereModificationAnnotations"]
    )


LABELS = "query($n: Int!) { dossier(number: $n) { dateDerniereModification labels { id name } } }"


def test_labels_do_not_move_the_modification_date(case, sandbox):
    dossier = case.new()
    label = case.demarche["labels"][0]
    other = sandbox.control.demarches()[1]["labels"][0]
    before = data(sandbox, LABELS, {"n": dossier["number"]})["dossier"]
    case.sandbox.control.advance(1)
    payload = "dossier { id } label { id name color } errors { message }"
    add = {"dossierId": dossier["id"], "labelId": label["id"]}
    got = mutate(sandbox, "dossierAjouterLabel", "DossierAjouterLabelInput", payload, add)
    assert got["label"] == {"id": label["id"], "name": label["name"], "color": label["color"]}
    again = mutate(sandbox, "dossierAjouterLabel", "DossierAjouterLabelInput", payload, add)
    assert again["errors"] == [{"message": "Ce label est déjà associé au dossier"}]
    foreign = mutate(
        sandbox,
        "dossierAjouterLabel",
        "DossierAjouterLabelInput",
        payload,
        {"dossierId": dossier["id"], "labelId": other["id"]},
    )
    assert foreign["errors"] == [
        {"message": "Ce label n’appartient pas à la même démarche que le dossier"}
    ]
    after = data(sandbox, LABELS, {"n": dossier["number"]})["dossier"]
    assert after["labels"] == [{"id": label["id"], "name": label["name"]}]
    assert after["dateDerniereModification"] == before["dateDerniereModification"]
    gone = mutate(sandbox, "dossierSupprimerLabel", "DossierSupprimerLabelInput", payload, add)
    assert gone["errors"] is None
    gone = mutate(sandbox, "dossierSupprimerLabel", "DossierSupprimerLabelInput", payload, add)
    assert gone["errors"] == [{"message": "Ce label n’est pas associé au dossier"}]


def test_following_moves_the_modification_date(case):
    dossier = case.new()
    before = case.stored(dossier)["dateDerniereModification"]
    case.sandbox.control.advance(1)
    payload = "dossier { instructeurs { id email } } instructeur { id email } errors { message }"
    values = {"dossierId": dossier["id"], "instructeurId": case.instructeur["id"]}
    got = mutate(case.sandbox, "dossierBasculeSuivi", "DossierBasculeSuiviInput", payload, values)
    assert got["instructeur"] == case.instructeur
    assert got["dossier"]["instructeurs"] == [case.instructeur]
    assert case.stored(dossier)["dateDerniereModification"] > before
    got = mutate(
        case.sandbox,
        "dossierBasculeSuivi",
        "DossierBasculeSuiviInput",
        payload,
        {**values, "follow": False},
    )
    assert got["dossier"]["instructeurs"] == []


def test_changer_groupe_instructeur(case, sandbox):
    dossier = case.new()
    payload = "dossier { groupeInstructeur { number label } } errors { message }"
    same = mutate(
        sandbox,
        "dossierChangerGroupeInstructeur",
        "DossierChangerGroupeInstructeurInput",
        payload,
        {"dossierId": dossier["id"], "groupeInstructeurId": case.groupe["id"]},
    )
    assert same["errors"] == [
        {"message": f"Le dossier est déjà avec le groupe instructeur: '{case.groupe['label']}'"}
    ]
    foreign = sandbox.control.demarches()[1]["groupes"][0]
    other = mutate(
        sandbox,
        "dossierChangerGroupeInstructeur",
        "DossierChangerGroupeInstructeurInput",
        payload,
        {"dossierId": dossier["id"], "groupeInstructeurId": foreign["id"]},
    )
    assert other["errors"] == [
        {
            "message": f"Le groupe instructeur '{foreign['label']}' n’appartient pas à la même "
            "démarche que le dossier"
        }
    ]
    target = next(g for g in case.demarche["groupes"] if g["number"] != case.groupe["number"])
    moved = mutate(
        sandbox,
        "dossierChangerGroupeInstructeur",
        "DossierChangerGroupeInstructeurInput",
        payload,
        {"dossierId": dossier["id"], "groupeInstructeurId": target["id"]},
    )
    assert moved["dossier"]["groupeInstructeur"]["number"] == target["number"]
    # Now the instructeur of the first groupe has no access any more.
    got = case.act("dossierPasserEnInstruction", dossier)
    assert got["errors"] == [{"message": "L’instructeur n’a pas les droits d’accès à ce dossier"}]
