"""The modals of the dossier actions: confirmation, decision, reply, and an information view.

Pure builders: an origin and texts in, a `View` out. The modal's `private_metadata` carries
the `ModalOrigin` (dossier, card to refresh, idempotency key) to the submission.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)

# slack_sdk has the file_input element but does not re-export it from models.blocks.
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from dsbot.backends import registry
from dsbot.backends.port import ActionInput, BackendName
from dsbot.slack import ids
from dsbot.slack.interaction.seal import SEAL_MAX_CHARS
from dsbot.slack.presentation.blocks.common import CONTEXT_TEXT_MAX, mrkdwn, plain
from dsbot.slack.presentation.blocks.inputs import (
    OPTION_TEXT_MAX,
    SELECT_OPTIONS_MAX,
    TEXT_INPUT_MAX,
    input_element,
)
from dsbot.texts import Texts

# Slack's modal limits (docs/slack.md, "Modals").
VIEW_TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3000
INPUT_LABEL_MAX = 2000
OPTION_VALUE_MAX = 150
# Slack's checkboxes take 10 options at most.
MAX_MESSAGE_FILES = 10

# The button that opens each modal → the modal's callback_id and its texts' name.
CALLBACK_BY_ACTION: dict[str, str] = {
    ids.ACTION_PASSER_EN_INSTRUCTION: ids.VIEW_PASSER_EN_INSTRUCTION,
    ids.ACTION_ACCEPTER: ids.VIEW_ACCEPTER,
    ids.ACTION_REFUSER: ids.VIEW_REFUSER,
    ids.ACTION_CLASSER_SANS_SUITE: ids.VIEW_CLASSER_SANS_SUITE,
    ids.ACTION_REPASSER_EN_INSTRUCTION: ids.VIEW_REPASSER_EN_INSTRUCTION,
    ids.ACTION_REPONDRE: ids.VIEW_REPONDRE,
    ids.ACTION_ARCHIVER: ids.VIEW_ARCHIVER,
    ids.ACTION_DEMANDER_CORRECTION: ids.VIEW_DEMANDER_CORRECTION,
    ids.ACTION_CHANGER_GROUPE: ids.VIEW_CHANGER_GROUPE,
    ids.ACTION_REPASSER_EN_CONSTRUCTION: ids.VIEW_REPASSER_EN_CONSTRUCTION,
    ids.ACTION_DESARCHIVER: ids.VIEW_DESARCHIVER,
    ids.ACTION_SUPPRIMER_MESSAGE: ids.VIEW_SUPPRIMER_MESSAGE,
}
ACTION_BY_CALLBACK: dict[str, str] = {v: k for k, v in CALLBACK_BY_ACTION.items()}
NAME_BY_ACTION: dict[str, str] = {
    ids.ACTION_PASSER_EN_INSTRUCTION: "passer_en_instruction",
    ids.ACTION_ACCEPTER: "accepter",
    ids.ACTION_REFUSER: "refuser",
    ids.ACTION_CLASSER_SANS_SUITE: "classer_sans_suite",
    ids.ACTION_REPASSER_EN_INSTRUCTION: "repasser_en_instruction",
    ids.ACTION_REPONDRE: "repondre",
    ids.ACTION_ARCHIVER: "archiver",
    ids.ACTION_DEMANDER_CORRECTION: "demander_correction",
    ids.ACTION_CHANGER_GROUPE: "changer_groupe",
    ids.ACTION_REPASSER_EN_CONSTRUCTION: "repasser_en_construction",
    ids.ACTION_DESARCHIVER: "desarchiver",
    ids.ACTION_SUPPRIMER_MESSAGE: "supprimer_message",
    # Done at once, without a modal; named for the card's notes and explanations.
    ids.ACTION_SUIVRE: "suivre",
    ids.ACTION_NE_PLUS_SUIVRE: "ne_plus_suivre",
}
# An action's name (the DS adapter's action id) → its button's action_id.
ACTION_BY_NAME: dict[str, str] = {name: action_id for action_id, name in NAME_BY_ACTION.items()}
# The DS adapter's decisions, and those whose motivation DS requires, as button action_ids.
_DS = registry.get(BackendName.DS)


def decision_input(name: str, texts: Callable[..., str]) -> ActionInput | None:
    """What DS's decision `name` asks besides its justificatif (the motivation), or None."""
    return _DS.decision_input(name, texts) if _DS.decision_input else None


def _key(key: str, **params: object) -> str:
    # Whether an input is required does not depend on the language: keys stand in for texts.
    return key


