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

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError

from dsbot.services.actions import ActionKind, ActionRequest, Status
from dsbot.slack import ids
from dsbot.slack.blocks.modals import (
    ACTION_BY_CALLBACK,
    ModalOrigin,
    build_action_modal,
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
from dsbot.slack.services import AppServices

log = logging.getLogger(__name__)

KIND_BY_ACTION: dict[str, ActionKind] = {
    ids.ACTION_PASSER_EN_INSTRUCTION: ActionKind.PASSER_EN_INSTRUCTION,
    ids.ACTION_ACCEPTER: ActionKind.ACCEPTER,
    ids.ACTION_REFUSER: ActionKind.REFUSER,
    ids.ACTION_CLASSER_SANS_SUITE: ActionKind.CLASSER_SANS_SUITE,
    ids.ACTION_REPASSER_EN_INSTRUCTION: ActionKind.REPASSER_EN_INSTRUCTION,
    ids.ACTION_REPONDRE: ActionKind.REPONDRE,
    ids.ACTION_ARCHIVER: ActionKind.ARCHIVER,
}

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


# --- click → modal ------------------------------------------------------------------------------


def origin_of_click(body: dict[str, Any], action_id: str, number: int, key: str) -> ModalOrigin:
    """Where the clicked card lives, so the submission can refresh it."""
    container = body.get("container") or {}
    channel_id = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ephemeral = bool(container.get("is_ephemeral"))
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return ModalOrigin(
        number=number,
        action_id=action_id,
        key=key,
        channel_id=channel_id,
        # An ephemeral message cannot be chat.update'd: its response_url replaces it.
        message_ts=None if ephemeral else message_ts,
        response_url=body.get("response_url"),
    )


def handle_click(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext, clicks: ClickDebounce
) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    t = services.texts
    action = (body.get("actions") or [{}])[0]
    action_id = action.get("action_id", "")
    try:
        number = ids.decode_ref(action.get("value"))
    except ValueError:
        log.warning("click on %s with a value that is not ours", action_id)
        return
    team_id, user_id = actor(context)
    if not clicks.first(team_id, user_id, action_id, str(number)):
        log.info("double click on %s for dossier %s ignored", action_id, number)
        return
    origin = origin_of_click(body, action_id, number, key=new_key())
    try:
        opened = services.slack.views_open(
            trigger_id=body.get("trigger_id", ""), view=build_action_modal(origin, t)
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
        return
    if outcome.status is Status.NEEDS_INSTRUCTION:
        view = build_action_modal(replace(origin, instruction_first=True), t)
    else:
        message = explain(outcome, origin.action_id, t, before=True) or ""
        if outcome.status is Status.NOT_ALLOWED and refresh_card(services, audience, outcome):
            message = f"{message} {t('action.card_refreshed')}"
        view = build_info_modal(origin, t, message)
    update_view(services, view_id, view)


def update_view(services: AppServices, view_id: str, view: Any) -> None:
    try:
        services.slack.views_update(view_id=view_id, view=view)
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
        origin = ModalOrigin.decode(view.get("private_metadata"))
    except ValueError:
        log.warning("submission of %s without a valid origin", view.get("callback_id"))
        ack()
        return
    if origin.callback_id != view.get("callback_id"):
        log.warning("submission of %s carries the origin of %s", view.get("callback_id"), origin)
        ack()
        return
    form = read_form((view.get("state") or {}).get("values") or {}, origin)
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
