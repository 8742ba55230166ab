"""Plain data read from DS, free of any wire format beyond this module.

`parse_*` functions turn the JSON of our own documents (`queries/*.graphql`) into frozen
dataclasses. Services and Block Kit builders only ever see these classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# The states and the feed's summaries live in the port, so that code outside the backends names
# them without DS's models.
from dsbot.backends.port import DossierState as DossierState
from dsbot.backends.port import DossierSummary as DossierSummary
from dsbot.backends.port import ItemLabel

# DS writes its own notices to the usager (dossier déposé, passé en instruction, décision...)
# into the messagerie, from its contact address, even when the e-mail is not sent
# (docs/ds-api.md, "Messages"). Dossiers from before the rename keep the older address.
DS_CONTACT_EMAIL = "contact@demarche.numerique.gouv.fr"
DS_SENDER_EMAILS = frozenset({DS_CONTACT_EMAIL, "contact@demarches-simplifiees.fr"})


def is_ds_notice(email: str) -> bool:
    """Whether a message with that sender was written by DS itself, not by a person."""
    return email.strip().lower() in DS_SENDER_EMAILS


def parse_datetime(value: str | None) -> datetime | None:
    """DS sends ISO 8601 with an offset, to the second (docs/ds-api.md, pitfall 2)."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_date(value: str | None) -> date | None:
    """An `ISO8601Date` (YYYY-MM-DD); a datetime form is cut to its date."""
    if not value:
        return None
    return date.fromisoformat(value[:10])


def parse_required_datetime(value: str) -> datetime:
    """A date DS's schema declares non-null (`ISO8601DateTime!`)."""
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError("DS sent an empty date where its schema requires one")
    return parsed


def format_datetime(value: datetime) -> str:
    """The ISO 8601 form DS accepts for `ISO8601DateTime` arguments."""
    return value.isoformat()


@dataclass(frozen=True)
class Profile:
    id: str
    email: str


@dataclass(frozen=True)
class GroupeInstructeur:
    id: str
    number: int
    label: str
    closed: bool = False
    instructeurs: tuple[Profile, ...] = ()

    def has_instructeur(self, instructeur_id: str) -> bool:
        return any(p.id == instructeur_id for p in self.instructeurs)


# A dossier's étiquette: the port's label (id, name, DS's colour name), so the Slack modals
# take it without importing DS.
Label = ItemLabel


@dataclass(frozen=True)
class File:
    filename: str
    content_type: str
    checksum: str
    byte_size: int
    url: str


@dataclass(frozen=True)
class Message:
    id: str
    email: str
    body: str
    created_at: datetime
    attachments: tuple[File, ...] = ()
    discarded_at: datetime | None = None


@dataclass(frozen=True)
class Avis:
    id: str
    question: str
    reponse: str | None
    date_question: datetime
    date_reponse: datetime | None
    claimant_email: str | None
    expert_email: str | None


@dataclass(frozen=True)
class Traitement:
    state: DossierState
    event: str | None
    date: datetime
    email_agent_traitant: str | None
    motivation: str | None


@dataclass(frozen=True)
class Champ:
    id: str
    typename: str
    label: str
    value: str | None


@dataclass(frozen=True)
class PersonnePhysique:
    civilite: str | None  # "M" or "Mme"
    nom: str
    prenom: str


@dataclass(frozen=True)
class PersonneMorale:
    siret: str
    raison_sociale: str | None  # None for a PersonneMoraleIncomplete


Demandeur = PersonnePhysique | PersonneMorale


@dataclass(frozen=True)
class DemarcheRef:
    id: str
    number: int
    title: str


