"""Payloads as Slack shapes them, one of each kind Slack sends dsbot, and the shapes that made
Bolt itself fail (issue 19): for the payload fuzzer and the HTTP process test."""

from __future__ import annotations

import copy
from typing import Any

from dsbot.slack import ids
from tests.fakes.bot import CHANNEL_ID, TEAM_ID

USER = "U0FUZZ01"


def base_payloads(
    action_id: str, callback_id: str, response_url: str = "https://hooks.slack.com/x"
) -> dict[str, dict[str, Any]]:
    """One payload of each kind Slack sends dsbot, as Slack shapes it."""
    team, user = {"id": TEAM_ID, "domain": "test"}, {"id": USER, "team_id": TEAM_ID}
    message = {"type": "message", "ts": "1700000000.000100", "user": USER, "text": "n° 12"}
    view = {
        "id": "V0FUZZ",
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": "",
        "hash": "h",
        "state": {"values": {"b": {"a": {"type": "plain_text_input", "value": "x"}}}},
    }
    interaction = {"team": team, "user": user, "api_app_id": "A0TEST", "trigger_id": "1.2.3"}
    event = {"team_id": TEAM_ID, "api_app_id": "A0TEST", "event_id": "Ev1", "event_time": 1}
    return {
        "block_actions": {
            "type": "block_actions",
            **interaction,
            "response_url": response_url,
            "container": {"type": "message", "channel_id": CHANNEL_ID, "is_ephemeral": True},
            "channel": {"id": CHANNEL_ID, "name": "general"},
            "message": message,
            "actions": [{"type": "button", "action_id": action_id, "value": "12", "block_id": "b"}],
        },
        "view_submission": {"type": "view_submission", **interaction, "view": view},
        "view_closed": {"type": "view_closed", **interaction, "view": view, "is_cleared": False},
        "shortcut": {"type": "shortcut", **interaction, "callback_id": callback_id},
        "message_action": {
            "type": "message_action",
            **interaction,
            "callback_id": ids.SHORTCUT_REPLY_FROM_MESSAGE,
            "channel": {"id": CHANNEL_ID, "name": "general"},
            "message": message,
            "response_url": response_url,
        },
        "command": {
            "team_id": TEAM_ID,
            "channel_id": CHANNEL_ID,
            "user_id": USER,
            "command": "/ds",
            "text": "aide",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        },
        "app_home_opened": {
            "type": "event_callback",
            **event,
            "event": {"type": "app_home_opened", "user": USER, "channel": "D0X", "tab": "about"},
        },
        "member_joined_channel": {
            "type": "event_callback",
            **event,
            "event": {
                "type": "member_joined_channel",
                "user": USER,
                "channel": CHANNEL_ID,
                "channel_type": "C",
                "team": TEAM_ID,
            },
        },
        "channel_shared": {
            "type": "event_callback",
            **event,
            "event": {
                "type": "channel_shared",
                "connected_team_id": "T0OTHER",
                "channel": CHANNEL_ID,
            },
        },
        "link_shared": {
            "type": "event_callback",
            **event,
            "event": {
                "type": "link_shared",
                "user": USER,
                "channel": CHANNEL_ID,
                "message_ts": "1.2",
                "unfurl_id": "u",
                "source": "conversations_history",
                "links": [{"url": "https://exemple.fr/x", "domain": "exemple.fr"}],
            },
        },
    }


NAMED_SHAPES = {
    # The four signed shapes that raised inside Bolt (issue 19).
    "view_submission without view.type": (
        "view_submission",
        lambda p: p["view"].pop("type"),
        "view.type: missing",
    ),
    "view_closed without view.type": (
        "view_closed",
        lambda p: p["view"].pop("type"),
        "view.type: missing",
    ),
    "app_home_opened with a numeric user": (
        "app_home_opened",
        lambda p: p["event"].update(user=12345),
        "event.user: not a str",
    ),
    "block_actions without actions": (
        "block_actions",
        lambda p: p.update(actions=[]),
        "actions: empty",
    ),
}


def named_shapes() -> dict[str, dict[str, Any]]:
    """The shapes Bolt itself crashed on, each as Slack would have sent it but for one field."""
    shapes = {}
    for name, (kind, spoil, _) in NAMED_SHAPES.items():
        payload = copy.deepcopy(base_payloads(ids.ACTION_ACCEPTER, ids.VIEW_ACCEPTER)[kind])
        spoil(payload)
        shapes[name] = payload
    return shapes
