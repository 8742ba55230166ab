"""The Étiquettes and Annotations modals, and reading their submissions back.

Pure builders and readers. The modal's private_metadata (sealed by the listener) carries an
`EditOrigin`: the dossier, the card to refresh, the idempotency key, and what the modal showed
(the labels ticked; a fingerprint of each annotation's value), so that only what the user
changed is sent, and a change made meanwhile by someone else in DS is left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DateTimePickerElement,
    InputBlock,
    Option,
    SectionBlock,
    StaticMultiSelectElement,
)
from slack_sdk.models.views import View

from dsbot.backends.port import (
    ANNOTATION_INPUT_KINDS,
    AnnotationChange,
    AnnotationDescriptor,
    AnnotationScalar,
    AnnotationSheet,
    AnnotationType,
    InputKind,
    InputOption,
    TypedAnnotation,
    fingerprint,
)
from dsbot.backends.port import ItemLabel as Label
from dsbot.slack import ids
from dsbot.slack.interaction.seal import SEAL_MAX_CHARS
from dsbot.slack.presentation.blocks.common import (
    CONTEXT_TEXT_MAX,
    SECTION_TEXT_MAX,
    escape,
    link,
    mrkdwn,
    plain,
)
from dsbot.slack.presentation.blocks.inputs import (
    OPTION_TEXT_MAX,
    SELECT_OPTIONS_MAX,
    TEXT_INPUT_MAX,
    input_element,
    is_checked,
    select_options,
)
from dsbot.slack.presentation.blocks.modals import (
    INPUT_LABEL_MAX,
    PRIVATE_METADATA_MAX,
    VIEW_TITLE_MAX,
)
from dsbot.texts import Texts

# Slack's limits (docs/slack.md, "Modals").
MODAL_BLOCKS_MAX = 100
CHECKBOXES_MAX = 10

KINDS = (ids.MORE_ETIQUETTES, ids.MORE_ANNOTATIONS)
CALLBACK_BY_KIND = {
    ids.MORE_ETIQUETTES: ids.VIEW_ETIQUETTES,
    ids.MORE_ANNOTATIONS: ids.VIEW_ANNOTATIONS,
}
OPTION_YES = "true"
OPTION_NO = "false"

# DS's label colours (LabelColorEnum) as the closest emoji.
LABEL_EMOJI = {
    "beige_gris_galet": "🟤",
    "blue_ecume": "🔵",
    "brown_cafe_creme": "🟤",
    "green_bourgeon": "🟢",
    "green_emeraude": "🟢",
    "green_menthe": "🟢",
    "green_tilleul_verveine": "🟡",
    "pink_macaron": "🔴",
    "purple_glycine": "🟣",
    "yellow_tournesol": "🟡",
}
_LABEL_BULLET = "🏷️"


def label_emoji(color: str) -> str:
    return LABEL_EMOJI.get(color, _LABEL_BULLET)


@dataclass(frozen=True)
class EditField:
    """An editable annotation of the modal: its id, type and the fingerprint of its value."""

    id: str
    type: AnnotationType
    shown: str


@dataclass(frozen=True)
class EditOrigin:
    number: int
    kind: str
    key: str
    channel_id: str | None = None
    message_ts: str | None = None
    response_url: str | None = None
    # Étiquettes: the label ids ticked when the modal opened.
    labels: tuple[str, ...] = ()
    # Annotations: the inputs, in the order of their blocks.
    fields: tuple[EditField, ...] = field(default=())

    @property
    def callback_id(self) -> str:
        return CALLBACK_BY_KIND[self.kind]

    def encode(self) -> str:
        data: dict[str, Any] = {"n": self.number, "k": self.kind, "key": self.key}
        for name, value in (
            ("c", self.channel_id),
            ("m", self.message_ts),
            ("r", self.response_url),
        ):
            if value:
                data[name] = value
        if self.labels:
            data["l"] = list(self.labels)
        if self.fields:
            data["f"] = [[f.id, f.type.value, f.shown] for f in self.fields]
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if len(text) > PRIVATE_METADATA_MAX - SEAL_MAX_CHARS:
            # Only a huge response_url could do this; the channel card path still works.
            data.pop("r", None)
            text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        return text

    @classmethod
    def decode(cls, text: str | None) -> EditOrigin:
        """The origin of a submitted modal; ValueError if it is not one of ours."""
        try:
            data = json.loads(text or "")
            if not isinstance(data, dict):
                raise TypeError("not an object")
            fields = tuple(
                EditField(str(i), AnnotationType(t), str(s)) for i, t, s in data.get("f") or ()
            )
            labels = tuple(str(x) for x in data.get("l") or ())
            origin = cls(
                number=data["n"],
                kind=data["k"],
                key=data["key"],
                channel_id=data.get("c"),
                message_ts=data.get("m"),
                response_url=data.get("r"),
                labels=labels,
                fields=fields,
            )
        except (TypeError, ValueError, KeyError, RecursionError) as exc:
            raise ValueError(f"not an edit modal origin: {text!r}") from exc
        texts = (origin.channel_id, origin.message_ts, origin.response_url)
        if (
            not ids.is_dossier_number(origin.number)
            or origin.kind not in KINDS
            or not isinstance(origin.key, str)
            or not origin.key
            or not all(v is None or isinstance(v, str) for v in texts)
        ):
            raise ValueError(f"not an edit modal origin: {text!r}")
        return origin


# --- views ---------------------------------------------------------------------------------


def _view(origin: EditOrigin, texts: Texts, blocks: list[Block], *, submit: bool) -> View:
    return View(
        type="modal",
        callback_id=origin.callback_id,
        private_metadata=origin.encode(),
        title=plain(texts(f"edit.title.{origin.kind}"), VIEW_TITLE_MAX),
        submit=plain(texts("edit.submit"), VIEW_TITLE_MAX) if submit else None,
        close=plain(texts("modal.close" if submit else "modal.close_info"), VIEW_TITLE_MAX),
        blocks=blocks,
    )


def build_loading_modal(origin: EditOrigin, texts: Texts) -> View:
    """Opened at once with the click's trigger_id; DS is read afterwards."""
    blocks: list[Block] = [
        SectionBlock(block_id="edit_loading", text=mrkdwn(texts("edit.loading")))
    ]
    return _view(origin, texts, blocks, submit=False)


