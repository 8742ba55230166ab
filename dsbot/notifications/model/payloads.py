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


OutboxPayload = (
    ParentPayload | ThreadPayload | SummaryPayload | AlertPayload | Digest | PersonalPayload
)

PAYLOAD_TYPES: dict[OutboxKind, type[OutboxPayload]] = {
    OutboxKind.PARENT: ParentPayload,
    OutboxKind.THREAD: ThreadPayload,
    OutboxKind.SUMMARY: SummaryPayload,
    OutboxKind.ALERT: AlertPayload,
    OutboxKind.DIGEST: Digest,
    OutboxKind.PERSONAL: PersonalPayload,
}


def register_payload(payload_type: type[Any]) -> None:
    """Decode rows of `payload_type.kind` as `payload_type` (a class with the payloads'
    `kind`, `to_json` and `from_json`): the codec's half of a new outbox kind."""
    PAYLOAD_TYPES[payload_type.kind] = payload_type


def encode_payload(payload: OutboxPayload) -> str:
    return json.dumps(payload.to_json(), separators=(",", ":"), ensure_ascii=False)


def decode_payload(kind: OutboxKind | str, text: str) -> OutboxPayload:
    """A stored payload. An unknown kind is a ValueError (never silently dropped)."""
    return PAYLOAD_TYPES[OutboxKind(kind)].from_json(json.loads(text))
