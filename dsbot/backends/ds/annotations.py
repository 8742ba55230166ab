"""Annotations privées and labels as the Étiquettes and Annotations modals need them.

Typed on both sides: `AnnotationDescriptor` says what DS accepts for an annotation (its type,
its options), `Annotation` holds the dossier's current value in that type, and
`AnnotationChange` is one value to send in `dossierModifierAnnotations`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dsbot.backends.ds.models import Champ, Label, parse_datetime, parse_label

# A value as the modal reads it and DS takes it: text, boolean, ISO date or datetime text,
# number, or the choices of a multiple drop-down.
AnnotationScalar = str | bool | int | float | tuple[str, ...] | None


class AnnotationType(StrEnum):
    """The annotation types the modal edits; the value is DS's `TypeDeChamp`."""

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
        """Its key in `AnnotationValueInput` (docs/ds-api.md, "Mutations")."""
        return _INPUT_KEYS[self]


_INPUT_KEYS = {
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

TYPE_BY_DESCRIPTOR: dict[str, AnnotationType] = {
    "TextChampDescriptor": AnnotationType.TEXT,
    "TextareaChampDescriptor": AnnotationType.TEXTAREA,
    "EmailChampDescriptor": AnnotationType.EMAIL,
    "CheckboxChampDescriptor": AnnotationType.CHECKBOX,
    "YesNoChampDescriptor": AnnotationType.YES_NO,
    "DateChampDescriptor": AnnotationType.DATE,
    "DatetimeChampDescriptor": AnnotationType.DATETIME,
    "IntegerNumberChampDescriptor": AnnotationType.INTEGER,
    "DecimalNumberChampDescriptor": AnnotationType.DECIMAL,
    "DropDownListChampDescriptor": AnnotationType.DROP_DOWN,
    "MultipleDropDownListChampDescriptor": AnnotationType.MULTIPLE_DROP_DOWN,
    "RepetitionChampDescriptor": AnnotationType.REPETITION,
}


@dataclass(frozen=True)
class AnnotationDescriptor:
    id: str
    label: str
    typename: str
    # None: a type the modal does not edit (shown read-only, with a link to DS).
    type: AnnotationType | None
    required: bool = False
    description: str | None = None
    options: tuple[str, ...] = ()
    # A drop-down whose « Autre » lets the usager type a value outside the options.
    other_option: bool = False

    def accepts(self, value: AnnotationScalar) -> bool:
        """DS's own check of a choice: one of the options (any value when « Autre » is on)."""
        if self.type is AnnotationType.DROP_DOWN:
            return value is None or self.other_option or value in self.options
        if self.type is AnnotationType.MULTIPLE_DROP_DOWN:
            return isinstance(value, tuple) and all(v in self.options for v in value)
        return True


@dataclass(frozen=True)
class Annotation:
    """One annotation privée of the dossier, with its value in its type."""

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
    """The dossier's labels and annotations with the descriptors of its revision."""

    dossier_id: str
    number: int
    demarche_number: int
    descriptors: tuple[AnnotationDescriptor, ...]
    annotations: tuple[Annotation, ...]
    labels: tuple[Label, ...]

    def annotation_for(self, descriptor: AnnotationDescriptor) -> Annotation | None:
        return next((a for a in self.annotations if a.descriptor_id == descriptor.id), None)

    def descriptor_of(self, annotation_id: str) -> AnnotationDescriptor | None:
        annotation = next((a for a in self.annotations if a.id == annotation_id), None)
        if annotation is None:
            return None
        return next((d for d in self.descriptors if d.id == annotation.descriptor_id), None)


@dataclass(frozen=True)
class AnnotationChange:
    """One value to set: `id` is the dossier's annotation (champ) id."""

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


@dataclass(frozen=True)
class SavedAnnotations:
    """What `dossierModifierAnnotations` saved (all it was asked)."""

    saved: tuple[Champ, ...]
    # The answer was lost and a re-read showed the values saved.
    recovered: bool = False


_TYPE_BY_INPUT_KEY = {key: type_ for type_, key in _INPUT_KEYS.items()}


def holds(annotation: Annotation, item: dict[str, Any]) -> bool:
    """Whether the annotation now holds the value of `item` (an `AnnotationValueInput` entry)."""
    value = item.get("value")
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((key, wanted),) = value.items()
    type_ = _TYPE_BY_INPUT_KEY.get(key)
    if type_ is None or type_ is AnnotationType.REPETITION:
        # Added rows cannot be told from rows that were there: never claimed as applied.
        return False
    wanted = tuple(wanted) if isinstance(wanted, list) else wanted
    return same_value(type_, annotation.value, wanted)


def fingerprint(value: AnnotationScalar) -> str:
    """A short stable digest of a value, to tell later whether the user changed it."""
    canonical = json.dumps(
        list(value) if isinstance(value, tuple) else value, ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:10]


def same_value(type_: AnnotationType, a: AnnotationScalar, b: AnnotationScalar) -> bool:
    """Equal as DS stores them: dates by instant, empty text as no text, choices unordered."""
    if type_ is AnnotationType.DATETIME and isinstance(a, str) and isinstance(b, str):
        try:
            return parse_datetime(a) == parse_datetime(b)
        except ValueError:
            return a == b
    if type_ is AnnotationType.MULTIPLE_DROP_DOWN:
        return set(a or ()) == set(b or ())  # type: ignore[arg-type]
    if type_ in (AnnotationType.TEXT, AnnotationType.TEXTAREA, AnnotationType.EMAIL):
        return (a or "") == (b or "")
    numbers = (AnnotationType.INTEGER, AnnotationType.DECIMAL)
    if type_ in numbers and isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return a == b


# --- parsing ------------------------------------------------------------------------------


def parse_descriptor(d: dict[str, Any]) -> AnnotationDescriptor:
    typename = d.get("__typename", "")
    return AnnotationDescriptor(
        id=d["id"],
        label=d.get("label", ""),
        typename=typename,
        type=TYPE_BY_DESCRIPTOR.get(typename),
        required=bool(d.get("required")),
        description=d.get("description") or None,
        options=tuple(str(o) for o in d.get("options") or ()),
        other_option=bool(d.get("otherOption")),
    )


def _typed_value(d: dict[str, Any]) -> AnnotationScalar:
    typename = d.get("__typename", "")
    if typename == "CheckboxChamp":
        return bool(d.get("checked"))
    if typename == "YesNoChamp":
        return d.get("yesNo")
    if typename == "DateChamp":
        return d.get("date")
    if typename == "DatetimeChamp":
        return d.get("datetime")
    if typename == "IntegerNumberChamp":
        raw = d.get("integerNumber")
        # BigInt comes as a string.
        return int(raw) if raw not in (None, "") else None
    if typename == "DecimalNumberChamp":
        raw = d.get("decimalNumber")
        return float(raw) if raw is not None else None
    if typename == "MultipleDropDownListChamp":
        return tuple(str(v) for v in d.get("values") or ())
    return d.get("stringValue")


def parse_annotation(d: dict[str, Any]) -> Annotation:
    rows = tuple(
        tuple((c.get("label", ""), c.get("stringValue") or "") for c in row.get("champs") or ())
        for row in d.get("rows") or ()
    )
    return Annotation(
        id=d["id"],
        descriptor_id=d.get("champDescriptorId", ""),
        label=d.get("label", ""),
        typename=d.get("__typename", ""),
        string_value=d.get("stringValue"),
        value=_typed_value(d),
        rows=rows,
    )


def parse_sheet(d: dict[str, Any]) -> AnnotationSheet:
    demarche = d.get("demarche") or {}
    revision = demarche.get("revision") or {}
    return AnnotationSheet(
        dossier_id=d["id"],
        number=d["number"],
        demarche_number=int(demarche.get("number") or 0),
        descriptors=tuple(parse_descriptor(x) for x in revision.get("annotationDescriptors") or ()),
        annotations=tuple(parse_annotation(a) for a in d.get("annotations") or ()),
        labels=tuple(parse_label(lb) for lb in d.get("labels") or ()),
    )
