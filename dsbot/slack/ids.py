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

# The actions reached from the card's « Plus d'actions… » menu (ACTION_CARD_MORE). They are
# not buttons: these ids name them in modal origins, acted notes and texts.
ACTION_SUIVRE = "dossier_suivre"
ACTION_NE_PLUS_SUIVRE = "dossier_ne_plus_suivre"
ACTION_DEMANDER_CORRECTION = "dossier_demander_correction"
ACTION_CHANGER_GROUPE = "dossier_changer_groupe"
ACTION_REPASSER_EN_CONSTRUCTION = "dossier_repasser_en_construction"
ACTION_DESARCHIVER = "dossier_desarchiver"
ACTION_SUPPRIMER_MESSAGE = "dossier_supprimer_message"

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
VIEW_DEMANDER_CORRECTION = "view_demander_correction"
VIEW_CHANGER_GROUPE = "view_changer_groupe"
VIEW_REPASSER_EN_CONSTRUCTION = "view_repasser_en_construction"
VIEW_DESARCHIVER = "view_desarchiver"
VIEW_SUPPRIMER_MESSAGE = "view_supprimer_message"

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
BLOCK_CORRECTION_REASON = "correction_reason"
ACTION_CORRECTION_REASON_INPUT = "correction_reason_input"
BLOCK_GROUPE = "groupe_instructeur"
ACTION_GROUPE_INPUT = "groupe_instructeur_input"
BLOCK_MESSAGE_CHOICE = "message_choice"
ACTION_MESSAGE_CHOICE_INPUT = "message_choice_input"

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


# --- the card's « Plus d'actions… » menu (dsbot/slack/listeners/more.py) ---------------------
ACTION_CARD_MORE = "dossier_more"
MORE_SUIVRE = "suivre"
MORE_ETIQUETTES = "etiquettes"
MORE_ANNOTATIONS = "annotations"
MORE_CORRECTION = "correction"
MORE_CHANGER_GROUPE = "changer_groupe"
MORE_REPASSER_EN_CONSTRUCTION = "repasser_en_construction"
MORE_DESARCHIVER = "desarchiver"
MORE_SUPPRIMER_MESSAGE = "supprimer_message"
# Not an action in DS: the card's sixth button, moved into the menu to keep five buttons.
MORE_PARTAGER = "partager"
MORE_OPTIONS: tuple[str, ...] = (
    MORE_SUIVRE,
    MORE_ETIQUETTES,
    MORE_ANNOTATIONS,
    MORE_CORRECTION,
    MORE_CHANGER_GROUPE,
    MORE_REPASSER_EN_CONSTRUCTION,
    MORE_DESARCHIVER,
    MORE_SUPPRIMER_MESSAGE,
    MORE_PARTAGER,
)


def encode_more(option: str, number: int) -> str:
    """The value of a menu option: `<option>:<dossier number>`."""
    if option not in MORE_OPTIONS:
        raise ValueError(f"not a menu option: {option!r}")
    if not is_dossier_number(number):
        raise ValueError(f"not a dossier number: {number!r}")
    return f"{option}:{number}"


def decode_more(value: object) -> tuple[str, int]:
    """(option, dossier number) of a menu selection; ValueError when the value is not ours.

    Like a button value, it comes back in a user's click: checked, not trusted.
    """
    if not isinstance(value, str) or len(value) > 100 or value.count(":") != 1:
        raise ValueError(f"not a menu value: {value!r}")
    option, _, digits = value.partition(":")
    if option not in MORE_OPTIONS:
        raise ValueError(f"unknown menu option: {option!r}")
    # isdecimal() alone accepts other scripts' digits, and int() would read "+1" or " 1".
    if not (digits.isascii() and digits.isdecimal()) or digits.startswith("0"):
        raise ValueError(f"not a dossier number in menu value: {value!r}")
    number = int(digits)
    if not is_dossier_number(number):
        raise ValueError(f"dossier number out of range in menu value: {value!r}")
    return option, number


# --- additions of the decision modals (dsbot/slack/presentation/blocks/modals.py) -----------------
# Shown when a decision is asked on a dossier still en_construction.
BLOCK_INSTRUCTION_FIRST = "instruction_first"
ACTION_INSTRUCTION_FIRST_INPUT = "instruction_first_input"


# --- items of any backend (dsbot/slack/presentation/blocks/item.py, listeners/items.py) -----------
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

# --- the App Home (dsbot/slack/presentation/blocks/home.py) ---------------------------------------
# Opens the dossier's card in the viewer's direct messages with the app (value: encode_ref).
ACTION_HOME_OPEN = "home_open_dossier"
# « Voir plus » of a section (value: the section name).
ACTION_HOME_MORE = "home_more"
# The state filter (a static_select).
ACTION_HOME_FILTER = "home_state_filter"
BLOCK_HOME_FILTER = "home_filter"
BLOCK_HOME_FRESHNESS = "home_freshness"
# The search box (a plain_text_input that dispatches on Enter) and its block.
ACTION_HOME_SEARCH = "home_search"
BLOCK_HOME_SEARCH = "home_search"

# --- search results (dsbot/slack/presentation/blocks/search.py) -----------------------------------
# Opens the dossier's card, ephemeral, where `/ds cherche` was typed (value: encode_ref).
ACTION_SEARCH_OPEN = "search_open_dossier"

# A personal notification topic's mode (a static_select in block `home_notify_<topic>`; value:
# `<topic>:<mode>`).
ACTION_HOME_NOTIFY = "home_notify"
BLOCK_HOME_NOTIFY = "home_notify"

# --- the daily digest (dsbot/slack/presentation/blocks/digest.py) ---------------------------------
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

# --- the Étiquettes and Annotations modals (dsbot/slack/presentation/blocks/edits.py) -------------
VIEW_ETIQUETTES = "view_etiquettes"
VIEW_ANNOTATIONS = "view_annotations"
BLOCK_LABELS = "labels"
ACTION_LABELS_INPUT = "labels_input"
# One input per annotation: block_id = prefix + its position in the modal's origin.
BLOCK_ANNOTATION_PREFIX = "annotation:"
ACTION_ANNOTATION_INPUT = "annotation_value"