def build_edit_info_modal(origin: EditOrigin, texts: Texts, message: str) -> View:
    """Only an explanation: no submit button, so nothing can be sent from it."""
    blocks: list[Block] = [SectionBlock(block_id="edit_info", text=mrkdwn(message))]
    return _view(origin, texts, blocks, submit=False)


def label_option(label: Label) -> Option:
    return Option(
        value=label.id, text=plain(f"{label_emoji(label.color)} {label.name}", OPTION_TEXT_MAX)
    )


def build_labels_modal(
    origin: EditOrigin, labels: tuple[Label, ...], current: tuple[Label, ...], texts: Texts
) -> View:
    """The démarche's labels, those of the dossier ticked. `origin.labels` must hold the ids of
    `current` (what the submission is compared with)."""
    if not labels:
        return build_edit_info_modal(origin, texts, texts("edit.labels.none", number=origin.number))
    options = [label_option(lb) for lb in labels[:SELECT_OPTIONS_MAX]]
    ticked = {lb.id for lb in current}
    initial = [o for o, lb in zip(options, labels, strict=False) if lb.id in ticked]
    element: CheckboxesElement | StaticMultiSelectElement
    if len(options) <= CHECKBOXES_MAX:
        element = CheckboxesElement(
            action_id=ids.ACTION_LABELS_INPUT, options=options, initial_options=initial or None
        )
    else:
        element = StaticMultiSelectElement(
            action_id=ids.ACTION_LABELS_INPUT,
            options=options,
            initial_options=initial or None,
            placeholder=plain(texts("edit.labels.placeholder"), 150),
        )
    blocks: list[Block] = [
        SectionBlock(
            block_id="edit_intro", text=mrkdwn(texts("edit.labels.intro", number=origin.number))
        ),
        InputBlock(
            block_id=ids.BLOCK_LABELS,
            label=plain(texts("edit.labels.label"), INPUT_LABEL_MAX),
            optional=True,
            element=element,
        ),
    ]
    return _view(origin, texts, blocks, submit=True)


