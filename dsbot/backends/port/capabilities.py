"""What only some backends can do: capability protocols a source implements or not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from dsbot.backends.port.items import InputValue


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

    def checksum(self, content: bytes) -> str:
        """The fingerprint the backend checks the upload with (DS: base64 of the MD5), which
        the audit keeps to name the file without its content."""
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
class StateMoves(Protocol):
    """Moving an item by the backend's own moves, richer than `ItemSource.perform`: a
    decision's text and file, without telling the item's author, and a lost answer checked by
    a re-read. DS's moves are its mutations: `passer_en_instruction`, `accepter`, `refuser`,
    `classer_sans_suite` (the `decisions` of its spec, with a motivation and a justificatif),
    `repasser_en_instruction`, `repasser_en_construction`, `archiver`, `desarchiver`. The
    caller checks the person and the item's state first (the spec's `moves_from`)."""

    def move(
        self,
        ref: str,
        move: str,
        *,
        text: str | None = None,
        attachment: str | None = None,
        silent: bool = False,
    ) -> bool:
        """`text`: a decision's motivation; `attachment`: a handle from `Attachments.attach`;
        `silent`: the backend tells nobody (DS: `disableNotification`, where it takes it).
        True when the answer was lost and a re-read showed the move applied. A move the
        backend does not know raises BackendRefused."""
        ...


@runtime_checkable
class MessageRemoval(Protocol):
    """Withdrawing a message the person sent on an item (DS keeps it, with an empty body)."""

    def delete_message(self, ref: str, message_id: str) -> bool:
        """True when the answer was lost and a re-read showed the message gone."""
        ...


@runtime_checkable
class Primed(Protocol):
    """A source that may be told of an item the caller has just read by other means, so that
    acting on it needs no second read (DS acts on a dossier's global id, which its number does
    not give). `read` is the backend's own object; a source ignores what it does not know."""

    def prime(self, read: object) -> None: ...