@dataclass(frozen=True)
class Dossier:
    """A dossier with everything the card, the checks and the feed classifier need."""

    id: str
    number: int
    state: DossierState
    archived: bool
    demarche: DemarcheRef
    groupe_instructeur: GroupeInstructeur
    date_depot: datetime
    date_derniere_modification: datetime
    usager_email: str | None = None
    demandeur: Demandeur | None = None
    date_passage_en_construction: datetime | None = None
    date_passage_en_instruction: datetime | None = None
    date_traitement: datetime | None = None
    date_expiration: datetime | None = None
    # When an SVA/SVR démarche's silence becomes a decision (ISO8601Date, no time of day).
    date_previsionnelle_decision: date | None = None
    date_derniere_correction_en_attente: datetime | None = None
    date_suppression_par_usager: datetime | None = None
    date_suppression_par_administration: datetime | None = None
    motivation: str | None = None
    motivation_attachment: File | None = None
    followers: tuple[Profile, ...] = ()
    labels: tuple[Label, ...] = ()
    champs: tuple[Champ, ...] = ()
    annotations: tuple[Champ, ...] = ()
    messages: tuple[Message, ...] = ()
    avis: tuple[Avis, ...] = ()
    traitements: tuple[Traitement, ...] = ()

    @property
    def last_traitement(self) -> Traitement | None:
        """The latest traitement. DS dates are to the second, so two traitements often share
        one (passage en instruction then decision): ties go to DS's own, chronological, order."""
        if not self.traitements:
            return None
        return max(enumerate(self.traitements), key=lambda it: (it[1].date, it[0]))[1]

    @property
    def visible_messages(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.discarded_at is None)

    @property
    def conversation(self) -> tuple[Message, ...]:
        """The visible messages people wrote (DS's own notices left out)."""
        return tuple(m for m in self.visible_messages if not is_ds_notice(m.email))

    @property
    def staff_emails(self) -> frozenset[str]:
        """Emails of the people on the administration's side of this dossier (lower-cased)."""
        emails = {p.email for p in self.groupe_instructeur.instructeurs}
        emails.update(p.email for p in self.followers)
        for avis in self.avis:
            emails.update(e for e in (avis.claimant_email, avis.expert_email) if e)
        return frozenset(e.lower() for e in emails if e)

    def is_from_usager(self, email: str, staff: frozenset[str]) -> bool:
        """A message written on the usager's side (not by an instructeur, an expert or DS);
        `staff` is `staff_emails`, computed once by a caller that checks many messages.

        DS writes a notice from its contact address after every instructeur transition: without
        an usager e-mail to compare with, that address would otherwise pass for the usager's.
        """
        email = email.strip().lower()
        if is_ds_notice(email):
            return False
        if self.usager_email:
            return email == self.usager_email.strip().lower()
        return bool(email) and email not in staff


@dataclass(frozen=True)
class FeedPage:
    """One page of `dossiers(updatedSince:, after:)`. `end_cursor` is None on an empty page."""

    dossiers: tuple[DossierSummary, ...]
    end_cursor: str | None
    has_next_page: bool
    # A full page (`full=True`) also carries each dossier in full, in the order of `dossiers`.
    details: tuple[Dossier, ...] | None = None
    # Asked with the page (`deleted_since`): the deletions since then, when DS gave them all in
    # this answer (None: not asked, or more than one page of them: read them on their own).
    deletions: tuple[DeletedDossier, ...] | None = None


@dataclass(frozen=True)
class DeletedDossier:
    id: str
    number: int
    state: DossierState
    reason: str
    date_supression: datetime  # sic, DS's spelling
    pending: bool  # True: in the trash (restorable); False: definitively deleted


@dataclass(frozen=True)
class Demarche:
    id: str
    number: int
    title: str
    state: str
    groupes: tuple[GroupeInstructeur, ...] = ()
    labels: tuple[Label, ...] = ()

    @property
    def open_groupes(self) -> tuple[GroupeInstructeur, ...]:
        return tuple(g for g in self.groupes if not g.closed)


@dataclass(frozen=True)
class DirectUpload:
    url: str
    headers: dict[str, str]
    blob_id: str
    signed_blob_id: str


@dataclass(frozen=True)
class MutationResult:
    """What a state mutation returned: the dossier's new state when DS gave it."""

    dossier_id: str
    state: DossierState | None
    archived: bool | None = None
    # True when the mutation's answer was lost and a re-read showed it had been applied.
    recovered: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# --- parsing -------------------------------------------------------------------------------


def _profile(d: dict[str, Any]) -> Profile:
    return Profile(id=d.get("id", ""), email=d.get("email", ""))


def parse_file(d: dict[str, Any] | None) -> File | None:
    if not d:
        return None
    return File(
        filename=d["filename"],
        content_type=d.get("contentType", ""),
        checksum=d.get("checksum", ""),
        byte_size=int(d.get("byteSize") or 0),
        url=d.get("url", ""),
    )


