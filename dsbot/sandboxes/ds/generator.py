"""Generates the sandbox's world from a seed: démarches, groupes, instructeurs, labels, and the
light "core" of every dossier (state, dates, groupe).

Only what lists and filters need is generated up front, so that 100,000 dossiers take a
second or two. The heavy parts of a dossier (champs, messages, avis, demandeur...) are derived
on demand from the same seed by `dossier_content`.

Every generated event lies before `anchor_us` (the start of the generation day): what the
control API or the mutations do afterwards always comes later.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from dsbot.sandboxes.ds import vocab
from dsbot.sandboxes.ds.clock import DAY_US, US
from dsbot.sandboxes.ds.ids import gid

HOUR_US = 3600 * US

# Number ranges: small, predictable, and distinct per kind so that a wrong id is obvious.
DEMARCHE_BASE = 1001
GROUPE_BASE = 2001
INSTRUCTEUR_BASE = 3001
LABEL_BASE = 4001
REVISION_BASE = 5001
DOSSIER_BASE = 10001
STABLE_ID_BASE = 100

DOSSIER_COLUMNS = (
    "number",
    "demarche",
    "groupe",
    "revision",
    "state",
    "archived",
    "created_at",
    "depose_at",
    "en_instruction_at",
    "processed_at",
    "updated_at",
    "champs_at",
    "annotations_at",
    "correction_at",
    "hidden_user_at",
    "hidden_admin_at",
    "deleted_at",
    "deleted_reason",
    "visible",
    "pending_at",
)

TERMINE = ("accepte", "refuse", "sans_suite")


@dataclass
class World:
    """Reference data: small, kept in memory by the store and saved as JSON."""

    demarches: dict[int, dict[str, Any]]
    groupes: dict[int, dict[str, Any]]
    instructeurs: dict[int, dict[str, Any]]
    labels: dict[int, dict[str, Any]]


def visibility(
    state: str, hidden_user_at: int | None, hidden_admin_at: int | None, deleted_at: int | None
) -> tuple[int, int | None]:
    """(listed in `dossiers`, sort key in `pendingDeletedDossiers` or None).

    See docs/ds-api.md, "Deletions".
    """
    if deleted_at is not None:
        return 0, None
    if state == "en_construction" and hidden_user_at is not None:
        return 0, hidden_user_at
    if hidden_admin_at is not None:
        return 0, hidden_admin_at
    return 1, None


# --- champ descriptors -------------------------------------------------------------------

DESCRIPTOR_TYPENAMES = {
    "address": "AddressChampDescriptor",
    "annuaire_education": "AnnuaireEducationChampDescriptor",
    "carte": "CarteChampDescriptor",
    "checkbox": "CheckboxChampDescriptor",
    "civilite": "CiviliteChampDescriptor",
    "cnaf": "CnafChampDescriptor",
    "cojo": "COJOChampDescriptor",
    "communes": "CommuneChampDescriptor",
    "date": "DateChampDescriptor",
    "datetime": "DatetimeChampDescriptor",
    "decimal_number": "DecimalNumberChampDescriptor",
    "departements": "DepartementChampDescriptor",
    "dgfip": "DgfipChampDescriptor",
    "dossier_link": "DossierLinkChampDescriptor",
    "drop_down_list": "DropDownListChampDescriptor",
    "email": "EmailChampDescriptor",
    "engagement_juridique": "EngagementJuridiqueChampDescriptor",
    "epci": "EpciChampDescriptor",
    "explication": "ExplicationChampDescriptor",
    "formatted": "FormattedChampDescriptor",
    "header_section": "HeaderSectionChampDescriptor",
    "iban": "IbanChampDescriptor",
    "integer_number": "IntegerNumberChampDescriptor",
    "linked_drop_down_list": "LinkedDropDownListChampDescriptor",
    "mesri": "MesriChampDescriptor",
    "multiple_drop_down_list": "MultipleDropDownListChampDescriptor",
    "number": "NumberChampDescriptor",
    "pays": "PaysChampDescriptor",
    "phone": "PhoneChampDescriptor",
    "piece_justificative": "PieceJustificativeChampDescriptor",
    "pole_emploi": "PoleEmploiChampDescriptor",
    "referentiel": "ReferentielChampDescriptor",
    "regions": "RegionChampDescriptor",
    "repetition": "RepetitionChampDescriptor",
    "rna": "RNAChampDescriptor",
    "rnf": "RNFChampDescriptor",
    "siret": "SiretChampDescriptor",
    "text": "TextChampDescriptor",
    "textarea": "TextareaChampDescriptor",
    "titre_identite": "TitreIdentiteChampDescriptor",
    "yes_no": "YesNoChampDescriptor",
}

# (type, label, required, extra). The form of every démarche: one champ of each common type.
FormItem = tuple[str, str, bool, dict[str, Any]]
PUBLIC_FORM: tuple[FormItem, ...] = (
    ("header_section", "Identification du projet", False, {"level": 1}),
    ("text", "Intitulé du projet", True, {}),
    ("textarea", "Description du projet", True, {}),
    ("explication", "Informations importantes", False, {}),
    ("civilite", "Civilité du représentant légal", True, {}),
    ("email", "Courriel de contact", True, {}),
    ("phone", "Téléphone", False, {}),
    ("date", "Date de début prévisionnelle", True, {}),
    ("datetime", "Date et heure de rendez-vous souhaitées", False, {}),
    ("integer_number", "Nombre de bénéficiaires", True, {}),
    ("decimal_number", "Montant demandé (€)", True, {}),
    ("checkbox", "J’atteste sur l’honneur l’exactitude des informations fournies", True, {}),
    ("yes_no", "Avez-vous déjà bénéficié d’une aide de l’État ?", True, {}),
    ("drop_down_list", "Catégorie du projet", True, {"options": list(vocab.CATEGORIES)}),
    ("multiple_drop_down_list", "Thématiques", False, {"options": list(vocab.THEMATIQUES)}),
    ("linked_drop_down_list", "Secteur d’activité", False, {}),
    ("header_section", "Localisation", False, {"level": 1}),
    ("address", "Adresse du projet", True, {}),
    ("communes", "Commune d’implantation", True, {}),
    ("departements", "Département", False, {}),
    ("regions", "Région", False, {}),
    ("pays", "Pays de résidence du représentant", False, {}),
    ("epci", "Intercommunalité", False, {}),
    ("carte", "Emprise du projet", False, {}),
    ("header_section", "Partenaires et pièces", False, {"level": 1}),
    ("siret", "SIRET du partenaire principal", False, {}),
    ("rna", "Numéro RNA de l’association partenaire", False, {}),
    ("iban", "IBAN", False, {}),
    ("piece_justificative", "Devis ou budget prévisionnel", True, {}),
    ("titre_identite", "Pièce d’identité du représentant", False, {}),
    ("dossier_link", "Dossier déposé précédemment", False, {}),
    (
        "repetition",
        "Dépenses prévisionnelles",
        True,
        {
            "children": (
                ("text", "Poste de dépense", True, {}),
                ("decimal_number", "Montant (€)", True, {}),
                ("date", "Date prévue", False, {}),
            )
        },
    ),
    # Added by the second revision.
    ("rnf", "Fondation partenaire (RNF)", False, {"since_revision": 2}),
    ("engagement_juridique", "Engagement juridique", False, {"since_revision": 2}),
)

PRIVATE_FORM: tuple[FormItem, ...] = (
    ("text", "Référence interne", False, {}),
    ("textarea", "Commentaire de l’instructeur", False, {}),
    ("checkbox", "Dossier complet", False, {}),
    ("yes_no", "Visite sur place effectuée", False, {}),
    ("date", "Date de passage en commission", False, {}),
    ("datetime", "Date et heure de la visite", False, {}),
    ("integer_number", "Nombre de pièces reçues", False, {}),
    ("decimal_number", "Montant accordé (€)", False, {}),
    (
        "drop_down_list",
        "Avis du service",
        False,
        {"options": ["Favorable", "Réservé", "Défavorable"]},
    ),
    (
        "multiple_drop_down_list",
        "Points de vigilance",
        False,
        {"options": ["Budget", "Calendrier", "Foncier", "Assurance"]},
    ),
    ("email", "Courriel du référent", False, {}),
    (
        "repetition",
        "Suivi des relances",
        False,
        {"children": (("date", "Date de relance", False, {}), ("text", "Objet", False, {}))},
    ),
)

DRAFT_ONLY: FormItem = ("text", "Nouveau champ en cours de rédaction", False, {})


def _descriptor(
    kind: str, label: str, required: bool, extra: dict[str, Any], stable_id: int
) -> dict[str, Any]:
    desc = {
        "__typename": DESCRIPTOR_TYPENAMES[kind],
        "id": gid("Champ", stable_id),
        "stableId": stable_id,
        "type": kind,
        "label": label,
        "description": None,
        "required": required,
        "champDescriptors": None,
    }
    if kind == "header_section":
        desc["level"] = extra.get("level", 1)
    elif kind == "explication":
        desc["description"] = "Le dossier doit être déposé au moins deux mois avant le début."
        desc["collapsibleExplanationEnabled"] = True
        desc["collapsibleExplanationText"] = "Les dossiers incomplets ne seront pas instruits."
    elif kind in ("drop_down_list", "multiple_drop_down_list"):
        desc["options"] = list(extra["options"])
        if kind == "drop_down_list":
            desc["otherOption"] = True
    elif kind == "linked_drop_down_list":
        options = []
        for primary, secondaries in vocab.SECTEURS.items():
            options.append(f"--{primary}--")
            options.extend(secondaries)
        desc["options"] = options
    elif kind == "pays":
        desc["options"] = [{"code": c, "name": n} for c, n in vocab.PAYS]
    elif kind == "regions":
        desc["options"] = [{"code": c, "name": n} for c, n in vocab.REGIONS]
    elif kind == "departements":
        desc["options"] = [{"code": c, "name": n} for c, n in vocab.DEPARTEMENTS]
    elif kind == "piece_justificative":
        desc["description"] = "Format PDF de préférence, 20 Mo au maximum."
        desc["fileTemplate"] = None
    return desc


# On every other démarche the service must give its avis before any decision: DS refuses a
# decision while a required annotation privée is empty.
REQUIRED_ANNOTATION = "Avis du service"


# A descriptor keeps its stable id across revisions: the key is (kind, label).
StableIds = dict[tuple[str, str], int]


def _private_form(
    index: int, next_stable: list[int], stable_ids: StableIds
) -> list[dict[str, Any]]:
    descriptors = _form(PRIVATE_FORM, 1, next_stable, stable_ids)
    if index % 2 == 1:
        for desc in descriptors:
            if desc["label"] == REQUIRED_ANNOTATION:
                desc["required"] = True
    return descriptors


def _form(
    spec: tuple[FormItem, ...], revision_index: int, next_stable: list[int], stable_ids: StableIds
) -> list[dict[str, Any]]:
    descriptors = []
    for kind, label, required, extra in spec:
        if extra.get("since_revision", 1) > revision_index:
            continue
        key = (kind, label)
        if key not in stable_ids:
            stable_ids[key] = next_stable[0]
            next_stable[0] += 1
        desc = _descriptor(kind, label, required, extra, stable_ids[key])
        if kind == "repetition":
            children = _form(extra["children"], revision_index, next_stable, stable_ids)
            desc["champDescriptors"] = children
        descriptors.append(desc)
    return descriptors


# --- SIRET, names ------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _luhn_complete(prefix: str) -> str:
    """`prefix` + the one digit that makes it pass the Luhn check (SIREN/SIRET rule)."""
    for last in "0123456789":
        if luhn_ok(prefix + last):
            return prefix + last
    raise AssertionError("unreachable")


def make_siret(rng: random.Random) -> str:
    siren = _luhn_complete(str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=7)))
    nic = "".join(rng.choices("0123456789", k=4))
    return _luhn_complete(siren + nic)


def tva_number(siren: str) -> str:
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def _ascii_slug(text: str) -> str:
    table = str.maketrans("àâäéèêëîïôöùûüçÉÈÊÀÂÎÏÔÖÙÛÜÇ", "aaaeeeeiioouuucEEEAAIIOOUUUC")
    return "".join(ch for ch in text.translate(table).lower() if ch.isalnum() or ch == "-")


def email_for(prenom: str, nom: str, domain: str) -> str:
    return f"{_ascii_slug(prenom)}.{_ascii_slug(nom.replace(' ', '-'))}@{domain}"


# --- the world -------------------------------------------------------------------------


def generate_world(seed: int, demarches: int, anchor_us: int) -> World:
    """Démarches with their revisions, groupes (one closed), instructeurs and labels."""
    rng = random.Random(f"world:{seed}")
    world = World({}, {}, {}, {})
    used_emails: set[str] = set()
    next_groupe, next_instructeur, next_label, next_revision = (
        GROUPE_BASE,
        INSTRUCTEUR_BASE,
        LABEL_BASE,
        REVISION_BASE,
    )
    next_stable = [STABLE_ID_BASE]

    def new_instructeur(domain: str) -> int:
        nonlocal next_instructeur
        while True:
            prenom = rng.choice(vocab.PRENOMS_F + vocab.PRENOMS_M)
            email = email_for(prenom, rng.choice(vocab.NOMS), domain)
            if email not in used_emails:
                break
        used_emails.add(email)
        iid = next_instructeur
        next_instructeur += 1
        world.instructeurs[iid] = {"id": iid, "email": email}
        return iid

    for index in range(demarches):
        number = DEMARCHE_BASE + index
        spec = vocab.DEMARCHES[index % len(vocab.DEMARCHES)]
        title = spec["title"] if index < len(vocab.DEMARCHES) else f"{spec['title']} ({index + 1})"
        created = anchor_us - (700 - 7 * index) * DAY_US - rng.randint(0, 20) * HOUR_US
        published = created + rng.randint(10, 40) * DAY_US
        second = anchor_us - rng.randint(150, 250) * DAY_US
        stable_ids: StableIds = {}
        revisions = []
        for rev_index, (rev_created, rev_published) in enumerate(
            ((created, published), (second - 5 * DAY_US, second), (anchor_us - DAY_US, None)),
            start=1,
        ):
            public = _form(PUBLIC_FORM, min(rev_index, 2), next_stable, stable_ids)
            if rev_published is None:
                public.extend(_form((DRAFT_ONLY,), 1, next_stable, stable_ids))
            revisions.append(
                {
                    "id": gid("ProcedureRevision", next_revision),
                    "number": next_revision,
                    "dateCreation": rev_created,
                    "datePublication": rev_published,
                    "champDescriptors": public,
                    "annotationDescriptors": _private_form(index, next_stable, stable_ids),
                }
            )
            next_revision += 1

        groupe_numbers: list[int] = []
        for g_index, (label, domain) in enumerate(vocab.GROUPES):
            gnum = next_groupe
            next_groupe += 1
            members = [new_instructeur(domain) for _ in range(rng.randint(2, 3))]
            # One shared instructeur across groupes, as in real teams.
            if g_index and rng.random() < 0.5:
                first_groupe = world.groupes[groupe_numbers[0]]
                members.append(first_groupe["instructeurs"][0])
            world.groupes[gnum] = {
                "number": gnum,
                "demarche": number,
                "label": label,
                "closed": g_index == len(vocab.GROUPES) - 1,
                "instructeurs": members,
            }
            groupe_numbers.append(gnum)

        label_ids = []
        for name, color in vocab.LABELS:
            world.labels[next_label] = {
                "id": next_label,
                "demarche": number,
                "name": name,
                "color": color,
            }
            label_ids.append(next_label)
            next_label += 1

        admin_domain = rng.choice(vocab.GOUV_DOMAINS)
        admin_prenom = rng.choice(vocab.PRENOMS_F + vocab.PRENOMS_M)
        admin_email = email_for(admin_prenom, rng.choice(vocab.NOMS), admin_domain)
        world.demarches[number] = {
            "number": number,
            "id": gid("Procedure", number),
            "title": title,
            "description": spec["description"],
            "state": "publiee",
            "declarative": None,
            "individual": spec["individual"],
            "opendata": False,
            "dateCreation": created,
            "datePublication": published,
            "dateDerniereModification": second,
            "dateFermeture": None,
            "dateDepublication": None,
            "dureeConservationDossiers": 12,
            # Not in the API: whether the démarche has an activated attestation template.
            "attestation": index % 2 == 0,
            "tags": ["subvention"] if not spec["individual"] else ["autorisation"],
            "zones": [spec["organisme"]],
            "service": {
                "id": gid("Service", 700 + index),
                "nom": spec["service"],
                "organisme": spec["organisme"],
                "siret": make_siret(rng),
                "typeOrganisme": spec["type"],
            },
            "chorusConfiguration": None,
            "administrateurs": [{"id": gid("Administrateur", 900 + index), "email": admin_email}],
            "revisions": revisions,
            "groupes": groupe_numbers,
            "labels": label_ids,
        }
    return world


# --- dossiers ----------------------------------------------------------------------------

WINDOW_DAYS = 540


def generate_dossiers(
    seed: int, world: World, per_demarche: int, anchor_us: int, first_number: int = DOSSIER_BASE
) -> list[tuple[Any, ...]]:
    """Core rows (in DOSSIER_COLUMNS order) for every démarche, numbered in creation order."""
    drafts = []
    for demarche in world.demarches.values():
        drafts.extend(_demarche_dossiers(seed, world, demarche, per_demarche, anchor_us))
    drafts.sort(key=lambda row: (row[6], row[1]))
    return [(first_number + i, *row[1:]) for i, row in enumerate(drafts)]


STATES = ("en_construction", "en_instruction", "accepte", "refuse", "sans_suite")


def _pick_state(rng: random.Random, age: float) -> str:
    """Older dossiers are more often decided."""
    roll = rng.random()
    if roll < 0.12 + 0.75 * age:
        return ("accepte", "accepte", "refuse", "sans_suite")[rng.randint(0, 3)]
    if roll < 0.40 + 0.55 * age:
        return "en_instruction"
    return "en_construction"


def _cover_every_state(rng: random.Random, states: list[str]) -> None:
    """Even a small démarche has dossiers in every state (tests and demos rely on it)."""
    if len(states) < 2 * len(STATES):
        return
    for wanted in STATES:
        if wanted in states:
            continue
        candidates = [i for i, s in enumerate(states) if states.count(s) > 2]
        states[rng.choice(candidates)] = wanted


def _demarche_dossiers(
    seed: int, world: World, demarche: dict[str, Any], count: int, anchor_us: int
) -> list[tuple[Any, ...]]:
    rng = random.Random(f"dossiers:{seed}:{demarche['number']}")
    rand, randint, choice = rng.random, rng.randint, rng.choice
    published = demarche["datePublication"]
    start = max(published + DAY_US, anchor_us - WINDOW_DAYS * DAY_US)
    span = anchor_us - HOUR_US - start
    revisions = demarche["revisions"]
    rev1, rev2 = revisions[0], revisions[1]
    rev2_published = rev2["datePublication"]
    groupes = [world.groupes[g] for g in demarche["groupes"]]
    open_groupes = [g["number"] for g in groupes if not g["closed"]]
    closed_groupes = [g["number"] for g in groupes if g["closed"]]
    closed_since = anchor_us - 120 * DAY_US
    end = anchor_us - 60 * US
    rows = []
    created_list = sorted(start + int(rand() * span) for _ in range(count))
    deposes = [
        min(c + randint(60, 3 * 86_400) * US + randint(0, US - 1), end) for c in created_list
    ]
    states = [_pick_state(rng, (anchor_us - d) / (WINDOW_DAYS * DAY_US)) for d in deposes]
    _cover_every_state(rng, states)
    for created, depose, state in zip(created_list, deposes, states, strict=True):
        en_instruction_at = processed_at = None
        last = depose
        if state != "en_construction":
            en_instruction_at = min(depose + randint(3600, 30 * 86_400) * US + randint(0, US), end)
            last = en_instruction_at
            if state in TERMINE:
                processed_at = en_instruction_at + randint(86_400, 60 * 86_400) * US
                processed_at = min(processed_at + randint(0, US - 1), end)
                last = processed_at
        # Later activity (messages, annotations, avis) moves updated_at.
        updated = min(last + (randint(60, 10 * 86_400) * US if rand() < 0.6 else 0), end)
        champs_at = depose if rand() < 0.7 else min(depose + randint(60, 5 * 86_400) * US, updated)
        if state == "en_construction" and rand() < 0.3:
            champs_at = updated
        annotations_at = created
        if en_instruction_at is not None and rand() < 0.6:
            annotations_at = min(en_instruction_at + randint(60, 86_400) * US, updated)
        archived = 1 if state in TERMINE and rand() < 0.3 else 0
        if closed_groupes and depose < closed_since and rand() < 0.15:
            groupe = closed_groupes[0]
        else:
            groupe = choice(open_groupes)
        revision = rev2["number"] if depose >= rev2_published else rev1["number"]
        correction_at = None
        if state == "en_construction" and rand() < 0.05:
            correction_at = min(depose + randint(86_400, 10 * 86_400) * US, updated)
            updated = max(updated, correction_at)
        hidden_user_at = hidden_admin_at = deleted_at = None
        deleted_reason = None
        roll = rand()
        if roll < 0.01 and state in TERMINE:
            deleted_at = min(updated + randint(86_400, 30 * 86_400) * US, end)
            deleted_reason = "expired" if rand() < 0.5 else "instructeur_request"
        elif roll < 0.02 and state == "en_construction":
            hidden_user_at = min(updated + randint(600, 86_400) * US, end)
            updated = hidden_user_at
        elif roll < 0.025 and state in TERMINE:
            hidden_admin_at = min(updated + randint(600, 86_400) * US, end)
            updated = hidden_admin_at
        visible, pending_at = visibility(state, hidden_user_at, hidden_admin_at, deleted_at)
        rows.append(
            (
                0,
                demarche["number"],
                groupe,
                revision,
                state,
                archived,
                created,
                depose,
                en_instruction_at,
                processed_at,
                updated,
                champs_at,
                annotations_at,
                correction_at,
                hidden_user_at,
                hidden_admin_at,
                deleted_at,
                deleted_reason,
                visible,
                pending_at,
            )
        )
    return rows
