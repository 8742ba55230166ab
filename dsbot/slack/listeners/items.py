"""Items of any backend in Slack: `/ds document`, the card's buttons, the action modals, and
`/ds connecter|deconnecter <backend>` (a person's own token, in a modal, never in a channel).

Thin: each listener acks at once and hands the work to the job pool; `ItemService` decides.
A click opens its modal with the click's trigger_id before any backend call (a trigger lives
3 seconds), then a job fills it with views.update. A submission is acknowledged by turning the
modal into "in progress"; the job then shows the outcome in the same modal (a refusal in the
backend's own words) and refreshes the card.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError

from dsbot.backends.errors import BackendAuthFailed, BackendNotFound
from dsbot.backends.port import ActionRequest, BackendName
from dsbot.logs import get_logger
from dsbot.notifications.model import ItemRef
from dsbot.services.credentials import SecretKeyError
from dsbot.services.items import Access, GuestRefused, ItemView, Prepared
from dsbot.slack import ids
from dsbot.slack.commands.items import (
    access_text,
    backend_error_text,
    open_connect_modal,
    viewer_of,
)
from dsbot.slack.interaction.debounce import ClickDebounce
from dsbot.slack.interaction.errors import PayloadError
from dsbot.slack.interaction.item_refs import ItemButton, ItemOrigin
from dsbot.slack.interaction.outcomes import post_response
from dsbot.slack.interaction.refusal import refuse_payload, tell_budget_spent
from dsbot.slack.interaction.sharing import post_shared
from dsbot.slack.interaction.urls import checked_reply_url
from dsbot.slack.interaction.views import (
    ack_errors,
    ack_update,
    open_metadata,
    open_modal,
    read_origin,
    refuse_submission,
    update_view,
)
from dsbot.slack.middleware import SERVICES_KEY, actor
from dsbot.slack.presentation.backend_texts import backend_text
from dsbot.slack.presentation.blocks.action_form import (
    build_connect_info_modal,
    build_item_form_modal,
    build_item_info_modal,
    build_item_loading_modal,
    read_comment,
    read_values,
)
from dsbot.slack.presentation.blocks.common import escape
from dsbot.slack.presentation.blocks.inputs import overlong_texts
from dsbot.slack.presentation.blocks.item import ItemActed, ItemViewer, build_item_card
from dsbot.slack.services import AppServices
from dsbot.texts import Texts

log = get_logger(__name__)

ACTION_BUTTON = re.compile("^" + re.escape(ids.ACTION_ITEM_ACTION_PREFIX) + r"\d+$")


def register(app: App) -> None:
    clicks = ClickDebounce()

    def on_click(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        handle_action_click(ack, body, respond, context, clicks)

    def on_submit(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        handle_action_submit(ack, view, context, clicks)

    app.action(ACTION_BUTTON)(on_click)
    app.view(ids.VIEW_ITEM_ACTION)(on_submit)
    app.action(ids.ACTION_ITEM_SHARE)(handle_share)
    app.action(ids.ACTION_ITEM_CONNECT)(handle_connect_click)
    app.action(ids.ACTION_ITEM_OPEN)(ack_only)
    app.view(ids.VIEW_BACKEND_CONNECT)(handle_connect_submit)


def ack_only(ack: Ack) -> None:
    ack()


def handle_connect_click(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    try:
        checked_reply_url(services, body)
    except PayloadError as exc:
        refuse_payload(services, body, respond, exc)
        return
    value = (body.get("actions") or [{}])[0].get("value") or ""
    try:
        backend = ItemButton.decode(value).backend if value.startswith("{") else BackendName(value)
    except ValueError:
        log.warning("credential.foreign_button_value")
        return
    if services.items is None or not services.items.enabled(backend):
        return
    team_id, user_id = actor(context)
    open_connect_modal(services, body.get("trigger_id", ""), backend, respond, team_id, user_id)


def handle_connect_submit(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    services: AppServices = context[SERVICES_KEY]
    t = services.texts
    team_id, user_id = actor(context)
    try:
        backend = BackendName(open_metadata(services, view, team_id, user_id))
    except ValueError as exc:
        refuse_submission(ack, services, view, exc)
        return
    values = (view.get("state") or {}).get("values") or {}
    raw = (values.get(ids.BLOCK_CONNECT_CREDENTIAL) or {}).get(ids.ACTION_CONNECT_CREDENTIAL_INPUT)
    credential = ((raw or {}).get("value") or "").strip()
    if not credential or any(c.isspace() for c in credential):
        ack_errors(ack, {ids.BLOCK_CONNECT_CREDENTIAL: t("connect.invalid")})
        return
    checking = build_connect_info_modal(backend, t, backend_text(t, backend, "connect.checking"))
    ack_update(ack, services, checking, team_id, user_id)
    view_id = view.get("id", "")

    def on_error(exc: BaseException) -> None:
        message = backend_error_text(exc, services)
        update_view(
            services, view_id, build_connect_info_modal(backend, t, message), team_id, user_id
        )

    services.jobs.submit(
        connect, services, team_id, user_id, backend, credential, view_id, on_error=on_error
    )


def connect(
    services: AppServices,
    team_id: str,
    user_id: str,
    backend: BackendName,
    credential: str,
    view_id: str,
) -> None:
    t = services.texts
    try:
        services.items.connect(team_id, user_id, backend, credential)
    except BackendAuthFailed:
        message = t(f"connect.refused.{backend.value}")
    except GuestRefused:
        message = t("item.guest")
    except SecretKeyError as exc:
        message = escape(str(exc))
    else:
        message = t(f"connect.done.{backend.value}")
    update_view(services, view_id, build_connect_info_modal(backend, t, message), team_id, user_id)


# --- an action button → its modal --------------------------------------------------------------


def origin_of_click(
    body: dict[str, Any], button: ItemButton, response_url: str | None
) -> ItemOrigin:
    """Where the clicked card lives; `response_url` already checked to be Slack's."""
    assert button.action is not None
    container = body.get("container") or {}
    channel_id = container.get("channel_id") or (body.get("channel") or {}).get("id")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return ItemOrigin(
        backend=button.backend,
        ref=button.ref,
        action=button.action,
        key=uuid.uuid4().hex,
        channel_id=channel_id,
        # An ephemeral card cannot be chat.update'd: its response_url replaces it.
        message_ts=None if container.get("is_ephemeral") else message_ts,
        response_url=response_url,
    )


