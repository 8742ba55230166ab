"""What every Block Kit builder shares: the message type, mrkdwn escaping, truncation to
Slack's limits, date tokens and states (any backend's `ItemState`, with its emoji).

Everything that comes from DS or from a usager is data, never markup: it goes through
`escape` (or `escape_truncate`) before it meets a mrkdwn template, so a usager named
`<!channel>` or a message holding `<https://evil|click>` renders as plain text.
"""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, PlainTextObject

from dsbot.backends.port import ItemState
from dsbot.slack.presentation.views import ds_state
from dsbot.slack.presentation.visible import visible
from dsbot.texts import Texts

# Slack's limits (docs/slack.md, "Block Kit limits"). slack_sdk validates most of them when a block
# is serialized; section fields (2000) and context texts are only enforced by Slack itself.
MAX_BLOCKS = 50
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
MAX_FIELDS = 10
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
CONTEXT_TEXT_MAX = 2000
MAX_CONTEXT_ELEMENTS = 10
# Slack cuts the top-level text at 40,000; notifications only ever show its start.
FALLBACK_TEXT_MAX = 3000

ELLIPSIS = "…"

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
# When a cut lands this close after a space, cutting at the space reads better.
_WORD_BOUNDARY_SLACK = 20


@dataclass(frozen=True)
class SlackMessage:
    """A message ready for chat.postMessage / respond: `text` is the notification fallback."""

    text: str
    blocks: list[dict[str, Any]]

    def as_kwargs(self) -> dict[str, Any]:
        """`client.chat_postMessage(channel=c, **message.as_kwargs())`."""
        return {"text": self.text, "blocks": self.blocks}


def make_message(text: str, blocks: list[Block]) -> SlackMessage:
    """Serialize (slack_sdk validates each block's limits here) and cap the message's size."""
    return SlackMessage(
        text=truncate_mrkdwn(text, FALLBACK_TEXT_MAX),
        blocks=[b.to_dict() for b in blocks[:MAX_BLOCKS]],
    )


# --- escaping and truncation --------------------------------------------------------------


def escape(text: str) -> str:
    """Make a piece of data inert in mrkdwn (Slack only needs & < > escaped), and keep only
    what is seen (no bidi override, zero-width or control character: `visible`)."""
    text = visible(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    """`text[:limit]` moved back to a word boundary when one is near."""
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > 0 and limit - space <= _WORD_BOUNDARY_SLACK:
        cut = cut[:space]
    return cut.rstrip()


def truncate(text: str, limit: int) -> str:
    """Plain text (no mrkdwn) cut to `limit` characters, ellipsis included."""
    if len(text) <= limit:
        return text
    return _cut(text, limit - len(ELLIPSIS)) + ELLIPSIS


def escape_truncate(text: str, limit: int) -> str:
    """`escape(text)` cut to at most `limit` characters without splitting an entity."""
    text = visible(text)
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    budget = limit - len(ELLIPSIS)
    pieces: list[str] = []
    used = 0
    for char in text:
        piece = _ESCAPES.get(char, char)
        if used + len(piece) > budget:
            break
        pieces.append(piece)
        used += len(piece)
    kept = "".join(pieces)
    # Only move back to a space that is not inside an entity (entities hold no spaces).
    return _cut(kept, len(kept)) + ELLIPSIS if kept else ELLIPSIS


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Cut assembled mrkdwn to `limit` without breaking a `<…>` token or an `&…;` entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    amp = cut.rfind("&")
    if amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed, for excerpts shown on one line."""
    return " ".join(text.split())


def quote(mrkdwn: str) -> str:
    """Already-escaped mrkdwn shown as a block quote."""
    return "\n".join(f">{' ' if line else ''}{line}" for line in mrkdwn.split("\n"))


def excerpt(text: str, limit: int, *, max_lines: int = 12) -> str:
    """Escaped start of a long body, at most `max_lines` lines, for quoting."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    # Runs of blank lines only waste the reader's screen.
    compact: list[str] = []
    for line in lines:
        if line or (compact and compact[-1]):
            compact.append(line)
    clipped = len(compact) > max_lines
    body = "\n".join(compact[:max_lines])
    result = escape_truncate(body, limit)
    if clipped and not result.endswith(ELLIPSIS):
        result = truncate_mrkdwn(result, limit - len(ELLIPSIS)) + ELLIPSIS
    return result


# --- Slack tokens -----------------------------------------------------------------------------


def date_token(value: datetime, *, with_time: bool = True) -> str:
    """A date shown in each reader's time zone and language; the fallback is ISO 8601."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    unix = int(value.timestamp())
    if with_time:
        return (
            f"<!date^{unix}^{{date_short_pretty}} {{time}}"
            f"|{value.isoformat(sep=' ', timespec='minutes')}>"
        )
    return f"<!date^{unix}^{{date_short_pretty}}|{value.date().isoformat()}>"


def mention(who: str) -> str:
    """A Slack user id as a mention; anything else (an email, a name) as inert text."""
    if _SLACK_USER_ID.match(who):
        return f"<@{who}>"
    return escape(who)


def link(url: str, label: str) -> str:
    """A mrkdwn link with an escaped label; the URL is ours (built from settings)."""
    return f"<{escape(url)}|{escape(label)}>"


# --- text objects -------------------------------------------------------------------------------


# --- states -------------------------------------------------------------------------------------

_STATE_LABEL_MAX = 200


def color_emoji(color: str) -> str:
    """A Slack text cannot be coloured: the state's colour (`#rrggbb`) as the nearest circle."""
    text = color.strip().lstrip("#")
    if len(text) != 6:
        return "⚪"
    try:
        r, g, b = (int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return "⚪"
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    if saturation < 0.2 or (lightness > 0.9 and saturation < 0.5):
        return "⚪" if lightness > 0.4 else "⚫"
    degrees = hue * 360
    for limit, emoji in ((15, "🔴"), (40, "🟠"), (70, "🟡"), (170, "🟢"), (260, "🔵"), (345, "🟣")):
        if degrees < limit:
            return emoji
    return "🔴"


def state_emoji(state: ItemState) -> str:
    """The backend's own sign for the state, else the circle of its colour."""
    return state.emoji or color_emoji(state.color)


def state_text(state: ItemState) -> str:
    """Any backend's state as every card and notification shows it, e.g. "🔵 En instruction"."""
    return f"{state_emoji(state)} {escape_truncate(state.label, _STATE_LABEL_MAX)}"


def state_label(state: str, texts: Texts) -> str:
    """A dossier state by its id (a DS state is a `str`), as the DS adapter names it, through
    `state_text`; raises ValueError for an id DS does not have."""
    return state_text(ds_state(str(state), texts))


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> MarkdownTextObject:
    """A mrkdwn object that Slack will not auto-link (bare URLs, #channels, @names in data)."""
    return MarkdownTextObject(text=truncate_mrkdwn(text, limit), verbatim=True)


def plain(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=truncate(visible(text), limit), emoji=True)


def field(title: str, value: str) -> MarkdownTextObject:
    """A section field: bold title (from the catalog) over an already-escaped value."""
    return mrkdwn(f"*{title}*\n{value}", FIELD_TEXT_MAX)
