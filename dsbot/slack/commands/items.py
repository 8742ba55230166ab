"""Items of any backend for its show word (`/ds document`), `/ds connecter|deconnecter
<backend>`, and what
the item listeners share with the command (texts of access and errors, the connection modal).

Its own module, not a listener's: the `/ds` listener and the item listeners both import it
without importing each other.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk.errors import SlackApiError

from dsbot.backends.errors import BackendError, BackendNotFound
from dsbot.backends.port import BackendName
from dsbot.logs import get_logger
from dsbot.redact import redact
from dsbot.services.credentials import SecretKeyError
from dsbot.services.items import Access, ItemView
from dsbot.slack import ids
from dsbot.slack.commands import grammar as g
from dsbot.slack.interaction.views import open_modal
from dsbot.slack.presentation.blocks.action_form import build_connect_modal
from dsbot.slack.presentation.blocks.common import escape, truncate
from dsbot.slack.presentation.blocks.item import ItemViewer, build_item_card
from dsbot.slack.presentation.error_texts import ds_error_text
from dsbot.slack.services import AppServices
from dsbot.texts import Texts

log = get_logger(__name__)

ERROR_MAX = 300


def backend_error_text(exc: BaseException, services: AppServices) -> str:
    if isinstance(exc, BackendError) and exc.text_key:  # it names its own sentence
        return ds_error_text(exc, services.texts)
    message = redact(f"{type(exc).__name__}: {exc}", services.settings.secrets)
    return services.texts("item.backend_error", error=escape(truncate(message, ERROR_MAX)))


def access_text(t: Texts, access: Access, backend: BackendName, detail: str = "") -> str:
    """Why a person gets no content or cannot act, with what to do about it."""
    if access is Access.NO_KEY:
        return escape(detail)
    if access is Access.BAD_CREDENTIAL:
        return t(f"item.bad_credential.{backend.value}")
    if access is Access.OFF:
        return t(f"item.backend_off.{backend.value}")
    if access is Access.GUEST:
        return t("item.guest")
    return t(f"item.connect_first.{backend.value}")


# --- a backend's show word, connecter, deconnecter -------------------------------------------


def handle_command(
    ack: Ack,
    cmd: g.ShowItem | g.Connect | g.Disconnect,
    command: dict[str, Any],
    respond: Respond,
    services: AppServices,
    team_id: str,
    user_id: str,
) -> None:
    t = services.texts
    backend = BackendName(cmd.backend)
    items = services.items
    if items is None or not items.enabled(backend):
        ack(text=t(f"item.backend_off.{backend.value}"), response_type="ephemeral")
        return
    if isinstance(cmd, g.ShowItem):
        # One budget for every read path, whatever the backend (the name is only logged).
        if not services.read_budget.spend(team_id, user_id, "/ds document"):
            limit = services.read_budget.limit
            ack(text=t("budget.spent", limit=limit), response_type="ephemeral")
            return
        ack(text=t("item.loading", ref=escape(cmd.ref)), response_type="ephemeral")

        def on_error(exc: BaseException) -> None:
            text = backend_error_text(exc, services)
            respond(text=text, response_type="ephemeral", replace_original=True)

        services.jobs.submit(
            show_item, services, team_id, user_id, backend, cmd.ref, respond, on_error=on_error
        )
        return
    if isinstance(cmd, g.Connect):
        ack()
        trigger_id = command.get("trigger_id", "")
        open_connect_modal(services, trigger_id, backend, respond, team_id, user_id)
        return
    ack()
    services.jobs.submit(disconnect, services, team_id, user_id, backend, respond)


def show_item(
    services: AppServices,
    team_id: str,
    user_id: str,
    backend: BackendName,
    ref: str,
    respond: Respond,
) -> None:
    t = services.texts
    try:
        view = services.items.view(team_id, user_id, backend, ref)
    except BackendNotFound:
        respond(
            text=t(f"item.not_found.{backend.value}", ref=escape(ref)),
            response_type="ephemeral",
            replace_original=True,
        )
        return
    if view.item is None:
        text = access_text(t, view.access, backend, view.detail)
        # A guest is not offered to connect: they may not.
        answer: dict[str, Any] = {"text": text, "response_type": "ephemeral"}
        if view.access is not Access.GUEST:
            answer = _connect_prompt(t, backend, text)
        respond(**answer, replace_original=True)
        return
    card = build_item_card(
        view.item, view.actions, viewer=viewer_of(view, t, backend), texts=t, ephemeral=True
    )
    respond(text=card.text, blocks=card.blocks, response_type="ephemeral", replace_original=True)


def viewer_of(view: ItemView, t: Texts, backend: BackendName) -> ItemViewer:
    if view.access is Access.CONNECTED:
        reason = None if view.actions else t("item.reason.no_actions")
        return ItemViewer(can_act=True, reason=reason)
    return ItemViewer(
        can_act=False, reason=t(f"item.reason.not_connected.{backend.value}"), connect=True
    )


def _connect_prompt(t: Texts, backend: BackendName, text: str) -> dict[str, Any]:
    """An ephemeral answer with a button that opens the connection modal."""
    return {
        "text": text,
        "response_type": "ephemeral",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}},
            {
                "type": "actions",
                "block_id": ids.BLOCK_ITEM_ACTIONS,
                "elements": [
                    {
                        "type": "button",
                        "action_id": ids.ACTION_ITEM_CONNECT,
                        "style": "primary",
                        "text": {
                            "type": "plain_text",
                            "text": t(f"item.button.connect.{backend.value}"),
                        },
                        "value": backend.value,
                    }
                ],
            },
        ],
    }


def disconnect(
    services: AppServices, team_id: str, user_id: str, backend: BackendName, respond: Respond
) -> None:
    removed = services.items.disconnect(team_id, user_id, backend)
    key = "removed" if removed else "none"
    respond(text=services.texts(f"connect.{key}.{backend.value}"), response_type="ephemeral")


# --- connecting: a modal, never a channel ------------------------------------------------------


def open_connect_modal(
    services: AppServices,
    trigger_id: str,
    backend: BackendName,
    respond: Respond,
    team_id: str,
    user_id: str,
) -> None:
    t = services.texts
    if services.items.is_guest(user_id):
        respond(text=t("item.guest"), response_type="ephemeral", replace_original=False)
        return
    try:
        services.items.vault.check_key()
    except SecretKeyError as exc:
        respond(text=escape(str(exc)), response_type="ephemeral", replace_original=False)
        return
    try:
        open_modal(services, trigger_id, build_connect_modal(backend, t), team_id, user_id)
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        log.info("modal.open_failed", modal="connect", error=error)
        respond(text=t("action.modal_failed", error=error), response_type="ephemeral")