def shown_value(type_: AnnotationType, value: AnnotationScalar) -> AnnotationScalar:
    """A value as the modal's input holds it: what is pre-filled is what comes back."""
    if type_ in (AnnotationType.TEXT, AnnotationType.TEXTAREA, AnnotationType.EMAIL):
        return value if isinstance(value, str) else ""
    if type_ is AnnotationType.CHECKBOX:
        return bool(value)
    if type_ is AnnotationType.DATETIME:
        parsed = _parse_datetime(value) if isinstance(value, str) else None
        return int(parsed.timestamp()) if parsed else None
    if type_ is AnnotationType.MULTIPLE_DROP_DOWN:
        return tuple(sorted(value)) if isinstance(value, tuple) else ()
    if type_ is AnnotationType.DECIMAL and isinstance(value, int | float):
        return float(value)
    if type_ is AnnotationType.REPETITION:
        return False
    return value


def _parse_datetime(value: str) -> datetime | None:
    """An annotation's datetime as the backend sends it: ISO 8601 with an offset (DS writes
    `Z` for UTC, docs/ds-api.md pitfall 2)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def build_annotations_modal(
    origin: EditOrigin, sheet: AnnotationSheet, texts: Texts, ds_url: str
) -> View:
    """One typed input per annotation privée, pre-filled; the others read-only, with DS's link.

    `origin.fields` is filled here: pass the returned view's metadata on as is.
    """
    blocks: list[Block] = [
        SectionBlock(
            block_id="edit_intro",
            text=mrkdwn(
                texts(
                    "edit.annotations.intro",
                    number=origin.number,
                    link=link(ds_url, texts("edit.in_ds")),
                )
            ),
        )
    ]
    fields: list[EditField] = []
    cut = False
    for desc in sheet.descriptors:
        if len(blocks) >= MODAL_BLOCKS_MAX - 1:
            cut = True
            break
        annotation = sheet.annotation_for(desc)
        if desc.type is None or annotation is None:
            blocks.append(_read_only(desc, annotation, texts, ds_url))
            continue
        if desc.type is AnnotationType.REPETITION:
            # Its rows, read-only, then the one thing DS lets the API do: add a row.
            blocks.append(_rows(desc, annotation, texts))
        value = shown_value(desc.type, annotation.value)
        if not _fits(desc, value):
            # The input could not hold the current value: editing it there would lose it.
            blocks.append(_read_only(desc, annotation, texts, ds_url))
            continue
        block_id = f"{ids.BLOCK_ANNOTATION_PREFIX}{len(fields)}"
        blocks.append(_input(block_id, desc, value, texts))
        fields.append(EditField(annotation.id, desc.type, fingerprint(value)))
    if cut:
        blocks = blocks[: MODAL_BLOCKS_MAX - 1]
        blocks.append(
            ContextBlock(
                block_id="edit_more_in_ds",
                elements=[
                    mrkdwn(
                        texts(
                            "edit.annotations.more_in_ds", link=link(ds_url, texts("edit.in_ds"))
                        ),
                        CONTEXT_TEXT_MAX,
                    )
                ],
            )
        )
        kept = {b.block_id for b in blocks}
        fields = [f for i, f in enumerate(fields) if f"{ids.BLOCK_ANNOTATION_PREFIX}{i}" in kept]
    if not fields:
        blocks.append(
            ContextBlock(
                block_id="edit_nothing",
                elements=[
                    mrkdwn(
                        texts("edit.annotations.none", link=link(ds_url, texts("edit.in_ds"))),
                        CONTEXT_TEXT_MAX,
                    )
                ],
            )
        )
    with_fields = EditOrigin(**{**origin.__dict__, "fields": tuple(fields)})
    return _view(with_fields, texts, blocks, submit=bool(fields))


def _fits(desc: AnnotationDescriptor, value: AnnotationScalar) -> bool:
    """Whether the modal's input can show `value` exactly."""
    if isinstance(value, str) and desc.type in (
        AnnotationType.TEXT,
        AnnotationType.TEXTAREA,
        AnnotationType.EMAIL,
    ):
        return len(value) <= TEXT_INPUT_MAX
    if desc.type in (AnnotationType.DROP_DOWN, AnnotationType.MULTIPLE_DROP_DOWN):
        offered = {o.value for o in _choice_options(desc, value)}
        chosen = value if isinstance(value, tuple) else (value,) if value is not None else ()
        return all(v in offered for v in chosen)
    return True


