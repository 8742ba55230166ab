"""The interaction kit on the DS paths, end to end (issue 16): every modal is sealed for its
person, a payload's response_url must be Slack's, and one read budget per person covers every
path. Each refusal is clear, and nothing is posted anywhere for it."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

import pytest

from dsbot.slack import ids
from dsbot.slack.interaction.budget import ReadBudget
from dsbot.slack.interaction.throttle import UserRateLimit
from tests.e2e.scene import ALICE, BRUNO, TEAM_ID, Opened, Scene, decision_values, wait_until
from tests.fakes.bot import CHANNEL_ID
from tests.fakes.recorder import Recorder

SPENT = "Trop de lectures demandées"


def writes(scene: Scene) -> dict[str, int]:
    """How many times the bot wrote to Slack, by method."""
    methods = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.update")
    return {m: len(scene.slack.calls(m)) for m in methods}


def submit(scene: Scene, opened: Opened, metadata: str, user: str) -> dict[str, Any]:
    response = scene.bot.submit_view(
        opened.callback_id,
        decision_values("Conforme."),
        user=user,
        private_metadata=metadata,
        view_id=opened.view_id,
    )
    assert response.status_code == 200, response.text
    return response.json()


def refusal(answer: dict[str, Any]) -> str:
    assert answer["response_action"] == "update"
    return json.dumps(answer["view"], ensure_ascii=False)


def accepted_by_alice_only(scene: Scene, opened: Opened, number: int) -> None:
    """Alice's own submission of the same modal still goes through: the refusal was about the
    submission, not the modal; and it is the only action DS saw."""
    assert scene.submit(opened, decision_values("Conforme.")) == {}
    wait_until(lambda: scene.ds(number)["state"] == "accepte", what="dossier accepte")
    wait_until(lambda: scene.audit(), what="audit row")
    assert scene.ops("DsbotAccepter") == 1
    assert {row["slack_user_id"] for row in scene.audit()} == {ALICE}


def test_a_modal_sealed_for_alice_is_refused_when_bruno_submits_it(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_ACCEPTER, number)
    before, responses = writes(scene), len(scene.slack.responses(opened.response_url))

    answer = submit(scene, opened, scene.current_metadata(opened), BRUNO)

    assert "ouvert par une autre personne" in refusal(answer)
    assert writes(scene) == before
    assert len(scene.slack.responses(opened.response_url)) == responses
    assert scene.ops("DsbotAccepter") == 0
    accepted_by_alice_only(scene, opened, number)
    # Nothing ever reached Bruno: no message, no ephemeral.
    assert not [c for c in scene.slack.calls("chat.postMessage") if c.params["channel"] == BRUNO]
    assert not [c for c in scene.slack.calls("chat.postEphemeral") if c.params["user"] == BRUNO]


def test_forged_metadata_posts_nowhere(scene: Scene, recorder: Recorder) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_ACCEPTER, number)
    data = {
        "number": number,
        "action_id": ids.ACTION_ACCEPTER,
        "key": "f" * 32,
        "channel_id": "C0ELSEWHERE",
        "message_ts": "1700000000.000100",
        "response_url": recorder.url,
    }
    before = writes(scene)
    # Unsealed, and sealed with a made-up seal for the right person: both forged.
    for metadata in (json.dumps(data), json.dumps(data) + f"~2.{TEAM_ID}.{ALICE}.{'0' * 32}"):
        answer = submit(scene, opened, metadata, ALICE)
        assert "mal formée" in refusal(answer)
    assert writes(scene) == before
    accepted_by_alice_only(scene, opened, number)
    assert recorder.received() == []
    assert not [c for c in scene.slack.calls("chat.update") if c.params["channel"] == "C0ELSEWHERE"]


def test_a_modal_sealed_before_the_person_was_bound_is_refused_as_expired(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_ACCEPTER, number)
    text = scene.current_metadata(opened).rpartition("~")[0]
    # The v1 seal, as the bot wrote it before: a MAC of the text alone.
    secret = scene.bot.services.settings.slack_bot_token.encode()
    key = hmac.new(secret, b"dsbot private_metadata v1", "sha256").digest()
    old = f"{text}~{hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]}"
    before = writes(scene)

    answer = submit(scene, opened, old, ALICE)

    assert "n’est plus valable" in refusal(answer)
    assert writes(scene) == before
    accepted_by_alice_only(scene, opened, number)


def forged_click(scene: Scene, url: str, action: dict[str, Any], user: str = ALICE) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": f"{time.time():.6f}.{user}.forged",
        "response_url": url,
        "container": {"type": "message", "channel_id": CHANNEL_ID, "is_ephemeral": True},
        "channel": {"id": CHANNEL_ID},
        "actions": [action],
    }
    assert scene.bot.interact(payload).status_code == 200


def test_a_forged_response_url_gets_nothing_on_buttons_and_menu(
    scene: Scene, recorder: Recorder
) -> None:
    number = scene.dossier("en_instruction")
    button = {"action_id": ids.ACTION_ACCEPTER, "value": ids.encode_ref(number), "type": "button"}
    share = {"action_id": ids.ACTION_PARTAGER, "value": ids.encode_ref(number), "type": "button"}
    menu = {
        "action_id": ids.ACTION_CARD_MORE,
        "type": "static_select",
        "selected_option": {"value": ids.encode_more(ids.MORE_SUIVRE, number)},
    }
    before = writes(scene)
    for action in (button, share, menu, {**button, "value": "not ours"}):
        forged_click(scene, recorder.url, action)
    # A genuine click after them opens its modal; the forged ones, handled first, did nothing.
    opened = scene.click(ids.ACTION_ACCEPTER, number)
    assert [c.params["trigger_id"] for c in scene.slack.calls("views.open")] == [opened.trigger_id]
    assert writes(scene) == before
    assert recorder.received() == []
    assert scene.ops("DsbotSuivre") == 0


# --- one read budget ---------------------------------------------------------------------------


def small_budget(scene: Scene, limit: int) -> None:
    """The app's one budget, with a small limit and a clock that never moves (no sleeps)."""
    scene.bot.services.read_budget = ReadBudget(UserRateLimit(limit=limit, clock=lambda: 0.0))