DECISIONS = tuple(ACTION_BY_NAME[name] for name in _DS.decisions)
MOTIVATION_REQUIRED = tuple(
    ACTION_BY_NAME[name]
    for name in _DS.decisions
    if (needed := decision_input(name, _key)) is not None and needed.required
)
# Mutations without `disableNotification`.
NO_SILENCE = (
    ids.ACTION_REPONDRE,
    ids.ACTION_ARCHIVER,
    ids.ACTION_DEMANDER_CORRECTION,
    ids.ACTION_CHANGER_GROUPE,
    ids.ACTION_REPASSER_EN_CONSTRUCTION,
    ids.ACTION_DESARCHIVER,
    ids.ACTION_SUPPRIMER_MESSAGE,
)
# Modals whose choices come from DS: opened empty, filled once DS has been read.
CHOICE_ACTIONS = (ids.ACTION_CHANGER_GROUPE, ids.ACTION_SUPPRIMER_MESSAGE)
# What a correction request may say (DS's CorrectionReason), in the order shown.
CORRECTION_REASONS = ("incomplete", "incorrect", "outdated")

OPTION_DISABLE_NOTIFICATION = "disable_notification"
OPTION_INSTRUCTION_FIRST = "instruction_first"
BLOCK_INTRO = "modal_intro"
BLOCK_NOTICE = "modal_notice"
BLOCK_INFO = "modal_info"


@dataclass(frozen=True)
class ModalOrigin:
    """Where a modal comes from, kept in its private_metadata until the submission."""

    number: int
    action_id: str
    # Idempotency key of the action this modal submits.
    key: str
    channel_id: str | None = None
    # A card posted in a channel: refreshed with chat.update.
    message_ts: str | None = None
    # An ephemeral card: refreshed through the click's response_url (replace_original).
    response_url: str | None = None
    # The modal asks to pass the dossier en instruction first (it was en_construction).
    instruction_first: bool = False

    def encode(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, False)}
        text = json.dumps(data, separators=(",", ":"))
        if len(text) > PRIVATE_METADATA_MAX - SEAL_MAX_CHARS:
            # Only a huge response_url could do this; the channel card path still works.
            data.pop("response_url", None)
            text = json.dumps(data, separators=(",", ":"))
        return text

    @classmethod
    def decode(cls, text: str | None) -> ModalOrigin:
        """The origin of a submitted modal; ValueError if it is not one of ours."""
        try:
            data = json.loads(text or "")
            origin = cls(**data)
        except (TypeError, ValueError, RecursionError) as exc:
            raise ValueError(f"not a modal origin: {text!r}") from exc
        if not ids.is_dossier_number(origin.number):
            raise ValueError(f"not a dossier number: {origin.number!r}")
        optional_texts = (origin.channel_id, origin.message_ts, origin.response_url)
        if (
            not isinstance(origin.action_id, str)
            or origin.action_id not in CALLBACK_BY_ACTION
            or not isinstance(origin.key, str)
            or not origin.key
            or not all(v is None or isinstance(v, str) for v in optional_texts)
            or not isinstance(origin.instruction_first, bool)
        ):
            raise ValueError(f"not a modal origin: {text!r}")
        return origin

    @property
    def callback_id(self) -> str:
        return CALLBACK_BY_ACTION[self.action_id]

    @property
    def name(self) -> str:
        return NAME_BY_ACTION[self.action_id]


@dataclass(frozen=True)
class MessageFile:
    """A file of a Slack message, offered as the attachment of a reply (Slack's file_input
    cannot be pre-filled). Its option value carries what the submission needs to fetch it."""

    id: str
    name: str
    mimetype: str

    def option_value(self) -> str:
        data = {"f": self.id, "m": self.mimetype, "n": self.name}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        excess = len(text) - OPTION_VALUE_MAX
        if excess > 0:
            # A long name is shortened in its middle: its extension still says what it is.
            stem, dot, extension = self.name.rpartition(".")
            if not dot or len(extension) > 10:
                stem, extension = self.name, ""
            stem = stem[: max(len(stem) - excess - 1 - len(json.dumps("…")), 1)]
            data["n"] = f"{stem}…{dot}{extension}"
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(text) > OPTION_VALUE_MAX:
            text = json.dumps({"f": self.id, "m": self.mimetype}, separators=(",", ":"))
        return text

    @classmethod
    def from_option(cls, value: str, text: str) -> MessageFile:
        """The file an option names; ValueError when the value is not one of ours."""
        try:
            data = json.loads(value)
        except (TypeError, ValueError, RecursionError) as exc:
            raise ValueError("not a message file option") from exc
        file_id = data.get("f") if isinstance(data, dict) else None
        mimetype = data.get("m") if isinstance(data, dict) else None
        if not isinstance(file_id, str) or not file_id or not isinstance(mimetype, str):
            raise ValueError("not a message file option")
        name = data.get("n")
        return cls(
            id=file_id, name=name if isinstance(name, str) and name else text, mimetype=mimetype
        )