def parse_groupe(d: dict[str, Any]) -> GroupeInstructeur:
    return GroupeInstructeur(
        id=d["id"],
        number=d["number"],
        label=d["label"],
        closed=bool(d.get("closed", False)),
        instructeurs=tuple(_profile(p) for p in d.get("instructeurs") or ()),
    )


def parse_label(d: dict[str, Any]) -> Label:
    return Label(id=d["id"], name=d["name"], color=d["color"])


def parse_demandeur(d: dict[str, Any] | None) -> Demandeur | None:
    if not d:
        return None
    typename = d.get("__typename")
    if typename == "PersonnePhysique":
        return PersonnePhysique(civilite=d.get("civilite"), nom=d["nom"], prenom=d["prenom"])
    entreprise = d.get("entreprise") or {}
    association = d.get("association") or {}
    raison_sociale = (
        entreprise.get("raisonSociale")
        or entreprise.get("nomCommercial")
        or association.get("titre")
        or None
    )
    return PersonneMorale(siret=d.get("siret", ""), raison_sociale=raison_sociale)


def _champ(d: dict[str, Any]) -> Champ:
    return Champ(
        id=d["id"], typename=d.get("__typename", ""), label=d["label"], value=d.get("stringValue")
    )


def _traitement(d: dict[str, Any]) -> Traitement:
    return Traitement(
        state=DossierState(d["state"]),
        event=d.get("event"),
        date=parse_required_datetime(d["dateTraitement"]),
        email_agent_traitant=d.get("emailAgentTraitant"),
        motivation=d.get("motivation"),
    )


def parse_dossier(d: dict[str, Any]) -> Dossier:
    """Parse the answer of `get_dossier.graphql` (missing optional parts are tolerated)."""
    return Dossier(
        id=d["id"],
        number=d["number"],
        state=DossierState(d["state"]),
        archived=bool(d.get("archived", False)),
        demarche=DemarcheRef(**{k: d["demarche"][k] for k in ("id", "number", "title")}),
        groupe_instructeur=parse_groupe(d["groupeInstructeur"]),
        date_depot=parse_required_datetime(d["dateDepot"]),
        date_derniere_modification=parse_required_datetime(d["dateDerniereModification"]),
        usager_email=(d.get("usager") or {}).get("email"),
        demandeur=parse_demandeur(d.get("demandeur")),
        date_passage_en_construction=parse_datetime(d.get("datePassageEnConstruction")),
        date_passage_en_instruction=parse_datetime(d.get("datePassageEnInstruction")),
        date_traitement=parse_datetime(d.get("dateTraitement")),
        date_expiration=parse_datetime(d.get("dateExpiration")),
        date_previsionnelle_decision=parse_date(d.get("datePrevisionnelleDecisionSVASVR")),
        date_derniere_correction_en_attente=parse_datetime(
            d.get("dateDerniereCorrectionEnAttente")
        ),
        date_suppression_par_usager=parse_datetime(d.get("dateSuppressionParUsager")),
        date_suppression_par_administration=parse_datetime(
            d.get("dateSuppressionParAdministration")
        ),
        motivation=d.get("motivation"),
        motivation_attachment=parse_file(d.get("motivationAttachment")),
        followers=tuple(_profile(p) for p in d.get("instructeurs") or ()),
        labels=tuple(parse_label(lb) for lb in d.get("labels") or ()),
        champs=tuple(_champ(c) for c in d.get("champs") or ()),
        annotations=tuple(_champ(c) for c in d.get("annotations") or ()),
        messages=tuple(
            Message(
                id=m["id"],
                email=m["email"],
                body=m["body"],
                created_at=parse_required_datetime(m["createdAt"]),
                attachments=tuple(f for f in map(parse_file, m.get("attachments") or ()) if f),
                discarded_at=parse_datetime(m.get("discardedAt")),
            )
            for m in d.get("messages") or ()
        ),
        avis=tuple(
            Avis(
                id=a["id"],
                question=a["question"],
                reponse=a.get("reponse"),
                date_question=parse_required_datetime(a["dateQuestion"]),
                date_reponse=parse_datetime(a.get("dateReponse")),
                claimant_email=(a.get("claimant") or {}).get("email"),
                expert_email=(a.get("expert") or {}).get("email"),
            )
            for a in d.get("avis") or ()
        ),
        traitements=tuple(_traitement(t) for t in d.get("traitements") or ()),
    )


