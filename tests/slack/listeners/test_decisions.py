"""Action buttons and their modals, called directly: click → views.open (then a DS read that
may turn the modal into an explanation), submission → validation, ack, action in DS, card."""

from __future__ import annotations

import json

from dsbot.slack import ids
from dsbot.slack.interaction.debounce import ClickDebounce
from tests.e2e.scene import decision_values, reply_values
from tests.slack.listeners.conftest import ALICE, CHANNEL, CLARA, Recorder, Registry, Services

CARD_TS = "1700000000.000100"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def click_body(number: int | str, action_id: str = ids.ACTION_ACCEPTER) -> dict:
    value = ids.encode_ref(number) if isinstance(number, int) else number
    return {
        "trigger_id": "123.456.trigger",
        "actions": [{"action_id": action_id, "value": value}],
        # A card posted in a channel (no response_url: the card is refreshed by chat.update).
        "container": {"type": "message", "channel_id": CHANNEL, "message_ts": CARD_TS},
        "channel": {"id": CHANNEL},
        "message": {"ts": CARD_TS},
    }


def click(
    listeners: Registry,
    services: Services,
    number: int | str,
    action_id: str = ids.ACTION_ACCEPTER,
    *,
    user: str = ALICE,
) -> Recorder:
    ack, respond = Recorder(), Recorder()
    body = click_body(number, action_id)
    listeners.call(
        "action",
        action_id,
        ack=ack,
        body=body,
        action=body["actions"][0],
        respond=respond,
        context=services.context(user),
    )
    assert ack.only == {}
    return respond


def opened_view(services: Services) -> dict:
    [call] = services.slack.called("views_open")
    return call["view"].to_dict()


def submit(
    listeners: Registry, services: Services, view: dict, values: dict, *, user: str = ALICE
) -> Recorder:
    ack = Recorder()
    submitted = {
        "id": "V1",
        "callback_id": view["callback_id"],
        "private_metadata": view["private_metadata"],
        "state": {"values": values},
    }
    listeners.call(
        "view",
        view["callback_id"],
        ack=ack,
        view=submitted,
        body={"view": submitted},
        context=services.context(user),
    )
    return ack


def info_text(view) -> str:
    data = view.to_dict() if hasattr(view, "to_dict") else view
    return json.dumps(data["blocks"], ensure_ascii=False)


def test_a_click_opens_the_modal_with_its_trigger_and_nothing_more_when_ready(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_instruction")
    respond = click(listeners, services, number)
    [call] = services.slack.called("views_open")
    assert call["trigger_id"] == "123.456.trigger"
    view = call["view"].to_dict()
    assert view["callback_id"] == ids.VIEW_ACCEPTER
    assert view["private_metadata"]  # where the card is, for the submission
    # Alice may accept: the DS read finds nothing to explain.
    assert services.slack.called("views_update") == []
    assert respond.calls == []


def test_a_double_click_opens_one_modal(listeners: Registry, services: Services, world):
    number = world.dossier("en_instruction")
    click(listeners, services, number)
    click(listeners, services, number)
    assert len(services.slack.called("views_open")) == 1
    # Another button of the same card is another modal.
    click(listeners, services, number, ids.ACTION_REFUSER)
    assert len(services.slack.called("views_open")) == 2


def test_clicks_further_apart_than_a_double_click_open_two_modals():
    clock = Clock()
    clicks = ClickDebounce(clock=clock)
    assert clicks.first("T", "U", "accepter", "12")
    clock.now += 0.5
    assert not clicks.first("T", "U", "accepter", "12")
    clock.now += 5
    assert clicks.first("T", "U", "accepter", "12")


def test_a_value_that_is_not_ours_is_ignored(listeners: Registry, services: Services):
    respond = click(listeners, services, '{"d": "1; DROP"}')
    assert services.slack.called("views_open") == []
    assert respond.calls == []


def test_an_expired_trigger_is_explained_and_the_next_click_opens(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_instruction")
    services.slack.fail("views_open", "expired_trigger_id")
    respond = click(listeners, services, number)
    answer = respond.only
    assert answer["text"] == services.texts("action.modal_failed", error="expired_trigger_id")
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    click(listeners, services, number)
    assert len(services.slack.called("views_open")) == 2


def test_someone_not_linked_gets_an_explanation_in_the_modal(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_instruction")
    click(listeners, services, number, user=CLARA)
    [update] = services.slack.called("views_update")
    assert update["view_id"] == "V1"
    assert "/ds lier" in info_text(update["view"])


def test_accepting_a_dossier_en_construction_offers_to_pass_it_en_instruction_first(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_construction")
    click(listeners, services, number)
    [update] = services.slack.called("views_update")
    view = update["view"].to_dict()
    assert view["callback_id"] == ids.VIEW_ACCEPTER
    assert ids.BLOCK_INSTRUCTION_FIRST in [block.get("block_id") for block in view["blocks"]]


def test_a_refusal_without_motivation_is_refused_in_the_ack(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_instruction")
    click(listeners, services, number, ids.ACTION_REFUSER)
    ack = submit(listeners, services, opened_view(services), decision_values(None))
    answer = ack.only
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {ids.BLOCK_MOTIVATION}
    assert world.state(number) == "en_instruction"


def test_a_submitted_decision_is_made_in_ds_and_the_card_refreshed(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_instruction")
    click(listeners, services, number)
    ack = submit(listeners, services, opened_view(services), decision_values("Dossier complet."))
    assert ack.only == {}
    assert services.jobs.failures == []
    assert world.state(number) == "accepte"
    [update] = services.slack.called("chat_update")
    assert (update["channel"], update["ts"]) == (CHANNEL, CARD_TS)
    assert "Accepté" in update["text"]


def test_a_reply_is_sent_to_the_usager(listeners: Registry, services: Services, world):
    number = world.dossier("en_instruction")
    click(listeners, services, number, ids.ACTION_REPONDRE)
    assert (
        submit(listeners, services, opened_view(services), reply_values("Merci, bien reçu.")).only
        == {}
    )
    messages = world.sandbox.control.dossier(number)["messages"]
    assert messages[-1]["body"] == "Merci, bien reçu."
    assert messages[-1]["email"] == world.alice_email


def test_a_submission_with_a_forged_or_mismatched_origin_does_nothing(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_instruction")
    click(listeners, services, number)
    view = opened_view(services)
    for forged in (
        {**view, "private_metadata": "not json"},
        {**view, "callback_id": ids.VIEW_REFUSER},
    ):
        ack = submit(listeners, services, forged, decision_values("Conforme."))
        assert ack.only.get("response_action") != "errors"  # closed or explained, not retried
    assert services.jobs.submitted == ["prepare_modal"]  # the click's only: no action ran
    assert world.state(number) == "en_instruction"
    assert services.slack.called("chat_update") == []
