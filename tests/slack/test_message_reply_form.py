"""The Répondre modal opened from a message: pre-filled text, the message's files to tick, and
how its submission is read."""

from __future__ import annotations

from dsbot.slack import ids
from dsbot.slack.interaction.files import SlackFileRef
from dsbot.slack.interaction.forms import read_form, validate
from dsbot.slack.listeners.shortcuts import MessageShortcut, card_dossiers, offered_files
from dsbot.slack.presentation.blocks.modals import MessageFile, ModalOrigin, build_action_modal
from dsbot.texts import Texts
from tests.fakes.slack_rules import check_view

FR = Texts("fr")
ORIGIN = ModalOrigin(number=1234, action_id=ids.ACTION_REPONDRE, key="k", channel_id="C1")
PDF = MessageFile(id="F0PDF", name="attestation.pdf", mimetype="application/pdf")


def choice_values(*options: dict) -> dict:
    return {
        ids.BLOCK_MESSAGE_BODY: {ids.ACTION_MESSAGE_BODY_INPUT: {"value": "Bonjour"}},
        ids.BLOCK_MESSAGE_FILE_CHOICE: {
            ids.ACTION_MESSAGE_FILE_CHOICE_INPUT: {"selected_options": list(options)}
        },
    }


def option(file: MessageFile) -> dict:
    return {"value": file.option_value(), "text": {"type": "plain_text", "text": file.name}}


def test_the_modal_is_prefilled_and_offers_the_files():
    view = build_action_modal(ORIGIN, FR, initial_text="Bonjour", message_files=(PDF,)).to_dict()
    assert check_view(view, expected_types=("modal",)) == []
    body = next(b for b in view["blocks"] if b["block_id"] == ids.BLOCK_MESSAGE_BODY)
    assert body["element"]["initial_value"] == "Bonjour"
    files = next(b for b in view["blocks"] if b["block_id"] == ids.BLOCK_MESSAGE_FILE_CHOICE)
    assert files["optional"] is True
    assert [o["text"]["text"] for o in files["element"]["options"]] == ["attestation.pdf"]


def test_the_button_modal_is_unchanged():
    view = build_action_modal(ORIGIN, FR).to_dict()
    body = next(b for b in view["blocks"] if b["block_id"] == ids.BLOCK_MESSAGE_BODY)
    assert "initial_value" not in body["element"]
    assert all(b["block_id"] != ids.BLOCK_MESSAGE_FILE_CHOICE for b in view["blocks"])


def test_a_ticked_file_becomes_the_attachment():
    form = read_form(choice_values(option(PDF)), ORIGIN)
    assert form.files == (SlackFileRef("F0PDF", "attestation.pdf", "application/pdf", None),)
    assert validate(form, ORIGIN, FR) == {}


def test_a_long_name_is_shortened_but_keeps_its_extension():
    long = MessageFile(id="F0LONG", name="é" * 200 + ".pdf", mimetype="application/pdf")
    view = build_action_modal(ORIGIN, FR, message_files=(long,)).to_dict()
    assert check_view(view, expected_types=("modal",)) == []
    files = next(b for b in view["blocks"] if b["block_id"] == ids.BLOCK_MESSAGE_FILE_CHOICE)
    [sent] = files["element"]["options"]
    assert len(sent["value"]) <= 150
    form = read_form(choice_values(sent), ORIGIN)
    assert form.file is not None and form.file.id == "F0LONG"
    assert form.file.name.startswith("éé") and form.file.name.endswith("….pdf")


def test_two_files_are_refused_inline():
    other = MessageFile(id="F0PNG", name="photo.png", mimetype="image/png")
    errors = validate(read_form(choice_values(option(PDF), option(other)), ORIGIN), ORIGIN, FR)
    assert errors == {ids.BLOCK_MESSAGE_ATTACHMENT: "Un seul fichier peut être joint."}


def test_a_forged_option_is_refused_inline():
    forged = {"value": "not json", "text": {"type": "plain_text", "text": "x"}}
    form = read_form(choice_values(forged), ORIGIN)
    assert form.files_malformed
    assert ids.BLOCK_MESSAGE_ATTACHMENT in validate(form, ORIGIN, FR)


def test_only_files_ds_takes_are_offered():
    files = (
        {"id": "F1", "name": "a.pdf", "mimetype": "application/pdf", "size": 10},
        {"id": "F2", "name": "b.exe", "mimetype": "application/x-msdownload", "size": 10},
        {"id": "F3", "name": "c.pdf", "mimetype": "application/pdf", "size": 0},
        {"id": "F4", "name": "d.pdf", "mimetype": "application/pdf", "is_external": True},
        {"id": "F5", "name": "e.pdf", "mimetype": "application/pdf", "size": 50 * 1024 * 1024},
        {"name": "no id"},
    )
    assert offered_files(files) == (MessageFile("F1", "a.pdf", "application/pdf"),)


def test_a_card_names_its_dossier_by_its_buttons():
    blocks = (
        {"type": "section", "text": {"type": "mrkdwn", "text": "n° 99"}},
        {
            "type": "actions",
            "elements": [
                {"type": "button", "value": ids.encode_ref(1234)},
                {"type": "button", "value": "other"},
                {"type": "button", "url": "https://x"},
            ],
        },
    )
    assert card_dossiers(blocks) == (1234,)


def test_a_shortcut_without_message_is_refused():
    for body in ({}, {"channel": {"id": "C1"}}, {"message": {"ts": "1.2"}}, "x"):
        try:
            MessageShortcut.from_body(body)
        except ValueError:
            continue
        raise AssertionError(f"accepted {body!r}")
