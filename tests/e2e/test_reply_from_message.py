"""« Répondre à l'usager » from any message, end to end: a signed message shortcut to the bot
over HTTP, the Répondre modal opened pre-filled in the fake Slack, its submission reaching the
usager in the DS sandbox."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from dsbot.slack import ids
from dsbot.slack.interaction.seal import seal_for
from tests.e2e.scene import (
    ALICE,
    BRUNO,
    CLARA,
    TEAM_ID,
    Opened,
    Scene,
    md5_b64,
    reply_values,
    wait_until,
)
from tests.fakes.bot import CHANNEL_ID


@pytest.fixture
def stage(scene: Scene) -> Scene:
    scene.slack.post_interval = None
    return scene


def notification(scene: Scene, number: int) -> str:
    """The dossier's notification in the channel, as the sender records it; its ts."""
    ts = scene.slack.client().chat_postMessage(channel=CHANNEL_ID, text=f"Dossier {number}")["ts"]
    now = datetime.now(UTC).isoformat()
    with scene.bot.services.store.connect() as db:
        db.table("channel_messages").insert(
            {
                "team_id": TEAM_ID,
                "channel_id": CHANNEL_ID,
                "backend": "ds",
                "ref": str(number),
                "ts": ts,
                "created_at": now,
                "updated_at": now,
            }
        )
    return ts


def say(scene: Scene, text: str, *, thread_ts: str | None = None, files: tuple = ()) -> dict:
    """A person's message in the channel (in a thread if `thread_ts`), as Slack stores it."""
    posted = scene.slack.client().chat_postMessage(
        channel=CHANNEL_ID, text=text, thread_ts=thread_ts
    )
    message: dict[str, Any] = {"type": "message", "user": BRUNO, "text": text, "ts": posted["ts"]}
    if thread_ts:
        message["thread_ts"] = thread_ts
    if files:
        message["files"] = list(files)
    return message


def shortcut(scene: Scene, message: dict, *, user: str = ALICE) -> tuple[str, str]:
    """Send the message shortcut; (response_url, trigger_id)."""
    response_url = scene.slack.response_url(channel=CHANNEL_ID, user=user)
    trigger_id = f"{time.time():.6f}.{user}.trigger"
    payload = {
        "type": "message_action",
        "callback_id": ids.SHORTCUT_REPLY_FROM_MESSAGE,
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": trigger_id,
        "response_url": response_url,
        "action_ts": f"{time.time():.6f}",
        "message_ts": message["ts"],
        "channel": {"id": CHANNEL_ID, "name": "general"},
        "message": message,
    }
    answer = scene.bot.interact(payload)
    assert answer.status_code == 200, answer.text
    return response_url, trigger_id


def opened_modal(scene: Scene, response_url: str, trigger_id: str) -> tuple[Opened, dict]:
    call = scene.slack.wait_for("views.open")[0]
    assert call.ok, call.response
    assert call.params["trigger_id"] == trigger_id
    view = call.response["view"]
    opened = Opened(
        view["id"], view["callback_id"], view["private_metadata"], trigger_id, response_url, None
    )
    return opened, view


def origin_number(scene: Scene, view: dict, user: str = ALICE) -> int:
    sealed = seal_for(scene.bot.services.settings.slack_bot_token)
    return json.loads(sealed.open(view["private_metadata"], TEAM_ID, user))["number"]


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b["block_id"] == block_id)


def test_a_thread_message_becomes_the_reply_to_the_usager(stage: Scene) -> None:
    number = stage.dossier("en_instruction")
    root = notification(stage, number)
    file, content = stage.pdf(name="attestation à signer.pdf")
    text = (
        "Bonjour, <@U0ALICE01> a vérifié : il manque l’attestation &amp; le RIB "
        "(<https://www.service-public.fr/rib|modèle> ici). Merci de les renvoyer &lt;avant&gt; "
        "vendredi."
    )
    message = say(stage, text, thread_ts=root, files=(file,))
    # DS answers slowly: the modal must not wait for it (Slack's trigger lasts 3 seconds).
    stage.control.faults(latency_ms=1500)
    seen_by_ds: list[int] = []

    def count_ds_requests() -> float:  # no latency of its own: it only looks
        seen_by_ds.append(stage.control.stats()["graphql_requests"])
        return 0.0

    stage.slack.set_latency("views.open", count_ds_requests)
    requests_before = stage.control.stats()["graphql_requests"]
    try:
        response_url, trigger_id = shortcut(stage, message)
        opened, view = opened_modal(stage, response_url, trigger_id)
    finally:
        stage.control.faults(latency_ms=0)
    assert seen_by_ds == [requests_before]
    assert view["callback_id"] == ids.VIEW_REPONDRE
    assert origin_number(stage, view) == number
    body = block(view, ids.BLOCK_MESSAGE_BODY)["element"]["initial_value"]
    assert body == (
        "Bonjour, Alice a vérifié : il manque l’attestation & le RIB "
        "(modèle (https://www.service-public.fr/rib) ici). Merci de les renvoyer <avant> "
        "vendredi."
    )
    # Slack cannot pre-fill a file_input: the message's file is offered to tick instead.
    choice = block(view, ids.BLOCK_MESSAGE_FILE_CHOICE)
    [option] = choice["element"]["options"]
    assert option["text"]["text"] == "attestation à signer.pdf"
    assert "pré-remplir" in choice["hint"]["text"]

    values = {
        **reply_values(body),
        ids.BLOCK_MESSAGE_FILE_CHOICE: {
            ids.ACTION_MESSAGE_FILE_CHOICE_INPUT: {
                "type": "checkboxes",
                "selected_options": [option],
            }
        },
    }
    assert stage.submit(opened, values) == {}
    sent = wait_until(
        lambda: [m for m in stage.ds(number)["messages"] if m["body"] == body], what="message"
    )[0]
    assert sent["email"] == stage.alice_email
    [attachment] = sent["attachments"]
    assert attachment["filename"] == "attestation à signer.pdf"
    assert attachment["checksum"] == md5_b64(content)
    # The thread says who answered the usager.
    wait_until(
        lambda: [
            m
            for m in stage.slack.thread(CHANNEL_ID, root)
            if "Réponse envoyée à l’usager par <@U0ALICE01>" in m.get("text", "")
        ],
        what="note in the thread",
    )


