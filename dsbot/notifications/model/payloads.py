"""What an outbox row carries: one frozen dataclass per `OutboxKind`, JSON in and out here
and nowhere else (`encode_payload`, `decode_payload`).

The JSON shapes are the ones rows were always stored with (`{"change": ..., "params": {...}}`
for a thread event...), so rows queued by an older dsbot still decode.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from dsbot.backends.port import DossierState, DossierSummary
from dsbot.notifications.model.changes import ChangeParams, change_from_json
from dsbot.notifications.model.digest import Digest
from dsbot.notifications.model.items import ItemRef
from dsbot.notifications.model.kinds import OutboxKind
from dsbot.notifications.model.personal import PersonalPayload

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


def _item(d: dict[str, Any]) -> ItemRef | None:
    return ItemRef.from_json(d["item"]) if d.get("item") else None


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


# A summary names this many of its dossiers; the others are counts (a backfill of 100,000
# dossiers is one row of a few kilobytes, never the list of them all).
SUMMARY_SAMPLE = 20


@dataclass(frozen=True)
class SummaryPayload:
    """Many new dossiers of one démarche at once: how many (`total`, and per state in
    `states`), and a sample of them (`dossiers`: the first `SUMMARY_SAMPLE`, in the feed's
    order). A row of an older dsbot lists every dossier and has no counts: they are counted
    from its list."""

    kind: ClassVar[OutboxKind] = OutboxKind.SUMMARY
    demarche: int | None = None
    demarche_title: str | None = None
    dossiers: tuple[DossierSummary, ...] = ()
    total: int | None = None  # None: len(dossiers)
    states: tuple[tuple[str, int], ...] | None = None  # (DossierState value, count); None: counted

    @property
    def count(self) -> int:
        return len(self.dossiers) if self.total is None else self.total

    @property
    def state_counts(self) -> dict[str, int]:
        if self.states is not None:
            return dict(self.states)
        counts: dict[str, int] = {}
        for summary in self.dossiers:
            counts[summary.state.value] = counts.get(summary.state.value, 0) + 1
        return counts

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "demarche": self.demarche,
            "demarche_title": self.demarche_title,
            "dossiers": [summary_to_json(s) for s in self.dossiers],
        }
        if self.total is not None:
            out["total"] = self.total
        if self.states is not None:
            out["states"] = dict(self.states)
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SummaryPayload:
        states = d.get("states")
        return cls(
            demarche=d.get("demarche"),
            demarche_title=d.get("demarche_title"),
            dossiers=tuple(summary_from_json(s) for s in d.get("dossiers") or ()),
            total=int(d["total"]) if d.get("total") is not None else None,
            states=tuple((str(k), int(v)) for k, v in states.items())
            if states is not None
            else None,
        )


class SummaryTally:
    """Builds a `SummaryPayload` one dossier at a time, in bounded memory: the counts, and the
    first `sample` dossiers."""

    def __init__(self, sample: int = SUMMARY_SAMPLE) -> None:
        self.sample = sample
        self.total = 0
        self.states: dict[str, int] = {}
        self.dossiers: list[DossierSummary] = []
        self.demarche_title: str | None = None

    def add(self, summary: DossierSummary, demarche_title: str | None = None) -> None:
        self.total += 1
        self.states[summary.state.value] = self.states.get(summary.state.value, 0) + 1
        if len(self.dossiers) < self.sample:
            self.dossiers.append(summary)
        self.demarche_title = self.demarche_title or demarche_title

    def payload(self, demarche: int | None) -> SummaryPayload:
        return SummaryPayload(
            demarche=demarche,
            demarche_title=self.demarche_title,
            dossiers=tuple(self.dossiers),
            total=self.total,
            states=tuple(sorted(self.states.items())),
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


ERASE_REASONS = ("deleted", "retention", "request")


@dataclass(frozen=True)
class ErasePayload:
    """Replace the bot's message `ts` about the row's item by a content-free tombstone: the
    item was deleted for good in its backend (`deleted`), closed longer than the retention
    (`retention`), or erased on request (`request`). Holds no personal data."""

    ts: str
    reason: str = "deleted"
    kind: ClassVar[OutboxKind] = OutboxKind.ERASE

    def to_json(self) -> dict[str, Any]:
        return {"ts": self.ts, "reason": self.reason}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ErasePayload:
        return cls(ts=d["ts"], reason=d.get("reason") or "deleted")


OutboxPayload = (
    ParentPayload
    | ThreadPayload
    | SummaryPayload
    | AlertPayload
    | Digest
    | ErasePayload
    | PersonalPayload
)

PAYLOAD_TYPES: dict[OutboxKind, type[OutboxPayload]] = {
    OutboxKind.PARENT: ParentPayload,
    OutboxKind.THREAD: ThreadPayload,
    OutboxKind.SUMMARY: SummaryPayload,
    OutboxKind.ALERT: AlertPayload,
    OutboxKind.DIGEST: Digest,
    OutboxKind.ERASE: ErasePayload,
    OutboxKind.PERSONAL: PersonalPayload,
}


def register_payload(payload_type: type[Any]) -> None:
    """Decode rows of `payload_type.kind` as `payload_type` (a class with the payloads'
    `kind`, `to_json` and `from_json`): the codec's half of a new outbox kind."""
    PAYLOAD_TYPES[payload_type.kind] = payload_type


