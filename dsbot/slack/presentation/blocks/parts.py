"""Block Kit pieces shared by the DS dossier card and the card of any backend's item
(`card.py`, `item.py`) and by their notifications (`events.py`), over the port's types: an
action's button, the link to the backend, Share, the note of the last action taken from
Slack, why the viewer has no buttons, who made a change, and a comment quoted under it.

Each card keeps its own block ids, action ids and button values where its listeners need them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ButtonElement, ContextBlock

from dsbot.backends.port import ItemAction
from dsbot.slack.presentation.blocks.common import (
    BUTTON_TEXT_MAX,
    CONTEXT_TEXT_MAX,
    date_token,
    mention,
    mrkdwn,
    plain,
    quote,
)
from dsbot.slack.presentation.html_text import excerpt_mrkdwn
from dsbot.texts import Texts

COMMENT_EXCERPT_MAX = 500
COMMENT_EXCERPT_LINES = 6


def action_button(action: ItemAction, *, action_id: str, value: str) -> ButtonElement:
    """An action's button. No Slack confirm dialog: each opens a modal, the confirmation."""
    return ButtonElement(
        action_id=action_id,
        text=plain(action.label, BUTTON_TEXT_MAX),
        value=value,
        style=action.style.value if action.style else None,
    )


def open_button(*, action_id: str, label: str, url: str, value: str) -> ButtonElement:
    """The link to the item in its backend's own interface."""
    return ButtonElement(
        action_id=action_id, text=plain(label, BUTTON_TEXT_MAX), url=url, value=value
    )


def share_button(*, action_id: str, value: str, texts: Texts) -> ButtonElement:
    """Posts an ephemeral card to the whole channel."""
    return ButtonElement(
        action_id=action_id, text=plain(texts("button.partager"), BUTTON_TEXT_MAX), value=value
    )


def acted_block(
    block_id: str, texts: Texts, key: str, *, who: str, at: datetime, **params: Any
) -> ContextBlock:
    """The last action taken from Slack, under the card: `key`'s text with `who` (a Slack
    user id shown as a mention, or a name) and `at`."""
    note = texts(key, who=mention(who), at=date_token(at), **params)
    return ContextBlock(block_id=block_id, elements=[mrkdwn(note, CONTEXT_TEXT_MAX)])


def cannot_act_block(block_id: str, reason: str) -> ContextBlock:
    """Why the viewer has no buttons (already-rendered mrkdwn that says how to get them)."""
    return ContextBlock(block_id=block_id, elements=[mrkdwn(f"🔒 {reason}", CONTEXT_TEXT_MAX)])


def by_text(who: str, texts: Texts) -> str:
    """The " par …" after a notification's line; `who` is already mrkdwn: a mention, or a
    name escaped (a backend's login is not a Slack user id even when it looks like one)."""
    return texts("event.by", who=who)


def comment_block(block_id: str | None, body: str) -> ContextBlock:
    """The start of a comment, a motivation or a message, quoted under a notification."""
    text = quote(excerpt_mrkdwn(body, COMMENT_EXCERPT_MAX, max_lines=COMMENT_EXCERPT_LINES))
    return ContextBlock(block_id=block_id, elements=[mrkdwn(text, CONTEXT_TEXT_MAX)])
