"""The card's « Plus » menu value, f"{option}:{number}", decoded strictly."""

from __future__ import annotations

import pytest

import dsbot.slack.listeners  # noqa: F401  (registers the options)
from dsbot.slack import ids
from dsbot.slack.listeners.more import MORE_HANDLERS, decode_option


def test_both_options_are_registered() -> None:
    assert {ids.MORE_ETIQUETTES, ids.MORE_ANNOTATIONS} <= set(MORE_HANDLERS)


def test_a_value_of_ours_is_decoded() -> None:
    assert decode_option("etiquettes:1234") == (ids.MORE_ETIQUETTES, 1234)
    assert decode_option(f"annotations:{2**31 - 1}") == (ids.MORE_ANNOTATIONS, 2**31 - 1)


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        "",
        "etiquettes",
        "etiquettes:",
        "etiquettes:0",
        "etiquettes:0012",
        "etiquettes:-5",
        "etiquettes:12:3",
        " etiquettes:12",
        "etiquettes:12\n",
        f"etiquettes:{2**31}",
        "inconnue:12",
        '{"d": 12}',
    ],
)
def test_anything_else_is_refused(value: object) -> None:
    with pytest.raises(ValueError):
        decode_option(value)
