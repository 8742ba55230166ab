"""What the Étiquettes and Annotations modals share: opening from the card's menu, the
submission, and the answer (card refresh, thread note, exactly what DS saved and refused).

The modal opens at once with the click's trigger_id (« Chargement… ») before any DS call; a job
then reads DS and fills it with views.update. The submission is checked inline, acknowledged,
and `ActionService.perform` re-authorizes on a fresh read, with the modal's idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dsbot.backends.port import AnnotationChange
from dsbot.logs import get_logger
from dsbot.services.actions import (
    ActionKind,
    ActionOutcome,
    ActionRequest,
    LabelEdit,
    Status,
)
from dsbot.slack import ids
from dsbot.slack.interaction.dossier_modals import new_key
from dsbot.slack.interaction.outcomes import (
    Audience,
    acted_text,
    error_text,
    explain,
    note_in_threads,
    present_unexpected,
    refresh_card,
    tell,
)
from dsbot.slack.interaction.payloads import PayloadError, reply_url
from dsbot.slack.interaction.urls import api_base
from dsbot.slack.interaction.views import (
    ack_errors,
    open_modal,
    read_origin,
    update_view,
)
from dsbot.slack.middleware import SERVICES_KEY, actor
from dsbot.slack.presentation.blocks.card import ActedNote
from dsbot.slack.presentation.blocks.common import escape
from dsbot.slack.presentation.blocks.edits import (
    EditOrigin,
    LabelsForm,
    build_edit_info_modal,
    build_loading_modal,
    read_annotations,
    read_labels,
)
from dsbot.slack.presentation.blocks.modals import ModalOrigin
from dsbot.slack.presentation.error_texts import ds_error_text
from dsbot.slack.services import AppServices

log = get_logger(__name__)

KIND_BY_OPTION = {
    ids.MORE_ETIQUETTES: ActionKind.ETIQUETTES,
    ids.MORE_ANNOTATIONS: ActionKind.ANNOTATIONS,
}
ACTED_KEY = {
    ActionKind.ETIQUETTES: "acted.etiquettes",
    ActionKind.ANNOTATIONS: "acted.annotations",
}
# Fills the opened modal once DS has answered: (services, audience, origin) → the view.
Filler = Callable[[AppServices, Audience, EditOrigin], Any]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def origin_of_menu(
    services: AppServices, body: dict[str, Any], number: int, kind: str
) -> EditOrigin:
    """Where the menu was clicked (the card to refresh), from the signed block_actions body."""
    container = _dict(body.get("container"))
    try:
        response_url = reply_url(body, api_base(services))
    except PayloadError:
        response_url = None
    ephemeral = container.get("is_ephemeral") is True
    channel = _dict(body.get("channel"))
    message = _dict(body.get("message"))
    return EditOrigin(
        number=number,
        kind=kind,
        key=new_key(),
        channel_id=_text(container.get("channel_id")) or _text(channel.get("id")),
        message_ts=None
        if ephemeral
        else _text(container.get("message_ts")) or _text(message.get("ts")),
        response_url=response_url,
    )


def audience_of(team_id: str, user_id: str, origin: EditOrigin) -> Audience:
    card = ModalOrigin(
        number=origin.number,
        action_id=ids.ACTION_CARD_MORE,
        key=origin.key,
        channel_id=origin.channel_id,
        message_ts=origin.message_ts,
        response_url=origin.response_url,
    )
    return Audience(team_id, user_id, card)


def open_edit(
    services: AppServices,
    body: dict[str, Any],
    client: WebClient,
    number: int,
    option: str,
    fill: Filler,
) -> None:
    """Open the modal now with the click's trigger_id, then fill it from DS in a job."""
    t = services.texts
    user = _dict(body.get("user"))
    team = _dict(body.get("team"))
    team_id = _text(team.get("id")) or _text(user.get("team_id")) or ""
    user_id = _text(user.get("id")) or ""
    origin = origin_of_menu(services, body, number, option)
    audience = audience_of(team_id, user_id, origin)
    try:
        # The menu's own client is the app's (services.slack): one sealed path for both.
        opened = open_modal(
            services,
            _text(body.get("trigger_id")) or "",
            build_loading_modal(origin, t),
            team_id,
            user_id,
        )
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        log.info("modal.open_failed", dossier=number, error=error)
        tell(services, audience, t("action.modal_failed", error=error))
        return
    view_id = opened["view"]["id"]

    def run() -> None:
        update_view(services, view_id, fill(services, audience, origin), team_id, user_id)

    def on_error(exc: BaseException) -> None:
        message = ds_error_text(exc, t, number=number) if isinstance(exc, Exception) else ""
        update_view(services, view_id, build_edit_info_modal(origin, t, message), team_id, user_id)

    services.jobs.submit(run, on_error=on_error)


