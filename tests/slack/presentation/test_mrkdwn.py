"""Slack mrkdwn back to the plain text a usager reads."""

from __future__ import annotations

import pytest

from dsbot.slack.presentation.mrkdwn import to_plain_text

NAMES = {"U0ALICE01": "Alice Martin"}


def plain(text: str) -> str:
    return to_plain_text(text, NAMES.get)


@pytest.mark.parametrize(
    ("mrkdwn", "expected"),
    [
        ("Bonjour <@U0ALICE01> !", "Bonjour Alice Martin !"),
        ("vu avec <@U0NOBODY1>", "vu avec @U0NOBODY1"),
        ("vu avec <@U0BRUNO01|bruno>", "vu avec bruno"),
        ("voir <#C0GENERAL|general>", "voir #general"),
        ("voir <#C0GENERAL>", "voir #C0GENERAL"),
        ("le <https://example.org/rib|modèle>", "le modèle (https://example.org/rib)"),
        ("le <https://example.org/rib>", "le https://example.org/rib"),
        ("le <https://example.org|https://example.org>", "le https://example.org"),
        ("écrire à <mailto:a@b.fr|a@b.fr>", "écrire à a@b.fr"),
        ("<!here> réunion", "@here réunion"),
        ("le <!date^1700000000^{date}|14 nov.>", "le 14 nov."),
        ("A &amp; B &lt;3 &gt; 2", "A & B <3 > 2"),
        # An escaped token is text the person typed, not markup.
        ("&lt;@U0ALICE01&gt;", "<@U0ALICE01>"),
        ("&amp;lt;", "&lt;"),
        ("*gras* _italique_ `code`", "*gras* _italique_ `code`"),
        ("", ""),
    ],
)
def test_to_plain_text(mrkdwn: str, expected: str) -> None:
    assert plain(mrkdwn) == expected


def test_names_are_asked_once_per_mention() -> None:
    asked: list[str] = []

    def name_of(user_id: str) -> str | None:
        asked.append(user_id)
        return None

    assert to_plain_text("<@U1> et <@U2|deux>", name_of) == "@U1 et deux"
    assert asked == ["U1"]
