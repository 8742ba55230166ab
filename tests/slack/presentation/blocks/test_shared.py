"""DS and Dynacase share the Slack builders where the concepts match: a state (label, colour,
sign), an action's button, an input of a given kind, a state change's reply. Each test puts a
DS dossier and a Dynacase document side by side and checks they render alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dsbot.backends.ds.annotations import (
    Annotation,
    AnnotationDescriptor,
    AnnotationSheet,
    AnnotationType,
)
from dsbot.backends.ds.backend import (
    INPUT_KINDS,
    DSSource,
    item_state,
    motivation_input,
    state_actions,
)
from dsbot.backends.ds.models import DossierState
from dsbot.backends.port import (
    ActionForm,
    ActionInput,
    ActionStyle,
    BackendName,
    InputKind,
    InputOption,
    Item,
    ItemAction,
    ItemState,
)
from dsbot.notifications.model import ItemStateChanged
from dsbot.slack import ids
from dsbot.slack.interaction.item_refs import ItemOrigin
from dsbot.slack.presentation.blocks.action_form import build_item_form_modal
from dsbot.slack.presentation.blocks.card import Viewer, build_dossier_card, legal_actions
from dsbot.slack.presentation.blocks.common import color_emoji, state_label, state_text
from dsbot.slack.presentation.blocks.edits import EditOrigin, build_annotations_modal
from dsbot.slack.presentation.blocks.events import (
    EVENT_MESSAGE,
    EVENT_STATE_CHANGED,
    build_event_message,
    build_item_change_message,
)
from dsbot.slack.presentation.blocks.item import ItemViewer, build_item_card
from dsbot.slack.presentation.blocks.modals import ACTION_BY_NAME, ModalOrigin, build_action_modal
from dsbot.slack.presentation.views import dossier_detail
from dsbot.texts import Texts
from tests.slack.presentation.blocks.blockkit import block, buttons
from tests.slack.presentation.blocks.factories import DS_WEB_BASE, INSTRUCTEUR, make_dossier

FR = Texts("fr")
CAN_ACT = Viewer(instructeur_id=INSTRUCTEUR.id, can_act=True)
DS_EMOJI = {
    DossierState.EN_CONSTRUCTION: "🟡",
    DossierState.EN_INSTRUCTION: "🔵",
    DossierState.ACCEPTE: "✅",
    DossierState.REFUSE: "❌",
    DossierState.SANS_SUITE: "⚪",
}
# DS states whose own sign is also their colour's circle.
CIRCLES = (DossierState.EN_CONSTRUCTION, DossierState.EN_INSTRUCTION, DossierState.SANS_SUITE)


def ds_item(state: DossierState) -> Item:
    return DSSource(client=None, label=FR, web_base=DS_WEB_BASE).to_item(make_dossier(state=state))


def document(state: ItemState) -> Item:
    return Item(BackendName.DYNACASE, "2001", "Demande", "Subvention", state, url="https://g/")


def state_field(message: Any, block_id: str) -> str:
    fields = block(message, block_id)["fields"]
    return next(f["text"] for f in fields if f["text"].startswith("*État*"))


@pytest.mark.parametrize("state", list(DossierState))
def test_a_dossier_state_is_the_adapters_item_state_rendered_by_the_one_renderer(state):
    shown = state_text(item_state(state, FR))
    assert shown == state_label(state, FR) == f"{DS_EMOJI[state]} {FR(f'state.{state.value}')}"
    card = build_dossier_card(
        dossier_detail(make_dossier(state=state), FR, DS_WEB_BASE), viewer=CAN_ACT, texts=FR
    )
    assert state_field(card, ids.BLOCK_CARD_FACTS) == f"*État*\n{shown}"
    generic = build_item_card(ds_item(state), [], viewer=ItemViewer(can_act=False), texts=FR)
    assert state_field(generic, ids.BLOCK_ITEM_FACTS) == f"*État*\n{shown}"


@pytest.mark.parametrize("state", CIRCLES)
def test_a_dossier_and_a_document_in_the_same_colour_show_the_same_state(state):
    ds = ds_item(state)
    assert ds.state is not None
    dynacase = document(ItemState("e_x", ds.state.label, ds.state.color))  # no emoji of its own
    assert color_emoji(ds.state.color) == DS_EMOJI[state]
    shown = [
        state_field(
            build_item_card(i, [], viewer=ItemViewer(False), texts=FR), ids.BLOCK_ITEM_FACTS
        )
        for i in (ds, dynacase)
    ]
    assert shown[0] == shown[1] == f"*État*\n{state_label(state, FR)}"


@pytest.mark.parametrize("archived", [False, True])
@pytest.mark.parametrize("state", list(DossierState))
def test_the_card_state_buttons_are_the_adapters_actions(state, archived):
    actions = state_actions(state, FR)
    moves = [ACTION_BY_NAME[a.id] for a in actions]
    dossier = make_dossier(state=state, archived=archived)
    legal = legal_actions(dossier_detail(dossier, FR, DS_WEB_BASE))
    assert list(legal[: len(moves)]) == moves
    assert set(legal[len(moves) :]) <= {ids.ACTION_ARCHIVER, ids.ACTION_REPONDRE}
    card = build_dossier_card(dossier_detail(dossier, FR, DS_WEB_BASE), viewer=CAN_ACT, texts=FR)
    by_id = {b["action_id"]: b for b in buttons(card)}
    for action_id, action in zip(moves, actions, strict=True):
        button = by_id[action_id]
        assert button["text"]["text"] == action.label
        assert button.get("style") == (action.style.value if action.style else None)
        assert button["value"] == ids.encode_ref(dossier.number)


def test_an_action_is_the_same_button_on_a_dossier_card_and_an_item_card():
    refuser = next(a for a in state_actions(DossierState.EN_INSTRUCTION, FR) if a.id == "refuser")
    assert refuser.style is ActionStyle.DANGER
    card = build_dossier_card(
        dossier_detail(make_dossier(state=DossierState.EN_INSTRUCTION), FR, DS_WEB_BASE),
        viewer=CAN_ACT,
        texts=FR,
    )
    generic = build_item_card(
        document(ItemState("e_x", "Instruit")), [refuser], viewer=ItemViewer(True), texts=FR
    )
    ds_button = next(b for b in buttons(card) if b["action_id"] == ids.ACTION_REFUSER)
    item_button = next(
        b for b in buttons(generic) if b["action_id"].startswith(ids.ACTION_ITEM_ACTION_PREFIX)
    )
    assert {k: ds_button[k] for k in ("type", "text", "style")} == {
        k: item_button[k] for k in ("type", "text", "style")
    }


def element_of(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    found = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return {k: v for k, v in found["element"].items() if k != "action_id"}


def item_form(*inputs: ActionInput) -> dict[str, Any]:
    action = ItemAction("t_x", "Transmettre")
    origin = ItemOrigin(BackendName.DYNACASE, "2001", action, key="k1")
    form = ActionForm(action, ask_comment=False, inputs=inputs)
    return build_item_form_modal(origin, form, FR).to_dict()


def test_the_motivation_is_the_long_text_input_of_any_backend():
    motivation = motivation_input("refuser", FR)
    assert motivation is not None and motivation.kind is InputKind.LONG_TEXT
    ds_view = build_action_modal(
        ModalOrigin(number=4242, action_id=ids.ACTION_REFUSER, key="k" * 32), FR
    ).to_dict()
    dynacase_view = item_form(ActionInput("commentaire", "Commentaire", InputKind.LONG_TEXT))
    assert element_of(ds_view, ids.BLOCK_MOTIVATION) == element_of(
        dynacase_view, ids.BLOCK_ITEM_INPUT_PREFIX + "commentaire"
    )


SAME_KIND = [
    (AnnotationType.TEXT, ()),
    (AnnotationType.TEXTAREA, ()),
    (AnnotationType.DATE, ()),
    (AnnotationType.INTEGER, ()),
    (AnnotationType.DECIMAL, ()),
    (AnnotationType.DROP_DOWN, ("Favorable", "Réservé")),
    (AnnotationType.CHECKBOX, ()),
]


@pytest.mark.parametrize(("type_", "choices"), SAME_KIND)
def test_an_annotation_and_a_document_input_of_the_same_kind_are_the_same_element(type_, choices):
    kind = INPUT_KINDS[type_]
    desc = AnnotationDescriptor("D0", "Avis", f"{type_.value}Descriptor", type_, options=choices)
    empty = False if type_ is AnnotationType.CHECKBOX else None
    sheet = AnnotationSheet(
        "RG9zc2llci00Mg==", 42, 1, (desc,), (Annotation("A0", "D0", "Avis", "", None, empty),), ()
    )
    origin = EditOrigin(number=42, kind=ids.MORE_ANNOTATIONS, key="k1")
    ds_view = build_annotations_modal(origin, sheet, FR, DS_WEB_BASE).to_dict()
    options = tuple(InputOption(c, c) for c in choices)
    dynacase_view = item_form(ActionInput("avis", "Avis", kind, options=options))
    ds_element = element_of(ds_view, f"{ids.BLOCK_ANNOTATION_PREFIX}0")
    dynacase_element = element_of(dynacase_view, ids.BLOCK_ITEM_INPUT_PREFIX + "avis")
    # Only the words each modal puts beside a checkbox or in an empty select are its own.
    for element in (ds_element, dynacase_element):
        element.pop("placeholder", None)
        for option in element.get("options", ()) if kind is InputKind.CHECKBOX else ():
            option.pop("text")
    assert ds_element == dynacase_element


def test_a_state_change_reply_shows_the_state_and_who_alike_for_a_dossier_and_a_document():
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    dossier = build_event_message(
        EVENT_STATE_CHANGED,
        dossier_number=7,
        texts=FR,
        state=DossierState.EN_INSTRUCTION,
        by="c.martin",
        at=at,
    )
    ds_state = item_state(DossierState.EN_INSTRUCTION, FR)
    change = ItemStateChanged(
        at=at,
        title="Demande",
        to_state="e_x",
        to_label="En instruction",
        to_color=ds_state.color,
        by="c.martin",
    )
    doc = build_item_change_message(change, title="Demande", texts=FR)
    assert dossier.text.startswith("🔵 ") and doc.text.startswith("🔵 ")
    assert " par c.martin" in dossier.text and " par c.martin" in doc.text


def test_a_comment_is_quoted_alike_under_a_dossier_event_and_a_document_change():
    body = "Pièces complètes <b>.\n" + "ligne\n" * 20
    dossier = build_event_message(EVENT_MESSAGE, dossier_number=7, texts=FR, author="u", body=body)
    change = ItemStateChanged(title="Demande", to_state="e_x", to_label="Instruit", comment=body)
    doc = build_item_change_message(change, title="Demande", texts=FR)
    ds_quote = block(dossier, ids.BLOCK_EVENT_EXCERPT)
    assert ds_quote is not None
    assert ds_quote["elements"] == doc.blocks[1]["elements"]
    assert "&lt;b&gt;" in ds_quote["elements"][0]["text"]
