"""What the user sees after an action: the card refreshed in place, a note in the dossier's
notification threads, or an ephemeral explanation of what happened and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from dsbot.backends.port import BackendName
from dsbot.logs import get_logger
from dsbot.notifications.model import ItemRef
from dsbot.services.actions import (
    ActionKind,
    ActionOutcome,
    AttachmentError,
    Plan,
    Status,
    plan_for,
)
from dsbot.slack.interaction.sharing import remember
from dsbot.slack.presentation.blocks.card import (
    ACTED_KEY_BY_ACTION,
    ACTED_PASSER_EN_INSTRUCTION,
    REASON_NOT_IN_GROUPE,
    REASON_UNKNOWN,
    ActedNote,
    Viewer,
    build_dossier_card,
)
from dsbot.slack.presentation.blocks.common import date_token, escape, mention
from dsbot.slack.presentation.blocks.modals import NAME_BY_ACTION, ModalOrigin
from dsbot.slack.presentation.error_texts import ds_error_text
from dsbot.slack.presentation.views import dossier_detail, reached_by
from dsbot.slack.services import AppServices
from dsbot.store.threads import dossier_threads
from dsbot.texts import Texts

log = get_logger(__name__)

# A card in a channel offers its buttons to everyone: each click is authorized when submitted.
CHANNEL_VIEWER = Viewer(instructeur_id=None, can_act=True, reason_key=None)


@dataclass(frozen=True)
class Audience:
    """Who acted, and from which card."""

    team_id: str
    user_id: str
    origin: ModalOrigin


# Reasons of the access check shown with the card's wording, which names the groupe and says
# what to do.
REASON_KEYS = {"access.reason_not_in_groupe": REASON_NOT_IN_GROUPE}

# --- texts ------------------------------------------------------------------------------------


def action_label(action_id: str, texts: Texts) -> str:
    """The button's words ("Accepter"...), to name the action in a sentence."""
    return texts(f"button.{NAME_BY_ACTION[action_id]}")


def error_text(exc: BaseException, texts: Texts, number: int) -> str:
    if isinstance(exc, AttachmentError):
        # File names are the user's data: inert in mrkdwn.
        params = {k: escape(v) if isinstance(v, str) else v for k, v in exc.params.items()}
        return texts(exc.key, **params)
    if isinstance(exc, Exception):
        return ds_error_text(exc, texts, number=number)
    return texts("error.unexpected")


def state_text(state: str, archived: bool, texts: Texts) -> str:
    """The state's name, and whether the dossier is archived."""
    text = texts(f"state.{state}")
    if archived:
        text += f" · {texts('card.archived')}"
    return text


def by_text(dossier: Any, texts: Texts) -> str:
    """The " (par agent, date)" of whoever put the dossier (DS's) in its current state."""
    who = reached_by(BackendName.DS, dossier)
    if who is None:
        return ""
    agent, at = who
    return texts("action.by", who=escape(agent), at=date_token(at))


def explain(
    outcome: ActionOutcome, action_id: str, texts: Texts, *, before: bool = False
) -> str | None:
    """Why nothing (or not everything) was done, with what to do; None when all went well.

    `before`: said when the modal opens, before anything was attempted.
    """
    t, number, dossier = texts, outcome.number, outcome.dossier
    if outcome.status is Status.BUSY:
        return t("action.busy", number=number)
    if outcome.status is Status.REFUSED and outcome.error is not None:
        # Not for this person: the same words whether the dossier exists or not.
        return error_text(outcome.error, t, number)
    if outcome.status is Status.REFUSED:
        reason_key = (outcome.access.reason_key if outcome.access else None) or REASON_UNKNOWN
        reason_key = REASON_KEYS.get(reason_key, reason_key)
        groupe = escape(dossier.groupe_instructeur.label) if dossier else ""
        key = "action.cannot_act" if before else "action.refused"
        return t(key, number=number, reason=t(reason_key, groupe=groupe))
    if (
        outcome.status is Status.NOT_ALLOWED
        and dossier is not None
        and plan_for(outcome.kind, dossier.state, archived=dossier.archived) is Plan.GO
    ):
        # The state allows it: what was picked (a groupe, a message) is no longer offered.
        return t("action.choice_not_allowed", number=number, action=action_label(action_id, t))
    if outcome.status is Status.NOT_ALLOWED and dossier is not None:
        return t(
            "action.not_possible" if before else "action.not_allowed",
            number=number,
            action=action_label(action_id, t),
            state=state_text(dossier.state.value, dossier.archived, t),
            by=by_text(dossier, t),
        )
    if outcome.status is Status.NEEDS_INSTRUCTION:
        return t("action.needs_instruction", number=number)
    if outcome.status is Status.FAILED and outcome.uncertain:
        return t("action.uncertain", number=number, action=action_label(action_id, t))
    if outcome.status is Status.FAILED and outcome.error is not None:
        error = error_text(outcome.error, t, number)
        if outcome.passed_en_instruction:
            return t(
                "action.failed_after_instruction",
                number=number,
                action=action_label(action_id, t),
                error=error,
            )
        return t("action.failed", number=number, action=action_label(action_id, t), error=error)
    return None


# --- delivery --------------------------------------------------------------------------------


