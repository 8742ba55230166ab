"""One Block Kit input element per kind of the port's `ActionInput` (`InputKind`), for every
modal that asks for one: an item action's form (`action_form.py`), a DS decision's motivation
(`modals.py`) and the DS annotations (`edits.py`). The same kind gives the same element,
whichever backend asks; each modal keeps its own block and action ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)

from dsbot.backends.port import InputKind, InputOption
from dsbot.slack.presentation.blocks.common import plain
from dsbot.texts import Texts

# Slack's limits (docs/slack.md, "Modals").
TEXT_INPUT_MAX = 3000
OPTION_TEXT_MAX = 75
PLACEHOLDER_MAX = 150
SELECT_OPTIONS_MAX = 100
# The value of a ticked checkbox (a checkbox input has this one option).
CHECKED = "on"


def select_options(options: Sequence[InputOption]) -> list[Option]:
    """The options of a select, as many as Slack shows."""
    return [
        Option(value=o.value, text=plain(o.label, OPTION_TEXT_MAX))
        for o in options[:SELECT_OPTIONS_MAX]
    ]


def input_element(
    kind: InputKind,
    action_id: str,
    *,
    options: Sequence[InputOption] = (),
    checkbox_label: str = "",
    placeholder: str = "",
    initial: str | bool | None = None,
) -> Any:
    """The element that asks for an input of `kind`. `initial` is the value shown at first, in
    the input's own form (a text, an ISO date, a number's text, an option's value, a bool for
    a checkbox); `checkbox_label` is the text beside a checkbox, `placeholder` a select's."""
    text = initial if isinstance(initial, str) and initial else None
    if kind in (InputKind.TEXT, InputKind.LONG_TEXT):
        return PlainTextInputElement(
            action_id=action_id,
            multiline=True if kind is InputKind.LONG_TEXT else None,
            max_length=TEXT_INPUT_MAX,
            initial_value=text,
        )
    if kind is InputKind.DATE:
        return DatePickerElement(action_id=action_id, initial_date=text)
    if kind in (InputKind.NUMBER, InputKind.DECIMAL):
        return NumberInputElement(
            action_id=action_id,
            is_decimal_allowed=kind is InputKind.DECIMAL,
            initial_value=text,
        )
    if kind is InputKind.ENUM:
        choices = select_options(options)
        return StaticSelectElement(
            action_id=action_id,
            options=choices,
            initial_option=next((o for o in choices if o.value == initial), None),
            placeholder=plain(placeholder, PLACEHOLDER_MAX) if placeholder else None,
        )
    option = Option(value=CHECKED, text=plain(checkbox_label, OPTION_TEXT_MAX))
    return CheckboxesElement(
        action_id=action_id, options=[option], initial_options=[option] if initial else None
    )


def is_checked(state: dict[str, Any]) -> bool:
    """Whether a submitted checkbox input (its state in `view.state.values`) is ticked."""
    selected = state.get("selected_options")
    return isinstance(selected, list) and any(
        isinstance(o, dict) and o.get("value") == CHECKED for o in selected
    )


def too_long(texts: Texts, text: str) -> str:
    return texts("form.text_too_long", length=len(text), limit=TEXT_INPUT_MAX)


def overlong_texts(values: dict[str, Any], texts: Texts) -> dict[str, str]:
    """Inline errors for every text input of a submitted view longer than the modal allows
    (TEXT_INPUT_MAX): `{block_id: message}`, empty when none is."""
    errors: dict[str, str] = {}
    for block_id, by_action in values.items():
        for state in (by_action or {}).values() if isinstance(by_action, dict) else ():
            value = state.get("value") if isinstance(state, dict) else None
            if isinstance(value, str) and len(value) > TEXT_INPUT_MAX:
                errors[str(block_id)] = too_long(texts, value)
    return errors
