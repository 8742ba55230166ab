"""The annotations' typed values, for the Annotations and Labels modals."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from dsbot.backends.port.capabilities import ItemLabel
from dsbot.backends.port.items import InputKind

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


@dataclass(frozen=True)
class EditResult:
    """What an edit of several values did, each saved or refused on its own: the ids saved
    and refused, in the order asked; the backend's refusals in its words; `recovered` when
    its answer was lost and a re-read showed the values saved."""

    saved: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    recovered: bool = False


@runtime_checkable
class AnnotationEdits(Protocol):
    """Typed annotation values, saved one by one, as one person: only the values that differ
    from the backend's now are sent (a value someone else changed meanwhile, and the person
    left alone, keeps theirs), and a backend that saves some and refuses others says which."""

    def edit_annotations(self, ref: str, changes: Sequence[AnnotationChange]) -> EditResult:
        """Nothing differs: an empty result, nothing sent. Raises BackendError when nothing
        could be saved for another reason than a refusal of values."""
        ...
