"""The local index of dossier summaries, kept by the feed for the App Home and the digest.

DS has no query for "the dossiers of this instructeur", and rescanning a démarche on every
Home opening would cost hundreds of requests (docs/ds-api.md, "Rate limit"). The feed already
reads every dossier that changes: it records here what the Home and the digest need, in the
same transaction as its snapshots, and marks the Home tabs of the people concerned out of
date (published again, debounced, by the Slack layer).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from sqlite_utils import Database

from dsbot.backends.port import DossierState, DossierSummary
from dsbot.store import index as q
from dsbot.store import search
from dsbot.store.index import IndexEntry
from dsbot.store.search import SearchFields

# What the index reads of a dossier read in full (DS's `Dossier`), as protocols, so that it
# needs none of DS's models; who wrote a message is DS's to say (`is_from_usager`).


class _Someone(Protocol):
    @property
    def id(self) -> str: ...


class _Demarche(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def title(self) -> str: ...


class _Groupe(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def instructeurs(self) -> Sequence[_Someone]: ...


class _Message(Protocol):
    @property
    def email(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


class _Avis(Protocol):
    @property
    def date_question(self) -> datetime: ...

    @property
    def date_reponse(self) -> datetime | None: ...


class IndexedDossier(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def state(self) -> DossierState: ...

    @property
    def archived(self) -> bool: ...

    @property
    def demarche(self) -> _Demarche: ...

    @property
    def groupe_instructeur(self) -> _Groupe: ...

    @property
    def date_depot(self) -> datetime: ...

    @property
    def date_derniere_modification(self) -> datetime: ...

    @property
    def date_passage_en_construction(self) -> datetime | None: ...

    @property
    def date_passage_en_instruction(self) -> datetime | None: ...

    @property
    def date_traitement(self) -> datetime | None: ...

    @property
    def date_derniere_correction_en_attente(self) -> datetime | None: ...

    @property
    def date_expiration(self) -> datetime | None: ...

    @property
    def date_previsionnelle_decision(self) -> date | None: ...

    @property
    def followers(self) -> Sequence[_Someone]: ...

    @property
    def visible_messages(self) -> Sequence[_Message]: ...

    @property
    def avis(self) -> Sequence[_Avis]: ...

    @property
    def staff_emails(self) -> frozenset[str]: ...

    def is_from_usager(self, email: str, staff: frozenset[str]) -> bool: ...


def entry_from_dossier(dossier: IndexedDossier) -> IndexEntry:
    state_since = {
        DossierState.EN_CONSTRUCTION: dossier.date_passage_en_construction or dossier.date_depot,
        DossierState.EN_INSTRUCTION: dossier.date_passage_en_instruction,
    }.get(dossier.state, dossier.date_traitement)
    messages = sorted(dossier.visible_messages, key=lambda m: m.created_at)
    last = messages[-1] if messages else None
    staff = dossier.staff_emails
    pending = [a.date_question for a in dossier.avis if a.date_reponse is None]
    return IndexEntry(
        number=dossier.number,
        demarche_number=dossier.demarche.number,
        demarche_title=dossier.demarche.title,
        groupe_number=dossier.groupe_instructeur.number,
        state=dossier.state,
        archived=dossier.archived,
        date_depot=dossier.date_depot,
        state_since=state_since or dossier.date_derniere_modification,
        date_derniere_modification=dossier.date_derniere_modification,
        date_derniere_correction_en_attente=dossier.date_derniere_correction_en_attente,
        date_expiration=dossier.date_expiration,
        date_previsionnelle_decision=dossier.date_previsionnelle_decision,
        last_message_from_usager=last is not None and dossier.is_from_usager(last.email, staff),
        last_message_at=last.created_at if last else None,
        avis_pending_since=min(pending) if pending else None,
        followers=tuple(p.id for p in dossier.followers if p.id),
        groupe_members=tuple(p.id for p in dossier.groupe_instructeur.instructeurs if p.id),
    )


def search_fields(dossier: IndexedDossier) -> SearchFields:
    """What `/ds cherche` finds the dossier by (personal data: erased with the dossier). The
    demandeur is DS's `PersonnePhysique` (civilité, nom, prénom) or `PersonneMorale` (SIRET,
    raison sociale), read by name so that the index needs none of DS's models."""
    demandeur: Any = getattr(dossier, "demandeur", None)
    names = [getattr(demandeur, attr, None) or "" for attr in ("prenom", "nom", "raison_sociale")]
    labels: Any = getattr(dossier, "labels", ()) or ()
    return SearchFields(
        demandeur=" ".join(n for n in names if n),
        email=str(getattr(dossier, "usager_email", None) or ""),
        siret=str(getattr(demandeur, "siret", None) or ""),
        labels=" ".join(str(getattr(label, "name", "")) for label in labels),
        demarche_title=dossier.demarche.title,
    )


def record(db: Database, dossier: IndexedDossier, now: datetime) -> None:
    """Index a dossier just read in full, and mark the Homes that show it out of date (those
    of its previous and its current groupe and followers)."""
    concerned = set(q.concerned_instructeurs(db, [dossier.number]))
    entry = entry_from_dossier(dossier)
    q.upsert(db, entry, now)
    search.upsert(db, dossier.number, entry.groupe_number, search_fields(dossier))
    concerned.update(entry.followers)
    concerned.update(entry.groupe_members)
    q.mark_dirty(db, concerned, now)


def record_summary(db: Database, summary: DossierSummary, now: datetime) -> bool:
    """Refresh an indexed dossier from a list page's light fields, when no full read is made
    (followers and messages then keep their last known values). False: not indexed yet."""
    concerned = set(q.concerned_instructeurs(db, [summary.number]))
    state_since = {
        DossierState.EN_INSTRUCTION: summary.date_passage_en_instruction,
    }.get(summary.state, summary.date_traitement if summary.state.is_termine else None)
    updated = q.update_light(
        db,
        summary.number,
        state=summary.state,
        archived=summary.archived,
        state_since=state_since,
        date_derniere_modification=summary.date_derniere_modification,
        date_derniere_correction_en_attente=summary.date_derniere_correction_en_attente,
        groupe_number=summary.groupe_number,
        now=now,
    )
    if updated:
        if summary.groupe_number is not None:
            search.move(db, summary.number, summary.groupe_number)
        concerned.update(q.concerned_instructeurs(db, [summary.number]))
        q.mark_dirty(db, concerned, now)
    return updated


def forget(db: Database, number: int, now: datetime) -> None:
    """A dossier in DS's trash leaves the index (and the Homes that showed it)."""
    q.mark_dirty(db, q.delete(db, number), now)
    search.delete(db, number)
