"""The `/ds` help, also the answer to any subcommand the bot does not know."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, SectionBlock

from dsbot.slack import ids
from dsbot.slack.commands.table import CommandTable, Subcommand
from dsbot.slack.presentation.blocks.common import (
    CONTEXT_TEXT_MAX,
    HEADER_TEXT_MAX,
    SlackMessage,
    escape,
    escape_truncate,
    make_message,
    mrkdwn,
    plain,
)
from dsbot.texts import Texts

_UNKNOWN_MAX = 100


def _line(entry: Subcommand[Any], table: CommandTable, texts: Texts) -> str:
    usage = f"{ids.COMMAND_DS} {entry.name}"
    if entry.args_key:
        usage += f" {texts(entry.args_key)}"
    line = f"• `{escape(usage)}`"
    if entry.admins_only:
        line += " 🔒"
    line += f" : {texts(entry.description_key)}"
    if entry.bare_number and entry.args_key:
        bare = f"{ids.COMMAND_DS} {texts(entry.args_key)}"
        line += " " + texts("help.shortcut", usage=f"`{escape(bare)}`")
    # A qualified form (`abonner <backend>`) is typed with the words of its main entry.
    aliases = table.main(entry).aliases
    if aliases:
        shown = ", ".join(f"`{ids.COMMAND_DS} {alias}`" for alias in aliases)
        line += " " + texts("help.alias", alias=shown)
    return line


def build_help(
    texts: Texts,
    *,
    table: CommandTable,
    is_admin: bool,
    unknown: str | None = None,
    configured: Collection[str] = (),
) -> SlackMessage:
    """Every entry of the table with its aliases, in its order, admin ones marked; "Commande
    inconnue" first if asked; a backend's entries when that backend is in `configured`."""
    listed = [e for e in table.entries if e.backend is None or e.backend in configured]
    lines = [_line(entry, table, texts) for entry in listed]
    blocks: list[Block] = []
    fallback = texts("help.title")
    if unknown is not None:
        shown = escape_truncate(unknown.strip(), _UNKNOWN_MAX)
        unknown_text = texts("help.unknown", command=shown)
        blocks.append(SectionBlock(block_id=ids.BLOCK_HELP_UNKNOWN, text=mrkdwn(unknown_text)))
        fallback = unknown_text
    blocks += [
        HeaderBlock(
            block_id=ids.BLOCK_HELP_HEADER, text=plain(texts("help.title"), HEADER_TEXT_MAX)
        ),
        SectionBlock(
            block_id=ids.BLOCK_HELP_COMMANDS,
            text=mrkdwn("\n".join([texts("help.intro"), *lines])),
        ),
        ContextBlock(
            block_id=ids.BLOCK_HELP_FOOTER,
            elements=[
                mrkdwn(texts("help.buttons"), CONTEXT_TEXT_MAX),
                mrkdwn(
                    texts("help.admin_you" if is_admin else "help.admin_legend"),
                    CONTEXT_TEXT_MAX,
                ),
            ],
        ),
    ]
    return make_message(fallback, blocks)
