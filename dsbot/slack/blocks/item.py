"""The card of an item of any backend (a Dynacase document today): pure Block Kit builders
over the port's types (`dsbot/backends/port.py`).

Title, kind, state with its colour, activity, last change, recent history, one button per
action the viewer may take now, a link to the backend, and Share on an ephemeral card.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    SectionBlock,
)

from dsbot.backends.port import HistoryEntry, Item, ItemAction, ItemState
from dsbot.slack import ids
from dsbot.slack.blocks.common import (
    BUTTON_TEXT_MAX,
    CONTEXT_TEXT_MAX,
    HEADER_TEXT_MAX,
    SECTION_TEXT_MAX,
    SlackMessage,
    date_token,
    escape,
    escape_truncate,
    field,
    make_message,
    mention,
    mrkdwn,
    one_line,
    plain,
    truncate_mrkdwn,
)
from dsbot.slack.item_refs import ItemButton
from dsbot.texts import Texts

# Slack allows 25 elements in an actions block; a few are the link and Share.
MAX_ACTION_BUTTONS = 20
HISTORY_LINE_MAX = 300
_NAME_MAX = 200


@dataclass(frozen=True)
class ItemViewer:
    """Who looks at the card. `reason` is an already-rendered mrkdwn sentence saying why the
    viewer has no buttons and how to get them; `connect` adds a "connect" button."""

    can_act: bool
    reason: str | None = None
    connect: bool = False


@dataclass(frozen=True)
class ItemActed:
    """The last action taken from Slack, shown under the card: "<label> par <@U…> <date>"."""

    who: str
    label: str
    at: datetime


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


def state_text(state: ItemState | None, texts: Texts) -> str:
    if state is None:
        return texts("item.no_state")
    return f"{color_emoji(state.color)} {escape_truncate(state.label, _NAME_MAX)}"


def history_line(entry: HistoryEntry) -> str:
    when = date_token(entry.at) if entry.at else ""
    who = escape_truncate(entry.who, _NAME_MAX)
    text = escape_truncate(one_line(entry.text), HISTORY_LINE_MAX)
    mark = "🔀" if entry.is_state_change else "💬"
    return f"{mark} {when} · *{who}* : {text}".replace("  ", " ")


def build_item_card(
    item: Item,
    actions: tuple[ItemAction, ...] | list[ItemAction],
    *,
    viewer: ItemViewer,
    texts: Texts,
    ephemeral: bool = True,
    acted: ItemActed | None = None,
) -> SlackMessage:
    backend = item.backend.value
    reference = item.name or item.ref
    blocks: list[Block] = [
        HeaderBlock(block_id=ids.BLOCK_ITEM_HEADER, text=plain(item.title, HEADER_TEXT_MAX)),
        SectionBlock(block_id=ids.BLOCK_ITEM_FACTS, fields=_facts(item, texts)),
    ]
    if item.history:
        lines = [f"*{texts('item.history')}*", *(history_line(h) for h in item.history)]
        blocks.append(
            SectionBlock(
                block_id=ids.BLOCK_ITEM_HISTORY,
                text=mrkdwn(truncate_mrkdwn("\n".join(lines), SECTION_TEXT_MAX)),
            )
        )
    if acted is not None:
        note = texts(
            "item.acted",
            action=escape(acted.label),
            who=mention(acted.who),
            at=date_token(acted.at),
        )
        blocks.append(
            ContextBlock(block_id=ids.BLOCK_ITEM_ACTED, elements=[mrkdwn(note, CONTEXT_TEXT_MAX)])
        )
    if viewer.reason:
        blocks.append(
            ContextBlock(
                block_id=ids.BLOCK_ITEM_CANNOT_ACT,
                elements=[mrkdwn(f"🔒 {viewer.reason}", CONTEXT_TEXT_MAX)],
            )
        )
    blocks.append(
        ActionsBlock(
            block_id=ids.BLOCK_ITEM_ACTIONS,
            elements=_buttons(item, actions, viewer=viewer, texts=texts, ephemeral=ephemeral),
        )
    )
    state = item.state.label if item.state else texts("item.no_state")
    fallback = texts(
        f"item.fallback.{backend}", title=escape(item.title), state=escape(state), ref=reference
    )
    return make_message(fallback, blocks)


def _facts(item: Item, texts: Texts) -> list:
    fields = [
        field(
            texts(f"item.field.kind.{item.backend.value}"), escape_truncate(item.kind, _NAME_MAX)
        ),
        field(texts("item.field.state"), state_text(item.state, texts)),
    ]
    if item.activity:
        fields.append(
            field(texts("item.field.activity"), escape_truncate(item.activity, _NAME_MAX))
        )
    if item.modified_at:
        fields.append(field(texts("item.field.modified"), date_token(item.modified_at)))
    reference = escape_truncate(item.name, _NAME_MAX) if item.name else ""
    fields.append(
        field(
            texts("item.field.reference"),
            texts("item.reference", ref=item.ref, name=reference) if reference else item.ref,
        )
    )
    fields += [
        field(escape(label), escape_truncate(value, _NAME_MAX)) for label, value in item.facts
    ]
    return fields[:10]


def _buttons(
    item: Item,
    actions: tuple[ItemAction, ...] | list[ItemAction],
    *,
    viewer: ItemViewer,
    texts: Texts,
    ephemeral: bool,
) -> list[ButtonElement]:
    buttons: list[ButtonElement] = []
    if viewer.can_act:
        for index, action in enumerate(list(actions)[:MAX_ACTION_BUTTONS]):
            buttons.append(
                ButtonElement(
                    action_id=f"{ids.ACTION_ITEM_ACTION_PREFIX}{index}",
                    text=plain(action.label, BUTTON_TEXT_MAX),
                    value=ItemButton(item.backend, item.ref, action).encode(),
                )
            )
    elif viewer.connect:
        buttons.append(
            ButtonElement(
                action_id=ids.ACTION_ITEM_CONNECT,
                text=plain(texts(f"item.button.connect.{item.backend.value}"), BUTTON_TEXT_MAX),
                value=ItemButton(item.backend, item.ref).encode(),
                style="primary",
            )
        )
    if item.url:
        buttons.append(
            ButtonElement(
                action_id=ids.ACTION_ITEM_OPEN,
                text=plain(texts(f"item.button.open.{item.backend.value}"), BUTTON_TEXT_MAX),
                url=item.url,
                value=ItemButton(item.backend, item.ref).encode(),
            )
        )
    if ephemeral:
        buttons.append(
            ButtonElement(
                action_id=ids.ACTION_ITEM_SHARE,
                text=plain(texts("button.partager"), BUTTON_TEXT_MAX),
                value=ItemButton(item.backend, item.ref).encode(),
            )
        )
    return buttons
