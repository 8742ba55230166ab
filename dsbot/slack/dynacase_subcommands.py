"""The `/ds` entries the Dynacase backend contributes: `document`, `abonner dynacase`,
`desabonner dynacase`, `connecter`, `deconnecter`. Listed in help only when Dynacase is
configured (`backend`)."""

from __future__ import annotations

from functools import partial
from typing import Any

from dsbot.slack import command_grammar as g
from dsbot.slack import command_handlers as commands
from dsbot.slack import item_commands
from dsbot.slack.command_table import Invocation, Subcommand

DYNACASE = "dynacase"


def run_item_command(call: Invocation, cmd: g.ShowDocument | g.Connect | g.Disconnect) -> None:
    """Acks itself: a document is acked as loading, and `connecter` opens its modal with the
    command's trigger_id, which expires within 3 seconds."""
    item_commands.handle_command(
        call.ack, cmd, call.command, call.respond, call.services, call.team_id, call.user_id
    )


DYNACASE_SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "document",
        g.ShowDocument,
        g.parse_document,
        run_item_command,
        "help.desc.document",
        "help.args.document",
        aliases=("doc",),
        in_job=False,
        backend=DYNACASE,
    ),
    Subcommand(
        "abonner",
        g.SubscribeFamily,
        partial(g.parse_subscribe_family, DYNACASE),
        commands.run_family_subscription_change,
        "help.desc.abonner_dynacase",
        "help.args.abonner_dynacase",
        admins_only=True,
        qualifier=DYNACASE,
        backend=DYNACASE,
    ),
    Subcommand(
        "desabonner",
        g.UnsubscribeFamily,
        partial(g.parse_unsubscribe_family, DYNACASE),
        commands.run_family_subscription_change,
        "help.desc.desabonner_dynacase",
        "help.args.desabonner_dynacase",
        admins_only=True,
        qualifier=DYNACASE,
        backend=DYNACASE,
    ),
    Subcommand(
        "connecter",
        g.Connect,
        g.parse_connect,
        run_item_command,
        "help.desc.connecter",
        "help.args.connecter",
        aliases=("connect",),
        in_job=False,
        backend=DYNACASE,
    ),
    Subcommand(
        "deconnecter",
        g.Disconnect,
        g.parse_disconnect,
        run_item_command,
        "help.desc.deconnecter",
        "help.args.connecter",
        aliases=("disconnect",),
        spellings=("déconnecter",),
        in_job=False,
        backend=DYNACASE,
    ),
)
