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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from dsbot.backends.ds.models import DossierState, DossierSummary


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
    ITEM_STATE_CHANGED = "item_state_changed"  # a backend item (a Dynacase document)


class OutboxKind(StrEnum):
    PARENT = "parent"  # the dossier's card, posted once then updated in place
    THREAD = "thread"  # one event in the card's thread
    SUMMARY = "summary"  # many new dossiers at once
    ALERT = "alert"  # an operational message (ops channel, or a DM to an admin)
    DIGEST = "digest"  # a channel's daily digest (dsbot.services.digest)


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


# --- items of other backends ----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRef:
    """An item of a backend other than DS (a Dynacase document): `backend` is a BackendName
    value, `ref` how the backend addresses the item for good (an initid)."""

    backend: str
    ref: str

    @property
    def row_number(self) -> int:
        """The item's number in the outbox and channel_messages columns made for DS dossiers:
        negative, so that a document never takes the card of a dossier with the same number in
        a channel that follows both."""
        return -int(self.ref)

    def to_json(self) -> dict[str, str]:
        return {"backend": self.backend, "ref": self.ref}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ItemRef:
        return cls(backend=str(d["backend"]), ref=str(d["ref"]))


def _item(d: dict[str, Any]) -> ItemRef | None:
    return ItemRef.from_json(d["item"]) if d.get("item") else None


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
    item: ItemRef | None = None  # another backend's item instead of a DS dossier

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
        if self.item is not None:
            out["item"] = self.item.to_json()
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
            item=_item(d),
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
    item: ItemRef | None = None  # another backend's item instead of a DS dossier

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "change": self.change.kind.value,
            "params": self.change.to_json(),
            "broadcast": self.broadcast,
            "create_parent": self.create_parent,
            "demarche": self.demarche,
        }
        if self.item is not None:
            out["item"] = self.item.to_json()
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ThreadPayload:
        return cls(
            change=change_from_json(d["change"], d.get("params") or {}),
            broadcast=bool(d.get("broadcast")),
            create_parent=bool(d.get("create_parent", True)),
            demarche=d.get("demarche"),
            item=_item(d),
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


# --- the daily digest ----------------------------------------------------------------------------


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class DigestLine:
    number: int
    demarche_number: int
    state: DossierState
    since: datetime  # what the age is counted from
    reason: str | None = None  # "not_taken", "no_activity", "correction"
    due: date | None = None  # SVA/SVR decision or expiration

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.number,
            "d": self.demarche_number,
            "s": self.state.value,
            "t": _utc_iso(self.since),
            "r": self.reason,
            "u": self.due.isoformat() if self.due else None,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DigestLine:
        since = _dt(d["t"])
        assert since is not None
        return cls(
            number=int(d["n"]),
            demarche_number=int(d["d"]),
            state=DossierState(d["s"]),
            since=since,
            reason=d.get("r"),
            due=date.fromisoformat(d["u"]) if d.get("u") else None,
        )


CATEGORIES = ("new", "waiting", "unanswered", "sva_due", "expiring")


@dataclass(frozen=True)
class DemarcheDigest:
    demarche_number: int
    title: str
    counts: dict[str, int]
    # category → (how many, the first MAX_LINES lines)
    categories: dict[str, tuple[int, tuple[DigestLine, ...]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "demarche": self.demarche_number,
            "title": self.title,
            "counts": self.counts,
            "categories": {
                name: {"total": total, "lines": [line.to_json() for line in lines]}
                for name, (total, lines) in self.categories.items()
            },
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DemarcheDigest:
        return cls(
            demarche_number=int(d["demarche"]),
            title=str(d.get("title") or ""),
            counts={str(k): int(v) for k, v in (d.get("counts") or {}).items()},
            categories={
                name: (
                    int(c["total"]),
                    tuple(DigestLine.from_json(line) for line in c.get("lines") or ()),
                )
                for name, c in (d.get("categories") or {}).items()
            },
        )


@dataclass(frozen=True)
class Digest:
    """One channel's digest: the payload of its outbox row (kind `digest`)."""

    kind: ClassVar[OutboxKind] = OutboxKind.DIGEST

    day: date | None  # the day it is the digest of; None for `/ds resume`
    generated_at: datetime
    fresh_at: datetime | None
    reminder_days: int
    demarches: tuple[DemarcheDigest, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat() if self.day else None,
            "generated_at": _utc_iso(self.generated_at),
            "fresh_at": _utc_iso(self.fresh_at) if self.fresh_at else None,
            "reminder_days": self.reminder_days,
            "demarches": [d.to_json() for d in self.demarches],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Digest:
        generated_at = _dt(d["generated_at"])
        assert generated_at is not None
        return cls(
            day=date.fromisoformat(d["day"]) if d.get("day") else None,
            generated_at=generated_at,
            fresh_at=_dt(d.get("fresh_at")),
            reminder_days=int(d.get("reminder_days") or 7),
            demarches=tuple(DemarcheDigest.from_json(x) for x in d.get("demarches") or ()),
        )

    @property
    def line_numbers(self) -> list[int]:
        return sorted(
            {
                line.number
                for demarche in self.demarches
                for _, lines in demarche.categories.values()
                for line in lines
            }
        )


OutboxPayload = ParentPayload | ThreadPayload | SummaryPayload | AlertPayload | Digest

PAYLOAD_TYPES: dict[OutboxKind, type[OutboxPayload]] = {
    OutboxKind.PARENT: ParentPayload,
    OutboxKind.THREAD: ThreadPayload,
    OutboxKind.SUMMARY: SummaryPayload,
    OutboxKind.ALERT: AlertPayload,
    OutboxKind.DIGEST: Digest,
}


def encode_payload(payload: OutboxPayload) -> str:
    return json.dumps(payload.to_json(), separators=(",", ":"), ensure_ascii=False)


def decode_payload(kind: OutboxKind | str, text: str) -> OutboxPayload:
    """A stored payload. An unknown kind is a ValueError (never silently dropped)."""
    return PAYLOAD_TYPES[OutboxKind(kind)].from_json(json.loads(text))