def build_action_modal(
    origin: ModalOrigin,
    texts: Texts,
    *,
    initial_text: str | None = None,
    message_files: tuple[MessageFile, ...] = (),
) -> View:
    """The modal a button opens: confirmation, decision or reply, depending on the action.

    The reply modal opened from a message (shortcut) comes pre-filled with its text, and offers
    its files as the attachment."""
    t, name, number = texts, origin.name, origin.number
    blocks: list[Block] = [
        SectionBlock(block_id=BLOCK_INTRO, text=mrkdwn(t(f"modal.intro.{name}", number=number)))
    ]
    if origin.action_id in DECISIONS:
        if origin.instruction_first:
            blocks += _instruction_first_blocks(number, t)
        motivation = decision_input(origin.name, t)
        if motivation is not None:
            blocks.append(_motivation_block(motivation, t))
        blocks.append(
            _file_block(ids.BLOCK_JUSTIFICATIF, ids.ACTION_JUSTIFICATIF_INPUT, "justificatif", t)
        )
    elif origin.action_id == ids.ACTION_DEMANDER_CORRECTION:
        blocks.append(
            InputBlock(
                block_id=ids.BLOCK_CORRECTION_REASON,
                label=plain(t("modal.correction.reason_label"), INPUT_LABEL_MAX),
                element=StaticSelectElement(
                    action_id=ids.ACTION_CORRECTION_REASON_INPUT,
                    options=[
                        Option(value=r, text=plain(t(f"correction.{r}"), OPTION_TEXT_MAX))
                        for r in CORRECTION_REASONS
                    ],
                ),
            )
        )
        blocks += _message_blocks(t)
    elif origin.action_id in CHOICE_ACTIONS:
        # Filled by build_choice_modal once DS has been read; nothing to submit until then.
        return build_info_modal(origin, t, t("modal.loading"))
    elif origin.action_id == ids.ACTION_REPONDRE:
        blocks.append(_message_body_block(t, initial_text))
        blocks.append(
            _file_block(
                ids.BLOCK_MESSAGE_ATTACHMENT, ids.ACTION_MESSAGE_ATTACHMENT_INPUT, "attachment", t
            )
        )
        if message_files:
            blocks.append(_message_files_block(message_files, t))
    if origin.action_id not in NO_SILENCE:
        blocks.append(
            _checkbox_block(
                ids.BLOCK_DISABLE_NOTIFICATION,
                ids.ACTION_DISABLE_NOTIFICATION_INPUT,
                OPTION_DISABLE_NOTIFICATION,
                label=t("modal.disable_notification.label"),
                option=t("modal.disable_notification.option"),
            )
        )
    return View(
        type="modal",
        callback_id=origin.callback_id,
        private_metadata=origin.encode(),
        title=plain(t(f"modal.title.{name}"), VIEW_TITLE_MAX),
        submit=plain(t(f"modal.submit.{name}"), VIEW_TITLE_MAX),
        close=plain(t("modal.close"), VIEW_TITLE_MAX),
        blocks=blocks,
    )


