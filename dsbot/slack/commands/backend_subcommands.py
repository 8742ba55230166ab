"""The `/ds` entries the backends other than DS bring, made from their registry specs' words
(`dsbot/backends/registry.py`, `CommandWord.role`): show an item (`document`), subscribe or
unsubscribe a channel to a scope (`abonner <backend>`, `desabonner <backend>`), connect or
disconnect one's own credential (`connecter <backend>`, `deconnecter <backend>`).

A backend's show word is its own entry; subscribing is a qualified form of the core `abonner`
and `desabonner` (the backend's name is the qualifier); `connecter` and `deconnecter` are one
entry each, whatever the number of backends, taking the backend's name. Each is listed in help
only when its backend is configured (`backend`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from typing import Any

from dsbot.backends.registry import (
    CONNECT,
    DISCONNECT,
    SHOW,
    SUBSCRIBE,
    UNSUBSCRIBE,
    BackendSpec,
    CommandWord,
)
from dsbot.slack.commands import grammar as g
from dsbot.slack.commands import handlers as commands
from dsbot.slack.commands import items as item_commands
from dsbot.slack.commands.table import Invocation, Subcommand


def run_item_command(call: Invocation, cmd: g.ShowItem | g.Connect | g.Disconnect) -> None:
    """Acks itself: an item is acked as loading, and `connecter` opens its modal with the
    command's trigger_id, which expires within 3 seconds."""
    item_commands.handle_command(
        call.ack, cmd, call.command, call.respond, call.services, call.team_id, call.user_id
    )


def _show(spec: BackendSpec, word: CommandWord) -> Subcommand[Any]:
    name = word.words[0]
    return Subcommand(
        name,
        g.ShowItem,
        partial(
            g.parse_show,
            spec.name,
            name,
            re.compile(spec.ref_pattern),
            spec.text_key("error.show_usage"),
            spec.text_key("error.show_ref"),
        ),
        run_item_command,
        word.help,
        word.args,
        aliases=word.aliases,
        spellings=word.spellings,
        in_job=False,
        backend=spec.name,
    )


def _subscription(spec: BackendSpec, word: CommandWord) -> Subcommand[Any]:
    if word.role == SUBSCRIBE:
        request: type[Any] = g.SubscribeFamily
        parse: Any = partial(
            g.parse_subscribe_family,
            spec.name,
            spec.text_key("error.subscribe_scope_usage"),
            spec.text_key("error.subscribe_scope_state"),
        )
    else:
        request = g.UnsubscribeFamily
        parse = partial(
            g.parse_unsubscribe_family, spec.name, spec.text_key("error.unsubscribe_scope_usage")
        )
    return Subcommand(
        word.words[0],
        request,
        parse,
        commands.run_family_subscription_change,
        word.help,
        word.args,
        admins_only=True,
        qualifier=spec.name,
        backend=spec.name,
    )


def _personal(role: str, found: list[tuple[BackendSpec, CommandWord]]) -> Subcommand[Any] | None:
    """One `connecter` (or `deconnecter`) entry for every backend that has the word: its words
    and help line are the first backend's."""
    if not found:
        return None
    spec, word = found[0]
    names = tuple(s.name for s, _ in found)
    request: type[Any] = g.Connect if role == CONNECT else g.Disconnect
    parse = g.parse_connect if role == CONNECT else g.parse_disconnect
    return Subcommand(
        word.words[0],
        request,
        partial(parse, names),
        run_item_command,
        word.help,
        word.args,
        aliases=word.aliases,
        spellings=word.spellings,
        in_job=False,
        # Listed when one of them is configured: help takes the first's name for all.
        backend=spec.name if len(names) == 1 else None,
    )


def backend_subcommands(specs: Iterable[BackendSpec]) -> tuple[Subcommand[Any], ...]:
    """The entries of `specs`' words, in the specs' order: show words, then connect,
    disconnect, then the subscription forms."""
    shows: list[Subcommand[Any]] = []
    subscriptions: list[Subcommand[Any]] = []
    personal: dict[str, list[tuple[BackendSpec, CommandWord]]] = {CONNECT: [], DISCONNECT: []}
    for spec in specs:
        for word in spec.words:
            if word.role == SHOW:
                shows.append(_show(spec, word))
            elif word.role in (SUBSCRIBE, UNSUBSCRIBE):
                subscriptions.append(_subscription(spec, word))
            elif word.role in personal:
                personal[word.role].append((spec, word))
    connects = [_personal(role, found) for role, found in personal.items()]
    return (*shows, *(e for e in connects if e is not None), *subscriptions)
