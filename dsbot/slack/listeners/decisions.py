"""The buttons that act on a dossier, and the modals they open.

A click opens its modal at once, with the click's fresh trigger_id and before any DS call
(Slack's trigger expires in 3 seconds); a job then reads the dossier and, if the user cannot
act or the dossier moved on, turns the modal into an explanation with views.update.

A submission is checked inline (required motivation, file size and type), acknowledged, and the
action runs in the job pool: `ActionService.perform` re-authorizes on a fresh read, then the
outcome is shown on the card and to the user.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError

from dsbot.backends.ds.models import Message
from dsbot.services.actions import (
    ActionKind,
    ActionOutcome,
    ActionRequest,
    CorrectionReason,
    Status,
    own_messages,
)
from dsbot.slack import ids
from dsbot.slack.blocks.modals import (
    ACTION_BY_CALLBACK,
    CHOICE_ACTIONS,
    ModalOrigin,
    build_action_modal,
    build_choice_modal,
    build_error_modal,
    build_info_modal,
)
from dsbot.slack.error_texts import ds_error_text
from dsbot.slack.files import SlackAttachment, SlackFileFetcher
from dsbot.slack.forms import read_form, validate
from dsbot.slack.middleware import SERVICES_KEY, actor
from dsbot.slack.outcomes import (
    Audience,
    explain,
    present_outcome,
    present_unexpected,
    refresh_card,
)
from dsbot.slack.payloads import Click, PayloadError, reply_url
from dsbot.slack.seal import Seal, seal_for
from dsbot.slack.services import AppServices
from dsbot.texts import Texts

log = logging.getLogger(__name__)

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

# Two clicks of one user on one button within this many seconds open one modal.
DOUBLE_CLICK_SECONDS = 2.0


class ClickDebounce:
    """Remembers recent clicks so that a double click opens a single modal."""

    def __init__(
        self, window: float = DOUBLE_CLICK_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self.clock = clock
        self._seen: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def first(self, *key: str) -> bool:
        now = self.clock()
        with self._lock:
            self._seen = {k: at for k, at in self._seen.items() if now - at < self.window}
            if key in self._seen:
                return False
            self._seen[key] = now
            return True

    def forget(self, *key: str) -> None:
        """The modal was submitted: the next click on the button is a new one."""
        with self._lock:
            self._seen.pop(key, None)


def register(app: App) -> None:
    # One memory of clicks per app: two apps in one process (tests) do not share it.
    clicks = ClickDebounce()

    def on_click(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        handle_click(ack, body, respond, context, clicks)

    def on_submit(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        handle_submit(ack, view, context, clicks)

    for action_id in ids.DOSSIER_ACTIONS:
        app.action(action_id)(on_click)
    for callback_id in ACTION_BY_CALLBACK:
        app.view(callback_id)(on_submit)


# --- payloads ---------------------------------------------------------------------------------


def api_base(services: AppServices) -> str | None:
    """The Slack API the bot talks to: its origin is Slack's too (the fake, in tests)."""
    base = getattr(services.slack, "base_url", None)
    return base if isinstance(base, str) else None


def seal(services: AppServices) -> Seal:
    return seal_for(services.settings.slack_bot_token or "")


def sealed(services: AppServices, view: Any) -> Any:
    """The view with its private_metadata sealed (dsbot.slack.seal)."""
    if getattr(view, "private_metadata", None):
        view.private_metadata = seal(services).close(view.private_metadata)
    return view


def refuse_payload(services: AppServices, body: Any, respond: Respond, error: Exception) -> None:
    """A malformed click: say so to the user when the payload has Slack's response_url."""
    log.warning("interaction refused: %s", error)
    try:
        if reply_url(body, api_base(services)) is None:
            return
    except PayloadError:
        return
    respond(text=services.texts("error.bad_payload"), response_type="ephemeral")


# --- click → modal ------------------------------------------------------------------------------


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