def post_response(url: str, **message: Any) -> bool:
    """POST to a response_url (30 minutes, 5 uses); False when Slack refused or was unreachable."""
    try:
        response = WebhookClient(url).send(**message)
    except OSError as exc:
        log.info("response_url.unreachable", error=type(exc).__name__)
        return False
    if response.status_code != 200:
        log.info("response_url.refused", http_status=response.status_code)
    return response.status_code == 200


def tell(services: AppServices, audience: Audience, text: str) -> None:
    """An ephemeral message to the user, next to the card they used."""
    origin = audience.origin
    if origin.response_url and post_response(
        origin.response_url, text=text, response_type="ephemeral", replace_original=False
    ):
        return
    try:
        if origin.channel_id:
            services.slack.chat_postEphemeral(
                channel=origin.channel_id, user=audience.user_id, text=text
            )
            return
    except SlackApiError as exc:
        log.info("ephemeral.failed", channel=origin.channel_id, error=exc.response.get("error"))
    # No card context left (expired response_url, channel gone): a direct message still arrives.
    services.slack.chat_postMessage(channel=audience.user_id, text=text)


def refresh_card(
    services: AppServices,
    audience: Audience,
    outcome: ActionOutcome,
    acted: ActedNote | None = None,
) -> bool:
    """Re-render the card the user clicked with the dossier's current state. False if it could
    not be (no fresh read, message gone, response_url expired)."""
    dossier, origin = outcome.dossier, audience.origin
    if dossier is None:
        return False
    ephemeral = origin.message_ts is None and origin.response_url is not None
    viewer = CHANNEL_VIEWER
    if ephemeral and outcome.access is not None:
        access = outcome.access
        if not access.visible:
            # The user lost access meanwhile: their copy of the card is not refreshed with content.
            return False
        viewer = Viewer(access.instructeur_id, access.allowed, access.reason_key)
    card = build_dossier_card(
        dossier_detail(dossier, services.texts, services.settings.ds_web_base),
        viewer=viewer,
        texts=services.texts,
        ephemeral=ephemeral,
        acted=acted,
    )
    try:
        if origin.channel_id and origin.message_ts:
            services.slack.chat_update(
                channel=origin.channel_id, ts=origin.message_ts, text=card.text, blocks=card.blocks
            )
            return True
        if origin.response_url:
            return post_response(
                origin.response_url,
                text=card.text,
                blocks=card.blocks,
                response_type="ephemeral",
                replace_original=True,
            )
    except SlackApiError as exc:
        log.info("card.refresh_failed", dossier=dossier.number, error=exc.response.get("error"))
    return False


def notification_threads(services: AppServices, team_id: str, number: int) -> list[tuple[str, str]]:
    """(channel, ts) of the dossier's notification messages."""
    with services.store.connect() as db:
        return dossier_threads(db, team_id, number)


def note_in_threads(services: AppServices, audience: Audience, number: int, note: str) -> None:
    for channel, ts in notification_threads(services, audience.team_id, number):
        try:
            posted = services.slack.chat_postMessage(channel=channel, thread_ts=ts, text=note)
        except SlackApiError as exc:
            log.info("thread_note.failed", channel=channel, error=exc.response.get("error"))
            continue
        item = ItemRef.ds(number)
        remember(services, audience.team_id, channel, posted.get("ts"), item, "action")


def acted_text(note: ActedNote, texts: Texts) -> str:
    return texts(note.action_key, who=mention(note.who), at=date_token(note.at))


# --- the whole answer ------------------------------------------------------------------------


def present_outcome(services: AppServices, audience: Audience, outcome: ActionOutcome) -> None:
    """Show the user (and the channel) what `perform` did."""
    t, origin = services.texts, audience.origin
    status, number = outcome.status, outcome.number
    if status is Status.DUPLICATE:
        # The first submission answers; a second answer would only confuse.
        return
    if outcome.changed:
        action_key = (
            ACTED_KEY_BY_ACTION[origin.action_id]
            if status is Status.DONE
            else ACTED_PASSER_EN_INSTRUCTION
        )
        note = ActedNote(audience.user_id, action_key, outcome.at or datetime.now(UTC))
        refreshed = refresh_card(services, audience, outcome, note)
        note_in_threads(services, audience, outcome.number, acted_text(note, t))
        if status is Status.DONE:
            if not refreshed:
                tell(services, audience, t("action.done", note=acted_text(note, t)))
            if _lost_the_dossier(outcome):
                assert outcome.dossier is not None
                groupe = escape(outcome.dossier.groupe_instructeur.label)
                tell(services, audience, t("action.groupe_lost", number=number, groupe=groupe))
            return
    message = explain(outcome, origin.action_id, t)
    if status is Status.NOT_ALLOWED and refresh_card(services, audience, outcome):
        message = f"{message} {t('action.card_refreshed')}"
    if message:
        tell(services, audience, message)


def _lost_the_dossier(outcome: ActionOutcome) -> bool:
    """The user moved the dossier to a groupe they are not in: say so, they lost it."""
    return (
        outcome.kind is ActionKind.CHANGER_GROUPE
        and outcome.dossier is not None
        and outcome.access is not None
        and not outcome.access.allowed
    )


def present_unexpected(services: AppServices, audience: Audience, exc: BaseException) -> None:
    """A bug or an unforeseen failure: never silent, and no claim about DS's state."""
    number = audience.origin.number
    tell(services, audience, services.texts("action.error_unexpected", number=number))
    log.error("action.unexpected_error", dossier=number, error=type(exc).__name__)
