"""The card's « Plus d'actions… » menu: one listener, one handler per option.

The selection is acknowledged at once and decoded (`MenuPick`); its handler then opens a modal
with the selection's trigger_id before any DS call, or, for Suivre, acts at once in the job
pool. Every action then goes the way of the buttons' (dsbot/slack/listeners/decisions.py):
re-authorized on a fresh read, idempotency key, audit, card refresh and thread note.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from dsbot.services.actions import ActionKind, ActionRequest
from dsbot.slack import ids
from dsbot.slack.interaction.debounce import ClickDebounce
from dsbot.slack.interaction.dossier_modals import new_key, open_action_modal
from dsbot.slack.interaction.menu import MORE_HANDLERS, MoreHandler
from dsbot.slack.interaction.outcomes import Audience, present_outcome, present_unexpected
from dsbot.slack.interaction.payloads import Click, MenuPick
from dsbot.slack.interaction.refusal import refuse_payload, tell_budget_spent
from dsbot.slack.interaction.sharing import share_card
from dsbot.slack.interaction.urls import api_base
from dsbot.slack.middleware import SERVICES_KEY
from dsbot.slack.presentation.blocks.modals import ModalOrigin
from dsbot.slack.presentation.error_texts import ds_error_text
from dsbot.slack.services import AppServices


def register(app: App) -> None:
    app.action(ids.ACTION_CARD_MORE)(handle_more)


def handle_more(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    try:
        pick = MenuPick.from_body(body, api_base(services))
    except ValueError as exc:
        refuse_payload(services, body, respond, exc)
        return
    team_id, user_id = _actor(body)
    if not services.read_budget.spend(team_id, user_id, "card menu"):
        tell_budget_spent(services, _respond(pick.click))
        return
    MORE_HANDLERS[pick.option](services, body, client, pick.click.number)


# --- helpers --------------------------------------------------------------------------------


def _click(services: AppServices, body: dict[str, Any], action_id: str) -> Click:
    """The selection as a click on the action `action_id` (already validated by handle_more)."""
    return replace(MenuPick.from_body(body, api_base(services)).click, action_id=action_id)


def _actor(body: dict[str, Any]) -> tuple[str, str]:
    """(team_id, user_id) of a signed block_actions body, as the middleware reads them."""
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    team_id = (team or {}).get("id") or (user or {}).get("team_id") or ""
    return str(team_id), str((user or {}).get("id") or "")


def _respond(click: Click) -> Respond:
    return Respond(response_url=click.response_url)


def _modal(action_id: str) -> MoreHandler:
    """A handler opening the modal of `action_id`, like a button's click would."""

    def handler(
        services: AppServices, body: dict[str, Any], client: WebClient, number: int
    ) -> None:
        click = _click(services, body, action_id)
        team_id, user_id = _actor(body)
        # A select only fires when its choice changes: no double click to absorb here.
        open_action_modal(services, click, team_id, user_id, ClickDebounce(), _respond(click))

    return handler


# --- the options ------------------------------------------------------------------------------


def suivre(services: AppServices, body: dict[str, Any], client: WebClient, number: int) -> None:
    """Follow the dossier, or stop following it: at once, whichever DS says applies now."""
    click = _click(services, body, ids.ACTION_SUIVRE)
    team_id, user_id = _actor(body)
    # Slack resends an unacknowledged interaction with the same trigger_id: one key for both.
    key = click.trigger_id or new_key()
    origin = ModalOrigin(
        number=number,
        action_id=ids.ACTION_SUIVRE,
        key=key,
        channel_id=click.channel_id,
        message_ts=None if click.is_ephemeral else click.message_ts,
        response_url=click.response_url,
    )
    audience = Audience(team_id, user_id, origin)
    request = ActionRequest(
        team_id=team_id,
        user_id=user_id,
        number=number,
        kind=ActionKind.SUIVRE,
        key=f"menu:{key}:suivre:{number}",
    )
    services.jobs.submit(
        run_suivre,
        services,
        audience,
        request,
        on_error=lambda exc: present_unexpected(services, audience, exc),
    )


def run_suivre(services: AppServices, audience: Audience, request: ActionRequest) -> None:
    outcome = services.actions.perform(request)
    if outcome.kind is ActionKind.NE_PLUS_SUIVRE:
        audience = replace(
            audience, origin=replace(audience.origin, action_id=ids.ACTION_NE_PLUS_SUIVRE)
        )
    present_outcome(services, audience, outcome)


def partager(services: AppServices, body: dict[str, Any], client: WebClient, number: int) -> None:
    """Share the card in the channel, as its button does on cards with room for it."""
    click = MenuPick.from_body(body, api_base(services)).click
    team_id, user_id = _actor(body)
    respond = _respond(click)

    def on_error(exc: BaseException) -> None:
        respond(text=ds_error_text(exc, services.texts, number=number), response_type="ephemeral")

    services.jobs.submit(
        share_card,
        services,
        team_id,
        click.channel_id or "",
        user_id,
        number,
        respond,
        on_error=on_error,
    )


# Étiquettes and Annotations register themselves from their own modules (labels.py,
# annotations.py) in the same registry (dsbot.slack.interaction.menu).
MORE_HANDLERS.update(
    {
        ids.MORE_SUIVRE: suivre,
        ids.MORE_CORRECTION: _modal(ids.ACTION_DEMANDER_CORRECTION),
        ids.MORE_CHANGER_GROUPE: _modal(ids.ACTION_CHANGER_GROUPE),
        ids.MORE_REPASSER_EN_CONSTRUCTION: _modal(ids.ACTION_REPASSER_EN_CONSTRUCTION),
        ids.MORE_DESARCHIVER: _modal(ids.ACTION_DESARCHIVER),
        ids.MORE_SUPPRIMER_MESSAGE: _modal(ids.ACTION_SUPPRIMER_MESSAGE),
        ids.MORE_PARTAGER: partager,
    }
)