def parse_summary(d: dict[str, Any]) -> DossierSummary:
    return DossierSummary(
        id=d["id"],
        number=d["number"],
        state=DossierState(d["state"]),
        archived=bool(d.get("archived", False)),
        date_depot=parse_required_datetime(d["dateDepot"]),
        date_derniere_modification=parse_required_datetime(d["dateDerniereModification"]),
        date_derniere_modification_champs=parse_datetime(d.get("dateDerniereModificationChamps")),
        date_derniere_modification_annotations=parse_datetime(
            d.get("dateDerniereModificationAnnotations")
        ),
        date_derniere_correction_en_attente=parse_datetime(
            d.get("dateDerniereCorrectionEnAttente")
        ),
        date_passage_en_instruction=parse_datetime(d.get("datePassageEnInstruction")),
        date_traitement=parse_datetime(d.get("dateTraitement")),
        groupe_number=(d.get("groupeInstructeur") or {}).get("number"),
    )


def parse_feed_page(
    connection: dict[str, Any],
    *,
    full: bool = False,
    deleted: dict[str, Any] | None = None,
    pending: dict[str, Any] | None = None,
) -> FeedPage:
    """A light page, or with `full` a page whose nodes also hold `DsbotDossierDetails`;
    `deleted` and `pending`, the deletion connections asked with it, if any."""
    info = connection.get("pageInfo") or {}
    nodes = [n for n in connection.get("nodes") or () if n]
    return FeedPage(
        dossiers=tuple(parse_summary(n) for n in nodes),
        end_cursor=info.get("endCursor"),
        has_next_page=bool(info.get("hasNextPage")),
        details=tuple(parse_dossier(n) for n in nodes) if full else None,
        deletions=_deletions_at_once(deleted, pending),
    )


def _deletions_at_once(
    deleted: dict[str, Any] | None, pending: dict[str, Any] | None
) -> tuple[DeletedDossier, ...] | None:
    """Both deletion connections in full, or None when one was not asked or has more pages."""
    if deleted is None or pending is None:
        return None
    found: list[DeletedDossier] = []
    for connection, in_trash in ((deleted, False), (pending, True)):
        if (connection.get("pageInfo") or {}).get("hasNextPage"):
            return None
        found += [parse_deleted(n, pending=in_trash) for n in connection.get("nodes") or () if n]
    return tuple(found)


def parse_deleted(d: dict[str, Any], *, pending: bool) -> DeletedDossier:
    return DeletedDossier(
        id=d["id"],
        number=d["number"],
        state=DossierState(d["state"]),
        reason=d["reason"],
        date_supression=parse_required_datetime(d["dateSupression"]),
        pending=pending,
    )


def parse_demarche(d: dict[str, Any]) -> Demarche:
    return Demarche(
        id=d["id"],
        number=d["number"],
        title=d["title"],
        state=d.get("state", ""),
        groupes=tuple(parse_groupe(g) for g in d.get("groupeInstructeurs") or ()),
        labels=tuple(parse_label(lb) for lb in d.get("labels") or ()),
    )


# --- additions of the DS client (dsbot/backends/ds/client.py) -------------------------------------

_EPOCH = "1970-01-01T00:00:00+00:00"


def parse_dossier_partial(d: dict[str, Any]) -> Dossier:
    """Parse a light re-read (`get_dossier_state`, `get_dossier_activity`).

    Fields the document does not select keep an empty value: `demarche` is
    DemarcheRef("", 0, ""), `date_depot` is the Unix epoch, tuples are empty.
    """
    filled = dict(d)
    filled.setdefault("demarche", {"id": "", "number": 0, "title": ""})
    filled.setdefault("dateDepot", _EPOCH)
    filled.setdefault("groupeInstructeur", {"id": "", "number": 0, "label": ""})
    return parse_dossier(filled)


def parse_message(m: dict[str, Any]) -> Message:
    return Message(
        id=m["id"],
        email=m.get("email", ""),
        body=m.get("body", ""),
        created_at=parse_required_datetime(m["createdAt"]),
        attachments=tuple(f for f in map(parse_file, m.get("attachments") or ()) if f),
        discarded_at=parse_datetime(m.get("discardedAt")),
    )


def parse_champ(d: dict[str, Any]) -> Champ:
    return Champ(
        id=d["id"],
        typename=d.get("__typename", ""),
        label=d.get("label", ""),
        value=d.get("stringValue"),
    )
