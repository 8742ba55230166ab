"""The modals of an item's actions, built from the port's `ActionForm`, and the modal in which
a person gives their own backend credential. Pure builders, plus `read_values`, which turns a
submitted modal's state back into typed values.

One input per thing the action asks for: a comment when asked, then each input by its kind
(text, long text, date, whole or decimal number, a select for an enum, a checkbox), with the
elements every modal uses for those kinds (`inputs.py`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from dsbot.backends.port import ActionForm, ActionInput, BackendName, InputKind, InputValue
from dsbot.slack import ids
from dsbot.slack.interaction.item_refs import ItemOrigin
from dsbot.slack.presentation.backend_texts import backend_text
from dsbot.slack.presentation.blocks.common import CONTEXT_TEXT_MAX, escape, mrkdwn, plain
from dsbot.slack.presentation.blocks.inputs import input_element, is_checked
from dsbot.slack.presentation.blocks.modals import INPUT_LABEL_MAX, VIEW_TITLE_MAX
from dsbot.texts import Texts

BLOCK_INTRO = "item_modal_intro"
BLOCK_REFUSAL = "item_modal_refusal"
BLOCK_INFO = "item_modal_info"


def _title(texts: Texts, backend: BackendName) -> Any:
    return plain(texts(f"item.modal.title.{backend.value}"), VIEW_TITLE_MAX)


def build_item_loading_modal(origin: ItemOrigin, texts: Texts) -> View:
    """Opened at the click, before any backend call (a trigger lives 3 seconds)."""
    return View(
        type="modal",
        callback_id=ids.VIEW_ITEM_ACTION,
        title=_title(texts, origin.backend),
        close=plain(texts("modal.close_info"), VIEW_TITLE_MAX),
        private_metadata=origin.encode(),
        blocks=[
            SectionBlock(
                block_id=BLOCK_INFO,
                text=mrkdwn(texts("item.modal.loading", action=escape(origin.action.label))),
            )
        ],
    )


def build_item_info_modal(origin: ItemOrigin, texts: Texts, message: str) -> View:
    """A modal that only explains (no submit): done, refused, cannot act…"""
    return View(
        type="modal",
        callback_id=ids.VIEW_ITEM_ACTION,
        title=_title(texts, origin.backend),
        close=plain(texts("modal.close_info"), VIEW_TITLE_MAX),
        private_metadata=origin.encode(),
        blocks=[SectionBlock(block_id=BLOCK_INFO, text=mrkdwn(message))],
    )


def build_item_form_modal(
    origin: ItemOrigin, form: ActionForm, texts: Texts, *, refusal: str | None = None
) -> View:
    """The form of one action; `refusal` (the backend's words) is shown on top after a refusal."""
    action = form.action
    if action.target is not None:
        intro = backend_text(
            texts,
            origin.backend,
            "item.modal.intro_target",
            action=escape(action.label),
            target=escape(action.target.label),
        )
    else:
        intro = backend_text(texts, origin.backend, "item.modal.intro", action=escape(action.label))
    blocks: list[Block] = []
    if refusal is not None:
        blocks.append(
            SectionBlock(
                block_id=BLOCK_REFUSAL,
                text=mrkdwn(
                    backend_text(
                        texts, origin.backend, "item.modal.refused", reason=_quote(refusal)
                    )
                ),
            )
        )
    blocks.append(SectionBlock(block_id=BLOCK_INTRO, text=mrkdwn(intro)))
    if form.ask_comment:
        blocks.append(
            InputBlock(
                block_id=ids.BLOCK_ITEM_COMMENT,
                label=plain(texts("item.modal.comment"), INPUT_LABEL_MAX),
                element=input_element(InputKind.LONG_TEXT, ids.ACTION_ITEM_COMMENT_INPUT),
                optional=not form.comment_required,
            )
        )
    blocks += [_input_block(i, texts) for i in form.inputs]
    if not form.ask_comment and not form.inputs:
        blocks.append(
            ContextBlock(elements=[mrkdwn(texts("item.modal.nothing_asked"), CONTEXT_TEXT_MAX)])
        )
    return View(
        type="modal",
        callback_id=ids.VIEW_ITEM_ACTION,
        title=_title(texts, origin.backend),
        submit=plain(texts("item.modal.submit"), VIEW_TITLE_MAX),
        close=plain(texts("modal.close"), VIEW_TITLE_MAX),
        private_metadata=origin.encode(),
        blocks=blocks,
    )


def _quote(text: str) -> str:
    return "\n".join(f"> {escape(line)}" for line in text.strip().splitlines() or [""])


def _input_block(spec: ActionInput, texts: Texts) -> InputBlock:
    return InputBlock(
        block_id=ids.BLOCK_ITEM_INPUT_PREFIX + spec.id,
        label=plain(spec.label, INPUT_LABEL_MAX),
        element=input_element(
            spec.kind,
            ids.ACTION_ITEM_INPUT,
            options=spec.options,
            checkbox_label=spec.label,
            placeholder=texts("item.modal.choose"),
        ),
        # A checkbox left empty is a "no", not a missing answer.
        optional=not spec.required or spec.kind is InputKind.CHECKBOX,
    )


def build_connect_modal(backend: BackendName, texts: Texts) -> View:
    """Where a person pastes their own token; it goes to the bot only, never to a channel."""
    return View(
        type="modal",
        callback_id=ids.VIEW_BACKEND_CONNECT,
        title=_title(texts, backend),
        submit=plain(texts("connect.submit"), VIEW_TITLE_MAX),
        close=plain(texts("modal.close"), VIEW_TITLE_MAX),
        private_metadata=backend.value,
        blocks=[
            SectionBlock(
                block_id=BLOCK_INTRO, text=mrkdwn(texts(f"connect.intro.{backend.value}"))
            ),
            InputBlock(
                block_id=ids.BLOCK_CONNECT_CREDENTIAL,
                label=plain(texts(f"connect.label.{backend.value}"), INPUT_LABEL_MAX),
                element=PlainTextInputElement(
                    action_id=ids.ACTION_CONNECT_CREDENTIAL_INPUT, max_length=500
                ),
            ),
        ],
    )


def build_connect_info_modal(backend: BackendName, texts: Texts, message: str) -> View:
    return View(
        type="modal",
        callback_id=ids.VIEW_BACKEND_CONNECT,
        title=_title(texts, backend),
        close=plain(texts("modal.close_info"), VIEW_TITLE_MAX),
        private_metadata=backend.value,
        blocks=[SectionBlock(block_id=BLOCK_INFO, text=mrkdwn(message))],
    )


# --- reading a submission -----------------------------------------------------------------


def read_comment(values: dict[str, Any]) -> str | None:
    raw = (values.get(ids.BLOCK_ITEM_COMMENT) or {}).get(ids.ACTION_ITEM_COMMENT_INPUT) or {}
    text = (raw.get("value") or "").strip()
    return text or None


def read_values(values: dict[str, Any]) -> dict[str, InputValue]:
    """The inputs of a submitted action form, by the backend's input id, typed by the element
    Slack reports (an empty input is left out). Raises ValueError on a malformed value."""
    found: dict[str, InputValue] = {}
    for block_id, by_action in values.items():
        if not block_id.startswith(ids.BLOCK_ITEM_INPUT_PREFIX):
            continue
        state = (by_action or {}).get(ids.ACTION_ITEM_INPUT) or {}
        input_id = block_id[len(ids.BLOCK_ITEM_INPUT_PREFIX) :]
        value = _typed(state)
        if value is not None:
            found[input_id] = value
    return found


def _typed(state: dict[str, Any]) -> InputValue:
    kind = state.get("type")
    if kind == "datepicker":
        selected = state.get("selected_date")
        return date.fromisoformat(selected) if selected else None
    if kind == "static_select":
        option = state.get("selected_option") or {}
        return option.get("value") or None
    if kind == "checkboxes":
        return is_checked(state)
    if kind == "number_input":
        text = (state.get("value") or "").strip()
        if not text:
            return None
        number = float(text)
        return int(number) if number.is_integer() and "." not in text else number
    text = (state.get("value") or "").strip()
    return text or None
