"""Annotations privées and labels as the Étiquettes and Annotations modals need them.

Typed on both sides: `AnnotationDescriptor` says what DS accepts for an annotation (its type,
its options), `Annotation` holds the dossier's current value in that type, and
`AnnotationChange` is one value to send in `dossierModifierAnnotations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsbot.backends.ds.models import Champ, parse_datetime, parse_label
from dsbot.backends.port import (
    AnnotationChange,
    AnnotationDescriptor,
    AnnotationScalar,
    AnnotationSheet,
    AnnotationType,
    TypedAnnotation,
    fingerprint,
)

__all__ = [
    "Annotation",
    "AnnotationChange",
    "AnnotationDescriptor",
    "AnnotationScalar",
    "AnnotationSheet",
    "AnnotationType",
    "SavedAnnotations",
    "fingerprint",
]

# The typed values are the port's (the Slack modals build from them); DS's names kept here.
Annotation = TypedAnnotation

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
class SavedAnnotations:
    """What `dossierModifierAnnotations` saved (all it was asked)."""

    saved: tuple[Champ, ...]
    # The answer was lost and a re-read showed the values saved.
    recovered: bool = False


_TYPE_BY_INPUT_KEY = {type_.input_key: type_ for type_ in AnnotationType}


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
