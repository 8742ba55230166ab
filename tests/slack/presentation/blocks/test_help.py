from __future__ import annotations

import pytest

from dsbot.slack import ids
from dsbot.slack.commands.subcommands import CORE_SUBCOMMANDS as SUBCOMMANDS
from dsbot.slack.commands.subcommands import default_table
from dsbot.slack.presentation.blocks.help import build_help
from dsbot.texts import Texts
from tests.slack.presentation.blocks.blockkit import (
    all_text,
    assert_within_slack_limits,
    block,
    find_block,
    tokens,
)

FR = Texts("fr")

# The table of docs/interface.md ("Slash command /ds"), written out here so a subcommand dropped
# from the code fails the test.
INTERFACE_SUBCOMMANDS = {
    "dossier": None,
    "abonner": "subscribe",
    "desabonner": "unsubscribe",
    "abonnements": "list",
    "moi": "whoami",
    "lier": "link",
    "delier": "unlink",
    "resume": "summary",
    "cherche": "search",
    "notifications": "notifs",
    "aide": "help",
}
ADMIN_ONLY = {"abonner", "desabonner", "lier", "delier"}


def commands_text(message) -> str:
    return block(message, ids.BLOCK_HELP_COMMANDS)["text"]["text"]


def line_of(message, name: str) -> str:
    return next(
        line for line in commands_text(message).split("\n") if line.startswith(f"• `/ds {name}")
    )


@pytest.mark.parametrize("is_admin", [False, True])
def test_help_lists_every_subcommand_with_its_alias(is_admin):
    message = build_help(FR, table=default_table(), is_admin=is_admin)
    assert_within_slack_limits(message)
    for name, alias in INTERFACE_SUBCOMMANDS.items():
        line = line_of(message, name)
        if alias:
            assert f"`/ds {alias}`" in line
    assert {s.name: s.alias for s in SUBCOMMANDS} == INTERFACE_SUBCOMMANDS


def test_admin_only_subcommands_are_marked():
    message = build_help(FR, table=default_table(), is_admin=False)
    for name in INTERFACE_SUBCOMMANDS:
        assert ("🔒" in line_of(message, name)) == (name in ADMIN_ONLY), name
    footer = " ".join(e["text"] for e in block(message, ids.BLOCK_HELP_FOOTER)["elements"])
    assert "administrateurs" in footer
    admin_footer = block(
        build_help(FR, table=default_table(), is_admin=True), ids.BLOCK_HELP_FOOTER
    )
    assert "vous en faites partie" in " ".join(e["text"] for e in admin_footer["elements"])


def test_argument_syntax_is_escaped_not_a_link():
    message = build_help(FR, table=default_table(), is_admin=False)
    assert "`/ds dossier &lt;numéro&gt;`" in commands_text(message)
    assert "`/ds &lt;numéro&gt;`" in line_of(message, "dossier")
    assert tokens(message) == []


def test_unknown_command_comes_first_and_is_escaped():
    message = build_help(FR, table=default_table(), is_admin=False, unknown="<!channel> & co")
    assert_within_slack_limits(message)
    first = message.blocks[0]
    assert first["block_id"] == ids.BLOCK_HELP_UNKNOWN
    assert first["text"]["text"].startswith("Commande inconnue : « &lt;!channel&gt; &amp; co »")
    assert message.text.startswith("Commande inconnue")
    assert tokens(message) == []


def test_unknown_very_long_command_is_cut():
    message = build_help(FR, table=default_table(), is_admin=False, unknown="x" * 5000)
    assert_within_slack_limits(message)
    assert len(message.blocks[0]["text"]["text"]) < 300


def test_no_unknown_line_by_default():
    message = build_help(FR, table=default_table(), is_admin=True)
    assert find_block(message, ids.BLOCK_HELP_UNKNOWN) is None
    assert message.text == "Aide de la commande /ds"


def test_english_help():
    message = build_help(Texts("en"), table=default_table(), is_admin=False, unknown="frobnicate")
    text = all_text(message)
    assert "Unknown command" in text
    assert "`/ds dossier &lt;number&gt;`" in text
    assert "lists this channel’s subscriptions" in text


def test_dynacase_subcommands_only_when_dynacase_is_configured():
    without = commands_text(build_help(FR, table=default_table(), is_admin=False))
    assert "/ds document" not in without and "/ds connecter" not in without
    message = build_help(FR, table=default_table(), is_admin=False, configured={"dynacase"})
    assert_within_slack_limits(message)
    assert "`/ds doc`" in line_of(message, "document")
    assert "`/ds connect`" in line_of(message, "connecter dynacase")
    assert "`/ds disconnect`" in line_of(message, "deconnecter dynacase")
