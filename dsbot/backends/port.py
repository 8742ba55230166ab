"""What the Slack layer needs from a backend, whatever the backend (DS, Dynacase, …).

An *item* is what a team follows (a DS dossier, a Dynacase document): it has a title, a kind
(démarche, family), a state with a label and a colour, a recent history, and *actions* a given
person may take on it now, each asking for typed *inputs*. A backend reads items, lists and
performs actions as one person, and tells what changed since a moment.

The Slack builders take these types for what every backend shares (state, actions, history,
inputs: `dsbot/slack/presentation/blocks/parts.py`, `inputs.py`, `item.py`,
`action_form.py`), so a new backend is a folder under `dsbot/backends/` implementing `Backend`
and `ItemSource`, a
`FeedSource` for what changed, and registered in `dsbot/backends/registry.py`.
Values that cross into Slack (button values, modal metadata) use `to_json`/`from_json`.

Not every backend can do everything: what only some can (annotations, labels, messages, file
attachments, following an item) is a `runtime_checkable` capability protocol that a source
implements or not; a caller asks `isinstance(source, Messaging)` rather than the backend's name.
Errors are the root's (`dsbot/backends/errors.py`): BackendNotFound, BackendRefused, …
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NewType, Protocol, runtime_checkable

# The names of the backends registered besides the product's (`registry.register` admits
# them): `BackendName` accepts these and no other.
_ADMITTED: set[str] = set()


def admit_name(name: str) -> None:
    _ADMITTED.add(name)


def forget_name(name: str) -> None:
    _ADMITTED.discard(name)


class BackendName(StrEnum):
    """A backend's name: the two of the product, or one registered in the registry (a test's,
    a plugin's, `DSBOT_BACKEND_MODULES`), which `BackendName(name)` accepts as a pseudo-member
    so that everything keyed by a backend works the same for it."""

    DS = "ds"
    DYNACASE = "dynacase"

    @classmethod
    def _missing_(cls, value: object) -> BackendName | None:
        # Only a registered name: a forged button or metadata naming no backend stays an error.
        if not isinstance(value, str) or value not in _ADMITTED:
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member


class DossierState(StrEnum):
    """The five states of a DS dossier, which the services, the store and the Slack texts name
    (open, closed, stale, the home's filters). Here rather than in DS's models so that they
    need not import DS's internals; a backend without dossiers never meets them."""

    EN_CONSTRUCTION = "en_construction"
    EN_INSTRUCTION = "en_instruction"
    ACCEPTE = "accepte"
    REFUSE = "refuse"
    SANS_SUITE = "sans_suite"

    @property
    def is_termine(self) -> bool:
        return self in (DossierState.ACCEPTE, DossierState.REFUSE, DossierState.SANS_SUITE)


@dataclass(frozen=True)
class ItemState:
    """A state as people read it: `color` is `#rrggbb` or "" when the backend has none;
    `emoji` is the backend's own sign for it, when it has one (else the colour gives one)."""

    id: str
    label: str
    color: str = ""
    emoji: str = ""

    def to_json(self) -> dict[str, str]:
        data = {"id": self.id, "label": self.label, "color": self.color}
        if self.emoji:
            data["emoji"] = self.emoji
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemState:
        return cls(
            str(data["id"]),
            str(data.get("label") or data["id"]),
            str(data.get("color") or ""),
            str(data.get("emoji") or ""),
        )


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an item's history, newest first in `Item.history`."""

    at: datetime | None
    who: str
    text: str
    is_state_change: bool = False


@dataclass(frozen=True)
class Item:
    """An item as a card shows it. `ref` is how the backend addresses it for good (a dossier
    number, a Dynacase initid), `name` an optional human reference (a logical name)."""

    backend: BackendName
    ref: str
    title: str
    kind: str  # the démarche's or the family's title
    state: ItemState | None
    activity: str = ""
    modified_at: datetime | None = None
    url: str | None = None
    name: str | None = None
    history: tuple[HistoryEntry, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()  # extra (label, value) pairs, plain text


class InputKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    DATE = "date"
    NUMBER = "number"
    DECIMAL = "decimal"
    ENUM = "enum"
    CHECKBOX = "checkbox"


@dataclass(frozen=True)
class InputOption:
    value: str
    label: str


@dataclass(frozen=True)
class ActionInput:
    """One thing an action asks for. `id` is the backend's own name for it."""

    id: str
    label: str
    kind: InputKind
    required: bool = False
    options: tuple[InputOption, ...] = ()


class ActionStyle(StrEnum):
    """How an action's button stands out: the way forward, or a decision hard to undo."""

    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class ItemAction:
    """An action on an item: `target` is the state it leads to, when it changes the state;
    `style` how its button stands out, when the backend says."""

    id: str
    label: str
    target: ItemState | None = None
    style: ActionStyle | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "label": self.label}
        if self.target is not None:
            data["target"] = self.target.to_json()
        if self.style is not None:
            data["style"] = self.style.value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemAction:
        """Raises KeyError, TypeError or ValueError when `data` is not an action."""
        target = data.get("target")
        style = data.get("style")
        return cls(
            str(data["id"]),
            str(data.get("label") or data["id"]),
            ItemState.from_json(target) if isinstance(target, Mapping) else None,
            ActionStyle(style) if style is not None else None,
        )


@dataclass(frozen=True)
class ActionForm:
    """What performing `action` asks for: a comment (and whether it is required), inputs."""

    action: ItemAction
    ask_comment: bool
    inputs: tuple[ActionInput, ...] = ()
    comment_required: bool = False


InputValue = str | int | float | bool | date | None


@dataclass(frozen=True)
class ActionRequest:
    """An action as a person submitted it: `key` makes a double submit run once."""

    ref: str
    action: ItemAction
    comment: str | None = None
    values: Mapping[str, InputValue] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionResult:
    """The outcome: `refusal` is the backend's own words when it said no; `item` the item
    read again after the action (None when it could not be read)."""

    done: bool
    item: Item | None = None
    refusal: str | None = None
    recovered: bool = False


class ItemSource(Protocol):
    """One backend seen as one person (or as the bot, for reads)."""

    def get_item(self, ref: str, *, history: int = 5) -> Item:
        """The item with its `history` most recent entries. Raises BackendNotFound,
        BackendRefused."""
        ...

    def available_actions(self, ref: str, *, for_anyone: bool = False) -> list[ItemAction]:
        """The actions this person may take now; with `for_anyone`, every action that leaves
        the current state (a card shown to a channel; each click is checked again)."""
        ...

    def why_not(self, ref: str, action: ItemAction) -> str | None:
        """None when this person may take `action` now; else the backend's reason when it
        gives one, or "" (no right, or the item moved on)."""
        ...

    def action_form(self, ref: str, action: ItemAction) -> ActionForm:
        """What `action` asks for. Raises BackendRefused when the backend will not offer it."""
        ...

    def perform(self, request: ActionRequest) -> ActionResult: ...

    def changed_since(self, scope: str, since: datetime) -> list[Item]:
        """Items of `scope` (a démarche, a family) changed at or after `since`, newest first."""
        ...


class Backend(Protocol):
    """A backend: a reader for the bot, and the same backend as one person."""

    name: BackendName

    def reader(self) -> ItemSource: ...

    def as_person(self, credential: str) -> ItemSource:
        """The backend acting as the holder of `credential` (a personal token)."""
        ...

    def check_credential(self, credential: str) -> None:
        """Raises BackendAuthFailed when the backend does not accept `credential`."""
        ...


# --- what changed: the feed ----------------------------------------------------------------------

# Where a feed stands, in the backend's own terms (a DS page cursor, a Dynacase revision date):
# text, so the store keeps it as is, and opaque, so nobody outside the backend reads into it.
FeedCursor = NewType("FeedCursor", str)


@dataclass(frozen=True)
class Change:
    """One item a feed reports as changed; `state` when the listing tells it."""

    ref: str
    modified_at: datetime | None = None
    state: ItemState | None = None


@dataclass(frozen=True)
class FeedBatch:
    """What changed after a cursor: `cursor` is where the next call starts; `more` says the
    backend has more to give now (call again at once)."""

    changes: tuple[Change, ...]
    cursor: FeedCursor
    more: bool = False


@runtime_checkable
class FeedSource(Protocol):
    """A backend's changes, as the bot reads them (no person's credential)."""

    def start(self, scope: str, since: datetime) -> FeedCursor:
        """The cursor after which `changes` reports what changed at or after `since` in
        `scope` (a démarche, a family)."""
        ...

    def changes(self, scope: str, cursor: FeedCursor) -> FeedBatch:
        """One batch of changes after `cursor`. Raises BackendError, and the cursor stays
        good to try again."""
        ...


# --- what only some backends can do: capabilities ------------------------------------------------


@dataclass(frozen=True)
class ItemAnnotation:
    """A private note field of an item: `text` is its value as shown (None: empty); `kind`
    the backend's own name for its type."""

    id: str
    label: str
    text: str | None
    kind: str = ""


@dataclass(frozen=True)
class ItemLabel:
    id: str
    name: str
    color: str = ""


@runtime_checkable
class Annotations(Protocol):
    """Private annotations on an item, read and written as one person."""

    def annotations(self, ref: str) -> tuple[ItemAnnotation, ...]: ...

    def set_annotations(self, ref: str, values: Mapping[str, InputValue]) -> None:
        """Set annotations by id. Raises BackendRefused (the backend's words) when it would
        not take them all."""
        ...


@runtime_checkable
class Labels(Protocol):
    """Labels put on an item, among those its kind offers."""

    def labels(self, ref: str) -> tuple[ItemLabel, ...]:
        """The labels the item has now."""
        ...

    def offered_labels(self, ref: str) -> tuple[ItemLabel, ...]:
        """Every label the item's kind (démarche) offers."""
        ...

    def add_label(self, ref: str, label_id: str) -> bool:
        """Put the label on the item; True when the backend's answer was lost and a re-read
        showed it applied."""
        ...

    def remove_label(self, ref: str, label_id: str) -> bool:
        """Take the label off the item; True as for `add_label`."""
        ...


@runtime_checkable
class Attachments(Protocol):
    """Files sent to the backend, to attach to a message or an action."""

    max_bytes: int

    def attach(self, ref: str, content: bytes, *, filename: str, content_type: str) -> str:
        """Upload `content` for the item; the handle to pass along (e.g. to `send_message`).
        Raises BackendRefused over `max_bytes`, before anything is sent."""
        ...


@runtime_checkable
class Messaging(Protocol):
    """Messages to the item's author (the usager, for a DS dossier), as one person."""

    def send_message(
        self, ref: str, body: str, *, attachment: str | None = None, reason: str | None = None
    ) -> None:
        """`attachment` is a handle from `Attachments.attach`. `reason` makes the message a
        request to the author to correct the item, for that reason (DS: `incomplete`,
        `incorrect`, `outdated`); a backend without such requests refuses it."""
        ...


@runtime_checkable
class Follow(Protocol):
    """Following an item (its news reach the person in the backend itself)."""

    def follow(self, ref: str, *, following: bool = True) -> None: ...


@runtime_checkable
class Reassign(Protocol):
    """Handing an item to another group of people of its kind (DS: a groupe instructeur of
    the démarche). The backend may act with more rights than the person's: the caller checks
    the person and the group first."""

    def reassign(self, ref: str, group_id: str) -> bool:
        """True when the backend's answer was lost and a re-read showed the move applied."""
        ...


@runtime_checkable
class Primed(Protocol):
    """A source that may be told of an item the caller has just read by other means, so that
    acting on it needs no second read (DS acts on a dossier's global id, which its number does
    not give). `read` is the backend's own object; a source ignores what it does not know."""

    def prime(self, read: object) -> None: ...


# --- what a card shows: the view types -----------------------------------------------------------
# A backend's adapter turns its own model (a DS dossier) into these, pure data and plain text,
# and the Slack builders render them (escaping, Slack's limits, date tokens) without knowing
# the backend's model. Texts are the viewer's language: the adapter takes the text catalog.


@dataclass(frozen=True)
class DetailField:
    """A labelled value of a card, one line per entry of `lines`. `personal`: it is about a
    person (the demandeur, an e-mail), never shown where not everyone may see the item."""

    label: str
    lines: tuple[str, ...]
    personal: bool = False


@dataclass(frozen=True)
class DetailDate:
    """A dated fact. `label` heads it on a card; `brief` words it in a one-line summary with
    `{date}` where the date goes ("" keeps it out of summaries); `by` who did it."""

    label: str
    at: datetime
    brief: str = ""
    by: str | None = None
    with_time: bool = True


@dataclass(frozen=True)
class DetailNotice:
    """Something to warn about, `text` with `{date}` where `at` goes."""

    text: str
    at: datetime


@dataclass(frozen=True)
class QuotedText:
    """A text someone wrote (a message, a decision's motivation), quoted as written;
    `attachments` are the files' names."""

    text: str
    author: str = ""
    at: datetime | None = None
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemPerson:
    """Someone the backend knows: `id` its own, `name` as shown (DS: the e-mail)."""

    id: str
    name: str


@dataclass(frozen=True)
class ItemDetail:
    """An item as its full card shows it, as the bot reads it (no viewer in it).

    `actions` are the card's buttons in order (the state moves first, as `ItemAction`s whose
    `target` is set); `menu` the ids of the actions a « more » menu offers whoever may act;
    `deletable_by` the people who have a message of their own they may delete, and
    `others_messages` whether anyone but the item's author wrote one (a card in a channel
    does not know who will click)."""

    backend: BackendName
    ref: str
    title: str
    kind: str
    state: ItemState
    url: str
    groupe: str = ""
    archived: bool = False
    fields: tuple[DetailField, ...] = ()
    followers: tuple[ItemPerson, ...] = ()
    labels: tuple[ItemLabel, ...] = ()
    message_count: int = 0
    dates: tuple[DetailDate, ...] = ()
    notices: tuple[DetailNotice, ...] = ()
    motivation: QuotedText | None = None
    last_message: QuotedText | None = None
    actions: tuple[ItemAction, ...] = ()
    menu: tuple[str, ...] = ()
    deletable_by: frozenset[str] = frozenset()
    others_messages: bool = False


# --- the annotations' typed values, for the Annotations and Labels modals ---------------------
# The Slack modals edit an item's annotations one typed input each, and send back only what the
# user changed. These are the values they build from and read back into; a backend's
# `Annotations` source turns its own answers into them (DS: `dsbot/backends/ds/annotations.py`).

# A value as the modal reads it and the backend takes it: text, boolean, ISO date or datetime
# text, number, or the choices of a multiple drop-down.
AnnotationScalar = str | bool | int | float | tuple[str, ...] | None


class AnnotationType(StrEnum):
    """The annotation types the modal edits. The values are DS's `TypeDeChamp` names, the first
    backend with annotations: sealed modals and audit rows hold them, so they stay as they are."""

    TEXT = "text"
    TEXTAREA = "textarea"
    EMAIL = "email"
    CHECKBOX = "checkbox"
    YES_NO = "yes_no"
    DATE = "date"
    DATETIME = "datetime"
    INTEGER = "integer_number"
    DECIMAL = "decimal_number"
    DROP_DOWN = "drop_down_list"
    MULTIPLE_DROP_DOWN = "multiple_drop_down_list"
    REPETITION = "repetition"

    @property
    def input_key(self) -> str:
        """Its key in a value to set (DS's `AnnotationValueInput`, docs/ds-api.md)."""
        return _ANNOTATION_INPUT_KEYS[self]


_ANNOTATION_INPUT_KEYS = {
    AnnotationType.TEXT: "text",
    AnnotationType.TEXTAREA: "textarea",
    AnnotationType.EMAIL: "email",
    AnnotationType.CHECKBOX: "checkbox",
    AnnotationType.YES_NO: "yesNo",
    AnnotationType.DATE: "date",
    AnnotationType.DATETIME: "datetime",
    AnnotationType.INTEGER: "integerNumber",
    AnnotationType.DECIMAL: "decimalNumber",
    AnnotationType.DROP_DOWN: "dropDownList",
    AnnotationType.MULTIPLE_DROP_DOWN: "multipleDropDownList",
    AnnotationType.REPETITION: "repetition",
}

# The annotation types that are one of the port's input kinds; the others (date and time,
# several choices, a repetition's rows) have no counterpart there.
ANNOTATION_INPUT_KINDS: dict[AnnotationType, InputKind] = {
    AnnotationType.TEXT: InputKind.TEXT,
    AnnotationType.EMAIL: InputKind.TEXT,
    AnnotationType.TEXTAREA: InputKind.LONG_TEXT,
    AnnotationType.CHECKBOX: InputKind.CHECKBOX,
    AnnotationType.YES_NO: InputKind.ENUM,
    AnnotationType.DROP_DOWN: InputKind.ENUM,
    AnnotationType.DATE: InputKind.DATE,
    AnnotationType.INTEGER: InputKind.NUMBER,
    AnnotationType.DECIMAL: InputKind.DECIMAL,
}


@dataclass(frozen=True)
class AnnotationDescriptor:
    """What the backend accepts for an annotation: its type, its options."""

    id: str
    label: str
    typename: str
    # None: a type the modal does not edit (shown read-only, with a link to the backend).
    type: AnnotationType | None
    required: bool = False
    description: str | None = None
    options: tuple[str, ...] = ()
    # A drop-down whose « Autre » lets the usager type a value outside the options.
    other_option: bool = False

    def accepts(self, value: AnnotationScalar) -> bool:
        """The backend's own check of a choice: one of the options (any value when « Autre »
        is on)."""
        if self.type is AnnotationType.DROP_DOWN:
            return value is None or self.other_option or value in self.options
        if self.type is AnnotationType.MULTIPLE_DROP_DOWN:
            return isinstance(value, tuple) and all(v in self.options for v in value)
        return True


@dataclass(frozen=True)
class TypedAnnotation:
    """One annotation of the item, with its value in its type."""

    id: str
    descriptor_id: str
    label: str
    typename: str
    string_value: str | None
    value: AnnotationScalar
    # Répétition: each row's (label, shown value) pairs.
    rows: tuple[tuple[tuple[str, str], ...], ...] = ()


@dataclass(frozen=True)
class AnnotationSheet:
    """The item's labels and annotations with the descriptors of its kind."""

    dossier_id: str
    number: int
    demarche_number: int
    descriptors: tuple[AnnotationDescriptor, ...]
    annotations: tuple[TypedAnnotation, ...]
    labels: tuple[ItemLabel, ...]

    def annotation_for(self, descriptor: AnnotationDescriptor) -> TypedAnnotation | None:
        return next((a for a in self.annotations if a.descriptor_id == descriptor.id), None)

    def descriptor_of(self, annotation_id: str) -> AnnotationDescriptor | None:
        annotation = next((a for a in self.annotations if a.id == annotation_id), None)
        if annotation is None:
            return None
        return next((d for d in self.descriptors if d.id == annotation.descriptor_id), None)


@dataclass(frozen=True)
class AnnotationChange:
    """One value to set: `id` is the item's annotation id."""

    id: str
    type: AnnotationType
    value: AnnotationScalar
    label: str = ""

    def to_input(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"id": self.id, "value": {self.type.input_key: value}}

    def to_json(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"id": self.id, "type": self.type.value, "value": value, "label": self.label}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnnotationChange:
        value = data.get("value")
        return cls(
            id=str(data["id"]),
            type=AnnotationType(data["type"]),
            value=tuple(value) if isinstance(value, list) else value,
            label=str(data.get("label") or ""),
        )


def fingerprint(value: AnnotationScalar) -> str:
    """A short stable digest of a value, to tell later whether the user changed it."""
    canonical = json.dumps(
        list(value) if isinstance(value, tuple) else value, ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:10]


# --- a dossier's summary, as the notifications and the services keep it -------------------------


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
