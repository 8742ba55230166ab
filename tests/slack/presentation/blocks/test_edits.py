"""The Étiquettes and Annotations modals: one typed input per annotation type, pre-filled, and
the submission read back into typed changes (only what the user changed), or inline errors."""

from __future__ import annotations

from typing import Any

import pytest

from dsbot.backends.ds.annotations import (
    Annotation,
    AnnotationChange,
    AnnotationDescriptor,
    AnnotationSheet,
    AnnotationType,
)
from dsbot.backends.ds.models import Label
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.edits import (
    EditOrigin,
    LabelsForm,
    build_annotations_modal,
    build_labels_modal,
    build_loading_modal,
    read_annotations,
    read_labels,
)
from dsbot.texts import Texts

T = Texts("fr")
URL = "https://ds.example/procedures/1/dossiers/42/annotations-privees"

# (type, typename, current value)
CASES: list[tuple[AnnotationType, str, Any]] = [
    (AnnotationType.TEXT, "TextChampDescriptor", "REF-1"),
    (AnnotationType.TEXTAREA, "TextareaChampDescriptor", "ligne 1\nligne 2"),
    (AnnotationType.EMAIL, "EmailChampDescriptor", None),
    (AnnotationType.CHECKBOX, "CheckboxChampDescriptor", True),
    (AnnotationType.YES_NO, "YesNoChampDescriptor", False),
    (AnnotationType.DATE, "DateChampDescriptor", "2026-03-05"),
    (AnnotationType.DATETIME, "DatetimeChampDescriptor", "2026-03-05T10:00:00+01:00"),
    (AnnotationType.INTEGER, "IntegerNumberChampDescriptor", 7),
    (AnnotationType.DECIMAL, "DecimalNumberChampDescriptor", 12.5),
    (AnnotationType.DROP_DOWN, "DropDownListChampDescriptor", "Réservé"),
    (AnnotationType.MULTIPLE_DROP_DOWN, "MultipleDropDownListChampDescriptor", ("Budget",)),
    (AnnotationType.REPETITION, "RepetitionChampDescriptor", None),
]
OPTIONS = ("Favorable", "Réservé", "Défavorable")
MULTI = ("Budget", "Calendrier", "Foncier")
EXPECTED_ELEMENT = {
    AnnotationType.TEXT: "plain_text_input",
    AnnotationType.TEXTAREA: "plain_text_input",
    AnnotationType.EMAIL: "plain_text_input",
    AnnotationType.CHECKBOX: "checkboxes",
    AnnotationType.YES_NO: "static_select",
    AnnotationType.DATE: "datepicker",
    AnnotationType.DATETIME: "datetimepicker",
    AnnotationType.INTEGER: "number_input",
    AnnotationType.DECIMAL: "number_input",
    AnnotationType.DROP_DOWN: "static_select",
    AnnotationType.MULTIPLE_DROP_DOWN: "multi_static_select",
    AnnotationType.REPETITION: "checkboxes",
}


def make_sheet(extra: tuple[AnnotationDescriptor, ...] = ()) -> AnnotationSheet:
    descriptors, annotations = [], []
    for index, (type_, typename, value) in enumerate(CASES):
        options = OPTIONS if type_ is AnnotationType.DROP_DOWN else ()
        options = MULTI if type_ is AnnotationType.MULTIPLE_DROP_DOWN else options
        desc = AnnotationDescriptor(
            id=f"D{index}",
            label=f"Annotation {type_.value}",
            typename=typename,
            type=type_,
            required=type_ is AnnotationType.TEXT,
            options=options,
        )
        descriptors.append(desc)
        rows = ((("Objet", "relance 1"),),) if type_ is AnnotationType.REPETITION else ()
        annotations.append(
            Annotation(f"A{index}", f"D{index}", desc.label, "", str(value), value, rows)
        )
    descriptors.extend(extra)
    for desc in extra:
        annotations.append(Annotation(f"A-{desc.id}", desc.id, desc.label, "", "Paris", "Paris"))
    return AnnotationSheet("RG9zc2llci00Mg==", 42, 1, tuple(descriptors), tuple(annotations), ())


def origin(kind: str = ids.MORE_ANNOTATIONS, **kw: Any) -> EditOrigin:
    return EditOrigin(number=42, kind=kind, key="k1", channel_id="C1", message_ts="1.2", **kw)


