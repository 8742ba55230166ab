"""The buttons that act on a dossier, and the submission of the modals they open.

A click opens its modal at once (dsbot.slack.interaction.dossier_modals), with the click's fresh
trigger_id and before any DS call (Slack's trigger expires in 3 seconds); a job then reads the
dossier and,
if the user cannot act or the dossier moved on, turns the modal into an explanation.

A submission is checked inline (its seal, bound to the person; required motivation, file size
and type), acknowledged, and the action runs in the job pool: `ActionService.perform`
re-authorizes on a fresh read, then the outcome is shown on the card and to the user.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from dsbot.services.actions import ActionKind, ActionRequest, CorrectionReason
from dsbot.slack import ids
from dsbot.slack.interaction.debounce import ClickDebounce
from dsbot.slack.interaction.dossier_modals import KIND_BY_ACTION, open_action_modal
from dsbot.slack.interaction.files import SlackAttachment, SlackFileFetcher
from dsbot.slack.interaction.forms import read_form, validate
from dsbot.slack.interaction.outcomes import Audience, present_outcome, present_unexpected
from dsbot.slack.interaction.payloads import Click, PayloadError
from dsbot.slack.interaction.refusal import refuse_payload, tell_budget_spent
from dsbot.slack.interaction.urls import api_base
from dsbot.slack.interaction.views import ack_errors, read_origin
from dsbot.slack.middleware import SERVICES_KEY, actor
from dsbot.slack.presentation.blocks.modals import ACTION_BY_CALLBACK, ModalOrigin
from dsbot.slack.services import AppServices


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
    if not services.read_budget.spend(team_id, user_id, "dossier button"):
        tell_budget_spent(services, respond)
        return
    open_action_modal(services, click, team_id, user_id, clicks, respond)


# --- submission → action ------------------------------------------------------------------------


def handle_submit(
    ack: Ack, view: dict[str, Any], context: BoltContext, clicks: ClickDebounce
) -> None:
    services: AppServices = context[SERVICES_KEY]
    t = services.texts
    team_id, user_id = actor(context)
    origin = read_origin(ack, services, view, team_id, user_id, ModalOrigin.decode)
    if origin is None:
        return
    state = view.get("state")
    form = read_form(state.get("values") if isinstance(state, dict) else None, origin)
    errors = validate(form, origin, t)
    if errors:
        ack_errors(ack, errors)
        return
    ack()
    clicks.forget(team_id, user_id, origin.action_id, str(origin.number))
    kind = KIND_BY_ACTION[origin.action_id]
    attachment = None
    if form.file is not None:
        fetcher = SlackFileFetcher(services.slack, team_id=team_id)
        attachment = SlackAttachment(form.file, fetcher)
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
