"""The table of `/ds` subcommands: the core entries in help order, and a backend's added after.

To add a subcommand: its request and parse function in `command_grammar.py`, its handler, its
help texts in `dsbot/texts/fr.py` and `en.py`, and one entry here (or in a backend's list).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dsbot.slack.commands import grammar as g
from dsbot.slack.commands import handlers as run
from dsbot.slack.commands.table import CommandTable, Subcommand

CORE_SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "dossier",
        g.ShowDossier,
        g.parse_dossier,
        run.run_show_dossier,
        "help.desc.dossier",
        "help.args.dossier",
        bare_number=True,
        in_job=False,
    ),
    Subcommand(
        "abonner",
        g.Subscribe,
        g.parse_subscribe,
        run.run_subscription_change,
        "help.desc.abonner",
        "help.args.abonner",
        aliases=("subscribe",),
        admins_only=True,
    ),
    Subcommand(
        "desabonner",
        g.Unsubscribe,
        g.parse_unsubscribe,
        run.run_subscription_change,
        "help.desc.desabonner",
        "help.args.desabonner",
        aliases=("unsubscribe",),
        spellings=("désabonner",),
        admins_only=True,
    ),
    Subcommand(
        "abonnements",
        g.ListSubscriptions,
        g.parse_list_subscriptions,
        run.run_list_subscriptions,
        "help.desc.abonnements",
        aliases=("list",),
    ),
    Subcommand(
        "moi", g.WhoAmI, g.parse_whoami, run.run_whoami, "help.desc.moi", aliases=("whoami",)
    ),
    Subcommand(
        "lier",
        g.Link,
        g.parse_link,
        run.run_link,
        "help.desc.lier",
        "help.args.lier",
        aliases=("link",),
        admins_only=True,
    ),
    Subcommand(
        "delier",
        g.Unlink,
        g.parse_unlink,
        run.run_unlink,
        "help.desc.delier",
        "help.args.delier",
        aliases=("unlink",),
        spellings=("délier",),
        admins_only=True,
    ),
    Subcommand(
        "resume",
        g.Summary,
        g.parse_summary,
        run.run_summary,
        "help.desc.resume",
        "help.args.resume",
        aliases=("summary",),
        spellings=("résumé",),
    ),
    Subcommand(
        "cherche",
        g.Search,
        g.parse_search,
        run.run_search,
        "help.desc.cherche",
        "help.args.cherche",
        aliases=("search",),
    ),
    Subcommand(
        "notifications",
        g.Notifications,
        g.parse_notifications,
        run.run_notifications,
        "help.desc.notifications",
        "help.args.notifications",
        aliases=("notifs",),
    ),
    Subcommand(
        "aide",
        g.Help,
        g.parse_help,
        run.run_help,
        "help.desc.aide",
        aliases=("help",),
        in_job=False,
    ),
)


def build_table(extra_entries: Iterable[Subcommand[Any]] = ()) -> CommandTable:
    """The core entries, then the ones a backend contributes (listed in help after the core)."""
    return CommandTable((*CORE_SUBCOMMANDS, *extra_entries))


def default_table() -> CommandTable:
    """The app's table: the core entries and those of every registered backend (its words in
    the registry). A backend's parse whether or not it is configured (its handlers say when it
    is off); help lists them only when it is. Built anew each time: a backend registered later
    (a test's, a plugin's) is in the next table."""
    from dsbot.backends import registry
    from dsbot.slack.commands.backend_subcommands import backend_subcommands

    return build_table(backend_subcommands(registry.specs()))


def parse(text: str) -> object:
    """The text after `/ds` parsed with the app's table. Never raises: bad input becomes
    Invalid or Help."""
    return default_table().parse(text).request
