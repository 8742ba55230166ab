"""A personal notification: the events of the dossiers one person follows, in their direct
messages. One section per dossier (its events, one line each, as in a card's thread) with a
button that opens its card in the same conversation (the App Home's `Ouvrir`)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ButtonElement, ContextBlock, SectionBlock

from dsbot.notifications.model import PersonalEvent, PersonalPayload
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.common import (
    BUTTON_TEXT_MAX,
    SlackMessage,
    escape_truncate,
    make_message,
    mrkdwn,
    plain,
)
from dsbot.slack.presentation.blocks.events import build_change_message
from dsbot.texts import Texts

# A message holds 50 blocks: the intro, this many dossiers, and a line for the rest.
MAX_DOSSIERS = 45
_TITLE_MAX = 120


def build_personal_message(payload: PersonalPayload, texts: Texts) -> SlackMessage:
    by_dossier: dict[int, list[PersonalEvent]] = {}
    for event in payload.events:
        by_dossier.setdefault(event.number, []).append(event)
    intro = texts("personal.daily" if payload.daily else "personal.intro")
    blocks: list[Block] = [SectionBlock(block_id="personal_intro", text=mrkdwn(intro))]
    fallback = [intro]
    for number, events in list(by_dossier.items())[:MAX_DOSSIERS]:
        lines = [_line(e, texts) for e in events]
        title = texts("personal.dossier", number=number)
        demarche = events[0].demarche_title
        if demarche:
            title += f" · {escape_truncate(demarche, _TITLE_MAX)}"
        blocks.append(
            SectionBlock(
                block_id=f"personal_{number}",
                text=mrkdwn("\n".join([title, *lines])),
                accessory=ButtonElement(
                    action_id=ids.ACTION_HOME_OPEN,
                    text=plain(texts("personal.open"), BUTTON_TEXT_MAX),
                    value=ids.encode_ref(number),
                ),
            )
        )
        fallback.extend(lines)
    left = len(by_dossier) - MAX_DOSSIERS
    if left > 0:
        blocks.append(
            ContextBlock(
                block_id="personal_more", elements=[mrkdwn(texts("personal.more", count=left))]
            )
        )
    return make_message("\n".join(fallback), blocks)


def _line(event: PersonalEvent, texts: Texts) -> str:
    """The event's line, as the card's thread shows it (without the excerpt)."""
    message = build_change_message(event.change, dossier_number=event.number, texts=texts)
    return str(message.blocks[0]["text"]["text"])
