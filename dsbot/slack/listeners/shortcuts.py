"""The message shortcut « Répondre à l'usager »: a thread's message becomes the usager's answer.

On a message in the thread of a dossier's notification, on a shared card, or on a message that
names one dossier (« n° 1234 », a DS link), it opens the Répondre modal of that dossier at once
(the trigger expires in 3 seconds: no DS call before views.open), pre-filled with the message
as plain text and offering its files. The modal is then checked and submitted exactly as the
card's Répondre button's (dsbot.slack.interaction.dossier_modals): access is decided there, on a
fresh read of DS. Elsewhere the user is told why the shortcut cannot apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError

from dsbot.logs import get_logger
from dsbot.slack import ids
from dsbot.slack.interaction.dossier_modals import new_key, prepare_modal
from dsbot.slack.interaction.dossier_refs import dossiers_named, ds_hosts
from dsbot.slack.interaction.errors import PayloadError
from dsbot.slack.interaction.files import MAX_FILE_BYTES, ds_accepts
from dsbot.slack.interaction.outcomes import Audience
from dsbot.slack.interaction.refusal import tell_budget_spent
from dsbot.slack.interaction.urls import checked_reply_url
from dsbot.slack.interaction.views import open_modal, update_view
from dsbot.slack.middleware import SERVICES_KEY, actor
from dsbot.slack.presentation.blocks.modals import MessageFile, ModalOrigin, build_action_modal
from dsbot.slack.presentation.error_texts import ds_error_text
from dsbot.slack.presentation.mrkdwn import to_plain_text
from dsbot.slack.services import AppServices
from dsbot.store.threads import dossier_of_message

log = get_logger(__name__)


@dataclass(frozen=True)
class MessageShortcut:
    """A `message_action` payload, read once."""

    channel_id: str
    ts: str
    thread_ts: str | None
    text: str
    files: tuple[dict[str, Any], ...]
    blocks: tuple[dict[str, Any], ...]
    trigger_id: str

    @classmethod
    def from_body(cls, body: Any) -> MessageShortcut:
        body = body if isinstance(body, dict) else {}
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
        channel_id, ts = channel.get("id"), message.get("ts")
        if not isinstance(channel_id, str) or not channel_id or not isinstance(ts, str) or not ts:
            raise ValueError("message shortcut without a channel or a message")
        thread_ts, text = message.get("thread_ts"), message.get("text")
        files, blocks = message.get("files"), message.get("blocks")
        return cls(
            channel_id=channel_id,
            ts=ts,
            thread_ts=thread_ts if isinstance(thread_ts, str) and thread_ts else None,
            text=text if isinstance(text, str) else "",
            files=tuple(f for f in files if isinstance(f, dict)) if isinstance(files, list) else (),
            blocks=tuple(b for b in blocks if isinstance(b, dict))
            if isinstance(blocks, list)
            else (),
            trigger_id=str(body.get("trigger_id") or ""),
        )


def register(app: App) -> None:
    app.shortcut(ids.SHORTCUT_REPLY_FROM_MESSAGE)(handle_reply_from_message)


def handle_reply_from_message(
    ack: Ack, shortcut: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    t = services.texts
    team_id, user_id = actor(context)
    try:
        # Checked before anything goes to it: a forged response_url gets nothing at all.
        checked_reply_url(services, shortcut)
    except PayloadError as exc:
        log.warning("shortcut.refused", error=type(exc).__name__, reason=str(exc))
        return
    try:
        message = MessageShortcut.from_body(shortcut)
    except ValueError as exc:
        log.warning("shortcut.refused", error=type(exc).__name__, reason=str(exc))
        respond(text=t("shortcut.bad_payload"), response_type="ephemeral")
        return
    if not services.read_budget.spend(team_id, user_id, "message shortcut"):
        tell_budget_spent(services, respond)
        return
    numbers = dossiers_of(services, team_id, message)
    if len(numbers) != 1:
        key = "shortcut.several_dossiers" if numbers else "shortcut.no_dossier"
        listed = ", ".join(f"n° {n}" for n in numbers)
        respond(text=t(key, numbers=listed), response_type="ephemeral")
        return
    origin = ModalOrigin(
        number=numbers[0],
        action_id=ids.ACTION_REPONDRE,
        key=new_key(),
        # No card to refresh: the outcome is told in the channel, to the user alone.
        channel_id=message.channel_id,
    )
    view = build_action_modal(
        origin,
        t,
        initial_text=to_plain_text(message.text, lambda uid: display_name(services, uid)),
        message_files=offered_files(message.files),
    )
    try:
        opened = open_modal(services, message.trigger_id, view, team_id, user_id)
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        log.info("modal.open_failed", dossier=origin.number, error=error, origin="shortcut")
        respond(text=t("action.modal_failed", error=error), response_type="ephemeral")
        return
    view_id = opened["view"]["id"]
    audience = Audience(team_id, user_id, origin)

    def on_error(exc: BaseException) -> None:
        from dsbot.slack.presentation.blocks.modals import build_info_modal

        text = ds_error_text(exc, t, number=origin.number) if isinstance(exc, Exception) else ""
        update_view(services, view_id, build_info_modal(origin, t, text), team_id, user_id)

    # As after a click: the modal turns into an explanation if the user may not reply.
    services.jobs.submit(prepare_modal, services, audience, view_id, on_error=on_error)


def dossiers_of(services: AppServices, team_id: str, message: MessageShortcut) -> tuple[int, ...]:
    """The dossier the message belongs to: its thread's notification, the card it is or whose
    thread it is in, or the dossiers its text names (the caller wants exactly one)."""
    root = message.thread_ts or message.ts
    with services.store.connect() as db:
        number = dossier_of_message(db, team_id, message.channel_id, root)
    if number is not None:
        return (number,)
    on_card = card_dossiers(message.blocks)
    if on_card:
        return on_card
    if message.thread_ts and message.thread_ts != message.ts:
        under_card = card_dossiers(thread_root_blocks(services, message))
        if under_card:
            return under_card
    return dossiers_named(message.text, ds_hosts(services.settings.ds_web_base))


def thread_root_blocks(
    services: AppServices, message: MessageShortcut
) -> tuple[dict[str, Any], ...]:
    """The blocks of the thread's first message (a shared card is not in channel_messages).

    One Slack read, no DS call: the modal still opens well within the trigger's 3 seconds."""
    try:
        replies = services.slack.conversations_replies(
            channel=message.channel_id, ts=message.thread_ts or message.ts, limit=1
        )
    except SlackApiError as exc:
        # A conversation the bot cannot read (a DM, a private channel it is not in).
        log.info(
            "shortcut.thread_root_unreadable",
            channel=message.channel_id,
            error=exc.response.get("error"),
        )
        return ()
    messages = replies.get("messages") or []
    root = messages[0] if messages and isinstance(messages[0], dict) else {}
    blocks = root.get("blocks")
    return tuple(b for b in blocks if isinstance(b, dict)) if isinstance(blocks, list) else ()


