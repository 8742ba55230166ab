"""Sharing a dossier card in its channel, from the card's button or its menu."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_bolt import Respond
from slack_sdk.errors import SlackApiError

from dsbot.logs import get_logger
from dsbot.notifications.model import ItemRef
from dsbot.slack.presentation.blocks.card import Viewer, build_dossier_card
from dsbot.slack.presentation.blocks.common import SlackMessage
from dsbot.slack.presentation.views import dossier_detail
from dsbot.slack.services import AppServices
from dsbot.store.privacy import remember_post
from dsbot.store.sql import write

log = get_logger(__name__)

# Shown in a channel, the card offers its buttons to everyone; each click is authorised then.
CHANNEL_VIEWER = Viewer(instructeur_id=None, can_act=True, reason_key=None)


def share_card(
    services: AppServices,
    team_id: str,
    channel_id: str,
    user_id: str,
    number: int,
    respond: Respond,
) -> None:
    """Post the card in the channel: an act of an instructeur of the dossier's groupe, checked
    again at the click on a fresh read (the card may be old, the user may have lost access)."""
    t = services.texts
    dossier, access = services.access.open(team_id, user_id, number)
    if not access.allowed:
        log.info("share.refused", dossier=number, user=user_id, reason=access.reason_key)
        reason = t(access.reason_key or "link.reason_no_match", email="?")
        respond(
            text=t("card.share_refused", number=number, reason=reason), response_type="ephemeral"
        )
        return
    card = build_dossier_card(
        dossier_detail(dossier, t, services.settings.ds_web_base),
        viewer=CHANNEL_VIEWER,
        texts=t,
        ephemeral=False,
    )
    post_shared(services, team_id, channel_id, card, user_id, respond, item=ItemRef.ds(number))


def post_shared(
    services: AppServices,
    team_id: str,
    channel_id: str,
    card: SlackMessage,
    user_id: str,
    respond: Respond,
    *,
    item: ItemRef,
) -> None:
    """Post a card to the channel for everyone, with who shared it; the ephemeral original goes
    away, or the person is told why Slack refused (the bot not in the channel, most often)."""
    t = services.texts
    shared_by = {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": t("card.shared_by", user=f"<@{user_id}>")}],
    }
    try:
        posted = services.slack.chat_postMessage(
            channel=channel_id, text=card.text, blocks=[*card.blocks, shared_by]
        )
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        log.info(
            "share.failed", backend=item.backend, ref=item.ref, channel=channel_id, error=error
        )
        key = (
            "card.share_not_in_channel"
            if error in ("not_in_channel", "channel_not_found")
            else "error.slack"
        )
        respond(text=t(key, error=error), response_type="ephemeral")
        return
    remember(
        services, team_id, posted.get("channel") or channel_id, posted.get("ts"), item, "shared"
    )
    respond(delete_original=True)


def remember(
    services: AppServices, team_id: str, channel_id: str, ts: object, item: ItemRef, what: str
) -> None:
    """A message about `item` posted outside the outbox: replaced by a tombstone when the item
    is erased (docs/privacy.md)."""
    if not isinstance(ts, str) or not ts:
        return
    with write(services.store) as db:
        remember_post(db, team_id, channel_id, ts, item, what, datetime.now(UTC))
