"""May this Slack user see, and act on, this dossier? Decided from a fresh read of DS, every time.

Dossiers hold personal data: their content is shown only to a linked instructeur of the
dossier's groupe, or to an admin; never to a Slack guest (restricted or ultra-restricted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

from dsbot.backends.errors import BackendNotFound
from dsbot.services.directory import InstructeurDirectory, Person
from dsbot.services.linking import LinkingService, LinkStatus

# What the check reads of a dossier, as protocols: the service hands the caller back the
# backend's own dossier (DS's `Dossier`) without this module importing DS's models.


class Groupe(Protocol):
    @property
    def instructeurs(self) -> Sequence[Person]: ...

    def has_instructeur(self, instructeur_id: str) -> bool: ...


class Numbered(Protocol):
    @property
    def number(self) -> int: ...


class GroupedDossier(Protocol):
    """A dossier of a démarche, handled by one groupe of instructeurs."""

    @property
    def demarche(self) -> Numbered: ...

    @property
    def groupe_instructeur(self) -> Groupe: ...


D = TypeVar("D", bound=GroupedDossier)
D_co = TypeVar("D_co", bound=GroupedDossier, covariant=True)


class DossierReader(Protocol[D_co]):
    def get_dossier(self, number: int) -> D_co: ...


@dataclass(frozen=True)
class Access:
    instructeur_id: str | None
    allowed: bool
    # Text key saying why the user cannot act (None when allowed).
    reason_key: str | None = None
    # An admin sees the content of any dossier, without acting unless they are instructeur.
    admin: bool = False

    @property
    def visible(self) -> bool:
        """Whether the user may see the dossier's content (demandeur, champs, messages)."""
        return self.allowed or self.admin


GUEST = Access(None, False, "access.reason_guest")

# Why a linked person does not see a dossier, without saying whether it exists.
REASON_UNSEEN = "access.reason_unseen"


class NotForYou(BackendNotFound):
    """The one answer to a person who may not see a dossier, whether it exists or not.

    Raised by `DossierAccessService.open` for an unknown number (or one kept from the bot's
    token) and for a dossier the person may not see alike, after the same work; `reason_key`
    depends on the person only (guest, not linked, linked). An admin gets DS's own error instead.
    """

    text_key = "dossier.not_for_you"

    def __init__(self, number: int, reason_key: str, instructeur_id: str | None = None) -> None:
        super().__init__(f"dossier {number} not for this person", code="not_for_you")
        self.number = number
        self.reason_key = reason_key
        # The person's own instructeur, when linked (for the audit; never shown).
        self.instructeur_id = instructeur_id

    def text_params(self) -> dict[str, object]:
        return {"number": self.number, "reason_key": self.reason_key}


def access_for(dossier: GroupedDossier, status: LinkStatus, *, is_admin: bool = False) -> Access:
    """Allowed only for a linked instructeur of the dossier's groupe, as DS itself requires."""
    if status.link is None:
        access = Access(None, False, status.reason or "link.reason_no_match")
    elif not dossier.groupe_instructeur.has_instructeur(status.link.instructeur_id):
        access = Access(status.link.instructeur_id, False, "access.reason_not_in_groupe")
    else:
        return Access(status.link.instructeur_id, True)
    return replace(access, admin=True) if is_admin else access


class DossierAccessService(Generic[D]):
    def __init__(
        self, ds: DossierReader[D], linking: LinkingService, directory: InstructeurDirectory
    ) -> None:
        self.ds = ds
        self.linking = linking
        self.directory = directory

    def is_guest(self, user_id: str) -> bool:
        """A Slack guest never sees a dossier: known without reading DS."""
        return self.linking.users.profile(user_id).is_restricted

    def open(self, team_id: str, user_id: str, number: int) -> tuple[D, Access]:
        """Read the dossier and decide what the user may do with it.

        A person who may not see it gets `NotForYou` whether it exists or not, after the same
        work: a guest before any read; anyone else after one DS read, the link resolved and the
        admin rights checked, for an unknown number as for a hidden dossier (README,
        « Sécurité »). An admin gets DS's own error for an unknown number; any other
        BackendError propagates.
        """
        if self.is_guest(user_id):
            raise NotForYou(number, GUEST.reason_key or REASON_UNSEEN)
        dossier: D | None
        try:
            dossier = self.ds.get_dossier(number)
        except BackendNotFound as exc:
            dossier, missing = None, exc
        candidates = dossier.groupe_instructeur.instructeurs if dossier is not None else ()
        status = self.linking.resolve(team_id, user_id, candidates=candidates)
        is_admin = self.linking.is_admin(user_id)
        unseen = NotForYou(number, status.reason or "link.reason_no_match")
        if status.link is not None:
            unseen = NotForYou(number, REASON_UNSEEN, status.link.instructeur_id)
        if dossier is None:
            raise missing if is_admin else unseen
        access = access_for(dossier, status, is_admin=is_admin)
        if not access.visible:
            raise unseen
        # Only a dossier someone may see teaches the directory a démarche (an unseen number
        # must not cost DS reads an unknown one does not).
        self.directory.note_demarche(dossier.demarche.number)
        return dossier, access
