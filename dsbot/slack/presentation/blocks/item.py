"""The card of an item of any backend (a document, a fiche…): pure Block Kit builders
over the port's types (`dsbot/backends/port/`), with the pieces it shares with the DS card
(`common.state_text`, `parts.py`).

Title, kind, state with its colour, activity, last change, recent history, one button per
action the viewer may take now, a link to the backend, and Share on an ephemeral card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    SectionBlock,
)
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from dsbot.backends.port import HistoryEntry, Item, ItemAction, ItemState
from dsbot.slack import ids
from dsbot.slack.interaction.item_refs import ItemButton
from dsbot.slack.presentation.blocks.common import (
    BUTTON_TEXT_MAX,
    HEADER_TEXT_MAX,
    SECTION_TEXT_MAX,
    SlackMessage,
    date_token,
    escape,
    escape_truncate,
    field,
    make_message,
    mrkdwn,
    one_line,
    plain,
    state_text,
    truncate_mrkdwn,
)
from dsbot.slack.presentation.blocks.parts import (
    acted_block,
    action_button,
    cannot_act_block,
    open_button,
    share_button,
)
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


def item_state_text(state: ItemState | None, texts: Texts) -> str:
    return state_text(state) if state is not None else texts("item.no_state")


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
        blocks.append(
            acted_block(
                ids.BLOCK_ITEM_ACTED,
                texts,
                "item.acted",
                who=acted.who,
                at=acted.at,
                action=escape(acted.label),
            )
        )
    if viewer.reason:
        blocks.append(cannot_act_block(ids.BLOCK_ITEM_CANNOT_ACT, viewer.reason))
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


def _facts(item: Item, texts: Texts) -> list[MarkdownTextObject]:
    fields = [
        field(
            texts(f"item.field.kind.{item.backend.value}"), escape_truncate(item.kind, _NAME_MAX)
        ),
        field(texts("item.field.state"), item_state_text(item.state, texts)),
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
                action_button(
                    action,
                    action_id=f"{ids.ACTION_ITEM_ACTION_PREFIX}{index}",
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
            open_button(
                action_id=ids.ACTION_ITEM_OPEN,
                label=texts(f"item.button.open.{item.backend.value}"),
                url=item.url,
                value=ItemButton(item.backend, item.ref).encode(),
            )
        )
    if ephemeral:
        buttons.append(
            share_button(
                action_id=ids.ACTION_ITEM_SHARE,
                value=ItemButton(item.backend, item.ref).encode(),
                texts=texts,
            )
        )
    return buttons
