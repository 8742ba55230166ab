"""The card's « Plus » menu: one overflow whose options open the less frequent actions.

Each option's value is f"{option}:{number}", decoded strictly here; the handler registered for
the option opens its modal with the click's trigger_id before any DS call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from dsbot.slack import ids
from dsbot.slack.listeners.decisions import refuse_payload
from dsbot.slack.middleware import SERVICES_KEY
from dsbot.slack.services import AppServices

log = logging.getLogger(__name__)

# (services, the block_actions body, the Bolt client, the dossier number)
MoreHandler = Callable[[AppServices, dict[str, Any], WebClient, int], None]

# Filled by the modules of each option (labels.py, annotations.py...).
MORE_HANDLERS: dict[str, MoreHandler] = {}

_VALUE = re.compile(r"([a-z_]{1,40}):([1-9][0-9]{0,9})")


def decode_option(value: object) -> tuple[str, int]:
    """(option, dossier number) of a menu value; ValueError when it is not one of ours."""
    match = _VALUE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not a menu value: {value!r}")
    option, number = match.group(1), int(match.group(2))
    if option not in MORE_HANDLERS or not ids.is_dossier_number(number):
        raise ValueError(f"not a menu value: {value!r}")
    return option, number


def selected_value(body: Any) -> object:
    actions = body.get("actions") if isinstance(body, dict) else None
    action = actions[0] if isinstance(actions, list) and actions else None
    selected = action.get("selected_option") if isinstance(action, dict) else None
    return selected.get("value") if isinstance(selected, dict) else None


def handle_more(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    try:
        option, number = decode_option(selected_value(body))
    except ValueError as exc:
        refuse_payload(services, body, respond, exc)
        return
    MORE_HANDLERS[option](services, body, client, number)


def register(app: App) -> None:
    app.action(ids.ACTION_CARD_MORE)(handle_more)
