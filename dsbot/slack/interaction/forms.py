"""Reading a submitted action modal, and the checks shown inline before it closes.

Only what the submission itself says is checked here (no network: the answer must reach Slack
within 3 seconds). Authorization and the dossier's state are checked later, on a fresh read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsbot.slack import ids
from dsbot.slack.interaction.files import MAX_FILE_BYTES, SlackFileRef, ds_accepts, megabytes
from dsbot.slack.presentation.blocks.inputs import TEXT_INPUT_MAX, too_long
from dsbot.slack.presentation.blocks.modals import (
    CORRECTION_REASONS,
    DECISIONS,
    MOTIVATION_REQUIRED,
    OPTION_DISABLE_NOTIFICATION,
    OPTION_INSTRUCTION_FIRST,
    MessageFile,
    ModalOrigin,
)
from dsbot.texts import Texts


@dataclass(frozen=True)
class ActionForm:
    # Motivation of a decision, or body of a message.
    text: str | None
    files: tuple[SlackFileRef, ...]
    disable_notification: bool
    instruction_first: bool
    # Where text and files were entered (for inline errors).
    text_block: str | None
    file_block: str | None
    # A file entry that is not what Slack sends (a forged or broken payload).
    files_malformed: bool = False
    # The option picked in the modal's select (correction reason, groupe, message), and where.
    choice: str | None = None
    choice_block: str | None = None

    @property
    def file(self) -> SlackFileRef | None:
        return self.files[0] if self.files else None


def _state(values: Any, block_id: str, action_id: str) -> dict[str, Any]:
    """One input's state; {} when absent or not shaped as Slack sends it."""
    block = values.get(block_id) if isinstance(values, dict) else None
    state = block.get(action_id) if isinstance(block, dict) else None
    return state if isinstance(state, dict) else {}


def _checked(values: Any, block_id: str, action_id: str, option: str) -> bool:
    selected = _state(values, block_id, action_id).get("selected_options")
    if not isinstance(selected, list):
        return False
    return any(isinstance(o, dict) and o.get("value") == option for o in selected)


# The select of each modal that has one: (block_id, action_id).
_CHOICE_INPUTS = {
    ids.ACTION_DEMANDER_CORRECTION: (
        ids.BLOCK_CORRECTION_REASON,
        ids.ACTION_CORRECTION_REASON_INPUT,
    ),
    ids.ACTION_CHANGER_GROUPE: (ids.BLOCK_GROUPE, ids.ACTION_GROUPE_INPUT),
    ids.ACTION_SUPPRIMER_MESSAGE: (ids.BLOCK_MESSAGE_CHOICE, ids.ACTION_MESSAGE_CHOICE_INPUT),
}
# Modals whose message to the usager is required.
_MESSAGE_REQUIRED = (ids.ACTION_REPONDRE, ids.ACTION_DEMANDER_CORRECTION)


def _selected(values: Any, block_id: str, action_id: str) -> str | None:
    option = _state(values, block_id, action_id).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) and value else None


def read_form(values: Any, origin: ModalOrigin) -> ActionForm:
    """The inputs of the modal `origin` opened, from `view.state.values`."""
    text_block = text_action = file_block = file_action = None
    choice_block = choice = None
    if origin.action_id in _CHOICE_INPUTS:
        choice_block, choice_action = _CHOICE_INPUTS[origin.action_id]
        choice = _selected(values, choice_block, choice_action)
    if origin.action_id in _MESSAGE_REQUIRED:
        text_block, text_action = ids.BLOCK_MESSAGE_BODY, ids.ACTION_MESSAGE_BODY_INPUT
        file_block, file_action = ids.BLOCK_MESSAGE_ATTACHMENT, ids.ACTION_MESSAGE_ATTACHMENT_INPUT
    elif origin.action_id in DECISIONS:
        text_block, text_action = ids.BLOCK_MOTIVATION, ids.ACTION_MOTIVATION_INPUT
        file_block, file_action = ids.BLOCK_JUSTIFICATIF, ids.ACTION_JUSTIFICATIF_INPUT
    text = None
    files: tuple[SlackFileRef, ...] = ()
    malformed = False
    if text_block and text_action:
        value = _state(values, text_block, text_action).get("value")
        text = value if isinstance(value, str) else None
    if file_block and file_action:
        raw = _state(values, file_block, file_action).get("files") or []
        try:
            if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
                raise ValueError("files is not a list of file objects")
            files = tuple(SlackFileRef.from_payload(f) for f in raw)
        except ValueError:
            malformed = True
    if origin.action_id == ids.ACTION_REPONDRE:
        try:
            files += _chosen_message_files(values)
        except ValueError:
            malformed = True
    return ActionForm(
        text=text,
        files=files,
        disable_notification=_checked(
            values,
            ids.BLOCK_DISABLE_NOTIFICATION,
            ids.ACTION_DISABLE_NOTIFICATION_INPUT,
            OPTION_DISABLE_NOTIFICATION,
        ),
        instruction_first=_checked(
            values,
            ids.BLOCK_INSTRUCTION_FIRST,
            ids.ACTION_INSTRUCTION_FIRST_INPUT,
            OPTION_INSTRUCTION_FIRST,
        ),
        text_block=text_block,
        file_block=file_block,
        files_malformed=malformed,
        choice=choice,
        choice_block=choice_block,
    )