def build_choice_modal(origin: ModalOrigin, texts: Texts, choices: list[tuple[str, str]]) -> View:
    """Changer de groupe or Supprimer un message: pick one of `choices` (value, text)."""
    t, name = texts, origin.name
    if origin.action_id == ids.ACTION_CHANGER_GROUPE:
        block_id, action_id, label = ids.BLOCK_GROUPE, ids.ACTION_GROUPE_INPUT, "modal.groupe.label"
    else:
        block_id, action_id = ids.BLOCK_MESSAGE_CHOICE, ids.ACTION_MESSAGE_CHOICE_INPUT
        label = "modal.message_choice.label"
    blocks: list[Block] = [
        SectionBlock(
            block_id=BLOCK_INTRO, text=mrkdwn(t(f"modal.intro.{name}", number=origin.number))
        ),
        InputBlock(
            block_id=block_id,
            label=plain(t(label), INPUT_LABEL_MAX),
            element=StaticSelectElement(
                action_id=action_id,
                # Slack shows at most 100 options in a static select.
                options=[
                    Option(value=value, text=plain(text, OPTION_TEXT_MAX))
                    for value, text in choices[:SELECT_OPTIONS_MAX]
                ],
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=origin.callback_id,
        private_metadata=origin.encode(),
        title=plain(t(f"modal.title.{name}"), VIEW_TITLE_MAX),
        submit=plain(t(f"modal.submit.{name}"), VIEW_TITLE_MAX),
        close=plain(t("modal.close"), VIEW_TITLE_MAX),
        blocks=blocks,
    )


def build_info_modal(origin: ModalOrigin, texts: Texts, message: str) -> View:
    """A modal that only explains (the user may not act, the dossier moved on...).

    It has no submit button, so nothing can be sent from it.
    """
    return View(
        type="modal",
        callback_id=origin.callback_id,
        private_metadata=origin.encode(),
        title=plain(texts(f"modal.title.{origin.name}"), VIEW_TITLE_MAX),
        close=plain(texts("modal.close_info"), VIEW_TITLE_MAX),
        blocks=[SectionBlock(block_id=BLOCK_INFO, text=mrkdwn(message))],
    )


def build_error_modal(texts: Texts, message: str) -> View:
    """What replaces a modal whose submission cannot be read: nothing was done."""
    return View(
        type="modal",
        title=plain(texts("modal.title.error"), VIEW_TITLE_MAX),
        close=plain(texts("modal.close_info"), VIEW_TITLE_MAX),
        blocks=[SectionBlock(block_id=BLOCK_INFO, text=mrkdwn(message))],
    )


def view_payload(view: View) -> dict[str, Any]:
    """The JSON of a view (slack_sdk validates its limits here)."""
    return view.to_dict()


# --- pieces ---------------------------------------------------------------------------------


def _instruction_first_blocks(number: int, t: Texts) -> list[Block]:
    return [
        ContextBlock(
            block_id=BLOCK_NOTICE,
            elements=[mrkdwn(t("modal.instruction_first.notice", number=number), CONTEXT_TEXT_MAX)],
        ),
        # Optional for Slack so the submission reaches us and the refusal is explained inline.
        _checkbox_block(
            ids.BLOCK_INSTRUCTION_FIRST,
            ids.ACTION_INSTRUCTION_FIRST_INPUT,
            OPTION_INSTRUCTION_FIRST,
            label=t("modal.instruction_first.label"),
            option=t("modal.instruction_first.option"),
        ),
    ]


def _message_body_block(t: Texts, initial_text: str | None = None) -> InputBlock:
    """The message to the usager (required), pre-filled when the person starts from a text."""
    return InputBlock(
        block_id=ids.BLOCK_MESSAGE_BODY,
        label=plain(t("modal.message.label"), INPUT_LABEL_MAX),
        element=PlainTextInputElement(
            action_id=ids.ACTION_MESSAGE_BODY_INPUT,
            multiline=True,
            max_length=TEXT_INPUT_MAX,
            placeholder=plain(t("modal.message.placeholder"), 150),
            initial_value=initial_text[:TEXT_INPUT_MAX] if initial_text else None,
        ),
    )


def _message_blocks(t: Texts) -> list[Block]:
    """The body of a message to the usager (required) and its optional attachment."""
    return [
        _message_body_block(t),
        _file_block(
            ids.BLOCK_MESSAGE_ATTACHMENT, ids.ACTION_MESSAGE_ATTACHMENT_INPUT, "attachment", t
        ),
    ]


def _motivation_block(spec: ActionInput, t: Texts) -> InputBlock:
    """The motivation, the DS adapter's input of a decision: a long text, as any backend's."""
    hint = "modal.motivation.hint_required" if spec.required else "modal.motivation.hint_optional"
    return InputBlock(
        block_id=ids.BLOCK_MOTIVATION,
        label=plain(spec.label, INPUT_LABEL_MAX),
        hint=plain(t(hint), INPUT_LABEL_MAX),
        optional=not spec.required,
        element=input_element(spec.kind, ids.ACTION_MOTIVATION_INPUT),
    )


def _file_block(block_id: str, action_id: str, name: str, t: Texts) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=plain(t(f"modal.{name}.label"), INPUT_LABEL_MAX),
        hint=plain(t(f"modal.{name}.hint"), INPUT_LABEL_MAX),
        optional=True,
        # DS takes one file per message or decision (docs/ds-api.md, "Direct upload").
        element=FileInputElement(action_id=action_id, max_files=1),
    )


def _checkbox_block(
    block_id: str, action_id: str, value: str, *, label: str, option: str
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=plain(label, INPUT_LABEL_MAX),
        optional=True,
        element=CheckboxesElement(
            action_id=action_id,
            options=[Option(value=value, text=plain(option, OPTION_TEXT_MAX))],
        ),
    )


def _message_files_block(files: tuple[MessageFile, ...], t: Texts) -> InputBlock:
    # Checkboxes, not radio buttons: a ticked file can be unticked again.
    return InputBlock(
        block_id=ids.BLOCK_MESSAGE_FILE_CHOICE,
        label=plain(t("modal.message_files.label"), INPUT_LABEL_MAX),
        hint=plain(t("modal.message_files.hint"), INPUT_LABEL_MAX),
        optional=True,
        element=CheckboxesElement(
            action_id=ids.ACTION_MESSAGE_FILE_CHOICE_INPUT,
            options=[
                Option(value=f.option_value(), text=plain(f.name, OPTION_TEXT_MAX))
                for f in files[:MAX_MESSAGE_FILES]
            ],
        ),
    )
