"""Every action_id, callback_id and block_id the bot sends to Slack, named once.

Builders put these ids on the blocks; listeners register on the same constants, so a typo
cannot silently disconnect a button from its handler.
"""

from __future__ import annotations

import json
from typing import TypeGuard

COMMAND_DS = "/ds"

# --- buttons on dossier cards and notifications (block_actions) ----------------------------
ACTION_PASSER_EN_INSTRUCTION = "dossier_passer_en_instruction"
ACTION_ACCEPTER = "dossier_accepter"
ACTION_REFUSER = "dossier_refuser"
ACTION_CLASSER_SANS_SUITE = "dossier_classer_sans_suite"
ACTION_REPASSER_EN_INSTRUCTION = "dossier_repasser_en_instruction"
ACTION_REPONDRE = "dossier_repondre"
ACTION_ARCHIVER = "dossier_archiver"
# A link button still sends block_actions: its listener only has to ack.
ACTION_VOIR_DANS_DS = "dossier_voir_dans_ds"
ACTION_PARTAGER = "dossier_partager"

# The buttons that change a dossier in DS (and so need a linked, authorized instructeur).
DOSSIER_ACTIONS: tuple[str, ...] = (
    ACTION_PASSER_EN_INSTRUCTION,
    ACTION_ACCEPTER,
    ACTION_REFUSER,
    ACTION_CLASSER_SANS_SUITE,
    ACTION_REPASSER_EN_INSTRUCTION,
    ACTION_REPONDRE,
    ACTION_ARCHIVER,
)

# --- modals (view_submission callback ids) --------------------------------------------------
VIEW_PASSER_EN_INSTRUCTION = "view_passer_en_instruction"
VIEW_ACCEPTER = "view_accepter"
VIEW_REFUSER = "view_refuser"
VIEW_CLASSER_SANS_SUITE = "view_classer_sans_suite"
VIEW_REPASSER_EN_INSTRUCTION = "view_repasser_en_instruction"
VIEW_REPONDRE = "view_repondre"
VIEW_ARCHIVER = "view_archiver"

# --- inputs inside those modals (state.values[block_id][action_id]) -------------------------
BLOCK_MOTIVATION = "motivation"
ACTION_MOTIVATION_INPUT = "motivation_input"
BLOCK_JUSTIFICATIF = "justificatif"
ACTION_JUSTIFICATIF_INPUT = "justificatif_input"
BLOCK_MESSAGE_BODY = "message_body"
ACTION_MESSAGE_BODY_INPUT = "message_body_input"
BLOCK_MESSAGE_ATTACHMENT = "message_attachment"
ACTION_MESSAGE_ATTACHMENT_INPUT = "message_attachment_input"
BLOCK_DISABLE_NOTIFICATION = "disable_notification"
ACTION_DISABLE_NOTIFICATION_INPUT = "disable_notification_input"

# --- blocks of the dossier card --------------------------------------------------------------
BLOCK_CARD_HEADER = "dossier_header"
BLOCK_CARD_FACTS = "dossier_facts"
BLOCK_CARD_DATES = "dossier_dates"
BLOCK_CARD_NOTICES = "dossier_notices"
BLOCK_CARD_MOTIVATION = "dossier_motivation"
BLOCK_CARD_LAST_MESSAGE = "dossier_last_message"
BLOCK_CARD_ACTED = "dossier_acted"
BLOCK_CARD_CANNOT_ACT = "dossier_cannot_act"
BLOCK_CARD_ACTIONS = "dossier_actions"

# --- other messages ----------------------------------------------------------------------------
BLOCK_HELP_HEADER = "help_header"
BLOCK_HELP_UNKNOWN = "help_unknown"
BLOCK_HELP_COMMANDS = "help_commands"
BLOCK_HELP_FOOTER = "help_footer"
BLOCK_EVENT = "dossier_event"
BLOCK_EVENT_EXCERPT = "dossier_event_excerpt"
BLOCK_BURST_SUMMARY = "burst_summary"
BLOCK_BURST_NUMBERS = "burst_numbers"


# --- button values -----------------------------------------------------------------------------
# DS numbers dossiers with a GraphQL Int (32 bits): anything larger is not a dossier.
MAX_DOSSIER_NUMBER = 2**31 - 1


def is_dossier_number(number: object) -> TypeGuard[int]:
    return (
        isinstance(number, int)
        and not isinstance(number, bool)
        and 0 < number <= MAX_DOSSIER_NUMBER
    )


def encode_ref(number: int) -> str:
    """The button `value` naming a dossier: compact JSON, so fields can be added later.

    Not sealed: it only names a dossier, access to which is decided again on every click from a
    fresh read of DS; where the answer goes comes from Slack's signed request, not from it.
    """
    if not is_dossier_number(number):
        raise ValueError(f"not a dossier number: {number!r}")
    return json.dumps({"d": number}, separators=(",", ":"))


