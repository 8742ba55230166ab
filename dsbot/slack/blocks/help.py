"""The `/ds` help, also the answer to any subcommand the bot does not know."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, SectionBlock

from dsbot.slack import ids
from dsbot.slack.blocks.common import (
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


@dataclass(frozen=True)
class Subcommand:
    """One `/ds` subcommand as docs/interface.md names it (French first, English alias)."""

    name: str
    alias: str | None
    admin: bool
    description_key: str
    args_key: str | None = None  # catalog key of the argument syntax, plain text


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("dossier", None, False, "help.desc.dossier", "help.args.dossier"),
    Subcommand("abonner", "subscribe", True, "help.desc.abonner", "help.args.abonner"),
    Subcommand("desabonner", "unsubscribe", True, "help.desc.desabonner", "help.args.desabonner"),
    Subcommand("abonnements", "list", False, "help.desc.abonnements"),
    Subcommand("moi", "whoami", False, "help.desc.moi"),
    Subcommand("lier", "link", True, "help.desc.lier", "help.args.lier"),
    Subcommand("delier", "unlink", True, "help.desc.delier", "help.args.delier"),
    Subcommand("resume", "summary", False, "help.desc.resume", "help.args.resume"),
    Subcommand("aide", "help", False, "help.desc.aide"),
)
# Listed only when the Dynacase backend is configured.
DYNACASE_SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("document", "doc", False, "help.desc.document", "help.args.document"),
    Subcommand(
        "abonner", "subscribe", True, "help.desc.abonner_dynacase", "help.args.abonner_dynacase"
    ),
    Subcommand(
        "desabonner",
        "unsubscribe",
        True,
        "help.desc.desabonner_dynacase",
        "help.args.desabonner_dynacase",
    ),
    Subcommand("connecter", "connect", False, "help.desc.connecter", "help.args.connecter"),
    Subcommand("deconnecter", "disconnect", False, "help.desc.deconnecter", "help.args.connecter"),
)


def _line(sub: Subcommand, texts: Texts) -> str:
    usage = f"{ids.COMMAND_DS} {sub.name}"
    if sub.args_key:
        usage += f" {texts(sub.args_key)}"
    line = f"• `{escape(usage)}`"
    if sub.admin:
        line += " 🔒"
    line += f" : {texts(sub.description_key)}"
    if sub.name == "dossier":
        bare = f"{ids.COMMAND_DS} {texts('help.args.dossier')}"
        line += " " + texts("help.shortcut", usage=f"`{escape(bare)}`")
    if sub.alias:
        line += " " + texts("help.alias", alias=f"`{ids.COMMAND_DS} {sub.alias}`")
    return line


def build_help(
    texts: Texts, *, is_admin: bool, unknown: str | None = None, dynacase: bool = False
) -> SlackMessage:
    """Every subcommand with its alias, admin ones marked; "Commande inconnue" first if asked;
    the Dynacase ones when that backend is configured."""
    subcommands = SUBCOMMANDS + (DYNACASE_SUBCOMMANDS if dynacase else ())
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
            text=mrkdwn("\n".join([texts("help.intro"), *(_line(s, texts) for s in subcommands)])),
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
