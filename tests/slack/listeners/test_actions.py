"""The card's own buttons (share, the DS link), called directly with recording fakes."""

from __future__ import annotations

import json

from dsbot.slack import ids
from tests.slack.listeners.conftest import ALICE, CHANNEL, Recorder, Registry, Services


def share(listeners: Registry, services: Services, number: int, channel: str = CHANNEL):
    ack, respond = Recorder(), Recorder()
    action = {"action_id": ids.ACTION_PARTAGER, "value": ids.encode_ref(number)}
    body = {"actions": [action], "channel": {"id": channel}, "user": {"id": ALICE}}
    listeners.call(
        "action",
        ids.ACTION_PARTAGER,
        ack=ack,
        body=body,
        action=action,
        respond=respond,
        context=services.context(ALICE, channel),
    )
    assert ack.only == {}
    return respond


def test_the_ds_link_button_is_only_acknowledged(listeners: Registry, services: Services):
    ack, respond = Recorder(), Recorder()
    action = {"action_id": ids.ACTION_VOIR_DANS_DS, "value": ids.encode_ref(12)}
    listeners.call(
        "action",
        ids.ACTION_VOIR_DANS_DS,
        ack=ack,
        body={"actions": [action]},
        action=action,
        respond=respond,
        context=services.context(),
    )
    assert ack.only == {}
    assert respond.calls == [] and services.slack.calls == [] and services.jobs.submitted == []


def test_share_posts_the_card_in_the_channel_and_removes_the_ephemeral_one(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_instruction")
    respond = share(listeners, services, number)
    [posted] = services.slack.called("chat_postMessage")
    assert posted["channel"] == CHANNEL
    assert posted["text"].startswith(f"Dossier n° {number} ")
    blocks = json.dumps(posted["blocks"], ensure_ascii=False)
    assert f"Partagé par <@{ALICE}>" in blocks
    assert respond.only == {"delete_original": True}


def test_share_where_the_bot_is_not_says_to_invite_it(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_construction")
    services.slack.fail("chat_postMessage", "not_in_channel")
    respond = share(listeners, services, number)
    answer = respond.only
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == services.texts("card.share_not_in_channel", error="not_in_channel")


def test_share_of_a_slack_refusal_names_the_error(listeners: Registry, services: Services, world):
    services.slack.fail("chat_postMessage", "msg_too_long")
    respond = share(listeners, services, world.dossier())
    assert respond.only["text"] == services.texts("error.slack", error="msg_too_long")


def test_share_of_an_unknown_dossier_is_explained(listeners: Registry, services: Services):
    respond = share(listeners, services, 987654)
    assert services.slack.called("chat_postMessage") == []
    answer = respond.only
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("🔒 Le dossier n° 987654 est introuvable, ou vous ne")