def handle_action_click(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext, clicks: ClickDebounce
) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    t = services.texts
    action = (body.get("actions") or [{}])[0]
    try:
        response_url = checked_reply_url(services, body)
        button = ItemButton.decode(action.get("value"))
        if button.action is None:
            raise PayloadError("no action")
    except ValueError as exc:
        refuse_payload(services, body, respond, exc)
        return
    if services.items is None or not services.items.enabled(button.backend):
        return
    team_id, user_id = actor(context)
    if not services.read_budget.spend(team_id, user_id, "item button"):
        tell_budget_spent(services, respond)
        return
    click_key = (team_id, user_id, button.backend.value, button.ref, button.action.id)
    if not clicks.first(*click_key):
        log.info("click.duplicate", action=button.action.id, item=button.ref)
        return
    origin = origin_of_click(body, button, response_url)
    try:
        loading = build_item_loading_modal(origin, t)
        opened = open_modal(services, body.get("trigger_id", ""), loading, team_id, user_id)
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        log.info("modal.open_failed", item=button.ref, error=error)
        clicks.forget(*click_key)
        respond(
            text=t("action.modal_failed", error=error),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    view_id = opened["view"]["id"]

    def on_error(exc: BaseException) -> None:
        message = backend_error_text(exc, services)
        update_view(services, view_id, build_item_info_modal(origin, t, message), team_id, user_id)

    services.jobs.submit(
        prepare_modal, services, team_id, user_id, origin, view_id, on_error=on_error
    )


def prepare_modal(
    services: AppServices, team_id: str, user_id: str, origin: ItemOrigin, view_id: str
) -> None:
    t = services.texts
    prepared = services.items.prepare(team_id, user_id, origin.backend, origin.ref, origin.action)
    if prepared.form is not None:
        view = build_item_form_modal(origin, prepared.form, t)
    else:
        view = build_item_info_modal(origin, t, prepared_text(t, origin, prepared))
    update_view(services, view_id, view, team_id, user_id)


def prepared_text(t: Texts, origin: ItemOrigin, prepared: Prepared) -> str:
    if prepared.access is not Access.CONNECTED:
        return access_text(t, prepared.access, origin.backend, prepared.detail)
    if prepared.refusal:
        return t(
            "item.modal.cannot_take",
            action=escape(origin.action.label),
            reason=quote_lines(prepared.refusal),
        )
    return t("item.modal.not_allowed", action=escape(origin.action.label))


def quote_lines(text: str) -> str:
    return "\n".join(f"> {escape(line)}" for line in text.strip().splitlines() or [""])


# --- submission → the action as that person -----------------------------------------------------


def handle_action_submit(
    ack: Ack, view: dict[str, Any], context: BoltContext, clicks: ClickDebounce
) -> None:
    services: AppServices = context[SERVICES_KEY]
    t = services.texts
    team_id, user_id = actor(context)
    origin = read_origin(ack, services, view, team_id, user_id, ItemOrigin.decode)
    if origin is None:
        return
    values = (view.get("state") or {}).get("values") or {}
    try:
        inputs = read_values(values)
    except ValueError as exc:
        refuse_submission(ack, services, view, exc)
        return
    overlong = overlong_texts(values, t)
    if overlong:
        ack_errors(ack, overlong)
        return
    request = ActionRequest(origin.ref, origin.action, read_comment(values), inputs)
    working = t("item.modal.working", action=escape(origin.action.label))
    ack_update(ack, services, build_item_info_modal(origin, t, working), team_id, user_id)
    clicks.forget(team_id, user_id, origin.backend.value, origin.ref, origin.action.id)
    view_id = view.get("id", "")

    def on_error(exc: BaseException) -> None:
        message = backend_error_text(exc, services)
        update_view(services, view_id, build_item_info_modal(origin, t, message), team_id, user_id)

    services.jobs.submit(
        run_action, services, team_id, user_id, origin, request, view_id, on_error=on_error
    )


def run_action(
    services: AppServices,
    team_id: str,
    user_id: str,
    origin: ItemOrigin,
    request: ActionRequest,
    view_id: str,
) -> None:
    t = services.texts
    key = f"view:{origin.key}:{origin.backend.value}:{origin.ref}:{origin.action.id}"
    performed = services.items.perform(team_id, user_id, origin.backend, request, key)
    label = escape(origin.action.label)
    if performed.access is not Access.CONNECTED:
        message = access_text(t, performed.access, origin.backend, performed.detail)
        update_view(services, view_id, build_item_info_modal(origin, t, message), team_id, user_id)
        return
    if performed.duplicate or performed.busy:
        key = "item.modal.busy" if performed.busy else "item.modal.duplicate"
        update_view(services, view_id, build_item_info_modal(origin, t, t(key)), team_id, user_id)
        return
    result = performed.result
    assert result is not None
    if not result.done:
        refusal = result.refusal or ""
        # Show the form again, under the backend's reason, so that the person can correct it.
        prepared = services.items.prepare(
            team_id, user_id, origin.backend, origin.ref, origin.action
        )
        if prepared.form is not None:
            view = build_item_form_modal(origin, prepared.form, t, refusal=refusal)
        else:
            message = t("item.modal.cannot_take", action=label, reason=quote_lines(refusal))
            view = build_item_info_modal(origin, t, message)
        update_view(services, view_id, view, team_id, user_id)
        return
    state = result.item.state.label if result.item and result.item.state else ""
    done = t("item.modal.done", action=label, state=escape(state))
    update_view(services, view_id, build_item_info_modal(origin, t, done), team_id, user_id)
    acted = ItemActed(user_id, origin.action.label, datetime.now(UTC))
    refresh_card(services, team_id, user_id, origin, acted)


def refresh_card(
    services: AppServices, team_id: str, user_id: str, origin: ItemOrigin, acted: ItemActed
) -> None:
    """The clicked card, read again: for the person on an ephemeral card, for the channel on a
    shared one."""
    t = services.texts
    try:
        if origin.message_ts and origin.channel_id:
            shared = services.items.shared_view(origin.backend, origin.ref)
            if shared.item is None:
                return
            card = build_item_card(
                shared.item,
                shared.actions,
                viewer=ItemViewer(can_act=True),
                texts=t,
                ephemeral=False,
                acted=acted,
            )
            services.slack.chat_update(
                channel=origin.channel_id, ts=origin.message_ts, text=card.text, blocks=card.blocks
            )
            return
        if origin.response_url:
            view = services.items.view(team_id, user_id, origin.backend, origin.ref)
            if view.item is None:
                return
            card = build_item_card(
                view.item,
                view.actions,
                viewer=viewer_of(view, t, origin.backend),
                texts=t,
                ephemeral=True,
                acted=acted,
            )
            post_response(
                origin.response_url,
                text=card.text,
                blocks=card.blocks,
                response_type="ephemeral",
                replace_original=True,
            )
    except (SlackApiError, BackendNotFound) as exc:
        log.info("card.refresh_failed", item=origin.ref, error=type(exc).__name__)


# --- share ---------------------------------------------------------------------------------------


def handle_share(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    try:
        checked_reply_url(services, body)
        button = ItemButton.decode((body.get("actions") or [{}])[0].get("value"))
    except ValueError as exc:
        refuse_payload(services, body, respond, exc)
        return
    if services.items is None or not services.items.enabled(button.backend):
        return
    channel_id = (body.get("channel") or {}).get("id") or context.channel_id or ""
    team_id, user_id = actor(context)
    if not services.read_budget.spend(team_id, user_id, "item share"):
        tell_budget_spent(services, respond)
        return

    def on_error(exc: BaseException) -> None:
        respond(text=backend_error_text(exc, services), response_type="ephemeral")

    services.jobs.submit(
        share_card, services, team_id, user_id, channel_id, button, respond, on_error=on_error
    )


def share_card(
    services: AppServices,
    team_id: str,
    user_id: str,
    channel_id: str,
    button: ItemButton,
    respond: Respond,
) -> None:
    t = services.texts
    # Only someone who may see the item can show it to a channel.
    try:
        mine = services.items.view(team_id, user_id, button.backend, button.ref)
    except BackendNotFound:
        mine = ItemView(Access.NOT_CONNECTED)
    if mine.item is None:
        text = access_text(t, mine.access, button.backend, mine.detail)
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    shared = services.items.shared_view(button.backend, button.ref)
    assert shared.item is not None
    card = build_item_card(
        shared.item, shared.actions, viewer=ItemViewer(can_act=True), texts=t, ephemeral=False
    )
    item = ItemRef(button.backend, button.ref)
    post_shared(services, team_id, channel_id, card, user_id, respond, item=item)
