"""What item buttons and item modals carry back to the bot: one typed value each.

A button's `value` names the backend, the item and (for an action button) the action; a
modal's `private_metadata` adds where the card lives and the submission's idempotency key.
Both come back in a user's request, so decoding checks them and raises ValueError.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dsbot.backends.port import BackendName, ItemAction
from dsbot.slack.interaction.seal import SEAL_MAX_CHARS

PRIVATE_METADATA_MAX = 3000
BUTTON_VALUE_MAX = 2000


def _loads(text: str | None, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text or "")
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not {what}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"not {what}")
    return data


def _backend(value: Any) -> BackendName:
    try:
        return BackendName(value)
    except ValueError:
        raise ValueError(f"unknown backend {value!r}") from None


def _ref(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 100:
        raise ValueError(f"not an item reference: {value!r}")
    return value


@dataclass(frozen=True)
class ItemButton:
    backend: BackendName
    ref: str
    action: ItemAction | None = None

    def encode(self) -> str:
        data: dict[str, Any] = {"b": self.backend.value, "r": self.ref}
        if self.action is not None:
            data["a"] = self.action.to_json()
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if len(text) > BUTTON_VALUE_MAX:
            raise ValueError("button value too long")
        return text

    @classmethod
    def decode(cls, text: str | None) -> ItemButton:
        data = _loads(text, "an item button")
        action = data.get("a")
        try:
            parsed = ItemAction.from_json(action) if isinstance(action, dict) else None
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("not an item action") from exc
        return cls(_backend(data.get("b")), _ref(data.get("r")), parsed)


@dataclass(frozen=True)
class ItemOrigin:
    """Where an action modal comes from, kept in its private_metadata until the submission."""

    backend: BackendName
    ref: str
    action: ItemAction
    key: str
    channel_id: str | None = None
    message_ts: str | None = None  # a card in a channel: chat.update
    response_url: str | None = None  # an ephemeral card: replace it through its response_url

    def encode(self) -> str:
        data: dict[str, Any] = {
            "b": self.backend.value,
            "r": self.ref,
            "a": self.action.to_json(),
            "k": self.key,
        }
        for name, value in (
            ("c", self.channel_id),
            ("m", self.message_ts),
            ("u", self.response_url),
        ):
            if value:
                data[name] = value
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if len(text) > PRIVATE_METADATA_MAX - SEAL_MAX_CHARS:
            data.pop("u", None)
            text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        return text

    @classmethod
    def decode(cls, text: str | None) -> ItemOrigin:
        data = _loads(text, "an item modal origin")
        action = data.get("a")
        key = data.get("k")
        if not isinstance(action, dict) or not isinstance(key, str) or not key:
            raise ValueError("not an item modal origin")
        try:
            parsed = ItemAction.from_json(action)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("not an item action") from exc
        return cls(
            _backend(data.get("b")),
            _ref(data.get("r")),
            parsed,
            key,
            data.get("c") or None,
            data.get("m") or None,
            data.get("u") or None,
        )
