"""Text inputs beyond the modal's max_length (Slack's 3,000), as a forged submission sends them:
every one is named, whatever the form (a DS decision's, a Dynacase action's comment)."""

from __future__ import annotations

from dsbot.slack import ids
from dsbot.slack.presentation.blocks.inputs import TEXT_INPUT_MAX, overlong_texts
from dsbot.texts import get_texts


def test_every_overlong_text_input_is_named_and_the_rest_pass() -> None:
    t = get_texts("fr")
    values = {
        ids.BLOCK_ITEM_COMMENT: {
            ids.ACTION_ITEM_COMMENT_INPUT: {"type": "plain_text_input", "value": "a" * 300_000}
        },
        f"{ids.BLOCK_ITEM_INPUT_PREFIX}motif": {
            ids.ACTION_ITEM_INPUT: {"type": "plain_text_input", "value": "b" * TEXT_INPUT_MAX}
        },
        "other": {"x": {"type": "static_select", "selected_option": {"value": "c" * 9000}}},
    }
    errors = overlong_texts(values, t)
    assert list(errors) == [ids.BLOCK_ITEM_COMMENT]
    assert errors[ids.BLOCK_ITEM_COMMENT] == t(
        "form.text_too_long", length=300_000, limit=TEXT_INPUT_MAX
    )
