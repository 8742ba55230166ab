"""Modals, sealed for their person: opened, updated, read back, and the acks of a submission.

Every modal the bot opens carries sealed metadata (dsbot.slack.interaction.seal); every
submission is read back through `open_metadata`, and refused with `refuse_submission` when its
seal is not the bot's, is of an older format, or was written for someone else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError

from dsbot.logs import get_logger
from dsbot.slack.interaction.seal import Seal, SealError, seal_for
from dsbot.slack.presentation.blocks.modals import build_error_modal
from dsbot.slack.services import AppServices

log = get_logger(__name__)


def seal(services: AppServices) -> Seal:
    return seal_for(services.settings.slack_bot_token or "")


def sealed(services: AppServices, view: Any, team_id: str, user_id: str) -> Any:
    """The view (a slack_sdk View or its dict) with its private_metadata sealed for the person."""
    if isinstance(view, dict):
        if view.get("private_metadata"):
            text = view["private_metadata"]
            view = {**view, "private_metadata": seal(services).close(text, team_id, user_id)}
        return view
    if getattr(view, "private_metadata", None):
        view.private_metadata = seal(services).close(view.private_metadata, team_id, user_id)
    return view


class ReadBudgetSpent(ValueError):
    """The person's read budget is spent (`AppServices.read_budget`)."""


def open_metadata(services: AppServices, view: Any, team_id: str, user_id: str) -> str:
    """The submitted view's metadata under a seal written for this person; SealError if not,
    ReadBudgetSpent when the person's read budget is spent."""
    metadata = view.get("private_metadata") if isinstance(view, dict) else None
    text = seal(services).open(metadata, team_id, user_id)
    # A submission reads the backend as a click does (the permission check, the item read
    # again), so it spends the same budget: submissions sent again and again cannot drain the
    # backend's rate limit that everyone shares.
    if not services.read_budget.spend(team_id, user_id, "modal submission"):
        raise ReadBudgetSpent("read budget spent")
    return text


def open_modal(
    services: AppServices, trigger_id: str, view: Any, team_id: str, user_id: str
) -> Any:
    """views.open of the sealed view; SlackApiError is the caller's (each says it its way)."""
    return services.slack.views_open(
        trigger_id=trigger_id, view=sealed(services, view, team_id, user_id)
    )


def update_view(services: AppServices, view_id: str, view: Any, team_id: str, user_id: str) -> None:
    try:
        services.slack.views_update(view_id=view_id, view=sealed(services, view, team_id, user_id))
    except SlackApiError as exc:
        # The person may have submitted or closed the modal meanwhile: the submission re-checks.
        log.info("modal.update_failed", view=view_id, error=exc.response.get("error"))


Origin = TypeVar("Origin")


def read_origin(
    ack: Ack,
    services: AppServices,
    view: Any,
    team_id: str,
    user_id: str,
    decode: Callable[[str], Origin],
) -> Origin | None:
    """What the submitted modal was opened for, decoded from metadata sealed for this person and
    written for this very modal (an origin naming its `callback_id` must name the view's). None
    when it is forged, broken, expired or someone else's: the modal then says so, and nothing
    is done."""
    try:
        origin = decode(open_metadata(services, view, team_id, user_id))
        callback_id = getattr(origin, "callback_id", None)
        if callback_id is not None and callback_id != view.get("callback_id"):
            raise ValueError(f"{view.get('callback_id')} carries another modal's origin")
    except ValueError as exc:
        refuse_submission(ack, services, view, exc)
        return None
    return origin


def refuse_submission(ack: Ack, services: AppServices, view: Any, error: ValueError) -> None:
    """A submission whose metadata is not to be trusted: nothing is done, nothing is posted,
    and the person is told why in the modal itself."""
    callback = view.get("callback_id") if isinstance(view, dict) else None
    log.warning("submission.refused", callback=callback, error=type(error).__name__)
    t = services.texts
    if isinstance(error, ReadBudgetSpent):
        text = t("budget.spent", limit=services.read_budget.limit)
    else:
        text = t(error.text_key if isinstance(error, SealError) else "error.bad_payload")
    ack(response_action="update", view=build_error_modal(t, text))


def ack_errors(ack: Ack, errors: dict[str, str]) -> None:
    """Inline errors under the inputs: the modal stays open for the person to correct."""
    ack(response_action="errors", errors=errors)


def ack_update(ack: Ack, services: AppServices, view: Any, team_id: str, user_id: str) -> None:
    """Replace the submitted modal by `view` (sealed for the same person)."""
    ack(response_action="update", view=sealed(services, view, team_id, user_id))
