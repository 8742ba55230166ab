"""What changed in an item: one frozen dataclass per `ChangeKind`, with its one
`to_json`/`from_json`. The JSON shapes are the ones rows were always stored with; unknown keys
are ignored and missing ones take their default, so that a row is never lost to a format change.

Adding an event kind: its `ChangeKind`, its dataclass here (registered in `CHANGE_TYPES`),
what the classifier emits, and its block in `dsbot.slack.presentation.blocks.events`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from dsbot.notifications.model.kinds import ChangeKind


def _dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- changes -------------------------------------------------------------------------------------

T = TypeVar("T", bound="_ChangeBase")


@dataclass(frozen=True)
class _ChangeBase:
    """Every change may say when it happened (`at`, DS's date)."""

    kind: ClassVar[ChangeKind]
    at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls: type[T], d: dict[str, Any]) -> T:
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in d:
                continue
            value = d[f.name]
            if f.name == "at":
                value = _dt(value)
            elif isinstance(value, list):
                value = tuple(value)
            values[f.name] = value
        return cls(**values)


@dataclass(frozen=True)
class Deposited(_ChangeBase):
    """Shown as the card itself, never as a thread event."""

    kind = ChangeKind.DEPOSITED


@dataclass(frozen=True)
class StateChanged(_ChangeBase):
    kind = ChangeKind.STATE_CHANGED
    from_state: str | None = None  # DossierState values
    to_state: str = ""
    by: str | None = None  # emailAgentTraitant
    motivation: str | None = None
    traitement_event: str | None = None


@dataclass(frozen=True)
class MessageReceived(_ChangeBase):
    """A message from the usager."""

    kind = ChangeKind.MESSAGE_RECEIVED
    message_id: str | None = None
    email: str | None = None
    body: str | None = None
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class AvisRequested(_ChangeBase):
    kind = ChangeKind.AVIS_REQUESTED
    avis_id: str | None = None
    question: str | None = None
    claimant: str | None = None
    expert: str | None = None


@dataclass(frozen=True)
class AvisGiven(_ChangeBase):
    kind = ChangeKind.AVIS_GIVEN
    avis_id: str | None = None
    reponse: str | None = None
    expert: str | None = None


@dataclass(frozen=True)
class CorrectionRequested(_ChangeBase):
    kind = ChangeKind.CORRECTION_REQUESTED


@dataclass(frozen=True)
class CorrectionResolved(_ChangeBase):
    """The usager corrected the dossier: the pending correction request is closed."""

    kind = ChangeKind.CORRECTION_RESOLVED


@dataclass(frozen=True)
class ChampsEdited(_ChangeBase):
    """The usager changed the form."""

    kind = ChangeKind.CHAMPS_EDITED


@dataclass(frozen=True)
class Trashed(_ChangeBase):
    """Moved to DS's trash, still restorable."""

    kind = ChangeKind.TRASHED
    reason: str | None = None
    state: str | None = None  # its state when trashed


@dataclass(frozen=True)
class Deleted(_ChangeBase):
    """Deleted for good."""

    kind = ChangeKind.DELETED
    reason: str | None = None
    state: str | None = None


@dataclass(frozen=True)
class Restored(_ChangeBase):
    kind = ChangeKind.RESTORED


@dataclass(frozen=True)
class Updated(_ChangeBase):
    """Noise only: the card is refreshed, nothing is announced."""

    kind = ChangeKind.UPDATED


@dataclass(frozen=True)
class ItemStateChanged(_ChangeBase):
    """An item of another backend (a Dynacase document) moved to another workflow state;
    states are the backend's ids, with their labels as people read them."""

    kind = ChangeKind.ITEM_STATE_CHANGED
    title: str = ""  # the item's title when it changed
    from_state: str | None = None
    from_label: str | None = None
    to_state: str = ""
    to_label: str | None = None
    to_color: str | None = None  # `#rrggbb`, the new state's colour in the backend
    by: str | None = None  # the backend's user name of who made it
    comment: str | None = None


ChangeParams = (
    Deposited
    | StateChanged
    | MessageReceived
    | AvisRequested
    | AvisGiven
    | CorrectionRequested
    | CorrectionResolved
    | ChampsEdited
    | Trashed
    | Deleted
    | Restored
    | Updated
    | ItemStateChanged
)

CHANGE_TYPES: dict[ChangeKind, type[ChangeParams]] = {
    t.kind: t
    for t in (
        Deposited,
        StateChanged,
        MessageReceived,
        AvisRequested,
        AvisGiven,
        CorrectionRequested,
        CorrectionResolved,
        ChampsEdited,
        Trashed,
        Deleted,
        Restored,
        Updated,
        ItemStateChanged,
    )
}
assert set(CHANGE_TYPES) == set(ChangeKind), "every ChangeKind needs its params type"


def change_from_json(kind: ChangeKind | str, d: dict[str, Any]) -> ChangeParams:
    return CHANGE_TYPES[ChangeKind(kind)].from_json(d)


@dataclass(frozen=True)
class Change:
    """One thing that happened to a dossier, as a backend's classifier says it (DS's:
    `backends/ds/classify.py`) and the outbox queues it.

    `ident` is stable across re-listings (a message id, a traitement's index...), so the
    same event seen twice gives the same outbox dedupe key.
    """

    at: datetime
    ident: str
    params: ChangeParams
    announce: bool = True
    broadcast: bool = False

    @property
    def kind(self) -> ChangeKind:
        return self.params.kind
