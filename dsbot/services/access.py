"""May this Slack user act on this dossier? Decided from a fresh read of DS, every time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dsbot.ds.models import Dossier
from dsbot.services.directory import InstructeurDirectory
from dsbot.services.linking import LinkingService, LinkStatus


class DossierReader(Protocol):
    def get_dossier(self, number: int) -> Dossier: ...


@dataclass(frozen=True)
class Access:
    instructeur_id: str | None
    allowed: bool
    # Text key saying why the user cannot act (None when allowed).
    reason_key: str | None = None


def access_for(dossier: Dossier, status: LinkStatus) -> Access:
    """Allowed only for a linked instructeur of the dossier's groupe, as DS itself requires."""
    if status.link is None:
        return Access(None, False, status.reason or "link.reason_no_match")
    instructeur_id = status.link.instructeur_id
    if not dossier.groupe_instructeur.has_instructeur(instructeur_id):
        return Access(instructeur_id, False, "access.reason_not_in_groupe")
    return Access(instructeur_id, True)


class DossierAccessService:
    def __init__(
        self, ds: DossierReader, linking: LinkingService, directory: InstructeurDirectory
    ) -> None:
        self.ds = ds
        self.linking = linking
        self.directory = directory

    def open(self, team_id: str, user_id: str, number: int) -> tuple[Dossier, Access]:
        """Read the dossier (DSError propagates) and decide what the user may do with it."""
        dossier = self.ds.get_dossier(number)
        self.directory.note_demarche(dossier.demarche.number)
        status = self.linking.resolve(
            team_id, user_id, candidates=dossier.groupe_instructeur.instructeurs
        )
        return dossier, access_for(dossier, status)
