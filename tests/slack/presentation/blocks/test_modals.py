"""The action modals: their shape, Slack's limits, their origin, and how submissions are read."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from dsbot.slack import ids
from dsbot.slack.interaction.forms import read_form, validate
from dsbot.slack.presentation.blocks.modals import (
    CALLBACK_BY_ACTION,
    CHOICE_ACTIONS,
    ModalOrigin,
    build_action_modal,
    build_choice_modal,
    build_info_modal,
)
from dsbot.texts import Texts
from tests.fakes import slack_rules

FR = Texts("fr")
EN = Texts("en")
ALL_ACTIONS = tuple(CALLBACK_BY_ACTION)
DECISIONS = (ids.ACTION_ACCEPTER, ids.ACTION_REFUSER, ids.ACTION_CLASSER_SANS_SUITE)
CONFIRMATIONS = (
    ids.ACTION_PASSER_EN_INSTRUCTION,
    ids.ACTION_REPASSER_EN_INSTRUCTION,
    ids.ACTION_ARCHIVER,
)
MB = 1024 * 1024


def origin(action_id: str = ids.ACTION_ACCEPTER, **kw: Any) -> ModalOrigin:
    base = {"number": 4242, "action_id": action_id, "key": "k" * 32, "channel_id": "C0GENERAL"}
    return ModalOrigin(**{**base, **kw})


def view_dict(action_id: str, texts: Texts = FR, **kw: Any) -> dict[str, Any]:
    if action_id in CHOICE_ACTIONS:
        # Opened empty, then filled with what DS offers (listeners/decisions.py, choice_modal).
        choices = [("Z3JvdXBl" + str(i), f"Option {i} " + "x" * 80) for i in range(120)]
        return build_choice_modal(origin(action_id, **kw), texts, choices).to_dict()
    return build_action_modal(origin(action_id, **kw), texts).to_dict()


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    found = [b for b in view["blocks"] if b.get("block_id") == block_id]
    assert found, f"no block {block_id} in {[b.get('block_id') for b in view['blocks']]}"
    return found[0]


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id") for b in view["blocks"]]


@pytest.mark.parametrize("texts", [FR, EN], ids=["fr", "en"])
@pytest.mark.parametrize("action_id", ALL_ACTIONS)
def test_every_modal_is_valid_for_slack(action_id: str, texts: Texts) -> None:
    view = view_dict(action_id, texts, response_url="https://hooks.slack.com/x" * 20)
    assert slack_rules.check_view(view, expected_types=("modal",)) == []
    assert view["callback_id"] == CALLBACK_BY_ACTION[action_id]
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24


@pytest.mark.parametrize("action_id", DECISIONS)
def test_decision_modals_take_motivation_file_and_silence(action_id: str) -> None:
    view = view_dict(action_id)
    file_block = block(view, ids.BLOCK_JUSTIFICATIF)
    assert file_block["type"] == "input" and file_block["optional"] is True
    element = file_block["element"]
    assert element["type"] == "file_input"
    assert element["action_id"] == ids.ACTION_JUSTIFICATIF_INPUT
    assert element["max_files"] == 1
    motivation = block(view, ids.BLOCK_MOTIVATION)
    assert motivation["element"]["type"] == "plain_text_input"
    assert motivation["element"]["multiline"] is True
    # Slack enforces a required input itself; the server checks again (blank text).
    assert motivation.get("optional", False) is (action_id == ids.ACTION_ACCEPTER)
    silence = block(view, ids.BLOCK_DISABLE_NOTIFICATION)["element"]
    assert silence["type"] == "checkboxes"
    assert silence["options"][0]["text"]["text"] == "Ne pas notifier l’usager par e-mail"
    assert ids.BLOCK_INSTRUCTION_FIRST not in block_ids(view)


def test_reply_modal_takes_a_message_and_one_attachment() -> None:
    view = view_dict(ids.ACTION_REPONDRE)
    body = block(view, ids.BLOCK_MESSAGE_BODY)
    assert body.get("optional", False) is False
    assert body["element"]["action_id"] == ids.ACTION_MESSAGE_BODY_INPUT
    attachment = block(view, ids.BLOCK_MESSAGE_ATTACHMENT)["element"]
    assert attachment == {
        "type": "file_input",
        "action_id": ids.ACTION_MESSAGE_ATTACHMENT_INPUT,
        "max_files": 1,
    }
    # dossierEnvoyerMessage has no disableNotification.
    assert ids.BLOCK_DISABLE_NOTIFICATION not in block_ids(view)


@pytest.mark.parametrize("action_id", CONFIRMATIONS)
def test_confirmation_modals_only_confirm(action_id: str) -> None:
    view = view_dict(action_id)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    expected = [] if action_id == ids.ACTION_ARCHIVER else [ids.BLOCK_DISABLE_NOTIFICATION]
    assert [b["block_id"] for b in inputs] == expected
    assert "4242" in view["blocks"][0]["text"]["text"]
    assert view["submit"]["text"]


def test_en_construction_decision_asks_to_pass_en_instruction_first() -> None:
    view = view_dict(ids.ACTION_REFUSER, instruction_first=True)
    ids_in_order = block_ids(view)
    assert ids_in_order.index(ids.BLOCK_INSTRUCTION_FIRST) < ids_in_order.index(
        ids.BLOCK_MOTIVATION
    )
    notice = block(view, "modal_notice")["elements"][0]["text"]
    assert "en construction" in notice and "4242" in notice
    checkbox = block(view, ids.BLOCK_INSTRUCTION_FIRST)["element"]
    assert checkbox["options"][0]["text"]["text"] == "Passer d’abord le dossier en instruction"
    assert ModalOrigin.decode(view["private_metadata"]).instruction_first is True


def test_info_modal_cannot_submit() -> None:
    view = build_info_modal(origin(ids.ACTION_ACCEPTER), FR, "Vous ne pouvez pas.").to_dict()
    assert "submit" not in view
    assert not [b for b in view["blocks"] if b["type"] == "input"]
    assert view["blocks"][0]["text"]["text"] == "Vous ne pouvez pas."
    assert slack_rules.check_view(view, expected_types=("modal",)) == []


def test_origin_round_trips_through_private_metadata() -> None:
    o = origin(message_ts="1700000000.000100", response_url="https://example.test/r/1")
    assert ModalOrigin.decode(o.encode()) == o
    minimal = ModalOrigin(number=7, action_id=ids.ACTION_ARCHIVER, key="abc")
    assert ModalOrigin.decode(minimal.encode()) == minimal


def test_origin_drops_an_oversized_response_url_but_keeps_the_rest() -> None:
    o = origin(message_ts="1700000000.000100", response_url="https://x.test/" + "r" * 3000)
    text = o.encode()
    assert len(text) <= 3000
    assert ModalOrigin.decode(text) == replace(o, response_url=None)


@pytest.mark.parametrize(
    "metadata",
    [
        "",
        "not json",
        '{"number": 1}',
        '{"number": 0, "action_id": "dossier_accepter", "key": "k"}',
        '{"number": 3, "action_id": "dossier_voler", "key": "k"}',
        '{"number": 3, "action_id": "dossier_accepter", "key": ""}',
        '{"number": 3, "action_id": "dossier_accepter", "key": "k", "evil": 1}',
    ],
)
def test_foreign_metadata_is_rejected(metadata: str) -> None:
    with pytest.raises(ValueError):
        ModalOrigin.decode(metadata)


# --- reading and validating submissions ------------------------------------------------------


def slack_file(name: str = "decision.pdf", mimetype: str = "application/pdf", size: int = 1000):
    return {"id": "F0TEST0001", "name": name, "mimetype": mimetype, "size": size}


def values(
    *,
    text: str | None = None,
    files: list[dict[str, Any]] | None = None,
    silent: bool = False,
    first: bool = False,
    reply: bool = False,
) -> dict[str, Any]:
    text_block = (ids.BLOCK_MESSAGE_BODY, ids.ACTION_MESSAGE_BODY_INPUT)
    file_block = (ids.BLOCK_MESSAGE_ATTACHMENT, ids.ACTION_MESSAGE_ATTACHMENT_INPUT)
    if not reply:
        text_block = (ids.BLOCK_MOTIVATION, ids.ACTION_MOTIVATION_INPUT)
        file_block = (ids.BLOCK_JUSTIFICATIF, ids.ACTION_JUSTIFICATIF_INPUT)
    state: dict[str, Any] = {
        text_block[0]: {text_block[1]: {"type": "plain_text_input", "value": text}},
        file_block[0]: {file_block[1]: {"type": "file_input", "files": files or []}},
    }

    def checked(on: bool, value: str) -> dict[str, Any]:
        options = [{"value": value, "text": {"type": "plain_text", "text": "x"}}] if on else []
        return {"type": "checkboxes", "selected_options": options}

    state[ids.BLOCK_DISABLE_NOTIFICATION] = {
        ids.ACTION_DISABLE_NOTIFICATION_INPUT: checked(silent, "disable_notification")
    }
    state[ids.BLOCK_INSTRUCTION_FIRST] = {
        ids.ACTION_INSTRUCTION_FIRST_INPUT: checked(first, "instruction_first")
    }
    return state


def test_submission_is_read_back() -> None:
    o = origin(ids.ACTION_ACCEPTER)
    form = read_form(values(text="Conforme", files=[slack_file()], silent=True, first=True), o)
    assert form.text == "Conforme"
    assert form.file is not None and form.file.name == "decision.pdf"
    assert form.file.size == 1000
    assert form.disable_notification is True and form.instruction_first is True
    assert validate(form, o, FR) == {}


def test_reply_submission_reads_the_message_blocks() -> None:
    o = origin(ids.ACTION_REPONDRE)
    form = read_form(values(text="Bonjour", files=[slack_file()], reply=True), o)
    assert form.text == "Bonjour" and form.file is not None
    assert validate(form, o, FR) == {}


@pytest.mark.parametrize("action_id", [ids.ACTION_REFUSER, ids.ACTION_CLASSER_SANS_SUITE])
@pytest.mark.parametrize("text", [None, "", "   \n  "])
def test_required_motivation_is_an_inline_error(action_id: str, text: str | None) -> None:
    o = origin(action_id)
    errors = validate(read_form(values(text=text), o), o, FR)
    assert list(errors) == [ids.BLOCK_MOTIVATION]
    assert "motivation est obligatoire" in errors[ids.BLOCK_MOTIVATION]


def test_accepter_without_motivation_is_fine() -> None:
    o = origin(ids.ACTION_ACCEPTER)
    assert validate(read_form(values(text=None), o), o, FR) == {}


def test_empty_reply_is_an_inline_error() -> None:
    o = origin(ids.ACTION_REPONDRE)
    errors = validate(read_form(values(text="  ", reply=True), o), o, FR)
    assert errors == {ids.BLOCK_MESSAGE_BODY: "Le message ne peut pas être vide."}


def test_file_over_the_limit_is_an_inline_error() -> None:
    o = origin(ids.ACTION_ACCEPTER)
    big = slack_file(name="scan.pdf", size=10 * MB + 1)
    errors = validate(read_form(values(files=[big]), o), o, FR)
    assert list(errors) == [ids.BLOCK_JUSTIFICATIF]
    assert (
        "scan.pdf" in errors[ids.BLOCK_JUSTIFICATIF] and "10 Mo" in errors[ids.BLOCK_JUSTIFICATIF]
    )
    exactly = slack_file(size=10 * MB)
    assert validate(read_form(values(files=[exactly]), o), o, FR) == {}


@pytest.mark.parametrize(
    "name,mimetype",
    [
        ("page.html", "text/html"),
        ("setup.exe", "application/x-msdownload"),
        ("a.svg", "image/svg+xml"),
    ],
)
def test_file_type_ds_refuses_is_an_inline_error(name: str, mimetype: str) -> None:
    o = origin(ids.ACTION_REPONDRE)
    form = read_form(values(text="Bonjour", files=[slack_file(name, mimetype)], reply=True), o)
    errors = validate(form, o, FR)
    assert list(errors) == [ids.BLOCK_MESSAGE_ATTACHMENT]
    assert mimetype in errors[ids.BLOCK_MESSAGE_ATTACHMENT]


@pytest.mark.parametrize(
    "mimetype", ["application/pdf", "image/jpeg", "application/vnd.oasis.opendocument.text"]
)
def test_usual_documents_pass(mimetype: str) -> None:
    o = origin(ids.ACTION_ACCEPTER)
    assert validate(read_form(values(files=[slack_file(mimetype=mimetype)]), o), o, FR) == {}


def test_two_files_are_refused() -> None:
    o = origin(ids.ACTION_ACCEPTER)
    errors = validate(read_form(values(files=[slack_file(), slack_file()]), o), o, FR)
    assert errors == {ids.BLOCK_JUSTIFICATIF: "Un seul fichier peut être joint."}


def test_instruction_first_must_be_ticked_when_asked() -> None:
    o = origin(ids.ACTION_ACCEPTER, instruction_first=True)
    errors = validate(read_form(values(first=False), o), o, FR)
    assert list(errors) == [ids.BLOCK_INSTRUCTION_FIRST]
    assert validate(read_form(values(first=True), o), o, FR) == {}
