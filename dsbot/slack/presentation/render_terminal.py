"""Block Kit messages as plain terminal text, for `dsbot demo` (no Slack needed to see them).

A pure function of the message: mrkdwn is simplified (bold kept with color, links shown with
their URL, date tokens shown through their fallback, entities unescaped), fields laid out in
two columns, buttons drawn as `[ Accepter ]`. Callers indent thread replies themselves.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from dsbot.slack.presentation.blocks.common import SlackMessage

_BOLD, _ITALIC, _DIM, _RESET = "\x1b[1m", "\x1b[3m", "\x1b[2m", "\x1b[0m"
_STYLE_COLOR = {"primary": "\x1b[32m", "danger": "\x1b[31m"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TOKEN = re.compile(r"<([^<>\n]*)>")
_BOLD_RE = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC_RE = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE_RE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_MIN_TWO_COLUMNS = 40
_COLUMN_GAP = "   "


def render_message(
    message: SlackMessage | dict[str, Any], *, width: int = 80, color: bool = False
) -> str:
    """The message as lines of at most about `width` columns (wide emoji may overhang)."""
    if isinstance(message, SlackMessage):
        text, blocks = message.text, message.blocks
    else:
        text, blocks = message.get("text") or "", message.get("blocks") or []
    if not blocks:
        return "\n".join(_wrap(render_mrkdwn(text, color=color), width))
    lines: list[str] = []
    for block in blocks:
        # Slack spaces blocks apart; a blank line does that here, except for context lines,
        # which read as footnotes of the block above.
        if lines and block.get("type") != "context":
            lines.append("")
        lines.extend(_render_block(block, width, color))
    return "\n".join(lines)


def render_mrkdwn(text: str, *, color: bool = False) -> str:
    """Slack mrkdwn as readable text: tokens resolved, quotes drawn, entities unescaped."""
    out_lines = []
    for line in text.split("\n"):
        if line.startswith(">"):
            line = "│ " + line[1:].lstrip(" ")
        out_lines.append(line)
    result = _TOKEN.sub(_resolve_token, "\n".join(out_lines))
    result = _BOLD_RE.sub(lambda m: f"{_BOLD}{m[1]}{_RESET}" if color else m[1], result)
    result = _ITALIC_RE.sub(lambda m: f"{_ITALIC}{m[1]}{_RESET}" if color else m[1], result)
    result = _STRIKE_RE.sub(lambda m: m[1], result)
    return result.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _resolve_token(match: re.Match[str]) -> str:
    inner = match[1]
    if inner.startswith("!date^"):
        # <!date^unix^format|fallback>: the fallback is the readable ISO date.
        return inner.partition("|")[2] or inner
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!subteam^"):
        return label or "@group"
    if target.startswith("!"):
        return "@" + target[1:]
    if label and label != target:
        return f"{label} ({target})"
    return target


# --- layout ---------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Terminal columns of `text`: wide (emoji, CJK) count 2, joiners and marks 0."""
    total = 0
    for char in _ANSI.sub("", text):
        if unicodedata.combining(char) or char in "\u200d\ufe0f\ufe0e":
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for line in text.split("\n"):
        prefix = "│ " if line.startswith("│ ") else ""
        body = line[len(prefix) :]
        wrapped = textwrap.wrap(
            body,
            width=max(width - len(prefix), 10),
            break_long_words=True,
            break_on_hyphens=False,
        )
        if wrapped:
            lines.extend(prefix + w for w in wrapped)
        else:
            lines.append(prefix.rstrip())
    return lines


def _text_of(obj: dict[str, Any] | None, color: bool) -> str:
    if not obj:
        return ""
    if obj.get("type") == "mrkdwn":
        return render_mrkdwn(obj.get("text", ""), color=color)
    return str(obj.get("text", ""))


def _dim(lines: Iterable[str], color: bool) -> list[str]:
    return [f"{_DIM}{line}{_RESET}" if color else line for line in lines]


def _button(element: dict[str, Any], color: bool) -> str:
    label = _text_of(element.get("text"), False)
    if element.get("url"):
        label += " ↗"
    box = f"[ {label} ]"
    style = _STYLE_COLOR.get(element.get("style") or "")
    return f"{style}{box}{_RESET}" if color and style else box


