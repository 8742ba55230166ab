"""May this Slack user see, and act on, this dossier? Decided from a fresh read of DS, every time.

Dossiers hold personal data: their content is shown only to a linked instructeur of the
dossier's groupe, or to an admin; never to a Slack guest (restricted or ultra-restricted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

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
        """Read the dossier (a BackendError propagates) and decide what the user may do with it."""
        dossier = self.ds.get_dossier(number)
        if self.is_guest(user_id):
            return dossier, GUEST
        self.directory.note_demarche(dossier.demarche.number)
        status = self.linking.resolve(
            team_id, user_id, candidates=dossier.groupe_instructeur.instructeurs
        )
        return dossier, access_for(dossier, status, is_admin=self.linking.is_admin(user_id))
