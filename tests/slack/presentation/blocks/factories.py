"""Small builders of DS model objects for tests: realistic defaults, any field overridable.

from tests.slack.presentation.blocks.factories import make_dossier, make_message
dossier = make_dossier(number=42, state=DossierState.ACCEPTE, motivation="Dossier complet")
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dsbot.backends.ds.models import (
    DemarcheRef,
    Dossier,
    DossierState,
    DossierSummary,
    File,
    GroupeInstructeur,
    Label,
    Message,
    PersonneMorale,
    PersonnePhysique,
    Profile,
    Traitement,
)

DS_WEB_BASE = "https://demarche.numerique.gouv.fr"
DEPOT = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)

INSTRUCTEUR = Profile(id="SW5zdHJ1Y3RldXItMQ==", email="claire.martin@interieur.gouv.fr")
OTHER_INSTRUCTEUR = Profile(id="SW5zdHJ1Y3RldXItMg==", email="paul.durand@interieur.gouv.fr")


def make_groupe(**overrides: Any) -> GroupeInstructeur:
    values: dict[str, Any] = {
        "id": "R3JvdXBlSW5zdHJ1Y3RldXItMQ==",
        "number": 1,
        "label": "Préfecture du Rhône",
        "instructeurs": (INSTRUCTEUR, OTHER_INSTRUCTEUR),
    }
    return GroupeInstructeur(**(values | overrides))


def make_personne_physique(**overrides: Any) -> PersonnePhysique:
    values: dict[str, Any] = {"civilite": "Mme", "nom": "Lefèvre", "prenom": "Sophie"}
    return PersonnePhysique(**(values | overrides))


def make_personne_morale(**overrides: Any) -> PersonneMorale:
    values: dict[str, Any] = {
        "siret": "13002526500013",
        "raison_sociale": "Boulangerie Dupont SARL",
    }
    return PersonneMorale(**(values | overrides))


def make_message(**overrides: Any) -> Message:
    values: dict[str, Any] = {
        "id": "Q29tbWVudGFpcmUtMQ==",
        "email": "sophie.lefevre@example.org",
        "body": "Bonjour, je vous joins l’attestation demandée.",
        "created_at": DEPOT + timedelta(days=2),
    }
    return Message(**(values | overrides))


def make_file(**overrides: Any) -> File:
    values: dict[str, Any] = {
        "filename": "decision.pdf",
        "content_type": "application/pdf",
        "checksum": "1B2M2Y8AsgTpgAmY7PhCfg==",
        "byte_size": 12345,
        "url": "https://example.org/decision.pdf",
    }
    return File(**(values | overrides))


def _state_dates(state: DossierState) -> dict[str, Any]:
    """The dates DS sets on the way to `state`, so a factory dossier is consistent."""
    dates: dict[str, Any] = {"date_passage_en_construction": DEPOT}
    if state is not DossierState.EN_CONSTRUCTION:
        dates["date_passage_en_instruction"] = DEPOT + timedelta(days=1)
    if state.is_termine:
        dates["date_traitement"] = DEPOT + timedelta(days=5)
        dates["traitements"] = (
            Traitement(DossierState.EN_CONSTRUCTION, "depose", DEPOT, None, None),
            Traitement(
                DossierState.EN_INSTRUCTION,
                "passe_en_instruction",
                DEPOT + timedelta(days=1),
                INSTRUCTEUR.email,
                None,
            ),
            Traitement(state, None, DEPOT + timedelta(days=5), INSTRUCTEUR.email, None),
        )
    return dates


def make_dossier(**overrides: Any) -> Dossier:
    """A dossier of démarche 42 in `state` (default en_instruction), with its state's dates."""
    state = DossierState(overrides.get("state", DossierState.EN_INSTRUCTION))
    values: dict[str, Any] = {
        "id": "RG9zc2llci0xMjM0",
        "number": 1234,
        "state": state,
        "archived": False,
        "demarche": DemarcheRef(id="UHJvY2VkdXJlLTQy", number=42, title="Subvention vélo"),
        "groupe_instructeur": make_groupe(),
        "date_depot": DEPOT,
        "date_derniere_modification": DEPOT + timedelta(days=2),
        "usager_email": "sophie.lefevre@example.org",
        "demandeur": make_personne_physique(),
        "date_expiration": DEPOT + timedelta(days=365),
        "followers": (INSTRUCTEUR,),
        "labels": (Label(id="TGFiZWwtMQ==", name="Urgent", color="rouge"),),
        "messages": (make_message(),),
    }
    values |= _state_dates(state)
    values |= overrides
    values["state"] = state
    return Dossier(**values)


def with_state(dossier: Dossier, state: DossierState, **overrides: Any) -> Dossier:
    """The same dossier moved to `state` (dates set accordingly)."""
    return replace(dossier, state=state, **(_state_dates(state) | overrides))


def make_summary(**overrides: Any) -> DossierSummary:
    values: dict[str, Any] = {
        "id": "RG9zc2llci0xMjM0",
        "number": 1234,
        "state": DossierState.EN_CONSTRUCTION,
        "archived": False,
        "date_depot": DEPOT,
        "date_derniere_modification": DEPOT,
        "groupe_number": 1,
    }
    return DossierSummary(**(values | overrides))