def _read_only(
    desc: AnnotationDescriptor, annotation: TypedAnnotation | None, texts: Texts, ds_url: str
) -> Block:
    value = (annotation.string_value if annotation else None) or texts("edit.annotations.empty")
    text = texts(
        "edit.annotations.read_only",
        label=escape(desc.label),
        value=escape(value),
        link=link(ds_url, texts("edit.in_ds")),
    )
    return SectionBlock(text=mrkdwn(text, SECTION_TEXT_MAX))


def _rows(desc: AnnotationDescriptor, annotation: TypedAnnotation, texts: Texts) -> Block:
    lines = [
        " · ".join(f"{escape(label)} : {escape(value or '—')}" for label, value in row)
        for row in annotation.rows
    ]
    body = "\n".join(f"• {line}" for line in lines) or texts("edit.annotations.no_rows")
    return SectionBlock(text=mrkdwn(f"*{escape(desc.label)}*\n{body}", SECTION_TEXT_MAX))


def _input(block_id: str, desc: AnnotationDescriptor, value: AnnotationScalar, t: Texts) -> Block:
    """An annotation's input: the port's input elements for the types that are one of its
    kinds (`ANNOTATION_INPUT_KINDS`), their own for date and time, several choices, a
    repetition's row."""
    action_id = ids.ACTION_ANNOTATION_INPUT
    type_ = desc.type
    kind = ANNOTATION_INPUT_KINDS.get(type_) if type_ is not None else None
    element: Any
    if kind is not None:
        element = input_element(
            kind,
            action_id,
            options=_input_options(desc, value, t),
            checkbox_label=t("edit.checked"),
            placeholder=t("edit.choose"),
            initial=_initial(kind, value),
        )
    elif type_ is AnnotationType.REPETITION:
        element = input_element(
            InputKind.CHECKBOX,
            action_id,
            checkbox_label=t("edit.annotations.add_row"),
            initial=bool(value),
        )
    elif type_ is AnnotationType.DATETIME:
        element = DateTimePickerElement(
            action_id=action_id, initial_date_time=value if isinstance(value, int) else None
        )
    else:
        options = select_options(_choice_options(desc, value))
        chosen = set(value) if isinstance(value, tuple) else set()
        element = StaticMultiSelectElement(
            action_id=action_id,
            options=options,
            initial_options=[o for o in options if o.value in chosen] or None,
            placeholder=plain(t("edit.choose"), 150),
        )
    label = desc.label + (" *" if desc.required else "")
    hint = plain(desc.description, INPUT_LABEL_MAX) if desc.description else None
    return InputBlock(
        block_id=block_id,
        label=plain(label, INPUT_LABEL_MAX),
        hint=hint,
        optional=True,
        element=element,
    )


def _input_options(
    desc: AnnotationDescriptor, value: AnnotationScalar, t: Texts
) -> tuple[InputOption, ...]:
    if desc.type is AnnotationType.YES_NO:
        return (InputOption(OPTION_YES, t("edit.yes")), InputOption(OPTION_NO, t("edit.no")))
    if desc.type is AnnotationType.DROP_DOWN:
        return tuple(_choice_options(desc, value))
    return ()


def _initial(kind: InputKind, value: AnnotationScalar) -> str | bool | None:
    """`shown_value`'s value in the input's own form (`input_element`'s `initial`)."""
    if kind is InputKind.CHECKBOX:
        return bool(value)
    if isinstance(value, bool):  # a yes/no
        return OPTION_YES if value else OPTION_NO
    if kind in (InputKind.NUMBER, InputKind.DECIMAL):
        return _number_text(value) if value is not None else None
    return str(value) if isinstance(value, str) and value else None


