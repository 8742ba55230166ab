"""A dossier's light fields, as the notifications and the services keep them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dsbot.backends.port.items import DossierState


@dataclass(frozen=True)
class DossierSummary:
    """The light fields of a DS dossier as its change feed lists them: what the notifications
    carry in their payloads (a burst's dossiers, a state change's summary) and the feed compares.
    Here, beside `DossierState`, so that the notification model keeps them as plain data without
    importing DS's models (which re-export it)."""

    id: str
    number: int
    state: DossierState
    archived: bool
    date_depot: datetime
    date_derniere_modification: datetime
    date_derniere_modification_champs: datetime | None = None
    date_derniere_modification_annotations: datetime | None = None
    date_derniere_correction_en_attente: datetime | None = None
    date_passage_en_instruction: datetime | None = None
    date_traitement: datetime | None = None
    groupe_number: int | None = None
