"""What a personal notification carries: the events of the dossiers one person follows, sent to
them in a direct message (`dsbot.services.personal` queues them, one row per person and
dossier for `instantané`, one per person and day for `quotidien`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from dsbot.notifications.model.changes import ChangeParams, change_from_json
from dsbot.notifications.model.kinds import ChangeKind, OutboxKind


class Topic(StrEnum):
    """What a person may ask to hear of, one preference each. Stored by value."""

    MESSAGES = "messages"  # the usager wrote
    CORRECTIONS = "corrections"  # the usager corrected the dossier
    AVIS = "avis"  # an expert gave an avis
    MODIFICATIONS = "modifications"  # the usager changed the form
    ETATS = "etats"  # someone else changed the state
    NOUVEAUX = "nouveaux"  # a new dossier in one of their groupes


class Mode(StrEnum):
    INSTANT = "instantane"
    DAILY = "quotidien"
    NONE = "aucune"


# The topic of each change a person may hear of; other changes are for channels only.
TOPIC_OF: dict[ChangeKind, Topic] = {
    ChangeKind.MESSAGE_RECEIVED: Topic.MESSAGES,
    ChangeKind.CORRECTION_RESOLVED: Topic.CORRECTIONS,
    ChangeKind.AVIS_GIVEN: Topic.AVIS,
    ChangeKind.CHAMPS_EDITED: Topic.MODIFICATIONS,
    ChangeKind.STATE_CHANGED: Topic.ETATS,
    ChangeKind.DEPOSITED: Topic.NOUVEAUX,
}

DEFAULT_MODES: dict[Topic, Mode] = {
    Topic.MESSAGES: Mode.INSTANT,
    Topic.CORRECTIONS: Mode.INSTANT,
    Topic.AVIS: Mode.NONE,
    Topic.MODIFICATIONS: Mode.NONE,
    Topic.ETATS: Mode.NONE,
    Topic.NOUVEAUX: Mode.NONE,
}


@dataclass(frozen=True)
class PersonalEvent:
    """One event of one dossier, as the person will read it. `ident` is the change's own
    (stable across re-listings), so that an event is never listed twice."""

    number: int
    ident: str
    change: ChangeParams
    demarche_title: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "ident": self.ident,
            "change": self.change.kind.value,
            "params": self.change.to_json(),
            "demarche_title": self.demarche_title,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PersonalEvent:
        return cls(
            number=int(d["number"]),
            ident=str(d["ident"]),
            change=change_from_json(d["change"], d.get("params") or {}),
            demarche_title=d.get("demarche_title"),
        )


@dataclass(frozen=True)
class PersonalPayload:
    """A direct message to `user_id` (the row's channel is the user id: the transport opens the
    conversation). `daily`: the day's gathering rather than one dossier's few minutes."""

    user_id: str
    events: tuple[PersonalEvent, ...] = ()
    daily: bool = False
    kind: ClassVar[OutboxKind] = OutboxKind.PERSONAL

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "daily": self.daily,
            "events": [e.to_json() for e in self.events],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PersonalPayload:
        return cls(
            user_id=str(d["user_id"]),
            daily=bool(d.get("daily")),
            events=tuple(PersonalEvent.from_json(e) for e in d.get("events") or ()),
        )

    def with_event(self, event: PersonalEvent) -> PersonalPayload:
        if any(e.ident == event.ident and e.number == event.number for e in self.events):
            return self
        return PersonalPayload(self.user_id, (*self.events, event), self.daily)
