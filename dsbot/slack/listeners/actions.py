"""Buttons of the dossier card that belong to the app core: share, and the DS link."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from dsbot.slack import ids
from dsbot.slack.interaction.payloads import Click, PayloadError
from dsbot.slack.interaction.refusal import refuse_payload, tell_budget_spent
from dsbot.slack.interaction.sharing import share_card
from dsbot.slack.interaction.urls import api_base
from dsbot.slack.middleware import SERVICES_KEY, actor
from dsbot.slack.presentation.error_texts import ds_error_text
from dsbot.slack.services import AppServices


def register(app: App) -> None:
    app.action(ids.ACTION_PARTAGER)(handle_share)
    # A URL button still sends an interaction, which must be acknowledged.
    app.action(ids.ACTION_VOIR_DANS_DS)(ack_only)


def ack_only(ack: Ack) -> None:
    ack()


def handle_share(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    try:
        click = Click.from_body(body, api_base(services))
    except PayloadError as exc:
        refuse_payload(services, body, respond, exc)
        return
    number, channel_id = click.number, click.channel_id or context.channel_id
    team_id, user_id = actor(context)
    if not services.read_budget.spend(team_id, user_id, "share button"):
        tell_budget_spent(services, respond)
        return

    def on_error(exc: BaseException) -> None:
        respond(text=ds_error_text(exc, services.texts, number=number), response_type="ephemeral")

    services.jobs.submit(
        share_card,
        services,
        team_id,
        str(channel_id or ""),
        user_id,
        number,
        respond,
        on_error=on_error,
    )