def _chosen_message_files(values: Any) -> tuple[SlackFileRef, ...]:
    """The message's files ticked in a reply opened from a message (dsbot.slack.listeners
    .shortcuts); the download checks the file's real size and content."""
    state = _state(values, ids.BLOCK_MESSAGE_FILE_CHOICE, ids.ACTION_MESSAGE_FILE_CHOICE_INPUT)
    selected = state.get("selected_options") or []
    if not isinstance(selected, list) or not all(isinstance(o, dict) for o in selected):
        raise ValueError("selected_options is not a list of options")
    refs: list[SlackFileRef] = []
    for option in selected:
        text = option.get("text")
        label = text.get("text") if isinstance(text, dict) else None
        file = MessageFile.from_option(option.get("value"), label if isinstance(label, str) else "")
        refs.append(
            SlackFileRef(id=file.id, name=file.name or file.id, mimetype=file.mimetype, size=None)
        )
    return tuple(refs)


def validate(
    form: ActionForm, origin: ModalOrigin, texts: Texts, *, max_bytes: int = MAX_FILE_BYTES
) -> dict[str, str]:
    """Inline errors, `{block_id: message}`; empty when the submission may go ahead."""
    errors: dict[str, str] = {}
    needs_text = origin.action_id in (*MOTIVATION_REQUIRED, *_MESSAGE_REQUIRED)
    if needs_text and form.text_block and not (form.text or "").strip():
        key = (
            "form.message_required"
            if origin.action_id in _MESSAGE_REQUIRED
            else ("form.motivation_required")
        )
        errors[form.text_block] = texts(key)
    elif form.text_block and len(form.text or "") > TEXT_INPUT_MAX:
        # The modal's max_length stops Slack's own input; a forged submission is stopped here.
        errors[form.text_block] = too_long(texts, form.text or "")
    if form.choice_block and form.choice is None:
        errors[form.choice_block] = texts("form.choice_required")
    elif (
        origin.action_id == ids.ACTION_DEMANDER_CORRECTION
        and form.choice_block
        and form.choice not in CORRECTION_REASONS
    ):
        errors[form.choice_block] = texts("form.choice_unknown")
    if form.file_block and form.files_malformed:
        errors[form.file_block] = texts("form.file_malformed")
    elif form.file_block and form.files:
        file_error = _file_error(form.files, texts, max_bytes)
        if file_error:
            errors[form.file_block] = file_error
    if origin.instruction_first and not form.instruction_first:
        errors[ids.BLOCK_INSTRUCTION_FIRST] = texts("form.instruction_first_required")
    return errors


def _file_error(files: tuple[SlackFileRef, ...], texts: Texts, max_bytes: int) -> str | None:
    if len(files) > 1:
        return texts("form.too_many_files")
    file = files[0]
    if file.is_external:
        return texts("form.file_external", name=file.name)
    if file.size == 0:
        return texts("form.file_empty", name=file.name)
    if file.size is not None and file.size > max_bytes:
        return texts(
            "form.file_too_large",
            name=file.name,
            size_mb=megabytes(file.size),
            limit_mb=megabytes(max_bytes),
        )
    if not ds_accepts(file.mimetype):
        return texts("form.file_type_refused", name=file.name, mimetype=file.mimetype)
    return None