def decode_ref(value: str | None) -> int:
    """The dossier number carried by a button `value`; ValueError when it is not ours.

    The value comes back from Slack in a user's click, so it is checked, not trusted.
    """
    if not isinstance(value, str) or len(value) > 100:
        raise ValueError("not a dossier reference")
    try:
        data = json.loads(value)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"not a dossier reference: {value!r}") from exc
    number = data.get("d") if isinstance(data, dict) else None
    if not is_dossier_number(number):
        raise ValueError(f"not a dossier reference: {value!r}")
    return number


# --- additions of the decision modals (dsbot/slack/blocks/modals.py) ------------------------
# Shown when a decision is asked on a dossier still en_construction.
BLOCK_INSTRUCTION_FIRST = "instruction_first"
ACTION_INSTRUCTION_FIRST_INPUT = "instruction_first_input"


# --- items of any backend (dsbot/slack/blocks/item.py, listeners/items.py) -------------------
# A card has one button per action; Slack wants distinct action_ids in a block, so each is
# ACTION_ITEM_ACTION_PREFIX + its position, and the listener matches the prefix.
ACTION_ITEM_ACTION_PREFIX = "item_action_"
ACTION_ITEM_OPEN = "item_open"
ACTION_ITEM_SHARE = "item_share"
ACTION_ITEM_CONNECT = "item_connect"
VIEW_ITEM_ACTION = "view_item_action"
VIEW_BACKEND_CONNECT = "view_backend_connect"
BLOCK_ITEM_HEADER = "item_header"
BLOCK_ITEM_FACTS = "item_facts"
BLOCK_ITEM_HISTORY = "item_history"
BLOCK_ITEM_ACTED = "item_acted"
BLOCK_ITEM_CANNOT_ACT = "item_cannot_act"
BLOCK_ITEM_ACTIONS = "item_actions"
BLOCK_ITEM_COMMENT = "item_comment"
ACTION_ITEM_COMMENT_INPUT = "item_comment_input"
# Each input of an action form: block_id = prefix + the backend's input id.
BLOCK_ITEM_INPUT_PREFIX = "item_input:"
ACTION_ITEM_INPUT = "item_input_value"
BLOCK_CONNECT_CREDENTIAL = "connect_credential"
ACTION_CONNECT_CREDENTIAL_INPUT = "connect_credential_input"

# --- the App Home (dsbot/slack/blocks/home.py) ---------------------------------------------
# Opens the dossier's card in the viewer's direct messages with the app (value: encode_ref).
ACTION_HOME_OPEN = "home_open_dossier"
# « Voir plus » of a section (value: the section name).
ACTION_HOME_MORE = "home_more"
# The state filter (a static_select).
ACTION_HOME_FILTER = "home_state_filter"
BLOCK_HOME_FILTER = "home_filter"
BLOCK_HOME_FRESHNESS = "home_freshness"

# --- the daily digest (dsbot/slack/blocks/digest.py) ----------------------------------------
BLOCK_DIGEST_HEADER = "digest_header"
BLOCK_DIGEST_COUNTS = "digest_counts"


# --- link previews and the message shortcut (listeners/unfurl.py, listeners/shortcuts.py) ------
BLOCK_UNFURL_SUMMARY = "unfurl_summary"
BLOCK_UNFURL_DATES = "unfurl_dates"
# The message shortcut « Répondre à l'usager » (manifest.yml, features.shortcuts).
SHORTCUT_REPLY_FROM_MESSAGE = "ds_reply_from_message"
# In the Répondre modal it opens: the message's files, one of which may be attached.
BLOCK_MESSAGE_FILE_CHOICE = "message_file_choice"
ACTION_MESSAGE_FILE_CHOICE_INPUT = "message_file_choice_input"


# --- the card's « Plus » menu (dsbot/slack/listeners/more.py) ---------------------------------
# An overflow menu; each option's value is f"{option}:{number}".
ACTION_CARD_MORE = "dossier_more"
MORE_ETIQUETTES = "etiquettes"
MORE_ANNOTATIONS = "annotations"

# --- the Étiquettes and Annotations modals (dsbot/slack/blocks/edits.py) ----------------------
VIEW_ETIQUETTES = "view_etiquettes"
VIEW_ANNOTATIONS = "view_annotations"
BLOCK_LABELS = "labels"
ACTION_LABELS_INPUT = "labels_input"
# One input per annotation: block_id = prefix + its position in the modal's origin.
BLOCK_ANNOTATION_PREFIX = "annotation:"
ACTION_ANNOTATION_INPUT = "annotation_value"