def built(sheet: AnnotationSheet | None = None) -> tuple[dict[str, Any], EditOrigin]:
    view = build_annotations_modal(origin(), sheet or make_sheet(), T, URL).to_dict()
    return view, EditOrigin.decode(view["private_metadata"])


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        b["label"]["text"].removesuffix(" *"): b for b in view["blocks"] if b["type"] == "input"
    }


def initial_state(view: dict[str, Any]) -> dict[str, Any]:
    """What Slack sends back when the user changes nothing."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        el = block["element"]
        state: dict[str, Any] = {"type": el["type"]}
        if el["type"] in ("plain_text_input", "number_input"):
            state["value"] = el.get("initial_value")
        elif el["type"] in ("checkboxes", "multi_static_select"):
            state["selected_options"] = el.get("initial_options") or []
        elif el["type"] == "static_select":
            state["selected_option"] = el.get("initial_option")
        elif el["type"] == "datepicker":
            state["selected_date"] = el.get("initial_date")
        else:
            state["selected_date_time"] = el.get("initial_date_time")
        values[block["block_id"]] = {el["action_id"]: state}
    return values


def submitted(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {**view, "state": {"values": values}}


def put(view: dict[str, Any], values: dict[str, Any], type_: AnnotationType, **state: Any) -> str:
    block = inputs(view)[f"Annotation {type_.value}"]
    values[block["block_id"]][ids.ACTION_ANNOTATION_INPUT].update(state)
    return block["block_id"]


def opt(value: str) -> dict[str, Any]:
    return {"value": value, "text": {"type": "plain_text", "text": value}}


# --- building ---------------------------------------------------------------------------------


def test_one_typed_input_per_annotation_type() -> None:
    view, _ = built()
    found = inputs(view)
    for type_, _, _ in CASES:
        assert found[f"Annotation {type_.value}"]["element"]["type"] == EXPECTED_ELEMENT[type_]
        assert found[f"Annotation {type_.value}"]["optional"] is True
    assert found["Annotation textarea"]["element"]["multiline"] is True
    assert found["Annotation integer_number"]["element"]["is_decimal_allowed"] is False
    assert found["Annotation decimal_number"]["element"]["is_decimal_allowed"] is True
    # A required annotation says so in its label.
    assert found["Annotation text"]["label"]["text"].endswith(" *")
    assert view["submit"]["text"] == "Enregistrer"
    assert len(view["blocks"]) <= 100


def test_inputs_are_prefilled_with_the_current_values() -> None:
    found = inputs(built()[0])
    assert found["Annotation text"]["element"]["initial_value"] == "REF-1"
    assert "initial_value" not in found["Annotation email"]["element"]
    assert found["Annotation checkbox"]["element"]["initial_options"][0]["value"] == "on"
    assert found["Annotation yes_no"]["element"]["initial_option"]["value"] == "false"
    assert found["Annotation date"]["element"]["initial_date"] == "2026-03-05"
    assert found["Annotation datetime"]["element"]["initial_date_time"] == 1772701200
    assert found["Annotation integer_number"]["element"]["initial_value"] == "7"
    assert found["Annotation decimal_number"]["element"]["initial_value"] == "12.5"
    assert found["Annotation drop_down_list"]["element"]["initial_option"]["value"] == "Réservé"
    multi = found["Annotation multiple_drop_down_list"]["element"]
    assert [o["value"] for o in multi["initial_options"]] == ["Budget"]
    assert [o["value"] for o in multi["options"]] == list(MULTI)
    # The répétition's rows are shown read-only, above its « Ajouter une ligne ».
    assert "relance 1" in str(built()[0]["blocks"])
    assert "initial_options" not in found["Annotation repetition"]["element"]


def test_unsupported_types_are_read_only_with_a_link_to_ds() -> None:
    commune = AnnotationDescriptor("DX", "Commune", "CommuneChampDescriptor", None)
    view, restored = built(make_sheet((commune,)))
    assert "Commune" not in inputs(view)
    shown = str(view["blocks"])
    assert "*Commune* : Paris" in shown and URL in shown
    assert len(restored.fields) == len(CASES)


def test_long_labels_and_options_are_cut_to_slack_limits() -> None:
    long = "x" * 3000
    desc = AnnotationDescriptor(
        "DL", long, "DropDownListChampDescriptor", AnnotationType.DROP_DOWN, options=("o" * 90,)
    )
    sheet = AnnotationSheet(
        "D", 42, 1, (desc,), (Annotation("AL", "DL", long, "", None, None),), ()
    )
    view = build_annotations_modal(origin(), sheet, T, URL).to_dict()
    block = next(b for b in view["blocks"] if b["type"] == "input")
    assert len(block["label"]["text"]) <= 2000
    assert all(len(o["text"]["text"]) <= 75 for o in block["element"]["options"])


def test_many_annotations_stay_under_a_hundred_blocks() -> None:
    many = tuple(
        AnnotationDescriptor(f"M{i}", f"Note {i}", "TextChampDescriptor", AnnotationType.TEXT)
        for i in range(150)
    )
    notes = tuple(Annotation(f"N{i}", f"M{i}", f"Note {i}", "", None, None) for i in range(150))
    sheet = AnnotationSheet("D", 42, 1, many, notes, ())
    view = build_annotations_modal(origin(), sheet, T, URL).to_dict()
    assert len(view["blocks"]) <= 100
    restored = EditOrigin.decode(view["private_metadata"])
    assert len(restored.fields) == len(inputs(view))
    assert "dans DS" in str(view["blocks"][-1])


def test_loading_modal_has_no_submit() -> None:
    view = build_loading_modal(origin(), T).to_dict()
    assert "submit" not in view and view["callback_id"] == ids.VIEW_ANNOTATIONS
    assert "Chargement" in str(view["blocks"])


# --- reading back -------------------------------------------------------------------------------


def test_nothing_changed_sends_nothing() -> None:
    view, restored = built()
    assert read_annotations(submitted(view, initial_state(view)), restored, T) == ()


def test_every_type_is_read_back_typed() -> None:
    view, restored = built()
    values = initial_state(view)
    put(view, values, AnnotationType.TEXT, value="REF-2")
    put(view, values, AnnotationType.TEXTAREA, value="autre")
    put(view, values, AnnotationType.EMAIL, value="a@b.fr")
    put(view, values, AnnotationType.CHECKBOX, selected_options=[])
    put(view, values, AnnotationType.YES_NO, selected_option=opt("true"))
    put(view, values, AnnotationType.DATE, selected_date="2026-04-01")
    put(view, values, AnnotationType.DATETIME, selected_date_time=1775000000)
    put(view, values, AnnotationType.INTEGER, value="8")
    put(view, values, AnnotationType.DECIMAL, value="3.25")
    put(view, values, AnnotationType.DROP_DOWN, selected_option=opt("Favorable"))
    put(
        view,
        values,
        AnnotationType.MULTIPLE_DROP_DOWN,
        selected_options=[opt("Foncier"), opt("Budget")],
    )
    put(view, values, AnnotationType.REPETITION, selected_options=[opt("on")])
    changes = read_annotations(submitted(view, values), restored, T)
    assert isinstance(changes, tuple)
    got = {c.type: c for c in changes}
    assert {t: c.value for t, c in got.items()} == {
        AnnotationType.TEXT: "REF-2",
        AnnotationType.TEXTAREA: "autre",
        AnnotationType.EMAIL: "a@b.fr",
        AnnotationType.CHECKBOX: False,
        AnnotationType.YES_NO: True,
        AnnotationType.DATE: "2026-04-01",
        AnnotationType.DATETIME: "2026-03-31T23:33:20+00:00",
        AnnotationType.INTEGER: 8,
        AnnotationType.DECIMAL: 3.25,
        AnnotationType.DROP_DOWN: "Favorable",
        AnnotationType.MULTIPLE_DROP_DOWN: ("Budget", "Foncier"),
        AnnotationType.REPETITION: 1,
    }
    assert got[AnnotationType.TEXT].id == "A0"
    assert got[AnnotationType.TEXT].label == "Annotation text"
    assert got[AnnotationType.MULTIPLE_DROP_DOWN].to_input() == {
        "id": "A10",
        "value": {"multipleDropDownList": ["Budget", "Foncier"]},
    }
    assert got[AnnotationType.REPETITION].to_input() == {"id": "A11", "value": {"repetition": 1}}


@pytest.mark.parametrize(
    ("type_", "state", "key"),
    [
        (
            AnnotationType.DROP_DOWN,
            {"selected_option": opt("Météo")},
            "edit.annotations.bad_choice",
        ),
        (
            AnnotationType.MULTIPLE_DROP_DOWN,
            {"selected_options": [opt("Budget"), opt("Météo")]},
            "edit.annotations.bad_choice",
        ),
        (AnnotationType.INTEGER, {"value": "7.5"}, "edit.annotations.bad_number"),
        (AnnotationType.DECIMAL, {"value": "nan"}, "edit.annotations.bad_number"),
        (AnnotationType.DATE, {"selected_date": "05/03/2026"}, "edit.annotations.bad_value"),
        (AnnotationType.DATETIME, {"selected_date_time": "demain"}, "edit.annotations.bad_value"),
        (
            AnnotationType.YES_NO,
            {"selected_option": opt("peut-être")},
            "edit.annotations.bad_choice",
        ),
        (AnnotationType.DATE, {"selected_date": None}, "edit.annotations.cannot_empty"),
        (AnnotationType.INTEGER, {"value": None}, "edit.annotations.cannot_empty"),
        # Each reader's other refusals: a wrong JSON type, out of DS's range, not a real date.
        (AnnotationType.TEXTAREA, {"value": 7}, "edit.annotations.bad_value"),
        (AnnotationType.EMAIL, {"value": ["a@b.fr"]}, "edit.annotations.bad_value"),
        (AnnotationType.INTEGER, {"value": str(2**31)}, "edit.annotations.bad_number"),
        (AnnotationType.INTEGER, {"value": str(-(2**31) - 1)}, "edit.annotations.bad_number"),
        (AnnotationType.DECIMAL, {"value": "inf"}, "edit.annotations.bad_number"),
        (AnnotationType.DECIMAL, {"value": "trois"}, "edit.annotations.bad_number"),
        (AnnotationType.DECIMAL, {"value": ""}, "edit.annotations.cannot_empty"),
        (AnnotationType.DATE, {"selected_date": "2026-02-30"}, "edit.annotations.bad_value"),
        (AnnotationType.DATE, {"selected_date": 20260301}, "edit.annotations.bad_value"),
        (AnnotationType.DATETIME, {"selected_date_time": -1}, "edit.annotations.bad_value"),
        (AnnotationType.DATETIME, {"selected_date_time": True}, "edit.annotations.bad_value"),
        (AnnotationType.DATETIME, {"selected_date_time": None}, "edit.annotations.cannot_empty"),
        (AnnotationType.YES_NO, {"selected_option": None}, "edit.annotations.cannot_empty"),
        (AnnotationType.DROP_DOWN, {"selected_option": None}, "edit.annotations.cannot_empty"),
    ],
)
def test_bad_inputs_get_an_inline_error(type_: AnnotationType, state: dict, key: str) -> None:
    view, restored = built()
    values = initial_state(view)
    block_id = put(view, values, type_, **state)
    put(view, values, AnnotationType.TEXT, value="REF-3")
    assert read_annotations(submitted(view, values), restored, T) == {block_id: T(key)}


def test_a_text_can_be_emptied() -> None:
    view, restored = built()
    values = initial_state(view)
    put(view, values, AnnotationType.TEXT, value=None)
    assert read_annotations(submitted(view, values), restored, T) == (
        AnnotationChange("A0", AnnotationType.TEXT, "", "Annotation text"),
    )


@pytest.mark.parametrize(
    ("type_", "state", "expected"),
    [
        (AnnotationType.INTEGER, {"value": str(2**31 - 1)}, 2**31 - 1),
        (AnnotationType.INTEGER, {"value": str(-(2**31))}, -(2**31)),
        (AnnotationType.MULTIPLE_DROP_DOWN, {"selected_options": []}, ()),
    ],
)
def test_edge_values_are_read_back(type_: AnnotationType, state: dict, expected: object) -> None:
    view, restored = built()
    values = initial_state(view)
    put(view, values, type_, **state)
    changes = read_annotations(submitted(view, values), restored, T)
    assert isinstance(changes, tuple)
    assert [c.value for c in changes if c.type is type_] == [expected]


# --- labels and metadata ---------------------------------------------------------------------


LABELS = (
    Label("L1", "Urgent", "pink_macaron"),
    Label("L2", "À relancer", "yellow_tournesol"),
    Label("L3", "Validé", "green_emeraude"),
)


def test_labels_modal_ticks_the_dossiers_labels_with_their_colours() -> None:
    view = build_labels_modal(origin(ids.MORE_ETIQUETTES, labels=("L2",)), LABELS, LABELS[1:2], T)
    data = view.to_dict()
    block = next(b for b in data["blocks"] if b["type"] == "input")
    assert block["label"]["text"] == "Étiquettes" and block["element"]["type"] == "checkboxes"
    assert [o["text"]["text"] for o in block["element"]["options"]] == [
        "🔴 Urgent",
        "🟡 À relancer",
        "🟢 Validé",
    ]
    assert [o["value"] for o in block["element"]["initial_options"]] == ["L2"]


def test_more_than_ten_labels_use_a_multi_select() -> None:
    many = tuple(Label(f"L{i}", f"Label {i}", "blue_ecume") for i in range(12))
    data = build_labels_modal(origin(ids.MORE_ETIQUETTES), many, (), T).to_dict()
    block = next(b for b in data["blocks"] if b["type"] == "input")
    assert block["element"]["type"] == "multi_static_select"


def test_a_demarche_without_labels_explains_and_has_no_submit() -> None:
    data = build_labels_modal(origin(ids.MORE_ETIQUETTES), (), (), T).to_dict()
    assert "submit" not in data and "aucune étiquette" in str(data["blocks"])


def test_labels_read_back_as_added_and_removed() -> None:
    data = build_labels_modal(
        origin(ids.MORE_ETIQUETTES, labels=("L2",)), LABELS, LABELS[1:2], T
    ).to_dict()
    restored = EditOrigin.decode(data["private_metadata"])
    values = {ids.BLOCK_LABELS: {ids.ACTION_LABELS_INPUT: {"selected_options": [opt("L1")]}}}
    form = read_labels(submitted(data, values), restored, T)
    assert form == LabelsForm(
        add=(Label("L1", "Urgent", ""),), remove=(Label("L2", "À relancer", ""),)
    )
    values = {ids.BLOCK_LABELS: {ids.ACTION_LABELS_INPUT: {"selected_options": [opt("L9")]}}}
    assert read_labels(submitted(data, values), restored, T) == {
        ids.BLOCK_LABELS: T("edit.labels.unknown")
    }


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "[]",
        '{"n": 42, "k": "accepter", "key": "k"}',
        '{"n": 0, "k": "etiquettes", "key": "k"}',
        '{"n": 42, "k": "etiquettes", "key": ""}',
        '{"n": 42, "k": "annotations", "key": "k", "f": [["A", "commune", "x"]]}',
        '{"n": 42, "k": "annotations", "key": "k", "c": 5}',
    ],
)
def test_origin_that_is_not_ours_is_refused(text: str | None) -> None:
    with pytest.raises(ValueError):
        EditOrigin.decode(text)


def test_origin_round_trips_and_drops_a_huge_response_url() -> None:
    first = origin(labels=("L1", "L2"), response_url="https://hooks.slack.com/x")
    assert EditOrigin.decode(first.encode()) == first
    huge = origin(response_url="https://hooks.slack.com/" + "x" * 3000)
    assert EditOrigin.decode(huge.encode()).response_url is None


def test_a_value_the_input_cannot_hold_is_read_only() -> None:
    long_text = AnnotationDescriptor(
        "DT", "Notes", "TextareaChampDescriptor", AnnotationType.TEXTAREA
    )
    odd = AnnotationDescriptor(
        "DD", "Avis", "DropDownListChampDescriptor", AnnotationType.DROP_DOWN, options=OPTIONS
    )
    sheet = AnnotationSheet(
        "D",
        42,
        1,
        (long_text, odd),
        (
            Annotation("AT", "DT", "Notes", "", "x" * 4000, "x" * 4000),
            Annotation("AD", "DD", "Avis", "", "y" * 200, "y" * 200),
        ),
        (),
    )
    view = build_annotations_modal(origin(), sheet, T, URL).to_dict()
    # Cut into an input, the value would be saved cut: both are left to DS.
    assert inputs(view) == {}
    assert EditOrigin.decode(view["private_metadata"]).fields == ()
    assert "*Notes*" in str(view["blocks"]) and "*Avis*" in str(view["blocks"])
    assert "submit" not in view