def card_dossiers(blocks: tuple[dict[str, Any], ...]) -> tuple[int, ...]:
    """The dossier of a card the bot posted (its buttons carry the dossier's reference)."""
    found: list[int] = []
    for block in blocks:
        elements = block.get("elements") if block.get("type") == "actions" else None
        for element in elements if isinstance(elements, list) else []:
            value = element.get("value") if isinstance(element, dict) else None
            try:
                found.append(ids.decode_ref(value))
            except ValueError:
                continue
    return tuple(dict.fromkeys(found))


def offered_files(files: tuple[dict[str, Any], ...]) -> tuple[MessageFile, ...]:
    """The message's files DS could take; a remote, empty, too large or refused type is left
    out (the modal's own file field is still there)."""
    offered: list[MessageFile] = []
    for file in files:
        file_id, size = file.get("id"), file.get("size")
        mimetype = str(file.get("mimetype") or "application/octet-stream")
        if not isinstance(file_id, str) or not file_id or file.get("is_external") is True:
            continue
        if isinstance(size, int) and not 0 < size <= MAX_FILE_BYTES:
            continue
        if not ds_accepts(mimetype):
            continue
        name = str(file.get("name") or file.get("title") or file_id)
        offered.append(MessageFile(id=file_id, name=name, mimetype=mimetype))
    return tuple(offered)


def display_name(services: AppServices, user_id: str) -> str | None:
    """A person's full name (else their Slack display name); None when Slack does not know them."""
    try:
        user = services.slack.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.info("slack.users_info_failed", user=user_id, error=exc.response.get("error"))
        return None
    profile = user.get("profile") or {}
    for name in (profile.get("real_name"), user.get("real_name"), profile.get("display_name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    name = user.get("name")
    return name if isinstance(name, str) and name else None