def _element(element: dict[str, Any], color: bool) -> str:
    kind = element.get("type")
    if kind == "button":
        return _button(element, color)
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind in ("mrkdwn", "plain_text"):
        return _text_of(element, color)
    placeholder = _text_of(element.get("placeholder"), False) or kind or "?"
    return f"[ {placeholder} ▾ ]"


def _flow(items: list[str], width: int, separator: str = " ") -> list[str]:
    """Items laid left to right, wrapping to a new line when the next one does not fit."""
    lines: list[str] = []
    current = ""
    for item in items:
        candidate = f"{current}{separator}{item}" if current else item
        if current and display_width(candidate) > width:
            lines.append(current)
            current = item
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _fields(fields: list[dict[str, Any]], width: int, color: bool) -> list[str]:
    rendered = [_text_of(f, color) for f in fields]
    if width < _MIN_TWO_COLUMNS:
        return [line for text in rendered for line in _wrap(text, width)]
    column = (width - len(_COLUMN_GAP)) // 2
    lines: list[str] = []
    for i in range(0, len(rendered), 2):
        left = _wrap(rendered[i], column)
        right = _wrap(rendered[i + 1], column) if i + 1 < len(rendered) else []
        for j in range(max(len(left), len(right))):
            left_part = left[j] if j < len(left) else ""
            right_part = right[j] if j < len(right) else ""
            lines.append((_pad(left_part, column) + _COLUMN_GAP + right_part).rstrip())
    return lines


def _rich_text(node: Any) -> str:
    if isinstance(node, dict):
        if "text" in node and isinstance(node["text"], str):
            return node["text"]
        if node.get("type") == "link":
            return str(node.get("url", ""))
        return "".join(_rich_text(e) for e in node.get("elements") or ())
    if isinstance(node, list):
        return "".join(_rich_text(e) for e in node)
    return ""


def _header(block: dict[str, Any], width: int, color: bool) -> list[str]:
    title = _text_of(block.get("text"), color)
    rule = "═" * min(display_width(title), width)
    return [f"{_BOLD}{title}{_RESET}" if color else title, rule]


def _divider(block: dict[str, Any], width: int, color: bool) -> list[str]:
    return ["─" * width]


def _section(block: dict[str, Any], width: int, color: bool) -> list[str]:
    lines: list[str] = []
    if block.get("text"):
        lines += _wrap(_text_of(block["text"], color), width)
    if block.get("fields"):
        lines += _fields(block["fields"], width, color)
    accessory = block.get("accessory")
    if accessory:
        lines.append(_element(accessory, color))
        if accessory.get("url"):
            lines += _dim([f"  ↗ {accessory['url']}"], color)
    return lines


def _context(block: dict[str, Any], width: int, color: bool) -> list[str]:
    texts = [_element(e, False) for e in block.get("elements") or ()]
    return _dim((line for t in texts for line in _wrap(t, width)), color)


def _actions(block: dict[str, Any], width: int, color: bool) -> list[str]:
    elements = block.get("elements") or []
    lines = _flow([_element(e, color) for e in elements], width)
    for element in elements:
        if element.get("url"):
            label = _text_of(element.get("text"), False)
            lines += _dim(_wrap(f"  ↗ {label}: {element['url']}", width), color)
    return lines


def _image(block: dict[str, Any], width: int, color: bool) -> list[str]:
    return [f"[image: {block.get('alt_text', '')}]"]


def _input(block: dict[str, Any], width: int, color: bool) -> list[str]:
    label = _text_of(block.get("label"), color)
    return [label, _element(block.get("element") or {}, color)]


def _markdown(block: dict[str, Any], width: int, color: bool) -> list[str]:
    return _wrap(block.get("text", ""), width)


def _rich_text_block(block: dict[str, Any], width: int, color: bool) -> list[str]:
    return _wrap(_rich_text(block.get("elements")), width)


# How each block type is drawn; any other type shows as its name.
_BLOCKS: dict[str, Callable[[dict[str, Any], int, bool], list[str]]] = {
    "header": _header,
    "divider": _divider,
    "section": _section,
    "context": _context,
    "actions": _actions,
    "image": _image,
    "input": _input,
    "markdown": _markdown,
    "rich_text": _rich_text_block,
}


def _render_block(block: dict[str, Any], width: int, color: bool) -> list[str]:
    kind = block.get("type")
    draw = _BLOCKS.get(kind) if isinstance(kind, str) else None
    return [f"[{kind}]"] if draw is None else draw(block, width, color)
