"""The dossier action modals, shared by the card's buttons, its menu and the message shortcut:
opened at once with the click's trigger_id, sealed for the person (dsbot.slack.interaction),
then filled from a fresh DS read in the job pool."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from dsbot.logs import get_logger
from dsbot.services.actions import ActionKind, ActionOutcome, Status, own_messages
from dsbot.slack import ids
from dsbot.slack.interaction.debounce import ClickDebounce
from dsbot.slack.interaction.outcomes import Audience, explain, refresh_card
from dsbot.slack.interaction.payloads import Click
from dsbot.slack.interaction.views import open_modal, update_view
from dsbot.slack.presentation.blocks.modals import (
    CHOICE_ACTIONS,
    ModalOrigin,
    build_action_modal,
    build_choice_modal,
    build_info_modal,
)
from dsbot.slack.presentation.error_texts import ds_error_text
from dsbot.slack.presentation.html_text import to_plain
from dsbot.slack.services import AppServices
from dsbot.texts import Texts

log = get_logger(__name__)

PARIS = ZoneInfo("Europe/Paris")

KIND_BY_ACTION: dict[str, ActionKind] = {
    ids.ACTION_PASSER_EN_INSTRUCTION: ActionKind.PASSER_EN_INSTRUCTION,
    ids.ACTION_ACCEPTER: ActionKind.ACCEPTER,
    ids.ACTION_REFUSER: ActionKind.REFUSER,
    ids.ACTION_CLASSER_SANS_SUITE: ActionKind.CLASSER_SANS_SUITE,
    ids.ACTION_REPASSER_EN_INSTRUCTION: ActionKind.REPASSER_EN_INSTRUCTION,
    ids.ACTION_REPONDRE: ActionKind.REPONDRE,
    ids.ACTION_ARCHIVER: ActionKind.ARCHIVER,
    ids.ACTION_SUIVRE: ActionKind.SUIVRE,
    ids.ACTION_NE_PLUS_SUIVRE: ActionKind.NE_PLUS_SUIVRE,
    ids.ACTION_DEMANDER_CORRECTION: ActionKind.DEMANDER_CORRECTION,
    ids.ACTION_CHANGER_GROUPE: ActionKind.CHANGER_GROUPE,
    ids.ACTION_REPASSER_EN_CONSTRUCTION: ActionKind.REPASSER_EN_CONSTRUCTION,
    ids.ACTION_DESARCHIVER: ActionKind.DESARCHIVER,
    ids.ACTION_SUPPRIMER_MESSAGE: ActionKind.SUPPRIMER_MESSAGE,
}
ACTION_BY_KIND: dict[ActionKind, str] = {kind: action for action, kind in KIND_BY_ACTION.items()}


def origin_of_click(click: Click, key: str) -> ModalOrigin:
    """Where the clicked card lives, so the submission can refresh it."""
    return ModalOrigin(
        number=click.number,
        action_id=click.action_id,
        key=key,
        channel_id=click.channel_id,
        # An ephemeral message cannot be chat.update'd: its response_url replaces it.
        message_ts=None if click.is_ephemeral else click.message_ts,
        response_url=click.response_url,
    )


def open_action_modal(
    services: AppServices,
    click: Click,
    team_id: str,
    user_id: str,
    clicks: ClickDebounce,
    respond: Callable[..., Any],
) -> None:
    """Open the modal of `click.action_id` at once, then read DS in the job pool."""
    t = services.texts
    action_id, number = click.action_id, click.number
    if not clicks.first(team_id, user_id, action_id, str(number)):
        log.info("click.duplicate", action=action_id, dossier=number)
        return
    origin = origin_of_click(click, key=new_key())
    try:
        opened = open_modal(
            services, click.trigger_id, build_action_modal(origin, t), team_id, user_id
        )
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        log.info("modal.open_failed", dossier=number, error=error)
        # No modal opened: the user's next click must open one.
        clicks.forget(team_id, user_id, action_id, str(number))
        respond(
            text=t("action.modal_failed", error=error),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    view = opened["view"]
    audience = Audience(team_id, user_id, origin)

    def on_error(exc: BaseException) -> None:
        message = ds_error_text(exc, t, number=number) if isinstance(exc, Exception) else ""
        update_view(services, view["id"], build_info_modal(origin, t, message), team_id, user_id)

    services.jobs.submit(prepare_modal, services, audience, view["id"], on_error=on_error)


def new_key() -> str:
    """A fresh idempotency key, carried by the modal to its submission."""
    return uuid.uuid4().hex


def prepare_modal(services: AppServices, audience: Audience, view_id: str) -> None:
    """Read the dossier once the modal is open; explain in it if the action cannot go ahead."""
    t, origin = services.texts, audience.origin
    kind = KIND_BY_ACTION[origin.action_id]
    outcome = services.actions.preview(audience.team_id, audience.user_id, origin.number, kind)
    if outcome.status is Status.READY:
        if origin.action_id in CHOICE_ACTIONS:
            view = choice_modal(services, origin, outcome)
            update_view(services, view_id, view, audience.team_id, audience.user_id)
        return
    if outcome.status is Status.NEEDS_INSTRUCTION:
        view = build_action_modal(replace(origin, instruction_first=True), t)
    else:
        message = explain(outcome, origin.action_id, t, before=True) or ""
        if outcome.status is Status.NOT_ALLOWED and refresh_card(services, audience, outcome):
            message = f"{message} {t('action.card_refreshed')}"
        view = build_info_modal(origin, t, message)
    update_view(services, view_id, view, audience.team_id, audience.user_id)


def choice_modal(services: AppServices, origin: ModalOrigin, outcome: ActionOutcome) -> Any:
    """The modal with what DS offers now: the open groupes, or the caller's own messages."""
    t, dossier, access = services.texts, outcome.dossier, outcome.access
    assert dossier is not None and access is not None and access.instructeur_id is not None
    if origin.action_id == ids.ACTION_CHANGER_GROUPE:
        groupes = services.actions.open_groupes(dossier)
        choices = [(g.id, g.label) for g in groupes]
        empty = "modal.groupe.none"
    else:
        messages = sorted(
            own_messages(dossier, access.instructeur_id), key=lambda m: m.created_at, reverse=True
        )
        choices = [(m.id, message_choice_text(m, t)) for m in messages]
        empty = "modal.message_choice.none"
    if not choices:
        return build_info_modal(origin, t, t(empty, number=origin.number))
    return build_choice_modal(origin, t, choices)


class ChoiceMessage(Protocol):
    """What an option shows of a message of the dossier's messagerie (DS's `Message` is one)."""

    @property
    def body(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


def message_choice_text(message: ChoiceMessage, texts: Texts) -> str:
    """A message as a select option: when, and how it begins (plain text, Paris time)."""
    when = message.created_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    body = " ".join(to_plain(message.body).split()) or texts("modal.message_choice.no_text")
    return f"{when} · {body}"
