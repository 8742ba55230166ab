"""The sandbox's fixed world: families, their workflows, and the users with their rights.

Everything here is static; `generator` fills it with seeded documents. Ids follow Dynacase's
habits (docs/dynacase-api.md §10.2): states `e_…`, transitions `t_…`, families and workflow
families in upper case, the admin is system user 1 and passes every transition right.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ADMIN_ID = 1
ADMIN_LOGIN = "admin"


@dataclass(frozen=True)
class StateDef:
    id: str
    label: str
    activity: str = ""
    color: str = ""


@dataclass(frozen=True)
class AttrDef:
    """An attribute of a family, or a transition parameter (an attribute of the workflow)."""

    id: str
    label: str
    type: str  # text, longtext, int, double, date, enum
    needed: bool = False
    enum: tuple[tuple[str, str], ...] = ()

    def enum_label(self, key: str) -> str:
        return dict(self.enum).get(key, key)


@dataclass(frozen=True)
class TransitionDef:
    id: str
    label: str
    ask_comment: bool = True
    asks: tuple[str, ...] = ()  # parameter ids, in the order of the form
    m0: str | None = None  # name of a pre-condition in engine.M0_CHECKS


@dataclass(frozen=True)
class WorkflowDef:
    family_id: int  # the workflow family (its parameters' enumerates live there)
    family_name: str
    doc_id: int  # the workflow document (the `wid` of the documents)
    title: str
    first_state: str
    states: tuple[StateDef, ...]
    transitions: tuple[TransitionDef, ...]
    # The transition table, in order: (from state, to state, transition id).
    cycle: tuple[tuple[str, str, str], ...]
    params: tuple[AttrDef, ...] = ()
    # Transition id → logins holding its right (the admin holds them all).
    rights: dict[str, frozenset[str]] = field(default_factory=dict)

    def state(self, state_id: str) -> StateDef | None:
        return next((s for s in self.states if s.id == state_id), None)

    def transition(self, transition_id: str) -> TransitionDef | None:
        return next((t for t in self.transitions if t.id == transition_id), None)

    def param(self, param_id: str) -> AttrDef | None:
        return next((p for p in self.params if p.id == param_id), None)

    def edge(self, from_state: str, to_state: str) -> TransitionDef | None:
        """The transition leading from `from_state` to `to_state`, if the table has one."""
        for begin, end, tid in self.cycle:
            if begin == from_state and end == to_state:
                return self.transition(tid)
        return None

    def end_state(self, from_state: str, transition_id: str) -> str | None:
        for begin, end, tid in self.cycle:
            if begin == from_state and tid == transition_id:
                return end
        return None


@dataclass(frozen=True)
class FamilyDef:
    id: int
    name: str
    title: str
    icon: str
    prefix: str  # logical names of its documents: <prefix>_0001 (None-named when empty)
    attributes: tuple[AttrDef, ...]
    workflow: WorkflowDef | None = None

    def attribute(self, attr_id: str) -> AttrDef | None:
        return next((a for a in self.attributes if a.id == attr_id), None)


@dataclass(frozen=True)
class User:
    id: int  # system user id (`uid` of history entries, `owner` of documents)
    login: str
    first_name: str
    last_name: str
    role: str

    @property
    def title(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


USERS: tuple[User, ...] = (
    User(ADMIN_ID, ADMIN_LOGIN, "Administrateur", "Dynacase", "administrateur"),
    User(1012, "s.bernard", "Sophie", "Bernard", "chargée d'accueil"),
    User(1013, "c.martin", "Claire", "Martin", "instructrice"),
    User(1014, "p.durand", "Paul", "Durand", "chef de service"),
    User(1015, "l.petit", "Lucas", "Petit", "stagiaire, lecture seule"),
)

SUBVENTION_WORKFLOW = WorkflowDef(
    family_id=1051,
    family_name="WFL_SUBVENTION",
    doc_id=1052,
    title="Cycle des demandes de subvention",
    first_state="e_sub_brouillon",
    states=(
        StateDef("e_sub_brouillon", "Brouillon", "Rédaction de la demande", "#E0E0E0"),
        StateDef("e_sub_transmis", "Transmis", "Contrôle de recevabilité", "#A8E5FF"),
        StateDef("e_sub_instruit", "Instruit", "Décision à prendre", "#FFE7A8"),
        StateDef("e_sub_accorde", "Accordé", "", "#B5F5B0"),
        StateDef("e_sub_refuse", "Refusé", "", "#F5B0B0"),
    ),
    transitions=(
        TransitionDef("t_sub_transmettre", "Transmettre", ask_comment=False),
        TransitionDef("t_sub_renvoyer", "Renvoyer au demandeur", asks=("sub_pieces_manquantes",)),
        TransitionDef("t_sub_instruire", "Instruire", asks=("sub_avis", "sub_date_instruction")),
        TransitionDef(
            "t_sub_accorder",
            "Accorder",
            asks=("sub_montant_accorde", "sub_date_decision"),
            m0="plafond_delegation",
        ),
        TransitionDef("t_sub_refuser", "Refuser", asks=("sub_motif_refus", "sub_date_decision")),
    ),
    cycle=(
        ("e_sub_brouillon", "e_sub_transmis", "t_sub_transmettre"),
        ("e_sub_transmis", "e_sub_brouillon", "t_sub_renvoyer"),
        ("e_sub_transmis", "e_sub_instruit", "t_sub_instruire"),
        ("e_sub_transmis", "e_sub_refuse", "t_sub_refuser"),
        ("e_sub_instruit", "e_sub_accorde", "t_sub_accorder"),
        ("e_sub_instruit", "e_sub_refuse", "t_sub_refuser"),
    ),
    params=(
        AttrDef("sub_pieces_manquantes", "Pièces manquantes", "longtext", needed=True),
        AttrDef(
            "sub_avis",
            "Avis de l'instructeur",
            "enum",
            needed=True,
            enum=(
                ("favorable", "Favorable"),
                ("reserve", "Favorable avec réserves"),
                ("defavorable", "Défavorable"),
            ),
        ),
        AttrDef("sub_date_instruction", "Date d'instruction", "date", needed=True),
        AttrDef("sub_montant_accorde", "Montant accordé (€)", "double", needed=True),
        AttrDef("sub_date_decision", "Date de décision", "date", needed=True),
        AttrDef(
            "sub_motif_refus",
            "Motif du refus",
            "enum",
            needed=True,
            enum=(
                ("hors_criteres", "Hors critères d'éligibilité"),
                ("incomplet", "Dossier incomplet"),
                ("budget_epuise", "Enveloppe budgétaire épuisée"),
            ),
        ),
    ),
    rights={
        "t_sub_transmettre": frozenset({"s.bernard"}),
        "t_sub_renvoyer": frozenset({"c.martin"}),
        "t_sub_instruire": frozenset({"c.martin"}),
        "t_sub_accorder": frozenset({"p.durand"}),
        "t_sub_refuser": frozenset({"p.durand"}),
    },
)

CONGE_WORKFLOW = WorkflowDef(
    family_id=1061,
    family_name="WFL_CONGE",
    doc_id=1062,
    title="Circuit de validation des congés",
    first_state="e_cg_saisie",
    states=(
        StateDef("e_cg_saisie", "Saisie", "Saisie par l'agent", "#E0E0E0"),
        StateDef(
            "e_cg_attente", "En attente de validation", "Validation du responsable", "#FFE7A8"
        ),
        StateDef("e_cg_valide", "Validée", "", "#B5F5B0"),
        StateDef("e_cg_rejete", "Rejetée", "", "#F5B0B0"),
        StateDef("e_cg_annule", "Annulée", "", "#C8C8C8"),
    ),
    transitions=(
        TransitionDef("t_cg_soumettre", "Soumettre", ask_comment=False),
        TransitionDef("t_cg_valider", "Valider"),
        TransitionDef("t_cg_rejeter", "Rejeter", asks=("cg_motif_rejet",)),
        TransitionDef("t_cg_annuler", "Annuler"),
    ),
    cycle=(
        ("e_cg_saisie", "e_cg_attente", "t_cg_soumettre"),
        ("e_cg_attente", "e_cg_valide", "t_cg_valider"),
        ("e_cg_attente", "e_cg_rejete", "t_cg_rejeter"),
        ("e_cg_saisie", "e_cg_annule", "t_cg_annuler"),
        ("e_cg_attente", "e_cg_annule", "t_cg_annuler"),
        ("e_cg_valide", "e_cg_annule", "t_cg_annuler"),
    ),
    params=(AttrDef("cg_motif_rejet", "Motif du rejet", "longtext", needed=True),),
    rights={
        "t_cg_soumettre": frozenset({"s.bernard"}),
        "t_cg_valider": frozenset({"p.durand"}),
        "t_cg_rejeter": frozenset({"p.durand"}),
        "t_cg_annuler": frozenset({"s.bernard", "p.durand"}),
    },
)

DOMAINES = (
    ("culture", "Culture"),
    ("sport", "Sport"),
    ("social", "Action sociale"),
    ("environnement", "Environnement"),
    ("education", "Éducation"),
)

FAMILIES: tuple[FamilyDef, ...] = (
    FamilyDef(
        1050,
        "DEMANDE_SUBVENTION",
        "Demande de subvention",
        "subvention.png",
        "SUBV",
        (
            AttrDef("sub_organisme", "Organisme demandeur", "text", needed=True),
            AttrDef("sub_objet", "Objet de la demande", "text", needed=True),
            AttrDef("sub_domaine", "Domaine", "enum", enum=DOMAINES),
            AttrDef("sub_montant", "Montant demandé (€)", "double", needed=True),
            AttrDef("sub_date_depot", "Date de dépôt", "date"),
            AttrDef("sub_contact", "Contact", "text"),
        ),
        SUBVENTION_WORKFLOW,
    ),
    FamilyDef(
        1060,
        "DEMANDE_CONGE",
        "Demande de congé",
        "conge.png",
        "CONGE",
        (
            AttrDef("cg_agent", "Agent", "text", needed=True),
            AttrDef(
                "cg_type",
                "Type de congé",
                "enum",
                enum=(
                    ("ca", "Congés annuels"),
                    ("rtt", "RTT"),
                    ("formation", "Congé de formation"),
                    ("recup", "Récupération"),
                ),
            ),
            AttrDef("cg_debut", "Premier jour", "date"),
            AttrDef("cg_fin", "Dernier jour", "date"),
            AttrDef("cg_jours", "Nombre de jours", "int"),
        ),
        CONGE_WORKFLOW,
    ),
    FamilyDef(
        1070,
        "COURRIER_ENTRANT",
        "Courrier entrant",
        "courrier.png",
        "",
        (
            AttrDef("cr_expediteur", "Expéditeur", "text"),
            AttrDef("cr_objet", "Objet", "text"),
            AttrDef("cr_date_reception", "Date de réception", "date"),
            AttrDef(
                "cr_service",
                "Service destinataire",
                "enum",
                enum=(
                    ("urbanisme", "Urbanisme"),
                    ("finances", "Finances"),
                    ("rh", "Ressources humaines"),
                    ("culture", "Culture"),
                ),
            ),
        ),
    ),
)


def family_by_name(name: str) -> FamilyDef | None:
    """Family names are case-insensitive in URLs (docs/dynacase-api.md §5.1)."""
    upper = name.upper()
    return next((f for f in FAMILIES if f.name == upper), None)


def family_by_id(family_id: int) -> FamilyDef | None:
    return next((f for f in FAMILIES if f.id == family_id), None)


def workflow_family(name: str) -> WorkflowDef | None:
    upper = name.upper()
    for family in FAMILIES:
        if family.workflow is not None and family.workflow.family_name == upper:
            return family.workflow
    return None


def user_by_login(login: str) -> User | None:
    return next((u for u in USERS if u.login == login), None)


def user_by_id(user_id: int) -> User | None:
    return next((u for u in USERS if u.id == user_id), None)
