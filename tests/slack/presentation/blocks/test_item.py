"""The generic item card and action modals, built from the backend port's types."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest

from dsbot.backends.port import (
    ActionForm,
    ActionInput,
    BackendName,
    HistoryEntry,
    InputKind,
    InputOption,
    Item,
    ItemAction,
    ItemState,
)
from dsbot.slack import ids
from dsbot.slack.interaction.item_refs import ItemButton, ItemOrigin
from dsbot.slack.presentation.blocks.action_form import (
    build_connect_modal,
    build_item_form_modal,
    build_item_loading_modal,
    read_comment,
    read_values,
)
from dsbot.slack.presentation.blocks.common import color_emoji
from dsbot.slack.presentation.blocks.inputs import CHECKED
from dsbot.slack.presentation.blocks.item import ItemActed, ItemViewer, build_item_card
from dsbot.texts import Texts
from tests.slack.presentation.blocks.blockkit import (
    all_text,
    assert_within_slack_limits,
    button_ids,
    buttons,
    mrkdwn_texts,
)

T = Texts("fr")
INSTRUIT = ItemState("e_sub_instruit", "Instruit", "#FFE7A8")
ACCORDER = ItemAction(
    "t_sub_accorder", "Accorder", ItemState("e_sub_accorde", "Accordé", "#B5F5B0")
)
REFUSER = ItemAction("t_sub_refuser", "Refuser", ItemState("e_sub_refuse", "Refusé", "#F5B0B0"))


def item(**changes: Any) -> Item:
    base: dict[str, Any] = dict(
        backend=BackendName.DYNACASE,
        ref="2001",
        title="Festival <!channel> & co",
        kind="Demande de subvention",
        state=INSTRUIT,
        activity="Décision à prendre",
        modified_at=datetime(2026, 11, 4, 16, 27),
        url="https://ged.example.fr/?app=FDL&action=OPENDOC&mode=view&id=2001",
        name="SUBV_0001",
        history=(
            HistoryEntry(
                datetime(2026, 11, 4, 16, 27), "Claire Martin", "Transmis vers Instruit", True
            ),
            HistoryEntry(datetime(2026, 11, 4, 16, 26), "<@U123>", "Avis <b>favorable</b>"),
        ),
    )
    base.update(changes)
    return Item(**base)


def origin(action: ItemAction = ACCORDER) -> ItemOrigin:
    return ItemOrigin(BackendName.DYNACASE, "2001", action, "k1", "C1", None, "https://r/1")


@pytest.mark.parametrize(
    ("color", "emoji"),
    [
        ("#E0E0E0", "⚪"),
        ("#A8E5FF", "🔵"),
        ("#FFE7A8", "🟡"),
        ("#FFA040", "🟠"),
        ("#B5F5B0", "🟢"),
        ("#F5B0B0", "🔴"),
        ("#202020", "⚫"),
        ("", "⚪"),
        ("not-a-colour", "⚪"),
    ],
)
def test_a_states_colour_is_the_nearest_circle(color: str, emoji: str) -> None:
    assert color_emoji(color) == emoji


def test_card_shows_the_item_and_one_button_per_action() -> None:
    card = build_item_card(item(), [ACCORDER, REFUSER], viewer=ItemViewer(can_act=True), texts=T)
    assert_within_slack_limits(card)
    text = all_text(card)
    assert "Demande de subvention" in text and "🟡 Instruit" in text
    assert "Décision à prendre" in text and "SUBV_0001" in text and "<!date^" in text
    assert "Claire Martin" in text and "Transmis vers Instruit" in text
    # Data is inert in mrkdwn: no mention, no markup from the backend (a header is plain text).
    marked = "\n".join(mrkdwn_texts(card))
    assert "<!channel>" not in marked and "<@U123>" not in marked and "&lt;@U123&gt;" in marked
    ids_ = button_ids(card)
    assert ids_ == ["item_action_0", "item_action_1", ids.ACTION_ITEM_OPEN, ids.ACTION_ITEM_SHARE]
    value = ItemButton.decode(buttons(card)[1]["value"])
    assert value == ItemButton(BackendName.DYNACASE, "2001", REFUSER)


def test_card_for_someone_who_must_connect_has_no_action_and_says_how() -> None:
    viewer = ItemViewer(
        can_act=False, reason="connectez-vous : `/ds connecter dynacase`", connect=True
    )
    card = build_item_card(item(), [ACCORDER], viewer=viewer, texts=T, ephemeral=False)
    assert button_ids(card) == [ids.ACTION_ITEM_CONNECT, ids.ACTION_ITEM_OPEN]
    assert "/ds connecter dynacase" in all_text(card)


def test_card_without_workflow_or_history_and_with_the_last_action() -> None:
    acted = ItemActed("U0CLAIRE1", "Instruire", datetime(2026, 11, 5, 9, 0))
    card = build_item_card(
        item(state=None, history=(), activity="", url=None),
        [],
        viewer=ItemViewer(can_act=True),
        texts=T,
        acted=acted,
    )
    text = all_text(card)
    assert "Sans cycle de vie" in text and "« Instruire » par <@U0CLAIRE1>" in text
    assert button_ids(card) == [ids.ACTION_ITEM_SHARE]


def test_form_modal_has_one_typed_input_per_parameter() -> None:
    form = ActionForm(
        ACCORDER,
        ask_comment=True,
        inputs=(
            ActionInput("t", "Texte", InputKind.TEXT, required=True),
            ActionInput("l", "Long", InputKind.LONG_TEXT),
            ActionInput("d", "Date", InputKind.DATE, required=True),
            ActionInput("n", "Jours", InputKind.NUMBER),
            ActionInput("m", "Montant", InputKind.DECIMAL, required=True),
            ActionInput("e", "Avis", InputKind.ENUM, options=(InputOption("ok", "Favorable"),)),
            ActionInput("c", "Urgent", InputKind.CHECKBOX, required=True),
        ),
    )
    view = build_item_form_modal(origin(), form, T).to_dict()
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    p = ids.BLOCK_ITEM_INPUT_PREFIX
    assert inputs[ids.BLOCK_ITEM_COMMENT]["optional"] is True
    assert inputs[ids.BLOCK_ITEM_COMMENT]["element"]["multiline"] is True
    kinds = {k[len(p) :]: v["element"]["type"] for k, v in inputs.items() if k.startswith(p)}
    assert kinds == {
        "t": "plain_text_input",
        "l": "plain_text_input",
        "d": "datepicker",
        "n": "number_input",
        "m": "number_input",
        "e": "static_select",
        "c": "checkboxes",
    }
    assert inputs[p + "n"]["element"]["is_decimal_allowed"] is False
    assert inputs[p + "m"]["element"]["is_decimal_allowed"] is True
    assert inputs[p + "t"]["optional"] is False and inputs[p + "l"]["optional"] is True
    assert inputs[p + "c"]["optional"] is True  # unticked is an answer
    assert "Accordé" in json.dumps(view, ensure_ascii=False)
    assert ItemOrigin.decode(view["private_metadata"]) == origin()


def test_a_refusal_is_quoted_above_the_form_and_stays_inert() -> None:
    form = ActionForm(ACCORDER, ask_comment=False)
    view = build_item_form_modal(origin(), form, T, refusal="Plafond <dépassé>\n2e ligne").to_dict()
    text = json.dumps(view, ensure_ascii=False)
    assert "> Plafond &lt;dépassé&gt;" in text and "> 2e ligne" in text
    assert "ne demande rien d’autre" in text


def test_loading_and_connect_modals() -> None:
    loading = build_item_loading_modal(origin(), T).to_dict()
    assert loading["callback_id"] == ids.VIEW_ITEM_ACTION and "submit" not in loading
    connect = build_connect_modal(BackendName.DYNACASE, T).to_dict()
    assert connect["callback_id"] == ids.VIEW_BACKEND_CONNECT
    assert connect["private_metadata"] == "dynacase"


def test_submitted_values_are_typed_by_their_element() -> None:
    p = ids.BLOCK_ITEM_INPUT_PREFIX
    a = ids.ACTION_ITEM_INPUT
    values = {
        ids.BLOCK_ITEM_COMMENT: {ids.ACTION_ITEM_COMMENT_INPUT: {"value": "  Vu.  "}},
        p + "d": {a: {"type": "datepicker", "selected_date": "2026-11-20"}},
        p + "e": {a: {"type": "static_select", "selected_option": {"value": "ok"}}},
        p + "n": {a: {"type": "number_input", "value": "12"}},
        p + "m": {a: {"type": "number_input", "value": "25000.5"}},
        p + "c": {a: {"type": "checkboxes", "selected_options": [{"value": CHECKED}]}},
        p + "t": {a: {"type": "plain_text_input", "value": "  "}},
        p + "x": {a: {"type": "datepicker", "selected_date": None}},
        "other": {"x": {"type": "plain_text_input", "value": "ignored"}},
    }
    assert read_comment(values) == "Vu."
    assert read_values(values) == {
        "d": date(2026, 11, 20),
        "e": "ok",
        "n": 12,
        "m": 25000.5,
        "c": True,
    }
    with pytest.raises(ValueError):
        read_values({p + "n": {a: {"type": "number_input", "value": "douze"}}})


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "x",
        "[]",
        '{"b":"sap","r":"1"}',
        '{"b":"dynacase"}',
        '{"b":"dynacase","r":""}',
        '{"b":"dynacase","r":"1","a":{"label":"x"}}',
    ],
)
def test_button_values_that_are_not_ours_are_refused(value) -> None:
    with pytest.raises(ValueError):
        ItemButton.decode(value)


@pytest.mark.parametrize(
    "value", [None, "{}", '{"b":"dynacase","r":"1","a":{"id":"t"}}', '{"b":"ds","r":"1","k":"k"}']
)
def test_modal_origins_that_are_not_ours_are_refused(value) -> None:
    with pytest.raises(ValueError):
        ItemOrigin.decode(value)


def test_a_huge_response_url_is_dropped_from_the_origin_not_the_rest() -> None:
    big = ItemOrigin(
        BackendName.DYNACASE, "2001", ACCORDER, "k", "C1", "1.2", "https://r/" + "x" * 4000
    )
    decoded = ItemOrigin.decode(big.encode())
    assert decoded.response_url is None and decoded.message_ts == "1.2"