def encode_payload(payload: OutboxPayload) -> str:
    return json.dumps(payload.to_json(), separators=(",", ":"), ensure_ascii=False)


# No outbox row carries more than this (UTF-8 bytes of its JSON): a row is read whole by the
# sender, so a payload that grew with the démarche would make memory grow with it.
MAX_PAYLOAD_BYTES = 64 * 1024
# A text of a change (a message's body, a motivation, an avis) is kept up to this many
# characters: a card or a thread reply shows at most 3,000 (Slack's section text).
TEXT_CAP = 4000
# Attachments' names kept for one event.
ATTACHMENTS_CAP = 20


class PayloadTooLarge(ValueError):
    """A payload over MAX_PAYLOAD_BYTES even with its texts shortened: a bug of its kind."""


def _capped_change(change: ChangeParams) -> ChangeParams:
    """`change` with its long texts cut to TEXT_CAP and its attachments to ATTACHMENTS_CAP."""
    updates: dict[str, Any] = {}
    for f in dataclasses.fields(change):
        value = getattr(change, f.name)
        if isinstance(value, str) and len(value) > TEXT_CAP:
            updates[f.name] = value[: TEXT_CAP - 1] + "…"
        elif isinstance(value, tuple) and len(value) > ATTACHMENTS_CAP:
            updates[f.name] = value[:ATTACHMENTS_CAP]
    return dataclasses.replace(change, **updates) if updates else change


def encode_bounded(payload: OutboxPayload) -> str:
    """The stored JSON of `payload`, within MAX_PAYLOAD_BYTES: a thread event's long texts are
    shortened (what Slack shows is shorter still); any payload still over the bound raises
    PayloadTooLarge, where the row is written rather than where it is read."""
    text = encode_payload(payload)
    if len(text) * 4 <= MAX_PAYLOAD_BYTES:  # at most 4 bytes a character: surely within
        return text
    if isinstance(payload, ThreadPayload):
        text = encode_payload(dataclasses.replace(payload, change=_capped_change(payload.change)))
    size = len(text.encode())
    if size > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(f"{payload.kind.value} payload of {size} bytes")
    return text


def decode_payload(kind: OutboxKind | str, text: str) -> OutboxPayload:
    """A stored payload. An unknown kind is a ValueError (never silently dropped)."""
    return PAYLOAD_TYPES[OutboxKind(kind)].from_json(json.loads(text))