def share_link(scene: Scene, number: int) -> str:
    base = scene.bot.services.settings.ds_web_base
    url = f"{base}/procedures/{scene.demarche}/dossiers/{number}"
    ts = scene.slack.client().chat_postMessage(channel=CHANNEL_ID, text=f"Voir <{url}>")["ts"]
    event = {
        "type": "link_shared",
        "channel": CHANNEL_ID,
        "user": ALICE,
        "message_ts": ts,
        "unfurl_id": f"Uf{ts.replace('.', '')}",
        "source": "conversations_history",
        "event_ts": ts,
        "links": [{"domain": url.split("/")[2].split(":")[0], "url": url}],
    }
    body = {
        "token": "legacy-unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0TEST",
        "type": "event_callback",
        "event_id": f"Ev{ts.replace('.', '')}",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": TEAM_ID, "user_id": "U0BOT", "is_bot": True}],
    }
    assert scene.bot.post(json.dumps(body).encode(), "application/json").status_code == 200
    return ts


def message_shortcut(scene: Scene, number: int) -> str:
    """The message shortcut on a message naming the dossier; the response_url used."""
    text = f"Réponse pour le n° {number}"
    ts = scene.slack.client().chat_postMessage(channel=CHANNEL_ID, text=text)["ts"]
    response_url = scene.slack.response_url(channel=CHANNEL_ID, user=ALICE)
    payload = {
        "type": "message_action",
        "callback_id": ids.SHORTCUT_REPLY_FROM_MESSAGE,
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": ALICE, "team_id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": f"{time.time():.6f}.{ALICE}.trigger",
        "response_url": response_url,
        "message_ts": ts,
        "channel": {"id": CHANNEL_ID, "name": "general"},
        "message": {"type": "message", "user": BRUNO, "text": text, "ts": ts},
    }
    assert scene.bot.interact(payload).status_code == 200
    return response_url


