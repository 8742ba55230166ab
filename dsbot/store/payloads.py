"""The typed contract between the feed, the outbox table and the delivery: what changed in a
dossier (one frozen dataclass per `ChangeKind`) and what an outbox row carries (one frozen
dataclass per `OutboxKind`). JSON goes in and out here and nowhere else.

The JSON shapes are the ones rows were always stored with (`{"change": ..., "params": {...}}`
for a thread event...), so rows queued by an older dsbot still decode. Unknown keys are
ignored and missing ones take their default: a row is never lost to a format change.

Adding an event kind: its `ChangeKind`, its dataclass here (registered in `CHANGE_TYPES`),
what the classifier emits, and its block in `dsbot.slack.blocks.events`.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from dsbot.ds.models import DossierState, DossierSummary


class ChangeKind(StrEnum):
    DEPOSITED = "deposited"
    STATE_CHANGED = "state_changed"
    MESSAGE_RECEIVED = "message_received"
    AVIS_REQUESTED = "avis_requested"
    AVIS_GIVEN = "avis_given"
    CORRECTION_REQUESTED = "correction_requested"
    CORRECTION_RESOLVED = "correction_resolved"
    CHAMPS_EDITED = "champs_edited"
    TRASHED = "trashed"
    DELETED = "deleted"
    RESTORED = "restored"
    UPDATED = "updated"


class OutboxKind(StrEnum):
    PARENT = "parent"  # the dossier's card, posted once then updated in place
    THREAD = "thread"  # one event in the card's thread
    SUMMARY = "summary"  # many new dossiers at once
    ALERT = "alert"  # an operational message (ops channel, or a DM to an admin)


class OutboxStatus(StrEnum):
    """pending → sending → sent; or dead (gave up), skipped (nothing to do), collapsed (folded
    into a summary)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    SKIPPED = "skipped"
    COLLAPSED = "collapsed"

    @property
    def final(self) -> bool:
        return self not in (OutboxStatus.PENDING, OutboxStatus.SENDING)


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
    )
}
assert set(CHANGE_TYPES) == set(ChangeKind), "every ChangeKind needs its params type"


def change_from_json(kind: ChangeKind | str, d: dict[str, Any]) -> ChangeParams:
    return CHANGE_TYPES[ChangeKind(kind)].from_json(d)


# --- dossier summaries (what a burst summary lists) ---------------------------------------------


def summary_to_json(summary: DossierSummary) -> dict[str, Any]:
    """What a burst summary needs of a listed dossier (its other dates are the feed's)."""
    return {
        "id": summary.id,
        "number": summary.number,
        "state": summary.state.value,
        "archived": summary.archived,
        "date_depot": summary.date_depot.isoformat(),
        "date_derniere_modification": summary.date_derniere_modification.isoformat(),
    }


def summary_from_json(d: dict[str, Any]) -> DossierSummary:
    return DossierSummary(
        id=d["id"],
        number=d["number"],
        state=DossierState(d["state"]),
        archived=bool(d["archived"]),
        date_depot=datetime.fromisoformat(d["date_depot"]),
        date_derniere_modification=datetime.fromisoformat(d["date_derniere_modification"]),
    )


# --- outbox payloads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParentPayload:
    """The dossier's card. `create` False only refreshes a card the channel has; `new` marks a
    freshly deposited dossier (a candidate for a burst summary, with its `summary`);
    `backfill` a dossier from before the subscription (always folded into one summary)."""

    kind: ClassVar[OutboxKind] = OutboxKind.PARENT
    create: bool = False
    new: bool = False
    demarche: int | None = None
    demarche_title: str | None = None
    summary: DossierSummary | None = None
    backfill: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "create": self.create,
            "new": self.new,
            "demarche": self.demarche,
            "demarche_title": self.demarche_title,
            "summary": summary_to_json(self.summary) if self.summary else None,
        }
        if self.backfill:
            out["backfill"] = True
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ParentPayload:
        return cls(
            create=bool(d.get("create")),
            new=bool(d.get("new")),
            demarche=d.get("demarche"),
            demarche_title=d.get("demarche_title"),
            summary=summary_from_json(d["summary"]) if d.get("summary") else None,
            backfill=bool(d.get("backfill")),
        )


@dataclass(frozen=True)
class ThreadPayload:
    """One event in the card's thread. `create_parent`: post the card first if the channel
    does not have it; `broadcast`: also show the reply in the channel."""

    change: ChangeParams
    kind: ClassVar[OutboxKind] = OutboxKind.THREAD
    broadcast: bool = False
    create_parent: bool = True
    demarche: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change.kind.value,
            "params": self.change.to_json(),
            "broadcast": self.broadcast,
            "create_parent": self.create_parent,
            "demarche": self.demarche,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ThreadPayload:
        return cls(
            change=change_from_json(d["change"], d.get("params") or {}),
            broadcast=bool(d.get("broadcast")),
            create_parent=bool(d.get("create_parent", True)),
            demarche=d.get("demarche"),
        )


@dataclass(frozen=True)
class SummaryPayload:
    """Many new dossiers of one démarche at once."""

    kind: ClassVar[OutboxKind] = OutboxKind.SUMMARY
    demarche: int | None = None
    demarche_title: str | None = None
    dossiers: tuple[DossierSummary, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "demarche": self.demarche,
            "demarche_title": self.demarche_title,
            "dossiers": [summary_to_json(s) for s in self.dossiers],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SummaryPayload:
        return cls(
            demarche=d.get("demarche"),
            demarche_title=d.get("demarche_title"),
            dossiers=tuple(summary_from_json(s) for s in d.get("dossiers") or ()),
        )


@dataclass(frozen=True)
class AlertPayload:
    """An operational message: a text key of dsbot.texts and its parameters."""

    text_key: str
    params: dict[str, str | int] = dataclasses.field(default_factory=dict)
    kind: ClassVar[OutboxKind] = OutboxKind.ALERT

    def to_json(self) -> dict[str, Any]:
        return {"text_key": self.text_key, "params": dict(self.params)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> AlertPayload:
        return cls(text_key=d["text_key"], params=dict(d.get("params") or {}))


OutboxPayload = ParentPayload | ThreadPayload | SummaryPayload | AlertPayload

PAYLOAD_TYPES: dict[OutboxKind, type[OutboxPayload]] = {
    OutboxKind.PARENT: ParentPayload,
    OutboxKind.THREAD: ThreadPayload,
    OutboxKind.SUMMARY: SummaryPayload,
    OutboxKind.ALERT: AlertPayload,
}


def encode_payload(payload: OutboxPayload) -> str:
    return json.dumps(payload.to_json(), separators=(",", ":"), ensure_ascii=False)


def decode_payload(kind: OutboxKind | str, text: str) -> OutboxPayload:
    """A stored payload. An unknown kind is a ValueError (never silently dropped)."""
    return PAYLOAD_TYPES[OutboxKind(kind)].from_json(json.loads(text))