def handle_click(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext, clicks: ClickDebounce
) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    try:
        click = Click.from_body(body, api_base(services))
    except PayloadError as exc:
        refuse_payload(services, body, respond, exc)
        return
    team_id, user_id = actor(context)
    open_action_modal(services, click, team_id, user_id, clicks, respond)


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
        log.info("double click on %s for dossier %s ignored", action_id, number)
        return
    origin = origin_of_click(click, key=new_key())
    try:
        opened = services.slack.views_open(
            trigger_id=click.trigger_id, view=sealed(services, build_action_modal(origin, t))
        )
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        log.info("views.open for dossier %s failed: %s", number, error)
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
        update_view(services, view["id"], build_info_modal(origin, t, message))

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
            update_view(services, view_id, choice_modal(services, origin, outcome))
        return
    if outcome.status is Status.NEEDS_INSTRUCTION:
        view = build_action_modal(replace(origin, instruction_first=True), t)
    else:
        message = explain(outcome, origin.action_id, t, before=True) or ""
        if outcome.status is Status.NOT_ALLOWED and refresh_card(services, audience, outcome):
            message = f"{message} {t('action.card_refreshed')}"
        view = build_info_modal(origin, t, message)
    update_view(services, view_id, view)


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


def message_choice_text(message: Message, texts: Texts) -> str:
    """A message as a select option: when, and how it begins (plain text, Paris time)."""
    when = message.created_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    body = " ".join(message.body.split()) or texts("modal.message_choice.no_text")
    return f"{when} · {body}"


def update_view(services: AppServices, view_id: str, view: Any) -> None:
    try:
        services.slack.views_update(view_id=view_id, view=sealed(services, view))
    except SlackApiError as exc:
        # The user may have submitted or closed the modal meanwhile: the submission re-checks.
        log.info("views.update of %s failed: %s", view_id, exc.response.get("error"))


# --- submission → action ------------------------------------------------------------------------


def handle_submit(
    ack: Ack, view: dict[str, Any], context: BoltContext, clicks: ClickDebounce
) -> None:
    services: AppServices = context[SERVICES_KEY]
    t = services.texts
    try:
        origin = ModalOrigin.decode(seal(services).open(view.get("private_metadata")))
        if origin.callback_id != view.get("callback_id"):
            raise ValueError(f"{view.get('callback_id')} carries another modal's origin")
    except ValueError as exc:
        # Forged or broken: nothing is done, and the user is told so in the modal.
        log.warning("submission refused: %s", exc)
        ack(response_action="update", view=build_error_modal(t, t("error.bad_payload")))
        return
    state = view.get("state")
    form = read_form(state.get("values") if isinstance(state, dict) else None, origin)
    errors = validate(form, origin, t)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    team_id, user_id = actor(context)
    clicks.forget(team_id, user_id, origin.action_id, str(origin.number))
    kind = KIND_BY_ACTION[origin.action_id]
    attachment = None
    if form.file is not None:
        attachment = SlackAttachment(form.file, SlackFileFetcher(services.slack))
    request = ActionRequest(
        team_id=team_id,
        user_id=user_id,
        number=origin.number,
        kind=kind,
        # One key per modal: a double submit of the same modal runs the action once.
        key=f"view:{origin.key}:{kind.value}:{origin.number}",
        text=form.text,
        attachment=attachment,
        disable_notification=form.disable_notification and kind.can_silence,
        instruction_first=form.instruction_first,
        # validate() only lets a known reason through.
        correction=CorrectionReason(form.choice)
        if kind is ActionKind.DEMANDER_CORRECTION and form.choice
        else None,
        groupe_id=form.choice if kind is ActionKind.CHANGER_GROUPE else None,
        message_id=form.choice if kind is ActionKind.SUPPRIMER_MESSAGE else None,
    )
    audience = Audience(team_id, user_id, origin)
    services.jobs.submit(
        run_action,
        services,
        audience,
        request,
        on_error=lambda exc: present_unexpected(services, audience, exc),
    )


def run_action(services: AppServices, audience: Audience, request: ActionRequest) -> None:
    outcome = services.actions.perform(request)
    present_outcome(services, audience, outcome)
