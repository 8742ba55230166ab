"""What Slack's Web API accepts: required arguments, scopes, Block Kit and view limits.

Pure functions used by the fake Slack server (`slack_api.py`). Required arguments and scopes
come from Slack's published OpenAPI description (`tests/data/web-api-openapi-2021.json`, see
`tests/data/SOURCE.md`); the Block Kit limits are the documented ones (docs/slack.md, "Modals"
and "Block Kit limits"). Each check
returns the list of problems in Slack's own wording style ("[ERROR] ..."), empty when valid,
so the fake can answer like Slack and a test failure says what was wrong.
"""

from __future__ import annotations

import contextlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

OPENAPI = Path(__file__).resolve().parents[1] / "data" / "web-api-openapi-2021.json"

# Methods published after the 2021 description: known, with their real requirements.
NEWER_METHODS: dict[str, tuple[str, ...]] = {
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
}

# The 2021 description lists user-token or legacy scopes for a few methods; a bot token
# needs these instead.
BOT_SCOPE_OVERRIDES: dict[str, tuple[str, ...]] = {
    "conversations.join": ("channels:join",),
    "conversations.open": ("im:write", "mpim:write"),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}
# chat.unfurl names its message by channel+ts (all the 2021 description knows) or, for a link
# typed in the message composer, by unfurl_id+source: either complete pair is enough.
ALTERNATIVE_ARGUMENTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "chat.unfurl": (("channel", "ts"), ("unfurl_id", "source")),
}
LEGACY_SCOPES = {"chat:write:bot": "chat:write", "chat:write:user": "chat:write"}

# Slack's rate-limit tiers (calls a minute, per method and workspace) and the tier of each
# method dsbot calls (docs/slack.md, "Rate limits"; the 2021 OpenAPI description has no tiers).
# chat.postMessage has its own rule (about one a second per channel), and auth.test and
# apps.connections.open are not limited this way.
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS: dict[str, int] = {
    "chat.update": 3,
    "chat.delete": 3,
    "chat.unfurl": 3,
    "chat.scheduleMessage": 3,
    "chat.postEphemeral": 4,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "views.publish": 4,
    "users.info": 4,
    "files.info": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "users.lookupByEmail": 3,
    "conversations.info": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.list": 2,
    "users.list": 2,
}


def calls_per_minute(method: str) -> int | None:
    """How many calls of `method` Slack takes in any minute (None: no tier limit)."""
    tier = METHOD_TIERS.get(method)
    return TIER_PER_MINUTE[tier] if tier is not None else None


# Arguments that slack_sdk sends as JSON strings in form bodies and as objects in JSON bodies.
JSON_ARGUMENTS = ("blocks", "attachments", "view", "metadata", "files", "unfurls")

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_ID = 255
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_LABEL = 2000
MAX_OPTIONS = 100

TS_RE = re.compile(r"^\d{10}\.\d{6}$")


@cache
def _spec_paths() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))["paths"]


def is_known_method(method: str) -> bool:
    return method in NEWER_METHODS or f"/{method}" in _spec_paths()


def required_arguments(method: str) -> tuple[str, ...]:
    """Arguments the description marks required (the token travels in the header instead)."""
    if method in NEWER_METHODS:
        return NEWER_METHODS[method]
    operations = _spec_paths().get(f"/{method}", {})
    names: list[str] = []
    for operation in operations.values():
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            if parameter.get("required") and name != "token" and name not in names:
                names.append(name)
    return tuple(names)


def accepted_scopes(method: str) -> tuple[str, ...]:
    """Any one of these scopes lets a bot token call `method`; empty means none is needed."""
    if method in BOT_SCOPE_OVERRIDES:
        return BOT_SCOPE_OVERRIDES[method]
    scopes: list[str] = []
    for operation in _spec_paths().get(f"/{method}", {}).values():
        for requirement in operation.get("security", []):
            for scope in requirement.get("slackAuth", []):
                scope = LEGACY_SCOPES.get(scope, scope)
                if scope != "none" and scope not in scopes:
                    scopes.append(scope)
    return tuple(scopes)


def missing_arguments(method: str, params: dict[str, Any]) -> list[str]:
    required = list(required_arguments(method))
    pairs = ALTERNATIVE_ARGUMENTS.get(method, ())
    if pairs:
        alternatives = {name for pair in pairs for name in pair}
        required = [name for name in required if name not in alternatives]
        if not any(all(params.get(n) not in (None, "") for n in pair) for pair in pairs):
            required += list(pairs[0])
    return [
        f"[ERROR] missing required field: {name}"
        for name in required
        if params.get(name) in (None, "")
    ]


def decode_json_arguments(params: dict[str, Any]) -> dict[str, Any]:
    """Form bodies carry blocks/view/... as JSON text; decode them so both encodings compare equal.

    Text that is not JSON is kept as is, for the validators to reject.
    """
    decoded = dict(params)
    for name in JSON_ARGUMENTS:
        value = decoded.get(name)
        if isinstance(value, str) and value.strip():
            with contextlib.suppress(ValueError):
                decoded[name] = json.loads(value)
    return decoded


