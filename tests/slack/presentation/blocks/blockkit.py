"""Reading Block Kit JSON in tests: find buttons and texts, check Slack's limits.

Reusable by any test that receives a message (dict or SlackMessage) from a builder or from
the fake Slack API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dsbot.slack.presentation.blocks.common import SlackMessage

# Limits from docs/slack.md ("Block Kit limits"), written out again here on purpose: the test must
# not trust the constants of the code it checks.
LIMITS = {
    "blocks": 50,
    "section_text": 3000,
    "fields": 10,
    "field_text": 2000,
    "header_text": 150,
    "button_text": 75,
    "button_value": 2000,
    "button_url": 3000,
    "actions_elements": 25,
    "context_elements": 10,
    "context_text": 3000,
    "id": 255,
    "confirm_title": 100,
    "confirm_text": 300,
    "confirm_button": 30,
    "fallback_text": 40000,
}

_TOKEN = re.compile(r"<([^<>]*)>")


def as_dict(message: SlackMessage | dict[str, Any]) -> dict[str, Any]:
    if isinstance(message, SlackMessage):
        return {"text": message.text, "blocks": message.blocks}
    return message


def buttons(message: SlackMessage | dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of the message, in order (actions blocks and section accessories)."""
    found = []
    for block in as_dict(message)["blocks"]:
        for element in block.get("elements") or ():
            if element.get("type") == "button":
                found.append(element)
        accessory = block.get("accessory")
        if accessory and accessory.get("type") == "button":
            found.append(accessory)
    return found


def button_ids(message: SlackMessage | dict[str, Any]) -> list[str]:
    return [b["action_id"] for b in buttons(message)]


def find_block(message: SlackMessage | dict[str, Any], block_id: str) -> dict[str, Any] | None:
    return next((b for b in as_dict(message)["blocks"] if b.get("block_id") == block_id), None)


def block(message: SlackMessage | dict[str, Any], block_id: str) -> dict[str, Any]:
    """The block that must be there (a test reading a missing block fails here, by name)."""
    found = find_block(message, block_id)
    assert found is not None, f"no block {block_id}"
    return found


def text_objects(message: SlackMessage | dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every text object ({"type": "mrkdwn"|"plain_text", "text": …}) anywhere in the blocks."""

    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    yield from walk(as_dict(message)["blocks"])


def mrkdwn_texts(message: SlackMessage | dict[str, Any]) -> list[str]:
    """The top-level fallback and every mrkdwn text: what Slack parses for links/mentions."""
    texts = [as_dict(message)["text"]]
    texts += [t["text"] for t in text_objects(message) if t["type"] == "mrkdwn"]
    return texts


def all_text(message: SlackMessage | dict[str, Any]) -> str:
    return "\n".join([as_dict(message)["text"], *(t["text"] for t in text_objects(message))])


def tokens(message: SlackMessage | dict[str, Any]) -> list[str]:
    """The inside of every <…> token Slack would interpret in the message's mrkdwn."""
    return [m for text in mrkdwn_texts(message) for m in _TOKEN.findall(text)]


def assert_within_slack_limits(message: SlackMessage | dict[str, Any]) -> None:
    """Fail with the offending path when any Slack limit is exceeded."""
    data = as_dict(message)
    assert data["text"], "a top-level fallback text is required"
    assert len(data["text"]) <= LIMITS["fallback_text"]
    blocks = data["blocks"]
    assert len(blocks) <= LIMITS["blocks"], f"{len(blocks)} blocks"
    for i, b in enumerate(blocks):
        where = f"block {i} ({b.get('type')}, {b.get('block_id')})"
        assert len(b.get("block_id") or "") <= LIMITS["id"], where
        kind = b["type"]
        if kind == "header":
            assert len(b["text"]["text"]) <= LIMITS["header_text"], where
        if kind == "section":
            assert b.get("text") or b.get("fields"), where
            if b.get("text"):
                assert len(b["text"]["text"]) <= LIMITS["section_text"], where
            fields = b.get("fields") or []
            assert len(fields) <= LIMITS["fields"], where
            for f in fields:
                assert len(f["text"]) <= LIMITS["field_text"], where
        if kind == "context":
            assert 0 < len(b["elements"]) <= LIMITS["context_elements"], where
            for e in b["elements"]:
                assert len(e.get("text", "")) <= LIMITS["context_text"], where
        if kind == "actions":
            assert 0 < len(b["elements"]) <= LIMITS["actions_elements"], where
            action_ids = [e.get("action_id") for e in b["elements"]]
            assert len(set(action_ids)) == len(action_ids), f"{where}: duplicate action_id"
    for button in buttons(data):
        where = f"button {button.get('action_id')}"
        assert len(button["action_id"]) <= LIMITS["id"], where
        assert 0 < len(button["text"]["text"]) <= LIMITS["button_text"], where
        assert len(button.get("value", "")) <= LIMITS["button_value"], where
        assert len(button.get("url", "")) <= LIMITS["button_url"], where
        confirm = button.get("confirm")
        if confirm:
            assert len(confirm["title"]["text"]) <= LIMITS["confirm_title"], where
            assert len(confirm["text"]["text"]) <= LIMITS["confirm_text"], where
            assert len(confirm["confirm"]["text"]) <= LIMITS["confirm_button"], where
            assert len(confirm["deny"]["text"]) <= LIMITS["confirm_button"], where
    block_ids = [b["block_id"] for b in blocks if b.get("block_id")]
    assert len(set(block_ids)) == len(block_ids), "duplicate block_id"
