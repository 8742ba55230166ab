"""The renderers of the built-in outbox kinds: pure functions of the row (its payload), what
the engine prepared for it, and the context (texts, DS's web address). None reads a backend.
"""

from __future__ import annotations

from dataclasses import replace

from slack_sdk.models.blocks import SectionBlock

from dsbot.backends.port import ItemDetail
from dsbot.notifications.delivery.prepare import DossierCard, GoneCard, ItemCard, Mentions
from dsbot.notifications.model import Digest, ItemStateChanged, MessageReceived, PersonalPayload
from dsbot.slack.presentation.blocks import events
from dsbot.slack.presentation.blocks.card import Viewer, build_dossier_card
from dsbot.slack.presentation.blocks.common import SlackMessage, make_message, mrkdwn
from dsbot.slack.presentation.blocks.item import ItemViewer, build_item_card
from dsbot.slack.presentation.blocks.personal import build_personal_message
from dsbot.slack.presentation.views import dossier_detail, dossier_url
from dsbot.slack.rendering.context import RenderContext
from dsbot.slack.rendering.digest import render_digest
from dsbot.store.notifications import (
    AlertPayload,
    ErasePayload,
    OutboxRow,
    SummaryPayload,
    ThreadPayload,
)

# Channel cards are seen by everyone: the buttons are shown and each click is authorized then.
CHANNEL_VIEWER = Viewer(instructeur_id=None, can_act=True)


def render_parent(row: OutboxRow, prepared: object, context: RenderContext) -> SlackMessage:
    """The card: a dossier's, another backend's item's, or one saying it is gone."""
    texts = context.texts
    if isinstance(prepared, DossierCard):
        detail = dossier_detail(prepared.dossier, texts, context.ds_web_base)
        return build_dossier_card(
            without_personal_data(detail) if context.minimal else detail,
            viewer=CHANNEL_VIEWER,
            texts=texts,
            ephemeral=False,
        )
    if isinstance(prepared, ItemCard):
        return build_item_card(
            prepared.item,
            prepared.actions,
            viewer=ItemViewer(can_act=True),
            texts=texts,
            ephemeral=False,
        )
    assert isinstance(prepared, GoneCard)
    number = prepared.item.ds_number
    if number is not None:
        return events.build_gone_card(number, texts)
    text = texts("notify.item.card_gone")
    return make_message(text, [SectionBlock(text=mrkdwn(text))])


def without_personal_data(detail: ItemDetail) -> ItemDetail:
    """A card for a channel broader than the groupe (DSBOT_CHANNEL_DETAIL=minimal): number,
    démarche, groupe, state and dates, without the demandeur or what people wrote."""
    return replace(
        detail,
        fields=tuple(f for f in detail.fields if not f.personal),
        motivation=None,
        last_message=None,
    )


def render_thread(row: OutboxRow, prepared: object, context: RenderContext) -> SlackMessage:
    """One event in the card's thread; `prepared` says who is who (Mentions)."""
    payload = row.payload
    assert isinstance(payload, ThreadPayload) and row.item is not None
    assert isinstance(prepared, Mentions)
    if isinstance(payload.change, ItemStateChanged):
        return events.build_item_change_message(
            payload.change, title=payload.change.title, texts=context.texts
        )
    number = row.item.ds_number
    assert number is not None
    change = payload.change
    if context.minimal and isinstance(change, MessageReceived):
        change = replace(change, email=None, body=None, attachments=())
    url = dossier_url(context.ds_web_base, payload.demarche, number) if payload.demarche else None
    return events.build_change_message(
        change, dossier_number=number, texts=context.texts, url=url, mention=prepared.of
    )


def render_summary(row: OutboxRow, prepared: object, context: RenderContext) -> SlackMessage:
    assert isinstance(row.payload, SummaryPayload)
    return events.build_outbox_summary(row.payload, context.texts)


def render_personal(row: OutboxRow, prepared: object, context: RenderContext) -> SlackMessage:
    """A person's direct message: the events of the dossiers they follow, each with its
    card's button; nothing read beforehand."""
    assert isinstance(row.payload, PersonalPayload)
    return build_personal_message(row.payload, context.texts)


def render_alert(row: OutboxRow, prepared: object, context: RenderContext) -> SlackMessage:
    assert isinstance(row.payload, AlertPayload)
    return events.build_alert(row.payload, context.texts)


def render_digest_row(row: OutboxRow, prepared: object, context: RenderContext) -> SlackMessage:
    """A channel's digest; its lines link to the channel's cards (the store's, and Slack's
    permalinks), not to a backend."""
    assert isinstance(row.payload, Digest) and context.store is not None
    return render_digest(
        context.store,
        context.client,
        context.texts,
        context.ds_web_base,
        row.team_id,
        row.channel_id,
        row.payload,
    )


def render_erase(row: OutboxRow, prepared: object, context: RenderContext) -> SlackMessage:
    """The tombstone that replaces a message about an erased item: its number and why, nothing
    else (no name, no link, no button)."""
    assert isinstance(row.payload, ErasePayload) and row.item is not None
    text = context.texts(f"privacy.tombstone.{row.payload.reason}", number=row.item.ref)
    return make_message(text, [SectionBlock(text=mrkdwn(text))])