def _number_text(value: AnnotationScalar) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def _choice_options(desc: AnnotationDescriptor, value: AnnotationScalar) -> list[InputOption]:
    choices = list(desc.options)
    # A value typed in « Autre » by the usager is kept as a choice, so it stays selected.
    if isinstance(value, str) and value and value not in choices:
        choices.insert(0, value)
    # An option's value is limited too: the choice's own text, cut, would not be DS's choice.
    return [InputOption(c, c) for c in choices[:SELECT_OPTIONS_MAX] if len(c) <= 150]


# --- reading the submission back ---------------------------------------------------------------


def _state(values: Any, block_id: str) -> dict[str, Any]:
    """One input's state; {} when absent or not shaped as Slack sends it."""
    action_id = ids.ACTION_LABELS_INPUT if block_id == ids.BLOCK_LABELS else None
    block = values.get(block_id) if isinstance(values, dict) else None
    state = block.get(action_id or ids.ACTION_ANNOTATION_INPUT) if isinstance(block, dict) else None
    return state if isinstance(state, dict) else {}


def _block_options(view: Any, block_id: str) -> dict[str, str]:
    """value → text of the options the modal offered in that block (the view is ours: Slack
    sends it back as we built it)."""
    blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in blocks if isinstance(blocks, list) else ():
        if isinstance(block, dict) and block.get("block_id") == block_id:
            element = block.get("element")
            options = element.get("options") if isinstance(element, dict) else None
            return {
                o["value"]: (o.get("text") or {}).get("text", "")
                for o in options or ()
                if isinstance(o, dict) and isinstance(o.get("value"), str)
            }
    return {}


def _block_label(view: Any, block_id: str) -> str:
    blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in blocks if isinstance(blocks, list) else ():
        if isinstance(block, dict) and block.get("block_id") == block_id:
            label = block.get("label")
            text = label.get("text") if isinstance(label, dict) else None
            return str(text or "").removesuffix(" *")
    return ""


def _selected(state: dict[str, Any]) -> list[str]:
    selected = state.get("selected_options")
    if not isinstance(selected, list):
        return []
    return [o["value"] for o in selected if isinstance(o, dict) and isinstance(o.get("value"), str)]


@dataclass(frozen=True)
class LabelsForm:
    add: tuple[Label, ...]
    remove: tuple[Label, ...]


def read_labels(view: Any, origin: EditOrigin, texts: Texts) -> LabelsForm | dict[str, str]:
    """The labels ticked on and off, or the inline errors (a label the modal did not offer)."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    offered = _block_options(view, ids.BLOCK_LABELS)
    selected = _selected(_state(values, ids.BLOCK_LABELS))
    if any(v not in offered for v in selected):
        return {ids.BLOCK_LABELS: texts("edit.labels.unknown")}

    def label(label_id: str) -> Label:
        text = offered.get(label_id, "")
        name = text.split(" ", 1)[1] if " " in text else text
        return Label(id=label_id, name=name, color="")

    before = set(origin.labels)
    return LabelsForm(
        add=tuple(label(v) for v in selected if v not in before),
        remove=tuple(label(v) for v in origin.labels if v in offered and v not in selected),
    )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_annotations(
    view: Any, origin: EditOrigin, texts: Texts
) -> tuple[AnnotationChange, ...] | dict[str, str]:
    """The annotations the user changed, typed; or the inline errors, by block."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    changes: list[AnnotationChange] = []
    errors: dict[str, str] = {}
    for index, f in enumerate(origin.fields):
        block_id = f"{ids.BLOCK_ANNOTATION_PREFIX}{index}"
        try:
            value = _read_value(f.type, _state(values, block_id), view, block_id)
        except ValueError as exc:
            errors[block_id] = texts(str(exc))
            continue
        if fingerprint(value) == f.shown:
            continue
        if f.type is AnnotationType.REPETITION:
            changes.append(AnnotationChange(f.id, f.type, 1, _block_label(view, block_id)))
            continue
        # DS's AnnotationValueInput has no way to say "empty" for the other types.
        if value is None and f.type is not AnnotationType.MULTIPLE_DROP_DOWN:
            errors[block_id] = texts("edit.annotations.cannot_empty")
            continue
        changes.append(
            AnnotationChange(f.id, f.type, _to_ds(f.type, value), _block_label(view, block_id))
        )
    return errors or tuple(changes)


