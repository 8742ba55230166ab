"""The shapes of Slack's payloads, checked before Bolt routes one.

Bolt reads a payload's fields without checking their types while it builds a request's context
and picks its listener: `body["view"]["type"]` of a view without `type`, `"id" in user` of an
event whose `user` is a number, `body["actions"][0]` of an empty list, all raise, and the
request used to end in a 500. `problem(payload)` names the first field that is not where or
what Slack puts it, for the payloads Slack sends dsbot (slash command, block_actions,
view_submission, view_closed, shortcut, message_action, block_suggestion, the events of
`manifest.yml`); the edge answers 400 to it (dsbot.slack.transport.edge), and in Socket Mode
the handler acknowledges it without handing it to Bolt (dsbot.slack.transport.socket_mode).
A Bolt middleware would come too late: Bolt reads the payload to build a middleware's arguments.

Only the fields Bolt or dsbot navigate are checked, each for the JSON type Slack documents
(`null` stands for an absent optional field): a value's content is the listeners' to judge
(dsbot.slack.interaction.payloads).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Field:
    """One field: its JSON types, whether Slack always sends it, and the fields of the object it
    holds (`fields`) or of each object of the list it holds (`items`)."""

    kinds: tuple[type, ...]
    required: bool = False
    fields: Mapping[str, Field] = field(default_factory=dict)
    items: Mapping[str, Field] | None = None
    nonempty: bool = False
    # Whether an explicit `null` stands for absent: not where Bolt reads `body.get(k, {})`.
    nullable: bool = True


TEXT = Field((str,))
NEEDED_TEXT = Field((str,), required=True)
# A flag: a boolean in JSON payloads, "true"/"false" in a slash command's form.
FLAG = Field((bool, str))
# A team, user, channel or enterprise: an id, or an object with one.
REF = Field((str, dict), fields={"id": TEXT, "team_id": TEXT, "enterprise_id": TEXT})


def obj(
    fields: Mapping[str, Field] | None = None, *, required: bool = False, nullable: bool = True
) -> Field:
    """An object with these fields."""
    return Field((dict,), required=required, fields=fields or {}, nullable=nullable)


def objects(
    fields: Mapping[str, Field], *, required: bool = False, nonempty: bool = False
) -> Field:
    """A list of objects with these fields."""
    return Field((list,), required=required, items=fields, nonempty=nonempty)


# What Bolt's context extraction reads, at the top of any payload and inside its `event`,
# `message`, `previous_message`, `item` and `authorizations`.
CONTEXT: dict[str, Field] = {
    "type": TEXT,
    "team": REF,
    "user": REF,
    "channel": REF,
    "enterprise": REF,
    "team_id": TEXT,
    "user_id": TEXT,
    "channel_id": TEXT,
    "enterprise_id": TEXT,
    "user_team": TEXT,
    "thread_ts": TEXT,
    "api_app_id": TEXT,
    "trigger_id": TEXT,
    "response_url": TEXT,
    "is_enterprise_install": FLAG,
    "is_ext_shared_channel": FLAG,
    "function_execution_id": TEXT,
    "bot_access_token": TEXT,
}
NESTED = {"message": obj(CONTEXT), "previous_message": obj(CONTEXT), "item": obj(CONTEXT)}
VIEW_FIELDS: dict[str, Field] = {
    "id": TEXT,
    "type": NEEDED_TEXT,
    "callback_id": TEXT,
    "private_metadata": TEXT,
    "hash": TEXT,
    "team_id": TEXT,
    "app_installed_team_id": TEXT,
    "state": obj({"values": Field((dict,))}),
    "blocks": Field((list,)),
}
SUBMITTED_VIEW = obj(VIEW_FIELDS | {"callback_id": NEEDED_TEXT}, required=True)
ENVELOPE: dict[str, Field] = {
    **CONTEXT,
    **NESTED,
    "authorizations": objects(CONTEXT),
    "container": obj(
        {"message_ts": TEXT, "channel_id": TEXT, "view_id": TEXT, "is_ephemeral": FLAG}
    ),
    "view": obj(VIEW_FIELDS, nullable=False),
    "event": obj(CONTEXT | NESTED, nullable=False),
    "function_data": obj(),
    "assistant_thread": obj({"channel_id": TEXT, "thread_ts": TEXT}),
}
ACTION = {"action_id": NEEDED_TEXT, "block_id": TEXT, "type": TEXT, "action_ts": TEXT}
LINK = {"url": NEEDED_TEXT, "domain": TEXT}

# By the payload's `type`: what that kind adds to ENVELOPE.
KINDS: dict[str, dict[str, Field]] = {
    "block_actions": {"actions": objects(ACTION, required=True, nonempty=True)},
    "block_suggestion": {"action_id": NEEDED_TEXT, "block_id": TEXT, "value": TEXT},
    "view_submission": {"view": SUBMITTED_VIEW},
    "view_closed": {"view": SUBMITTED_VIEW},
    "shortcut": {"callback_id": NEEDED_TEXT},
    "message_action": {
        "callback_id": NEEDED_TEXT,
        "message": obj(CONTEXT | {"text": TEXT, "ts": TEXT}),
    },
    "interactive_message": {
        "callback_id": NEEDED_TEXT,
        "actions": objects({"name": TEXT}, required=True, nonempty=True),
    },
    "dialog_submission": {"callback_id": NEEDED_TEXT},
    "dialog_cancellation": {"callback_id": NEEDED_TEXT},
    "dialog_suggestion": {"callback_id": NEEDED_TEXT},
    "workflow_step_edit": {"callback_id": NEEDED_TEXT, "workflow_step": obj(required=True)},
    "url_verification": {"challenge": NEEDED_TEXT},
}
SLASH_COMMAND = {"command": NEEDED_TEXT, "text": TEXT}

# By the event's `type`, for the events of manifest.yml's bot_events: what it adds.
EVENT_BASE = {**CONTEXT, **NESTED, "type": NEEDED_TEXT}
EVENTS: dict[str, dict[str, Field]] = {
    "app_home_opened": {"user": NEEDED_TEXT, "tab": TEXT, "view": obj(VIEW_FIELDS)},
    "link_shared": {
        "user": NEEDED_TEXT,
        "channel": NEEDED_TEXT,
        "message_ts": NEEDED_TEXT,
        "unfurl_id": TEXT,
        "source": TEXT,
        "links": objects(LINK, required=True),
    },
    "member_joined_channel": {
        "user": NEEDED_TEXT,
        "channel": NEEDED_TEXT,
        "channel_type": TEXT,
        "team": TEXT,
        "inviter": TEXT,
    },
    "channel_shared": {"channel": NEEDED_TEXT, "connected_team_id": TEXT, "event_ts": TEXT},
}


def problem(payload: Any) -> str | None:
    """Where `payload` departs from Slack's shapes (`view.type: missing`), or None."""
    if not isinstance(payload, dict):
        return "payload: not an object"
    kind = payload.get("type")
    spec = {**ENVELOPE, **KINDS.get(kind, {})} if isinstance(kind, str) else dict(ENVELOPE)
    if "command" in payload:  # Bolt takes any payload with a `command` for a slash command
        spec |= SLASH_COMMAND
    if kind == "event_callback":
        event = payload.get("event")
        event_kind = event.get("type") if isinstance(event, dict) else None
        spec["event"] = obj(EVENT_BASE | EVENTS.get(str(event_kind), {}), required=True)
    return _check(payload, spec, "")


def _check(data: Mapping[str, Any], spec: Mapping[str, Field], path: str) -> str | None:
    for name, rule in spec.items():
        if name in data and data[name] is None and not rule.nullable:
            return f"{path}{name}: null"
        found = _field(data.get(name), rule, f"{path}{name}")
        if found is not None:
            return found
    return None


def _field(value: Any, rule: Field, where: str) -> str | None:
    if value is None:
        return f"{where}: missing" if rule.required else None
    if not isinstance(value, rule.kinds):
        return f"{where}: not a {'/'.join(k.__name__ for k in rule.kinds)}"
    if isinstance(value, dict):
        return _check(value, rule.fields, f"{where}.")
    if isinstance(value, list) and rule.items is not None:
        return _items(value, rule, where)
    return None


def _items(values: list[Any], rule: Field, where: str) -> str | None:
    if rule.nonempty and not values:
        return f"{where}: empty"
    for index, item in enumerate(values):
        if not isinstance(item, dict):
            return f"{where}[{index}]: not an object"
        found = _check(item, rule.items or {}, f"{where}[{index}].")
        if found is not None:
            return found
    return None
