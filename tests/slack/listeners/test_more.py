"""The card's « Plus d'actions… » menu, its listener called directly: ack at once, the value
checked, each option's handler (a modal opened with the selection's trigger before any DS
call, or Suivre done at once)."""

from __future__ import annotations

import json

import pytest

from dsbot.slack import ids
from dsbot.slack.interaction.menu import MORE_HANDLERS
from tests.slack.listeners.conftest import ALICE, CHANNEL, TEAM, Recorder, Registry, Services

CARD_TS = "1700000000.000100"


def pick_body(value: str) -> dict:
    return {
        "trigger_id": "123.456.trigger",
        "user": {"id": ALICE, "team_id": TEAM},
        "team": {"id": TEAM},
        "actions": [
            {
                "type": "static_select",
                "action_id": ids.ACTION_CARD_MORE,
                "selected_option": {"value": value, "text": {"type": "plain_text", "text": "x"}},
            }
        ],
        "container": {"type": "message", "channel_id": CHANNEL, "message_ts": CARD_TS},
        "channel": {"id": CHANNEL},
        "message": {"ts": CARD_TS},
    }


def pick(listeners: Registry, services: Services, value: str) -> Recorder:
    ack, respond = Recorder(), Recorder()
    body = pick_body(value)
    listeners.call(
        "action",
        ids.ACTION_CARD_MORE,
        ack=ack,
        body=body,
        action=body["actions"][0],
        client=services.slack,
        respond=respond,
        context=services.context(ALICE),
    )
    assert ack.only == {}
    return respond


def test_every_option_has_a_handler():
    assert set(MORE_HANDLERS) == set(ids.MORE_OPTIONS)


def test_a_value_that_is_not_ours_does_nothing(listeners: Registry, services: Services):
    for value in ("suivre:0", "inconnu:12", "suivre", "suivre:12abc"):
        pick(listeners, services, value)
    assert services.slack.called("views_open") == []
    assert services.jobs.submitted == []


def test_correction_opens_its_modal_with_the_trigger(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_instruction")
    pick(listeners, services, ids.encode_more(ids.MORE_CORRECTION, number))
    [call] = services.slack.called("views_open")
    assert call["trigger_id"] == "123.456.trigger"
    view = call["view"].to_dict()
    assert view["callback_id"] == ids.VIEW_DEMANDER_CORRECTION
    blocks = {b.get("block_id") for b in view["blocks"]}
    assert {ids.BLOCK_CORRECTION_REASON, ids.BLOCK_MESSAGE_BODY} <= blocks
    reasons = next(b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_CORRECTION_REASON)
    texts = [o["text"]["text"] for o in reasons["element"]["options"]]
    assert texts == ["Incomplet", "Incorrect", "À mettre à jour"]
    # Alice may ask: the DS read finds nothing to explain.
    assert services.slack.called("views_update") == []


def test_changer_de_groupe_opens_then_lists_the_open_groupes(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_instruction")
    pick(listeners, services, ids.encode_more(ids.MORE_CHANGER_GROUPE, number))
    [opened] = services.slack.called("views_open")
    # Opened before DS is read: nothing to submit yet.
    assert "submit" not in opened["view"].to_dict()
    [update] = services.slack.called("views_update")
    view = update["view"].to_dict()
    [select] = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_GROUPE]
    assert select["label"]["text"] == "Groupe instructeur"
    [demarche] = [d for d in world.sandbox.control.demarches() if d["number"] == world.demarche]
    expected = {g["id"] for g in demarche["groupes"] if not g["closed"]} - {
        g["id"] for g in demarche["groupes"] if g["number"] == world.groupe
    }
    assert {o["value"] for o in select["element"]["options"]} == expected


def test_suivre_is_done_at_once_and_the_card_refreshed(
    listeners: Registry, services: Services, world
):
    number = world.dossier("en_construction")
    pick(listeners, services, ids.encode_more(ids.MORE_SUIVRE, number))
    assert world.alice_email in world.sandbox.control.dossier(number)["followers"]
    assert services.slack.called("views_open") == []
    assert services.jobs.failures == []
    [update] = services.slack.called("chat_update")
    assert update["ts"] == CARD_TS
    assert f"Suivi par <@{ALICE}>" in json.dumps(update["blocks"], ensure_ascii=False)


# --- Étiquettes and Annotations register themselves (labels.py, annotations.py) ----------


def test_both_options_are_registered() -> None:
    assert {ids.MORE_ETIQUETTES, ids.MORE_ANNOTATIONS} <= set(MORE_HANDLERS)


def test_a_value_of_the_edit_options_is_decoded() -> None:
    assert ids.decode_more("etiquettes:1234") == (ids.MORE_ETIQUETTES, 1234)
    assert ids.decode_more(f"annotations:{2**31 - 1}") == (ids.MORE_ANNOTATIONS, 2**31 - 1)


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        "",
        "etiquettes",
        "etiquettes:",
        "etiquettes:0",
        "etiquettes:0012",
        "etiquettes:-5",
        "etiquettes:12:3",
        " etiquettes:12",
        "etiquettes:12\n",
        f"etiquettes:{2**31}",
        "inconnue:12",
        '{"d": 12}',
    ],
)
def test_anything_else_is_refused_strictly(value: object) -> None:
    with pytest.raises(ValueError):
        ids.decode_more(value)