def _read_value(
    type_: AnnotationType, state: dict[str, Any], view: Any, block_id: str
) -> AnnotationScalar:
    """The value as the input holds it (`shown_value`'s form); ValueError(text key) if bad."""
    reader = _READERS.get(type_)
    if reader is not None:
        return reader(state)
    # Only the lists check the choice against the options the modal offered.
    offered = _block_options(view, block_id)
    if type_ is AnnotationType.DROP_DOWN:
        return _read_drop_down(state, offered)
    return _read_multiple_drop_down(state, offered)


def _read_text(state: dict[str, Any]) -> AnnotationScalar:
    value = state.get("value")
    if value is not None and not isinstance(value, str):
        raise ValueError("edit.annotations.bad_value")
    return value or ""


def _read_yes_no(state: dict[str, Any]) -> AnnotationScalar:
    option = state.get("selected_option")
    chosen = option.get("value") if isinstance(option, dict) else None
    if chosen not in (None, OPTION_YES, OPTION_NO):
        raise ValueError("edit.annotations.bad_choice")
    return None if chosen is None else chosen == OPTION_YES


def _read_date(state: dict[str, Any]) -> AnnotationScalar:
    chosen = state.get("selected_date")
    if chosen is None:
        return None
    if not isinstance(chosen, str) or not _ISO_DATE.fullmatch(chosen):
        raise ValueError("edit.annotations.bad_value")
    try:
        date.fromisoformat(chosen)
    except ValueError:
        raise ValueError("edit.annotations.bad_value") from None
    return chosen


def _read_datetime(state: dict[str, Any]) -> AnnotationScalar:
    chosen = state.get("selected_date_time")
    if chosen is None:
        return None
    if not isinstance(chosen, int) or isinstance(chosen, bool) or chosen < 0:
        raise ValueError("edit.annotations.bad_value")
    return chosen


def _read_integer(state: dict[str, Any]) -> AnnotationScalar:
    raw = state.get("value")
    if raw in (None, ""):
        return None
    try:
        number = int(str(raw))
    except ValueError:
        raise ValueError("edit.annotations.bad_number") from None
    # DS stores an integer annotation on 32 bits.
    if not -(2**31) <= number < 2**31:
        raise ValueError("edit.annotations.bad_number")
    return number


def _read_decimal(state: dict[str, Any]) -> AnnotationScalar:
    raw = state.get("value")
    if raw in (None, ""):
        return None
    try:
        number = float(str(raw))
    except ValueError:
        raise ValueError("edit.annotations.bad_number") from None
    # float() takes "nan" and "inf", which DS cannot store.
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("edit.annotations.bad_number")
    return number


def _read_drop_down(state: dict[str, Any], offered: dict[str, str]) -> AnnotationScalar:
    option = state.get("selected_option")
    chosen = option.get("value") if isinstance(option, dict) else None
    if chosen is not None and chosen not in offered:
        raise ValueError("edit.annotations.bad_choice")
    return chosen


def _read_multiple_drop_down(state: dict[str, Any], offered: dict[str, str]) -> AnnotationScalar:
    chosen_all = _selected(state)
    if any(v not in offered for v in chosen_all):
        raise ValueError("edit.annotations.bad_choice")
    return tuple(sorted(chosen_all))


# The reader of each type whose value the input's state alone decides; the lists, which also
# need the options offered, are read apart.
_READERS: dict[AnnotationType, Callable[[dict[str, Any]], AnnotationScalar]] = {
    AnnotationType.TEXT: _read_text,
    AnnotationType.TEXTAREA: _read_text,
    AnnotationType.EMAIL: _read_text,
    AnnotationType.CHECKBOX: is_checked,
    AnnotationType.REPETITION: is_checked,
    AnnotationType.YES_NO: _read_yes_no,
    AnnotationType.DATE: _read_date,
    AnnotationType.DATETIME: _read_datetime,
    AnnotationType.INTEGER: _read_integer,
    AnnotationType.DECIMAL: _read_decimal,
}


def _to_ds(type_: AnnotationType, value: AnnotationScalar) -> AnnotationScalar:
    """The input's value as DS takes it."""
    if type_ is AnnotationType.DATETIME and isinstance(value, int):
        return datetime.fromtimestamp(value, UTC).isoformat()
    return value