def test_a_message_naming_the_dossier(stage: Scene) -> None:
    number = stage.dossier("en_construction")
    message = say(stage, f"Pour le dossier n° {number} : merci de compléter la pièce 3.")
    response_url, trigger_id = shortcut(stage, message)
    opened, view = opened_modal(stage, response_url, trigger_id)
    assert origin_number(stage, view) == number
    body = block(view, ids.BLOCK_MESSAGE_BODY)["element"]["initial_value"]
    assert body == f"Pour le dossier n° {number} : merci de compléter la pièce 3."
    assert all(b["block_id"] != ids.BLOCK_MESSAGE_FILE_CHOICE for b in view["blocks"])
    assert stage.submit(opened, reply_values(body)) == {}
    wait_until(lambda: [m for m in stage.ds(number)["messages"] if m["body"] == body])


def test_a_message_with_a_ds_link(stage: Scene) -> None:
    number = stage.dossier("en_instruction")
    base = stage.bot.services.settings.ds_web_base
    message = say(stage, f"Réponse pour <{base}/procedures/{stage.demarche}/dossiers/{number}>")
    response_url, trigger_id = shortcut(stage, message)
    _, view = opened_modal(stage, response_url, trigger_id)
    assert origin_number(stage, view) == number


def test_a_message_in_the_thread_of_a_shared_card(stage: Scene) -> None:
    number = stage.dossier("en_instruction")
    # The card as the Partager button posts it in the channel.
    card_ts = stage.slack.client().chat_postMessage(
        channel=CHANNEL_ID,
        text=f"Dossier n° {number}",
        blocks=[
            {
                "type": "actions",
                "block_id": ids.BLOCK_CARD_ACTIONS,
                "elements": [
                    {
                        "type": "button",
                        "action_id": ids.ACTION_REPONDRE,
                        "text": {"type": "plain_text", "text": "Répondre"},
                        "value": ids.encode_ref(number),
                    }
                ],
            }
        ],
    )["ts"]
    message = say(stage, "Merci, c’est noté.", thread_ts=card_ts)
    response_url, trigger_id = shortcut(stage, message)
    _, view = opened_modal(stage, response_url, trigger_id)
    assert origin_number(stage, view) == number


def test_a_message_with_no_dossier_is_explained(stage: Scene) -> None:
    message = say(stage, "Réunion d’équipe à 14 h.")
    response_url, _ = shortcut(stage, message)
    [answer] = stage.slack.wait_for_response(response_url)
    assert "aucun dossier" in answer.body["text"]
    assert answer.body["response_type"] == "ephemeral"
    assert stage.slack.calls("views.open") == []


def test_a_message_naming_two_dossiers_is_explained(stage: Scene) -> None:
    message = say(stage, "Les dossiers n° 12 et n° 13 sont prêts.")
    response_url, _ = shortcut(stage, message)
    [answer] = stage.slack.wait_for_response(response_url)
    assert "n° 12, n° 13" in answer.body["text"]
    assert stage.slack.calls("views.open") == []


@pytest.mark.parametrize("outsider", [BRUNO, CLARA])
def test_someone_who_may_not_reply_sees_why_in_the_modal(stage: Scene, outsider: str) -> None:
    number = stage.dossier("en_instruction")
    root = notification(stage, number)
    message = say(stage, "Merci de renvoyer le formulaire.", thread_ts=root)
    response_url, trigger_id = shortcut(stage, message, user=outsider)
    opened, _ = opened_modal(stage, response_url, trigger_id)
    updated = stage.wait_for_view_update(opened)
    # The explanation replaces the form: nothing can be submitted from it.
    assert "submit" not in updated
    assert all(b["block_id"] != ids.BLOCK_MESSAGE_BODY for b in updated["blocks"])
    assert stage.ops("DsbotEnvoyerMessage") == 0