def checked(services: AppServices, audience: Audience, origin: EditOrigin) -> Any:
    """The dossier, freshly read, when the user may act on it; else the view explaining why."""
    kind = KIND_BY_OPTION[origin.kind]
    outcome = services.actions.preview(audience.team_id, audience.user_id, origin.number, kind)
    if outcome.status is Status.READY and outcome.dossier is not None:
        return outcome.dossier
    message = explain(outcome, ids.ACTION_CARD_MORE, services.texts, before=True) or ""
    return build_edit_info_modal(origin, services.texts, message)


# --- submission --------------------------------------------------------------------------------


def handle_submit(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    services: AppServices = context[SERVICES_KEY]
    t = services.texts
    team_id, user_id = actor(context)
    origin = read_origin(ack, services, view, team_id, user_id, EditOrigin.decode)
    if origin is None:
        return
    kind = KIND_BY_OPTION[origin.kind]
    labels: LabelEdit | None = None
    annotations: tuple[AnnotationChange, ...] = ()
    if kind is ActionKind.ETIQUETTES:
        form = read_labels(view, origin, t)
        if not isinstance(form, LabelsForm):
            ack_errors(ack, form)
            return
        labels = LabelEdit(add=form.add, remove=form.remove)
    else:
        read = read_annotations(view, origin, t)
        if isinstance(read, dict):
            ack_errors(ack, read)
            return
        annotations = read
    ack()
    request = ActionRequest(
        team_id=team_id,
        user_id=user_id,
        number=origin.number,
        kind=kind,
        # One key per modal: a double submit of the same modal runs the edit once.
        key=f"view:{origin.key}:{kind.value}:{origin.number}",
        labels=labels,
        annotations=annotations,
    )
    audience = audience_of(team_id, user_id, origin)
    services.jobs.submit(
        run_edit,
        services,
        audience,
        request,
        on_error=lambda exc: present_unexpected(services, audience, exc),
    )


def run_edit(services: AppServices, audience: Audience, request: ActionRequest) -> None:
    present_edit(services, audience, services.actions.perform(request))


def _items(names: tuple[str, ...]) -> str:
    return ", ".join(f"« {escape(n)} »" for n in names)


def present_edit(services: AppServices, audience: Audience, outcome: ActionOutcome) -> None:
    """The card refreshed and a thread note when DS changed; to the user, exactly what was
    saved and what DS refused, in DS's words."""
    t, number, report = services.texts, outcome.number, outcome.report
    if outcome.status is Status.DUPLICATE:
        return
    if report is None:
        tell(services, audience, _failure(outcome, services))
        return
    note = ActedNote(audience.user_id, ACTED_KEY[outcome.kind], outcome.at or datetime.now(UTC))
    if outcome.changed:
        refresh_card(services, audience, outcome, note)
        note_in_threads(services, audience, number, acted_text(note, t))
    saved = t("edit.saved", items=_items(report.saved)) if report.saved else ""
    refused = t("edit.refused", items=_items(report.refused)) if report.refused else ""
    if report.messages:
        said = t("edit.ds_said", messages=" ; ".join(f"« {escape(m)} »" for m in report.messages))
    else:
        # Refused without DS's words: its answer was lost and a re-read did not show them.
        said = t("edit.lost") if report.refused else ""
    if outcome.status is Status.PARTIAL:
        parts = [t("edit.partial", number=number), saved, refused, said]
    elif outcome.status is Status.FAILED:
        parts = [t("edit.failed", number=number), refused, said]
    elif report.saved:
        parts = [acted_text(note, t), saved]
    else:
        parts = [t("edit.nothing", number=number)]
    tell(services, audience, " ".join(p for p in parts if p))


def _failure(outcome: ActionOutcome, services: AppServices) -> str:
    """Nothing was done: the user may not, or DS failed before anything was saved."""
    t, number = services.texts, outcome.number
    if outcome.status in (Status.REFUSED, Status.BUSY):
        return explain(outcome, ids.ACTION_CARD_MORE, t) or ""
    if outcome.uncertain:
        return t("edit.lost")
    if outcome.error is not None:
        return f"{t('edit.failed', number=number)} {error_text(outcome.error, t, number)}"
    return t("error.unexpected")
