"""Interaction payloads read once, at the edge, into typed values.

A signed request still carries fields a listener must not trust blindly (a button value, a
URL): each is checked here, and anything malformed becomes a PayloadError, which the
listener turns into a clear message (never a 500, never an action).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsbot.slack import ids
from dsbot.slack.interaction.errors import PayloadError
from dsbot.slack.interaction.urls import reply_url

__all__ = ["Click", "MenuPick", "PayloadError", "reply_url"]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Click:
    """A click on one of the bot's buttons (block_actions)."""

    action_id: str
    number: int
    channel_id: str | None
    message_ts: str | None
    is_ephemeral: bool
    response_url: str | None
    trigger_id: str

    @classmethod
    def from_body(cls, body: Any, api_base_url: str | None) -> Click:
        body = _dict(body)
        actions = body.get("actions")
        action = _dict(actions[0]) if isinstance(actions, list) and actions else {}
        action_id = _text(action.get("action_id"))
        if action_id is None:
            raise PayloadError("click without an action_id")
        try:
            number = ids.decode_ref(action.get("value"))
        except ValueError as exc:
            raise PayloadError(f"{action_id}: the button value is not ours") from exc
        return cls._of(body, action_id, number, api_base_url)

    @classmethod
    def _of(
        cls, body: dict[str, Any], action_id: str, number: int, api_base_url: str | None
    ) -> Click:
        container = _dict(body.get("container"))
        response_url = reply_url(body, api_base_url)
        return cls(
            action_id=action_id,
            number=number,
            channel_id=_text(container.get("channel_id"))
            or _text(_dict(body.get("channel")).get("id")),
            message_ts=_text(container.get("message_ts"))
            or _text(_dict(body.get("message")).get("ts")),
            is_ephemeral=container.get("is_ephemeral") is True,
            response_url=response_url,
            trigger_id=_text(body.get("trigger_id")) or "",
        )


@dataclass(frozen=True)
class MenuPick:
    """An option picked in a card's « Plus d'actions… » menu (block_actions on a select)."""

    option: str
    click: Click

    @classmethod
    def from_body(cls, body: Any, api_base_url: str | None) -> MenuPick:
        body = _dict(body)
        actions = body.get("actions")
        action = _dict(actions[0]) if isinstance(actions, list) and actions else {}
        action_id = _text(action.get("action_id"))
        if action_id != ids.ACTION_CARD_MORE:
            raise PayloadError(f"not the card's menu: {action_id!r}")
        # A select sends `selected_option`; an overflow menu sends the same key.
        value = _dict(action.get("selected_option")).get("value")
        try:
            option, number = ids.decode_more(value)
        except ValueError as exc:
            raise PayloadError(f"{action_id}: the option value is not ours") from exc
        return cls(option, Click._of(body, action_id, number, api_base_url))
