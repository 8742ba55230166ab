"""The table of `/ds` subcommands: each entry's words parse alike, and help lists every entry
with its aliases and its admin mark, from the table alone."""

from __future__ import annotations

import pytest

from dsbot.slack import ids
from dsbot.slack.commands import grammar as g
from dsbot.slack.commands.subcommands import CORE_SUBCOMMANDS, build_table, default_table
from dsbot.slack.commands.table import Invocation, Subcommand
from dsbot.slack.presentation.blocks.common import escape
from dsbot.slack.presentation.blocks.help import build_help
from dsbot.texts import Texts
from tests.slack.presentation.blocks.blockkit import block

FR = Texts("fr")
TABLE = default_table()

# Right arguments for each entry, by (name, qualifier): an entry added without one fails
# `test_every_entry_has_a_sample`, so the tests below cover it.
SAMPLES: dict[tuple[str, str | None], str] = {
    ("dossier", None): "1234",
    ("abonner", None): "12 groupe 3 etat en_construction depuis 2026-11-01",
    ("desabonner", None): "12",
    ("abonnements", None): "",
    ("moi", None): "",
    ("lier", None): "<@U024BE7LH|marie> marie@exemple.fr",
    ("delier", None): "<@U024BE7LH|marie>",
    ("resume", None): "12",
    ("cherche", None): "Dupont Élodie",
    ("notifications", None): "messages quotidien",
    ("aide", None): "",
    ("document", None): "SUBV_0001",
    ("abonner", "dynacase"): "dynacase DEMANDE_SUBVENTION etat e_sub_instruit",
    ("desabonner", "dynacase"): "dynacase CONGE",
    ("connecter", None): "dynacase",
    ("deconnecter", None): "dynacase",
}


def key(entry: Subcommand) -> tuple[str, str | None]:
    return (entry.name, entry.qualifier)


def entry_id(entry: Subcommand) -> str:
    return " ".join(w for w in key(entry) if w)


def sample_text(entry: Subcommand, word: str | None = None) -> str:
    return f"{word or entry.name} {SAMPLES[key(entry)]}".strip()


def help_lines(message) -> list[str]:
    return block(message, ids.BLOCK_HELP_COMMANDS)["text"]["text"].split("\n")


def test_every_entry_has_a_sample():
    assert {key(e) for e in TABLE.entries} == set(SAMPLES)


@pytest.mark.parametrize("entry", TABLE.entries, ids=entry_id)
def test_every_word_of_an_entry_parses_to_the_same_request(entry):
    by_name = TABLE.parse(sample_text(entry))
    assert by_name.entry is not None and by_name.entry is entry
    assert isinstance(by_name.request, entry.request), by_name.request
    main = TABLE.main(entry)
    words = (*main.aliases, *main.spellings, entry.name.capitalize())
    assert main.aliases or entry.bare_number  # every subcommand but `dossier` has an alias
    for word in words:
        assert TABLE.parse(sample_text(entry, word)) == by_name, word


@pytest.mark.parametrize("entry", TABLE.entries, ids=entry_id)
def test_every_entry_is_in_help_with_its_aliases_and_admin_mark(entry):
    usage = f"{ids.COMMAND_DS} {entry.name}"
    if entry.args_key:
        usage += f" {FR(entry.args_key)}"
    configured = {"dynacase"}
    lines = help_lines(build_help(FR, table=default_table(), is_admin=False, configured=configured))
    line = next(line for line in lines if line.startswith(f"• `{escape(usage)}`"))
    for alias in TABLE.main(entry).aliases:
        assert f"`{ids.COMMAND_DS} {alias}`" in line
    for spelling in TABLE.main(entry).spellings:
        # The same word with its accents: accepted, not listed.
        assert f"`{ids.COMMAND_DS} {spelling}`" not in line
    assert ("🔒" in line) == entry.admins_only
    assert FR(entry.description_key) in line


def test_help_lists_the_entries_in_the_tables_order():
    configured = {"dynacase"}
    message = build_help(FR, table=default_table(), is_admin=False, configured=configured)
    lines = help_lines(message)[1:]
    assert len(lines) == len(TABLE.entries)
    for line, entry in zip(lines, TABLE.entries, strict=True):
        assert line.startswith(f"• `{ids.COMMAND_DS} {entry.name}"), (line, entry.name)


def test_a_backends_entries_are_listed_only_when_it_is_configured():
    lines = help_lines(build_help(FR, table=default_table(), is_admin=False))[1:]
    assert len(lines) == len([e for e in TABLE.entries if e.backend is None])
    assert not any("document" in line for line in lines)


def test_a_bare_number_is_the_dossier_entry_and_an_unknown_word_is_help():
    assert TABLE.parse("1234") == TABLE.parse("dossier 1234")
    assert TABLE.parse("0") == TABLE.parse("dossier 0")
    unknown = TABLE.parse("Bonjour à tous")
    assert unknown.entry is None and unknown.request == g.Help(unknown="Bonjour")
    assert TABLE.parse("   ").entry is None and TABLE.parse("").request == g.Help()


def test_a_qualifier_selects_its_form_and_other_words_the_main_one():
    subscribe = TABLE.parse("abonner DYNACASE FAM")
    assert subscribe.entry is not None and subscribe.entry.qualifier == "dynacase"
    assert subscribe.request == g.SubscribeFamily("dynacase", "FAM")
    assert TABLE.parse("abonner 12").request == g.Subscribe(12)
    # Without Dynacase's list, `dynacase` is just a bad démarche number for `abonner`.
    core_only = build_table()
    parsed = core_only.parse("abonner dynacase FAM").request
    assert isinstance(parsed, g.Invalid) and parsed.error_key == "error.subscribe_usage"
    assert core_only.parse("document 12").request == g.Help(unknown="document")


def _run(call: Invocation, cmd: object) -> None:
    raise AssertionError("never dispatched here")


def _entry(name: str, **fields) -> Subcommand:
    return Subcommand(name, g.WhoAmI, g.parse_whoami, _run, "help.desc.moi", **fields)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (_entry("ping", aliases=("whoami",)), "/ds whoami: two entries"),
        (_entry("résumé"), "/ds résumé: two entries"),
        (_entry("ping", qualifier="dynacase"), "/ds ping dynacase: no /ds ping entry"),
        (_entry("moi", qualifier="x", admins_only=True, in_job=False), "job pool"),
        (_entry("ping", bare_number=True), "two entries take the bare number"),
    ],
)
def test_a_table_that_would_mislead_is_refused_when_built(entry, problem):
    with pytest.raises(ValueError, match=problem):
        build_table([entry])


def test_the_core_entries_come_first_in_help_order():
    assert TABLE.entries[: len(CORE_SUBCOMMANDS)] == CORE_SUBCOMMANDS
    assert [e.name for e in CORE_SUBCOMMANDS][:2] == ["dossier", "abonner"]
