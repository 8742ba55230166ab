"""The link preview of a dossier (chat.unfurl): compact, and visible to the whole channel.

Only what lets colleagues recognise the dossier: number, démarche, state, groupe, dates and
labels. Never the demandeur, an e-mail, a champ or a message (docs/interface.md, "Who may see
a dossier"): the people who read the channel are not all instructeurs of its groupe.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, SectionBlock

from dsbot.backends.port import ItemDetail
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.common import (
    CONTEXT_TEXT_MAX,
    date_token,
    escape,
    escape_truncate,
    field,
    link,
    mrkdwn,
    state_text,
)
from dsbot.texts import Texts

_NAME_MAX = 200
_LIST_MAX = 300
# Where a date's brief puts the date (`DetailDate.brief`).
_DATE_SLOT = "{date}"


def build_unfurl(detail: ItemDetail, texts: Texts) -> dict[str, Any]:
    """One entry of chat.unfurl's `unfurls` map: `{"blocks": [...]}`. `detail` is the DS
    adapter's view of the dossier; its personal fields are never shown here."""
    t = texts
    title = t(
        "unfurl.title",
        number=detail.ref,
        demarche=escape_truncate(detail.kind, _NAME_MAX),
    )
    state = state_text(detail.state)
    if detail.archived:
        state += f" · {t('card.archived')}"
    fields = [
        field(t("card.field.state"), state),
        field(t("card.field.groupe"), escape_truncate(detail.groupe, _NAME_MAX)),
    ]
    if detail.labels:
        names = ", ".join(label.name for label in detail.labels)
        fields.append(field(t("card.field.labels"), escape_truncate(names, _LIST_MAX)))
    dates = [d.brief.replace(_DATE_SLOT, date_token(d.at)) for d in detail.dates if d.brief]
    dates.append(link(detail.url, t("unfurl.open")))
    blocks: list[Block] = [
        SectionBlock(block_id=ids.BLOCK_UNFURL_SUMMARY, text=mrkdwn(f"*{title}*"), fields=fields),
        ContextBlock(
            block_id=ids.BLOCK_UNFURL_DATES,
            elements=[mrkdwn(" · ".join(dates), CONTEXT_TEXT_MAX)],
        ),
    ]
    return {"blocks": [block.to_dict() for block in blocks]}


def unfurl_fallback(detail: ItemDetail, texts: Texts) -> str:
    """A one-line description of the preview (logs, the demo's terminal)."""
    return texts(
        "card.fallback",
        number=detail.ref,
        state=detail.state.label,
        demarche=escape(detail.kind),
    )
