"""The refusal of a click or menu whose payload is not what Slack sends for the bot's blocks:
logged, told to the person in the catalog's words when the payload's response_url is Slack's,
and nothing posted anywhere else."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from dsbot.logs import get_logger
from dsbot.slack.interaction.errors import PayloadError
from dsbot.slack.interaction.urls import checked_reply_url
from dsbot.slack.services import AppServices

log = get_logger(__name__)


def refuse_payload(services: AppServices, body: Any, respond: Respond, error: Exception) -> None:
    log.warning("interaction.refused", error=type(error).__name__, reason=str(error))
    try:
        if checked_reply_url(services, body) is None:
            return
    except PayloadError:
        # A forged response_url gets nothing, not even the refusal.
        return
    respond(text=services.texts("error.bad_payload"), response_type="ephemeral")


def tell_budget_spent(services: AppServices, respond: Respond) -> None:
    """The person's read budget is spent: say so (to a URL already checked to be Slack's)."""
    text = services.texts("budget.spent", limit=services.read_budget.limit)
    respond(text=text, response_type="ephemeral", replace_original=False)
