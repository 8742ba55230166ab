"""Seeded French documents for the sandbox's families, with their past state changes.

The same seed gives the same documents, ids, states, comments and history; dates are laid out
backwards from the anchor (today at midnight), so they stay recent whatever the day. Past state
changes go through `engine.change_state`, so generated history looks like live history.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from dsbot.sandboxes.dynacase import engine
from dsbot.sandboxes.dynacase.errors import ApiError
from dsbot.sandboxes.dynacase.store import Store
from dsbot.sandboxes.dynacase.world import (
    ADMIN_ID,
    DOMAINES,
    FAMILIES,
    FamilyDef,
    User,
    WorkflowDef,
    family_by_name,
    user_by_id,
    user_by_login,
)

DEFAULT_COUNTS = {"DEMANDE_SUBVENTION": 24, "DEMANDE_CONGE": 15, "COURRIER_ENTRANT": 12}

ORGANISMES = (
    "Association Les Amis du Théâtre de Rennes",
    "Football Club de Vitré",
    "Comité des fêtes de Saint-Malo",
    "Solidarité Quimper",
    "Les Jardins partagés de Lorient",
    "École de musique de Vannes",
    "Cyclo-club de Brest",
    "Banque alimentaire du Trégor",
    "Compagnie Arts de la rue de Morlaix",
    "Maison des jeunes de Fougères",
    "Ludothèque La Marelle",
    "Bretagne Vivante – antenne de Dinan",
)
OBJETS = {
    "culture": ("Festival d'été", "Résidence d'artistes", "Saison de concerts"),
    "sport": ("Achat de matériel sportif", "Tournoi régional des jeunes", "École de vélo"),
    "social": ("Ateliers d'insertion", "Distribution alimentaire hivernale", "Café des aidants"),
    "environnement": ("Plantation d'une haie bocagère", "Nettoyage des berges", "Compostage"),
    "education": ("Classe découverte", "Aide aux devoirs", "Atelier de robotique"),
}
PRENOMS = ("Camille", "Louis", "Manon", "Hugo", "Léa", "Nathan", "Chloé", "Jules", "Inès", "Yann")
NOMS = ("Le Gall", "Morvan", "Guillou", "Lefebvre", "Moreau", "Kerjean", "Roux", "Fontaine")
EXPEDITEURS = (
    "Mairie de Cesson-Sévigné",
    "Préfecture d'Ille-et-Vilaine",
    "M. Yannick Le Bihan",
    "Mme Anne Riou",
    "Syndicat des eaux du Morbihan",
    "Cabinet Durand & associés",
)
OBJETS_COURRIER = (
    "Demande de permis de construire",
    "Réclamation sur une facture d'eau",
    "Invitation à l'inauguration de la médiathèque",
    "Candidature spontanée",
    "Signalement d'un nid-de-poule rue de Brest",
    "Demande de rendez-vous",
)
COMMENTS = {
    "t_sub_transmettre": "",
    "t_sub_renvoyer": "Merci de compléter la demande avant nouvel examen.",
    "t_sub_instruire": "Dossier complet, budget prévisionnel cohérent.",
    "t_sub_accorder": "Accord conforme à l'avis de la commission.",
    "t_sub_refuser": "Le projet ne répond pas aux critères du règlement d'intervention.",
    "t_cg_soumettre": "",
    "t_cg_valider": "Bon repos !",
    "t_cg_rejeter": "Période de forte activité, merci de proposer d'autres dates.",
    "t_cg_annuler": "Annulation à la demande de l'agent.",
}


def _person(rng: random.Random) -> str:
    return f"{rng.choice(PRENOMS)} {rng.choice(NOMS)}"


def _content(family: FamilyDef, rng: random.Random, day: datetime) -> tuple[str, dict[str, Any]]:
    """A title and attribute values for a new document of `family`."""
    if family.name == "DEMANDE_SUBVENTION":
        domaine = rng.choice(DOMAINES)[0]
        objet = rng.choice(OBJETS[domaine])
        organisme = rng.choice(ORGANISMES)
        montant = float(rng.choice((800, 1500, 2500, 4000, 7500, 12000, 30000, 65000, 120000)))
        attributes = {
            "sub_organisme": organisme,
            "sub_objet": objet,
            "sub_domaine": domaine,
            "sub_montant": montant,
            "sub_date_depot": day.date().isoformat(),
            "sub_contact": _person(rng),
        }
        return f"{objet} – {organisme}", attributes
    if family.name == "DEMANDE_CONGE":
        kind = rng.choice(("ca", "ca", "rtt", "formation", "recup"))
        start = day + timedelta(days=rng.randint(7, 60))
        days = rng.randint(1, 10)
        end = start + timedelta(days=days - 1)
        agent = _person(rng)
        label = family.attribute("cg_type").enum_label(kind)  # type: ignore[union-attr]
        attributes = {
            "cg_agent": agent,
            "cg_type": kind,
            "cg_debut": start.date().isoformat(),
            "cg_fin": end.date().isoformat(),
            "cg_jours": days,
        }
        return f"{label} – {agent} – du {start:%d/%m} au {end:%d/%m}", attributes
    expediteur = rng.choice(EXPEDITEURS)
    objet = rng.choice(OBJETS_COURRIER)
    attributes = {
        "cr_expediteur": expediteur,
        "cr_objet": objet,
        "cr_date_reception": day.date().isoformat(),
        "cr_service": rng.choice(("urbanisme", "finances", "rh", "culture")),
    }
    return f"{objet} ({expediteur})", attributes


def _parameters(
    workflow: WorkflowDef, tid: str, rng: random.Random, day: datetime
) -> dict[str, Any]:
    transition = workflow.transition(tid)
    values: dict[str, Any] = {}
    for ask in transition.asks if transition else ():
        param = workflow.param(ask)
        if param is None:
            continue
        if param.type == "date":
            values[ask] = day.date().isoformat()
        elif param.type == "enum":
            values[ask] = rng.choice(param.enum)[0]
        elif param.type == "double":
            values[ask] = float(rng.choice((500, 1000, 2000, 5000)))
        else:
            values[ask] = "Budget prévisionnel signé et relevé d'identité bancaire."
    return values


def _actor(workflow: WorkflowDef, tid: str, rng: random.Random) -> User:
    logins = sorted(workflow.rights.get(tid, ()))
    user = user_by_login(rng.choice(logins)) if logins else None
    return user or user_by_id(ADMIN_ID)  # type: ignore[return-value]


def generate(
    store: Store, seed: int, anchor: datetime, counts: dict[str, int] | None = None
) -> None:
    """Fills `store` with seeded documents created within the 60 days before `anchor`."""
    rng = random.Random(seed)
    counts = {**DEFAULT_COUNTS, **(counts or {})}
    for family in FAMILIES:
        for _ in range(counts.get(family.name, 0)):
            created = anchor - timedelta(days=rng.randint(2, 60), minutes=rng.randint(0, 600))
            created = created.replace(hour=rng.randint(8, 17))
            title, attributes = _content(family, rng, created)
            owner = rng.choice((1012, 1013, ADMIN_ID))
            revision = store.create(family, title, attributes, owner, created)
            workflow = family.workflow
            if workflow is None:
                continue
            when = created
            for _step in range(rng.choice((0, 1, 1, 2, 2, 3, 3, 4))):
                edges = [e for e in workflow.cycle if e[0] == revision.state]
                if not edges:
                    break
                _begin, end, tid = rng.choice(edges)
                # Office hours, strictly after the previous change.
                later = when + timedelta(days=rng.randint(0, 3))
                later = later.replace(hour=rng.randint(8, 18), minute=rng.randint(0, 59))
                when = later if later > when else later + timedelta(days=1)
                if when >= anchor:
                    break
                try:
                    revision = engine.change_state(
                        store,
                        revision,
                        end,
                        _actor(workflow, tid, rng),
                        comment=COMMENTS.get(tid, ""),
                        parameters=_parameters(workflow, tid, rng, when),
                        when=when,
                    )
                except ApiError:
                    break  # an m0 said no (a large amount): the document stays where it is


def create_document(
    store: Store,
    family_name: str,
    title: str,
    owner: int,
    when: datetime,
    values: dict[str, Any] | None = None,
) -> tuple[FamilyDef, Any]:
    """A new document of a family (control API), with generated content that `values`
    (attribute id → raw value) overrides. KeyError: unknown family; ValueError: bad value."""
    family = family_by_name(family_name)
    if family is None:
        raise KeyError(family_name)
    rng = random.Random(f"{family.name}:{title}")
    _title, attributes = _content(family, rng, when)
    for key, value in (values or {}).items():
        attr = family.attribute(key)
        if attr is None:
            raise ValueError(f"unknown attribute {key!r} for {family.name}")
        try:
            attributes[key] = engine.parse_param(attr, value)
        except ApiError as exc:
            raise ValueError(exc.content_text) from None
    return family, store.create(family, title, attributes, owner, when)