def truthy(value: Any) -> bool:
    """slack_sdk sends booleans as "1"/"0" in forms and as true/false in JSON."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _text(obj: Any) -> str | None:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return obj["text"]
    return None


def _check_text_object(
    obj: Any, where: str, *, max_len: int, plain_only: bool = False
) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"[ERROR] {where} must be a text object (plain_text or mrkdwn)"]
    if plain_only and obj["type"] != "plain_text":
        return [f"[ERROR] {where} must be plain_text"]
    text = _text(obj)
    if text is None or text == "":
        return [f"[ERROR] {where} must have non-empty text"]
    if len(text) > max_len:
        return [f"[ERROR] {where} must be less than {max_len + 1} characters"]
    return []


def _check_element(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [f"[ERROR] {where} must be an object with a type"]
    problems: list[str] = []
    action_id = element.get("action_id")
    if action_id is not None and (not isinstance(action_id, str) or len(action_id) > MAX_ID):
        problems.append(f"[ERROR] {where}.action_id must be a string of at most {MAX_ID} chars")
    if element["type"] == "button":
        problems += _check_text_object(
            element.get("text"), f"{where}.text", max_len=MAX_BUTTON_TEXT, plain_only=True
        )
        value = element.get("value")
        if value is not None and len(str(value)) > MAX_BUTTON_VALUE:
            problems.append(f"[ERROR] {where}.value must be at most {MAX_BUTTON_VALUE} chars")
        url = element.get("url")
        if url is not None and len(str(url)) > MAX_URL:
            problems.append(f"[ERROR] {where}.url must be at most {MAX_URL} chars")
        if element.get("style") not in (None, "primary", "danger"):
            problems.append(f"[ERROR] {where}.style must be primary or danger")
    options = element.get("options")
    if isinstance(options, list) and len(options) > MAX_OPTIONS:
        problems.append(f"[ERROR] {where}.options must have at most {MAX_OPTIONS} items")
    return problems


def _check_block(block: Any, where: str) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return [f"[ERROR] {where} must be an object with a type"]
    kind = block["type"]
    problems: list[str] = []
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or len(block_id) > MAX_ID):
        problems.append(f"[ERROR] {where}.block_id must be a string of at most {MAX_ID} chars")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"[ERROR] {where} must have text or fields")
        if "text" in block:
            problems += _check_text_object(block["text"], f"{where}.text", max_len=MAX_SECTION_TEXT)
        fields = block.get("fields")
        if fields is not None:
            if not isinstance(fields, list) or len(fields) > MAX_SECTION_FIELDS:
                problems.append(f"[ERROR] {where}.fields must have at most 10 items")
            else:
                for i, field in enumerate(fields):
                    problems += _check_text_object(
                        field, f"{where}.fields[{i}]", max_len=MAX_FIELD_TEXT
                    )
        if "accessory" in block:
            problems += _check_element(block["accessory"], f"{where}.accessory")
    elif kind == "header":
        problems += _check_text_object(
            block.get("text"), f"{where}.text", max_len=MAX_HEADER_TEXT, plain_only=True
        )
    elif kind in ("actions", "context"):
        limit = MAX_ACTIONS_ELEMENTS if kind == "actions" else MAX_CONTEXT_ELEMENTS
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= limit:
            problems.append(f"[ERROR] {where}.elements must have 1 to {limit} items")
        elif kind == "actions":
            for i, element in enumerate(elements):
                problems += _check_element(element, f"{where}.elements[{i}]")
            ids = [e.get("action_id") for e in elements if e.get("action_id")]
            if len(ids) != len(set(ids)):
                problems.append(f"[ERROR] {where} has duplicate action_ids")
    elif kind == "input":
        problems += _check_text_object(
            block.get("label"), f"{where}.label", max_len=MAX_LABEL, plain_only=True
        )
        if "element" not in block:
            problems.append(f"[ERROR] {where} must have an element")
        else:
            problems += _check_element(block["element"], f"{where}.element")
    return problems


def check_blocks(
    blocks: Any, *, limit: int = MAX_MESSAGE_BLOCKS, where: str = "blocks"
) -> list[str]:
    if not isinstance(blocks, list):
        return [f"[ERROR] {where} must be a JSON array of blocks"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"[ERROR] {where} must contain at most {limit} items")
    for i, block in enumerate(blocks):
        problems += _check_block(block, f"{where}[{i}]")
    ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(ids) != len(set(ids)):
        problems.append(f"[ERROR] {where} has duplicate block_ids")
    return problems


def check_view(view: Any, *, expected_types: tuple[str, ...]) -> list[str]:
    """Problems of a view payload (`views.open/push/update/publish`), empty when valid."""
    if not isinstance(view, dict):
        return ["[ERROR] view must be a JSON object"]
    kind = view.get("type")
    if kind not in expected_types:
        return [f"[ERROR] view.type must be one of {', '.join(expected_types)}"]
    problems: list[str] = []
    blocks = view.get("blocks")
    if blocks is None:
        problems.append("[ERROR] missing required field: blocks")
    else:
        problems += check_blocks(blocks, limit=MAX_VIEW_BLOCKS, where="view.blocks")
    if kind == "modal":
        if "title" not in view:
            problems.append("[ERROR] missing required field: title")
        for name in ("title", "submit", "close"):
            if name in view:
                problems += _check_text_object(
                    view[name], f"view.{name}", max_len=MAX_VIEW_TITLE, plain_only=True
                )
        has_inputs = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_inputs and "submit" not in view:
            problems.append("[ERROR] a modal with input blocks must have a submit button")
    metadata = view.get("private_metadata")
    if metadata is not None and (
        not isinstance(metadata, str) or len(metadata) > MAX_PRIVATE_METADATA
    ):
        problems.append("[ERROR] view.private_metadata must be a string of at most 3000 chars")
    for name in ("callback_id", "external_id"):
        value = view.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_ID):
            problems.append(f"[ERROR] view.{name} must be a string of at most {MAX_ID} chars")
    return problems
