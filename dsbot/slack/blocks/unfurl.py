"""The link preview of a dossier (chat.unfurl): compact, and visible to the whole channel.

Only what lets colleagues recognise the dossier: number, démarche, state, groupe, dates and
labels. Never the demandeur, an e-mail, a champ or a message (docs/interface.md, "Who may see
a dossier"): the people who read the channel are not all instructeurs of its groupe.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, SectionBlock

from dsbot.backends.ds.backend import dossier_url
from dsbot.backends.ds.models import Dossier, DossierState
from dsbot.slack import ids
from dsbot.slack.blocks.common import (
    CONTEXT_TEXT_MAX,
    date_token,
    escape,
    escape_truncate,
    field,
    link,
    mrkdwn,
    state_label,
)
from dsbot.texts import Texts

_NAME_MAX = 200
_LIST_MAX = 300


def build_unfurl(dossier: Dossier, texts: Texts, ds_web_base: str) -> dict[str, Any]:
    """One entry of chat.unfurl's `unfurls` map: `{"blocks": [...]}`."""
    t = texts
    title = t(
        "unfurl.title",
        number=dossier.number,
        demarche=escape_truncate(dossier.demarche.title, _NAME_MAX),
    )
    url = dossier_url(ds_web_base, dossier.demarche.number, dossier.number)
    state = state_label(dossier.state, t)
    if dossier.archived:
        state += f" · {t('card.archived')}"
    fields = [
        field(t("card.field.state"), state),
        field(t("card.field.groupe"), escape_truncate(dossier.groupe_instructeur.label, _NAME_MAX)),
    ]
    if dossier.labels:
        names = ", ".join(label.name for label in dossier.labels)
        fields.append(field(t("card.field.labels"), escape_truncate(names, _LIST_MAX)))
    dates = [t("unfurl.depot", date=date_token(dossier.date_depot))]
    if dossier.date_passage_en_instruction and dossier.state is not DossierState.EN_CONSTRUCTION:
        dates.append(t("unfurl.instruction", date=date_token(dossier.date_passage_en_instruction)))
    if dossier.date_traitement and dossier.state.is_termine:
        dates.append(t("unfurl.traitement", date=date_token(dossier.date_traitement)))
    dates.append(link(url, t("unfurl.open")))
    blocks: list[Block] = [
        SectionBlock(block_id=ids.BLOCK_UNFURL_SUMMARY, text=mrkdwn(f"*{title}*"), fields=fields),
        ContextBlock(
            block_id=ids.BLOCK_UNFURL_DATES,
            elements=[mrkdwn(" · ".join(dates), CONTEXT_TEXT_MAX)],
        ),
    ]
    return {"blocks": [block.to_dict() for block in blocks]}


def unfurl_fallback(dossier: Dossier, texts: Texts) -> str:
    """A one-line description of the preview (logs, the demo's terminal)."""
    return texts(
        "card.fallback",
        number=dossier.number,
        state=texts(f"state.{dossier.state.value}"),
        demarche=escape(dossier.demarche.title),
    )
