"""What a `/ds` subcommand is, and the table that parsing, dispatch, admin rights and help read.

A subcommand is one `Subcommand` entry: its words, who may run it, how its arguments become a
typed request, what runs it, and its help line. The entries themselves are in
`dsbot/slack/commands/subcommands.py` (the core) and in a backend's own list
(its registry spec's words, made entries by `dsbot/slack/commands/backend_subcommands.py`), so that
adding one touches one list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from dsbot.slack.commands.grammar import NUMBER_RE, Help, Invalid

if TYPE_CHECKING:
    from slack_bolt import Ack, Respond

    from dsbot.slack.services import AppServices

R = TypeVar("R")


@dataclass(frozen=True)
class Invocation:
    """One `/ds` call, as a subcommand's handler receives it."""

    ack: Ack
    respond: Respond
    command: dict[str, Any]  # Bolt's payload: channel_id, trigger_id…
    services: AppServices
    team_id: str
    user_id: str
    table: CommandTable

    @property
    def channel_id(self) -> str:
        return str(self.command.get("channel_id", ""))


@dataclass(frozen=True)
class Subcommand(Generic[R]):
    """One `/ds` subcommand, or one qualified form of it (`abonner <backend> …`)."""

    name: str  # French, as typed and as help shows it
    request: type[R]  # what `parse` returns when the arguments are right
    parse: Callable[[list[str]], R | Invalid]
    # In the job pool after an empty ack when `in_job`; otherwise on Bolt's thread, where it
    # must ack within Slack's 3 seconds itself.
    run: Callable[[Invocation, R], None]
    description_key: str  # catalog key of the help line's description
    args_key: str | None = None  # catalog key of the argument syntax, plain text
    aliases: tuple[str, ...] = ()  # English names, shown in help
    spellings: tuple[str, ...] = ()  # accented spellings of the name, accepted, not shown
    # Refused to non-admins with `error.admin_only`. The check may ask Slack who the workspace
    # admins are, so it runs in the job pool: an admin-only entry runs `in_job`.
    admins_only: bool = False
    in_job: bool = True
    # A second word that selects this form of an existing subcommand (`abonner <backend>`): it
    # takes the words and aliases of the entry of the same name, which handles the other forms.
    qualifier: str | None = None
    bare_number: bool = False  # `/ds 1234` means this subcommand with `1234`
    backend: str | None = None  # listed in help only when this backend is configured

    @property
    def alias(self) -> str | None:
        """The first alias, or None."""
        return self.aliases[0] if self.aliases else None


@dataclass(frozen=True)
class Parsed:
    """The entry the text named (None for help: no text, or a word no entry has) and what its
    parser made of the arguments."""

    entry: Subcommand[Any] | None
    request: object


class CommandTable:
    """The entries in help order, indexed by every word that names one. Built once per app;
    a word claimed twice, a qualified form without its main entry or an admin check outside the
    job pool is a programming error, raised here rather than met by a user."""

    def __init__(self, entries: Iterable[Subcommand[Any]]) -> None:
        self.entries: tuple[Subcommand[Any], ...] = tuple(entries)
        self._by_name: dict[str, Subcommand[Any]] = {}
        self._by_word: dict[str, Subcommand[Any]] = {}
        self._qualified: dict[tuple[str, str], Subcommand[Any]] = {}
        self._bare_number: Subcommand[Any] | None = None
        for entry in self.entries:
            if entry.admins_only and not entry.in_job:
                raise ValueError(f"/ds {entry.name}: an admin-only entry runs in the job pool")
            if entry.qualifier is not None:
                key = (entry.name, entry.qualifier.lower())
                if key in self._qualified:
                    raise ValueError(f"/ds {entry.name} {entry.qualifier}: two entries")
                self._qualified[key] = entry
                continue
            self._by_name[entry.name] = entry
            for word in (entry.name, *entry.aliases, *entry.spellings):
                if word.lower() in self._by_word:
                    raise ValueError(f"/ds {word}: two entries")
                self._by_word[word.lower()] = entry
            if entry.bare_number:
                if self._bare_number is not None:
                    raise ValueError("two entries take the bare number")
                self._bare_number = entry
        for name, qualifier in self._qualified:
            if name not in self._by_name:
                raise ValueError(f"/ds {name} {qualifier}: no /ds {name} entry")

    def main(self, entry: Subcommand[Any]) -> Subcommand[Any]:
        """The entry whose words name `entry`: itself, or the main form of a qualified one."""
        return self._by_name[entry.name]

    @property
    def admin_requests(self) -> tuple[type, ...]:
        return tuple(e.request for e in self.entries if e.admins_only)

    def parse(self, text: str) -> Parsed:
        """The text after `/ds`. Never raises: bad input becomes Invalid or Help."""
        tokens = (text or "").split()
        if not tokens:
            return Parsed(None, Help())
        head = tokens[0].lower()
        if self._bare_number is not None and NUMBER_RE.match(head):
            # `/ds 1234` is `/ds dossier 1234`: a bare number gets the same checks and errors.
            entry, args = self._bare_number, tokens
        else:
            named = self._by_word.get(head)
            if named is None:
                return Parsed(None, Help(unknown=tokens[0]))
            entry, args = named, tokens[1:]
            qualified = self._qualified.get((named.name, args[0].lower())) if args else None
            if qualified is not None:
                entry, args = qualified, args[1:]
        return Parsed(entry, entry.parse(args))
