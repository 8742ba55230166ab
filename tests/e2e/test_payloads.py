"""Signed but malformed or forged interaction payloads: HTTP 200 and a clear message, never a
500, never an action, never a message or URL the bot did not choose."""

from __future__ import annotations

import json

from dsbot.slack import ids
from dsbot.slack.interaction.seal import seal_for
from tests.e2e.scene import ALICE, Scene, decision_values, wait_until
from tests.fakes.bot import TEAM_ID

FORGED_CHANNEL = "C0ELSEWHERE"
FORGED_TS = "1700000000.000100"
FORGED_URL = "https://evil.example/hook"


def nothing_done(scene: Scene) -> None:
    assert scene.audit() == []
    assert scene.ops("DsbotAccepter") == 0
    assert scene.slack.calls("chat.update") == []


def refused_modal(answer: dict) -> str:
    assert answer["response_action"] == "update"
    return json.dumps(answer["view"], ensure_ascii=False)


def submit_forged(scene: Scene, metadata: str) -> dict:
    response = scene.bot.submit_view(
        ids.VIEW_ACCEPTER, decision_values("Conforme."), user=ALICE, private_metadata=metadata
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_share_button_value_that_is_not_json(scene: Scene) -> None:
    ack, url, _ = scene.bot.click(ids.ACTION_PARTAGER, "not-json{", user=ALICE)
    assert ack.status_code == 200
    answer = scene.slack.wait_for_response(url, count=1, timeout=10)[-1].body
    assert "mal formée" in answer["text"]
    assert scene.slack.calls("chat.postMessage") == []


def test_action_button_value_that_is_not_ours(scene: Scene) -> None:
    for value in ("{{{", '{"d": true}', json.dumps({"d": 2**31}), "[" * 5000):
        ack, url, _ = scene.bot.click(ids.ACTION_ACCEPTER, value, user=ALICE)
        assert ack.status_code == 200
        answer = scene.slack.wait_for_response(url, count=1, timeout=10)[-1].body
        assert "mal formée" in answer["text"]
    assert scene.slack.calls("views.open") == []


def test_metadata_number_true_runs_nothing(scene: Scene) -> None:
    """`true` is an int to Python: it used to run the action on dossier 1."""
    data = {"number": True, "action_id": ids.ACTION_ACCEPTER, "key": "k" * 32}
    answer = submit_forged(scene, json.dumps(data))
    # Refused in the listener, before any job could start: nothing to wait for.
    assert "mal formée" in refused_modal(answer)
    nothing_done(scene)


def test_metadata_number_above_int32_is_refused_even_under_a_valid_seal(scene: Scene) -> None:
    seal = seal_for(scene.bot.services.settings.slack_bot_token)
    data = {"number": 2**31 + 1, "action_id": ids.ACTION_ACCEPTER, "key": "k" * 32}
    answer = submit_forged(scene, seal.close(json.dumps(data), TEAM_ID, ALICE))
    assert "mal formée" in refused_modal(answer)
    nothing_done(scene)


def test_forged_metadata_cannot_choose_the_message_or_url_to_write(scene: Scene) -> None:
    """Well-formed, but not written by the bot: the card to refresh is an arbitrary one."""
    number = scene.dossier("en_instruction")
    data = {
        "number": number,
        "action_id": ids.ACTION_ACCEPTER,
        "key": "f" * 32,
        "channel_id": FORGED_CHANNEL,
        "message_ts": FORGED_TS,
        "response_url": FORGED_URL,
    }
    answer = submit_forged(scene, json.dumps(data, separators=(",", ":")))
    refused_modal(answer)
    nothing_done(scene)


def test_tampered_seal_is_refused(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_ACCEPTER, number, message_ts=None)
    text, _, mac = scene.current_metadata(opened).rpartition("~")
    data = json.loads(text)
    data["channel_id"], data["message_ts"] = FORGED_CHANNEL, FORGED_TS
    answer = submit_forged(scene, json.dumps(data, separators=(",", ":")) + "~" + mac)
    refused_modal(answer)
    nothing_done(scene)


def test_genuine_metadata_still_works(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_ACCEPTER, number)
    assert scene.submit(opened, decision_values("Conforme.")) == {}
    wait_until(lambda: scene.ds(number)["state"] == "accepte", what="dossier accepte")


def test_click_whose_response_url_is_not_slacks_opens_nothing(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": ALICE, "team_id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": "1.2.trigger",
        "response_url": FORGED_URL,
        "container": {"type": "message", "channel_id": "C0GENERAL", "is_ephemeral": True},
        "channel": {"id": "C0GENERAL"},
        "actions": [
            {"action_id": ids.ACTION_ACCEPTER, "value": ids.encode_ref(number), "type": "button"}
        ],
    }
    assert scene.bot.interact(payload).status_code == 200
    # A genuine click after it opens its modal: the forged one, handled first, opened none.
    opened = scene.click(ids.ACTION_ACCEPTER, number)
    assert [c.params["trigger_id"] for c in scene.slack.calls("views.open")] == [opened.trigger_id]