def open_home(scene: Scene) -> None:
    body = {
        "token": "legacy-unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0TEST",
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": ALICE, "channel": "D0HOME", "tab": "home"},
    }
    assert scene.bot.post(json.dumps(body).encode(), "application/json").status_code == 200


def unfurl_decisions(caplog: pytest.LogCaptureFixture, count: int) -> list[str]:
    def lines() -> list[str]:
        return [
            r.getMessage()
            for r in list(caplog.records)
            if r.getMessage().startswith("unfurl.decided")
        ]

    return wait_until(lambda: len(found := lines()) >= count and found, what="unfurl decisions")


def text_of(response: Any) -> str:
    return json.dumps(response.body, ensure_ascii=False)


def test_one_read_budget_spent_across_paths_then_refused_on_each(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dsbot.slack.listeners.unfurl")
    scene.slack.post_interval = None
    number = scene.dossier("en_instruction")
    small_budget(scene, 3)

    # Three reads on three paths, each waited for until its last Slack call, after its reads:
    # an unfurl, a button whose modal turns into « passer en instruction d'abord », /ds dossier.
    share_link(scene, number)
    wait_until(lambda: scene.slack.unfurls(), what="chat.unfurl")
    waiting = scene.dossier("en_construction")
    opened = scene.click(ids.ACTION_ACCEPTER, waiting)
    scene.wait_for_view_update(opened)
    ack, url = scene.bot.command(f"dossier {number}", user=ALICE)
    assert ack.status_code == 200
    wait_until(lambda: scene.slack.responses(url), what="the card")
    reads = scene.control.stats()["graphql_requests"]
    views_opened = len(scene.slack.calls("views.open"))

    # Spent: each path refuses with its message, and reads nothing.
    ack, _ = scene.bot.command(f"dossier {number}", user=ALICE)
    assert "Trop de dossiers demandés" in ack.json()["text"]
    shortcut_url = message_shortcut(scene, number)
    assert SPENT in text_of(scene.slack.wait_for_response(shortcut_url)[0])
    _, click_url, _ = scene.bot.click(ids.ACTION_ACCEPTER, ids.encode_ref(number), user=ALICE)
    assert SPENT in text_of(scene.slack.wait_for_response(click_url)[0])
    _, menu_url, _ = scene.pick(ids.MORE_SUIVRE, number)
    assert SPENT in text_of(scene.slack.wait_for_response(menu_url)[0])
    # Another link (a link is previewed once per channel and window, budget or not).
    share_link(scene, waiting)
    assert unfurl_decisions(caplog, 2)[-1].endswith(f"held_back={waiting}")
    publishes = len(scene.slack.calls("views.publish"))
    open_home(scene)
    note = scene.slack.wait_for("views.publish", publishes + 1)[publishes]
    assert "n’a pas été actualisé" in json.dumps(note.params["view"], ensure_ascii=False)

    assert scene.control.stats()["graphql_requests"] == reads
    assert len(scene.slack.calls("views.open")) == views_opened
    assert len(scene.slack.unfurls()) == 1
    assert scene.ops("DsbotSuivre") == 0


def test_a_modal_submission_spends_the_read_budget_too(scene: Scene) -> None:
    # A submission reads DS as a click does (the permission check, the dossier read again):
    # once the budget is spent, it is refused in the modal, and DS is neither read nor changed.
    number = scene.dossier("en_construction")
    small_budget(scene, 1)
    # The one read the budget allows: the modal turns into « passer en instruction d'abord ».
    opened = scene.click(ids.ACTION_ACCEPTER, number)
    scene.wait_for_view_update(opened)
    reads = scene.control.stats()["graphql_requests"]

    answer = scene.submit(opened, decision_values("Conforme."))

    assert answer["response_action"] == "update"
    assert SPENT in json.dumps(answer["view"], ensure_ascii=False)
    assert scene.control.stats()["graphql_requests"] == reads
    assert scene.ops("DsbotPasserEnInstruction") == scene.ops("DsbotAccepter") == 0
    assert scene.ds(number)["state"] == "en_construction"
