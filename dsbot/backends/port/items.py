"""Items, their states and actions, and a backend as the Slack layer reads and acts on it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

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
