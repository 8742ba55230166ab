"""The dossier card: what an instructeur needs to decide, and the buttons DS allows now.

It renders the port's `ItemDetail` (`dsbot/backends/port/`), which the DS adapter makes of a
dossier (`dsbot.slack.presentation.views.dossier_detail`): which dates, demandeur, actions and
menu entries a dossier has is the adapter's decision; escaping, Slack's limits, the buttons'
action_ids and
who may act are this module's. What a Dynacase document's card also shows goes through the
shared pieces (`common.state_text`, `parts.py`): the state, the state moves as `ItemAction`s,
the acted note, the 🔒 reason, the link, Share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from dsbot.backends.port import BackendName, DetailField, ItemAction, ItemDetail
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.common import (
    BUTTON_TEXT_MAX,
    CONTEXT_TEXT_MAX,
    HEADER_TEXT_MAX,
    SECTION_TEXT_MAX,
    SlackMessage,
    date_token,
    escape,
    escape_truncate,
    excerpt,
    field,
    make_message,
    mrkdwn,
    plain,
    quote,
    state_text,
    truncate_mrkdwn,
)
from dsbot.slack.presentation.blocks.edits import label_emoji
from dsbot.slack.presentation.blocks.inputs import OPTION_TEXT_MAX
from dsbot.slack.presentation.blocks.modals import ACTION_BY_NAME
from dsbot.slack.presentation.blocks.parts import (
    acted_block,
    action_button,
    cannot_act_block,
    open_button,
    share_button,
)
from dsbot.slack.presentation.html_text import excerpt_mrkdwn
from dsbot.texts import Texts

# Why a viewer may not act (Viewer.reason_key): catalog keys whose text also says how to fix it.
# `{groupe}`, `{number}` and `{demarche}` are available to each of them.
REASON_NOT_LINKED = "card.reason.not_linked"
REASON_NOT_IN_GROUPE = "card.reason.not_in_groupe"
REASON_READ_ONLY = "card.reason.read_only"
REASON_DELETED = "card.reason.deleted"
REASON_UNKNOWN = "card.reason.unknown"

# What ActedNote.action_key names: "<verb> par <@U…> <date>".
ACTED_PASSER_EN_INSTRUCTION = "acted.passer_en_instruction"
ACTED_ACCEPTER = "acted.accepter"
ACTED_REFUSER = "acted.refuser"
ACTED_CLASSER_SANS_SUITE = "acted.classer_sans_suite"
ACTED_REPASSER_EN_INSTRUCTION = "acted.repasser_en_instruction"
ACTED_REPONDRE = "acted.repondre"
ACTED_ARCHIVER = "acted.archiver"
ACTED_SUIVRE = "acted.suivre"
ACTED_NE_PLUS_SUIVRE = "acted.ne_plus_suivre"
ACTED_DEMANDER_CORRECTION = "acted.demander_correction"
ACTED_CHANGER_GROUPE = "acted.changer_groupe"
ACTED_REPASSER_EN_CONSTRUCTION = "acted.repasser_en_construction"
ACTED_DESARCHIVER = "acted.desarchiver"
ACTED_SUPPRIMER_MESSAGE = "acted.supprimer_message"

ACTED_KEY_BY_ACTION: dict[str, str] = {
    ids.ACTION_PASSER_EN_INSTRUCTION: ACTED_PASSER_EN_INSTRUCTION,
    ids.ACTION_ACCEPTER: ACTED_ACCEPTER,
    ids.ACTION_REFUSER: ACTED_REFUSER,
    ids.ACTION_CLASSER_SANS_SUITE: ACTED_CLASSER_SANS_SUITE,
    ids.ACTION_REPASSER_EN_INSTRUCTION: ACTED_REPASSER_EN_INSTRUCTION,
    ids.ACTION_REPONDRE: ACTED_REPONDRE,
    ids.ACTION_ARCHIVER: ACTED_ARCHIVER,
    ids.ACTION_SUIVRE: ACTED_SUIVRE,
    ids.ACTION_NE_PLUS_SUIVRE: ACTED_NE_PLUS_SUIVRE,
    ids.ACTION_DEMANDER_CORRECTION: ACTED_DEMANDER_CORRECTION,
    ids.ACTION_CHANGER_GROUPE: ACTED_CHANGER_GROUPE,
    ids.ACTION_REPASSER_EN_CONSTRUCTION: ACTED_REPASSER_EN_CONSTRUCTION,
    ids.ACTION_DESARCHIVER: ACTED_DESARCHIVER,
    ids.ACTION_SUPPRIMER_MESSAGE: ACTED_SUPPRIMER_MESSAGE,
}

# Buttons a card shows at most, so that it stays readable on a phone; the rest goes into
# the « Plus d'actions… » menu.
MAX_BUTTONS = 5
# A static select rather than an overflow menu: Slack's overflow holds 5 options, the card
# may need 8 (docs/slack.md, "Block Kit limits").
MORE_OPTIONS_MAX = 100

# Pieces of data are cut before they are assembled, so one long value cannot push the others
# out of a field.
_NAME_MAX = 200
_LIST_MAX = 600
_MESSAGE_EXCERPT_MAX = 800


@dataclass(frozen=True)
class Viewer:
    """Who looks at the card: their DS instructeur (if linked) and whether they may act."""

    instructeur_id: str | None
    can_act: bool
    reason_key: str | None = None


@dataclass(frozen=True)
class ActedNote:
    """The last action taken from Slack, shown under the card ("Accepté par <@U…> …").

    `who` is a Slack user id (rendered as a mention) or any other name (rendered as text);
    `action_key` is one of the ACTED_* catalog keys (or the ids.ACTION_* of the button).
    """

    who: str
    action_key: str
    at: datetime


def legal_actions(detail: ItemDetail) -> tuple[str, ...]:
    """The card's action buttons (their action_ids), in the adapter's order: its state moves,
    then its other actions (DS: Archiver once decided, Répondre)."""
    return tuple(ACTION_BY_NAME[a.id] for a in detail.actions)


def build_dossier_card(
    detail: ItemDetail,
    *,
    viewer: Viewer,
    texts: Texts,
    ephemeral: bool = True,
    acted: ActedNote | None = None,
) -> SlackMessage:
    """The card of one dossier (the DS adapter's view of it, `dsbot.slack.presentation.views`),
    with the buttons `viewer` may use on it now."""
    blocks: list[Block] = [
        HeaderBlock(
            block_id=ids.BLOCK_CARD_HEADER,
            text=plain(
                texts("card.header", number=detail.ref, demarche=detail.kind),
                HEADER_TEXT_MAX,
            ),
        ),
        SectionBlock(block_id=ids.BLOCK_CARD_FACTS, fields=_facts(detail, texts)),
        SectionBlock(block_id=ids.BLOCK_CARD_DATES, fields=_dates(detail, texts)),
    ]
    notices = [
        mrkdwn(n.text.replace(DATE_SLOT, date_token(n.at)), CONTEXT_TEXT_MAX)
        for n in detail.notices
    ]
    if notices:
        blocks.append(ContextBlock(block_id=ids.BLOCK_CARD_NOTICES, elements=notices))
    if detail.motivation is not None:
        blocks.append(
            SectionBlock(block_id=ids.BLOCK_CARD_MOTIVATION, text=_motivation(detail, texts))
        )
    last_message = _last_message(detail, texts)
    if last_message is not None:
        blocks.append(SectionBlock(block_id=ids.BLOCK_CARD_LAST_MESSAGE, text=last_message))
    if acted is not None:
        key = ACTED_KEY_BY_ACTION.get(acted.action_key, acted.action_key)
        blocks.append(acted_block(ids.BLOCK_CARD_ACTED, texts, key, who=acted.who, at=acted.at))
    if not viewer.can_act:
        # Reason texts come from several services; each may use any of these placeholders.
        reason = texts(
            viewer.reason_key or REASON_UNKNOWN,
            groupe=escape(detail.groupe),
            number=detail.ref,
            demarche=escape(detail.kind),
        )
        blocks.append(cannot_act_block(ids.BLOCK_CARD_CANNOT_ACT, reason))
    blocks.append(
        ActionsBlock(
            block_id=ids.BLOCK_CARD_ACTIONS,
            elements=_buttons(detail, viewer=viewer, texts=texts, ephemeral=ephemeral),
        )
    )
    fallback = texts(
        "card.fallback",
        number=detail.ref,
        state=detail.state.label,
        demarche=escape(detail.kind),
    )
    return make_message(fallback, blocks)


# --- pieces -------------------------------------------------------------------------------------

# Where a view's template puts a date (`DetailDate.brief`, `DetailNotice.text`).
DATE_SLOT = "{date}"


def _facts(detail: ItemDetail, texts: Texts) -> list[MarkdownTextObject]:
    state = state_text(detail.state)
    if detail.archived:
        state += f" · {texts('card.archived')}"
    fields = [field(texts("card.field.state"), state)]
    fields += [_field(f) for f in detail.fields]
    fields += [
        field(texts("card.field.groupe"), escape_truncate(detail.groupe, _NAME_MAX)),
        field(
            texts("card.field.followers"),
            escape_truncate(", ".join(p.name for p in detail.followers), _LIST_MAX)
            if detail.followers
            else texts("card.followers.none"),
        ),
    ]
    if detail.labels:
        fields.append(
            field(
                texts("card.field.labels"),
                escape_truncate(
                    ", ".join(f"{label_emoji(lb.color)} {lb.name}" for lb in detail.labels),
                    _LIST_MAX,
                ),
            )
        )
    count = detail.message_count
    key = {0: "card.messages.none", 1: "card.messages.one"}.get(count, "card.messages.many")
    fields.append(field(texts("card.field.messages"), texts(key, count=count)))
    return fields


def _field(detail_field: DetailField) -> MarkdownTextObject:
    return field(
        detail_field.label,
        "\n".join(escape_truncate(line, _NAME_MAX) for line in detail_field.lines),
    )


def _dates(detail: ItemDetail, texts: Texts) -> list[MarkdownTextObject]:
    fields: list[MarkdownTextObject] = []
    for d in detail.dates:
        value = date_token(d.at, with_time=d.with_time)
        if d.by:
            value += "\n" + texts("card.by", who=escape_truncate(d.by, _NAME_MAX))
        fields.append(field(d.label, value))
    return fields


def _motivation(detail: ItemDetail, texts: Texts) -> MarkdownTextObject:
    motivation = detail.motivation
    parts = [f"*{texts('card.motivation')}*"]
    if motivation is not None and motivation.text:
        parts.append(quote(excerpt(motivation.text, SECTION_TEXT_MAX - 200, max_lines=30)))
    for filename in motivation.attachments if motivation is not None else ():
        parts.append(
            texts("card.motivation.attachment", filename=escape_truncate(filename, _NAME_MAX))
        )
    return mrkdwn("\n".join(parts))


def _last_message(detail: ItemDetail, texts: Texts) -> MarkdownTextObject | None:
    last = detail.last_message
    if last is None:
        return None
    heading = texts(
        "card.last_message",
        author=escape_truncate(last.author, _NAME_MAX),
        date=date_token(last.at) if last.at is not None else "",
    )
    parts = [heading]
    if last.text.strip():
        parts.append(quote(excerpt_mrkdwn(last.text, _MESSAGE_EXCERPT_MAX)))
    if last.attachments:
        key = "card.attachments.one" if len(last.attachments) == 1 else "card.attachments.many"
        parts.append(texts(key, count=len(last.attachments)))
    return mrkdwn(truncate_mrkdwn("\n".join(parts), SECTION_TEXT_MAX))


def _actions(detail: ItemDetail) -> list[tuple[str, ItemAction]]:
    """(action_id, action) of each action button, as the adapter gives them."""
    return [(ACTION_BY_NAME[a.id], a) for a in detail.actions]


def menu_options(detail: ItemDetail, viewer: Viewer) -> tuple[str, ...]:
    """The menu's options (ids.MORE_*) for this dossier now, in the menu's order."""
    if not viewer.can_act:
        return ()
    options = list(detail.menu)
    # A card in a channel does not know who will pick: any instructeur message may be theirs.
    mine = (
        viewer.instructeur_id in detail.deletable_by
        if viewer.instructeur_id
        else detail.others_messages
    )
    if mine:
        options.append(ids.MORE_SUPPRIMER_MESSAGE)
    return tuple(options)


def _menu_text(option: str, detail: ItemDetail, viewer: Viewer, texts: Texts) -> str:
    if option == ids.MORE_SUIVRE and viewer.instructeur_id:
        follows = any(p.id == viewer.instructeur_id for p in detail.followers)
        return texts("more.ne_plus_suivre" if follows else "more.suivre")
    return texts(f"more.{option}")


def _menu(
    options: list[str], detail: ItemDetail, viewer: Viewer, texts: Texts
) -> StaticSelectElement:
    return StaticSelectElement(
        action_id=ids.ACTION_CARD_MORE,
        placeholder=plain(texts("more.placeholder"), BUTTON_TEXT_MAX),
        options=[
            Option(
                value=ids.encode_more(option, int(detail.ref)),
                text=plain(_menu_text(option, detail, viewer, texts), OPTION_TEXT_MAX),
            )
            for option in options[:MORE_OPTIONS_MAX]
        ],
    )


def _buttons(
    detail: ItemDetail, *, viewer: Viewer, texts: Texts, ephemeral: bool
) -> list[ButtonElement | StaticSelectElement]:
    value = ids.encode_ref(int(detail.ref))
    buttons: list[ButtonElement] = []
    if viewer.can_act:
        buttons += [
            action_button(action, action_id=action_id, value=value)
            for action_id, action in _actions(detail)
        ]
    buttons.append(
        open_button(
            action_id=ids.ACTION_VOIR_DANS_DS,
            label=texts(f"item.button.open.{BackendName.DS.value}"),
            url=detail.url,
            value=value,
        )
    )
    # Sharing shows the dossier to a whole channel: an act of its groupe's instructeurs.
    if ephemeral and viewer.can_act:
        buttons.append(share_button(action_id=ids.ACTION_PARTAGER, value=value, texts=texts))
    options = list(menu_options(detail, viewer))
    if len(buttons) > MAX_BUTTONS:
        # Only Partager can be the sixth (three decisions, Répondre, Voir dans DS before it).
        moved = [b for b in buttons if b.action_id == ids.ACTION_PARTAGER]
        buttons = [b for b in buttons if b.action_id != ids.ACTION_PARTAGER]
        options += [ids.MORE_PARTAGER for _ in moved]
    elements: list[ButtonElement | StaticSelectElement] = list(buttons)
    if options:
        elements.append(_menu(options, detail, viewer, texts))
    return elements
