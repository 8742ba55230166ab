"""The interaction kit on the Dynacase paths, end to end (issue 16): the item modals are sealed
for their person as the DS ones are, a click's response_url must be Slack's, and items spend
the same per-person read budget. Each refusal is clear, and nothing is posted anywhere for it."""

from __future__ import annotations

import json
import time
from typing import Any

from dsbot.slack import ids
from dsbot.slack.interaction.budget import ReadBudget
from dsbot.slack.interaction.throttle import UserRateLimit
from tests.e2e.dynacase.scene import (
    CLAIRE,
    PAUL,
    DynacaseScene,
    Opened,
    action_buttons,
    buttons,
    date_input,
    form_values,
    select,
    text_of,
)
from tests.e2e.scene import wait_until
from tests.fakes.bot import CHANNEL_ID, TEAM_ID
from tests.fakes.recorder import Recorder

SPENT = "Trop de lectures demandées"


def writes(dc: DynacaseScene) -> dict[str, int]:
    methods = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.update")
    return {m: len(dc.slack.calls(m)) for m in methods}


def instruire_values() -> dict[str, Any]:
    return form_values(
        "Avis favorable.",
        sub_avis=select("favorable"),
        sub_date_instruction=date_input("2026-11-20"),
    )


def submit(dc: DynacaseScene, opened: Opened, metadata: str, user: str) -> dict[str, Any]:
    answer = dc.bot.submit_view(
        ids.VIEW_ITEM_ACTION,
        instruire_values(),
        user=user,
        private_metadata=metadata,
        view_id=opened.view_id,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def refusal(answer: dict[str, Any]) -> str:
    assert answer["response_action"] == "update"
    return json.dumps(answer["view"], ensure_ascii=False)


def claire_opens_instruire(dc: DynacaseScene) -> tuple[dict, Opened]:
    doc = dc.subvention("e_sub_transmis")
    dc.connect(CLAIRE)
    dc.connect(PAUL)
    card, _ = dc.card(CLAIRE, doc["initid"])
    opened = dc.click(action_buttons(card)["Instruire"], CLAIRE)
    dc.settled_view(opened)  # the form, filled by its job: nothing else is on its way
    return doc, opened


def instruit_by_claire_only(dc: DynacaseScene, doc: dict, opened: Opened) -> None:
    """Claire's own submission of the same modal goes through: the refusal was about the
    submission, not the modal; and it is the only change Dynacase saw."""
    changes = dc.control.stats()["state_changes"]
    dc.submit(opened, instruire_values(), CLAIRE)
    wait_until(
        lambda: dc.control.document(doc["initid"])["state"]["reference"] == "e_sub_instruit",
        what="instruit",
    )
    assert dc.control.stats()["state_changes"] == changes + 1
    rows = wait_until(lambda: dc.audit(), what="audit row")
    assert {row["slack_user_id"] for row in rows} == {CLAIRE}


def test_an_item_modal_sealed_for_claire_is_refused_when_paul_submits_it(
    dc: DynacaseScene,
) -> None:
    doc, opened = claire_opens_instruire(dc)
    metadata = dc.slack.view(opened.view_id)["private_metadata"]
    before, responses = writes(dc), len(dc.slack.responses(opened.response_url))
    changes = dc.control.stats()["state_changes"]

    answer = submit(dc, opened, metadata, PAUL)

    assert "ouvert par une autre personne" in refusal(answer)
    assert writes(dc) == before
    assert len(dc.slack.responses(opened.response_url)) == responses
    assert dc.control.stats()["state_changes"] == changes
    assert dc.audit() == []
    instruit_by_claire_only(dc, doc, opened)


def test_forged_item_metadata_posts_nowhere(dc: DynacaseScene, recorder: Recorder) -> None:
    doc, opened = claire_opens_instruire(dc)
    text = dc.slack.view(opened.view_id)["private_metadata"].rpartition("~")[0]
    data = json.loads(text)
    data.update(c="C0ELSEWHERE", m="1700000000.000100", u=recorder.url)
    forged = json.dumps(data, separators=(",", ":"))
    before = writes(dc)

    # Unsealed (as the Dynacase modals were before issue 16), and under a made-up seal.
    for metadata in (forged, f"{forged}~2.{TEAM_ID}.{CLAIRE}.{'0' * 32}"):
        assert "mal formée" in refusal(submit(dc, opened, metadata, CLAIRE))
    assert writes(dc) == before
    instruit_by_claire_only(dc, doc, opened)
    assert recorder.received() == []
    assert not [c for c in dc.slack.calls("chat.update") if c.params["channel"] == "C0ELSEWHERE"]


def forged_click(dc: DynacaseScene, url: str, button: dict[str, Any], user: str) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": f"{time.time():.6f}.{user}.forged",
        "response_url": url,
        "container": {"type": "message", "channel_id": CHANNEL_ID, "is_ephemeral": True},
        "channel": {"id": CHANNEL_ID},
        "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button"}],
    }
    assert dc.bot.interact(payload).status_code == 200


def test_a_forged_response_url_gets_nothing_on_item_buttons(
    dc: DynacaseScene, recorder: Recorder
) -> None:
    doc = dc.subvention("e_sub_transmis")
    dc.connect(CLAIRE)
    card, _ = dc.card(CLAIRE, doc["initid"])
    instruire = action_buttons(card)["Instruire"]
    share = next(b for b in buttons(card) if b["action_id"] == ids.ACTION_ITEM_SHARE)
    connect = {"action_id": ids.ACTION_ITEM_CONNECT, "value": "dynacase"}
    opened_before = len(dc.slack.calls("views.open"))
    before = writes(dc)
    for button in (instruire, share, connect):
        forged_click(dc, recorder.url, button, CLAIRE)
    # A genuine click after them opens its modal; the forged ones, handled first, did nothing.
    dc.click(instruire, CLAIRE)
    assert len(dc.slack.calls("views.open")) == opened_before + 1
    assert writes(dc)["chat.postMessage"] == before["chat.postMessage"]
    assert recorder.received() == []
    assert not [m for m in dc.slack.messages(CHANNEL_ID) if "Lices" in text_of(m)]


def test_items_spend_the_one_read_budget_then_are_refused(dc: DynacaseScene) -> None:
    doc = dc.subvention("e_sub_transmis")
    dc.connect(CLAIRE)
    dc.bot.services.read_budget = ReadBudget(UserRateLimit(limit=2, clock=lambda: 0.0))

    # Two reads: /ds document, then a transition button (its form filled from Dynacase).
    card, _ = dc.card(CLAIRE, doc["initid"])
    opened = dc.click(action_buttons(card)["Instruire"], CLAIRE)
    dc.settled_view(opened)
    reads = dc.control.stats()["api_requests"]
    views_opened = len(dc.slack.calls("views.open"))

    # Spent: each path says so and reads nothing.
    ack, _ = dc.command(f"doc {doc['initid']}", CLAIRE)
    assert SPENT in ack.json()["text"]
    button = action_buttons(card)["Instruire"]
    _, url, _ = dc.bot.click(button["action_id"], button["value"], user=CLAIRE)
    assert SPENT in json.dumps(dc.slack.wait_for_response(url)[0].body, ensure_ascii=False)
    assert dc.control.stats()["api_requests"] == reads
    assert len(dc.slack.calls("views.open")) == views_opened
