"""One language at the terminal: every command's --help and usage errors are French, click's
own words included, and bad usage exits 1 as the README says (issue 18, part 3)."""

from __future__ import annotations

import gettext
import importlib
import inspect

import click
import pytest
from click.testing import CliRunner

from dsbot.cli import cli
from dsbot.cli_french import CLICK_MODULES, FRENCH, MESSAGES, PLURALS, ngettext

ENGLISH = (
    "Usage:",
    "Error:",
    "Try '",
    "No such",
    "Invalid value",
    "Show this message",
    "Show the version",
    "[default:",
    "Commands:",
    "COMMAND [ARGS]",
    "is not one of",
    "Got unexpected",
    "requires an argument",
    "Missing",
)


def invoke(args: list[str]) -> click.testing.Result:
    # The locale says English: the CLI must not follow it.
    env = {"LANGUAGE": "en", "LANG": "en_US.UTF-8"}
    return CliRunner().invoke(cli, args, env=env, prog_name="dsbot")


@pytest.mark.parametrize("name", [None, *sorted(cli.commands)])
def test_help_is_french_whatever_the_locale(name):
    result = invoke([name, "--help"] if name else ["--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Utilisation : dsbot")
    assert "Affiche cette aide et quitte." in result.output
    assert not [word for word in ENGLISH if word in result.output]


def usage_errors() -> list[list[str]]:
    """For every command: an unknown option, an extra argument, and each option with no value
    or a value of the wrong type."""
    cases: list[list[str]] = [["inconnue"], ["--inconnue"]]
    for name, command in sorted(cli.commands.items()):
        cases.append([name, "--inconnue"])
        arguments = [p for p in command.params if isinstance(p, click.Argument)]
        if all(p.nargs > 0 for p in arguments):  # one word more than the command takes
            cases.append([name, *["valeur"] * sum(p.nargs for p in arguments), "en-trop"])
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag and param.name != "help":
                cases.append([name, max(param.opts, key=len)])
                if not isinstance(param.type, click.types.StringParamType | click.File):
                    cases.append([name, max(param.opts, key=len), "pas-une-valeur"])
    return cases


@pytest.mark.parametrize("args", usage_errors(), ids=" ".join)
def test_usage_errors_are_one_french_line_and_exit_1(args):
    result = invoke(args)
    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("Erreur : ") and line.endswith(" --help)"), line
    assert not [word for word in ENGLISH if word in line], line


def test_every_catalog_entry_is_a_message_click_has():
    # A msgid click renamed would silently fall back to English: the catalog follows click.
    sources = "".join(
        inspect.getsource(importlib.import_module(f"click.{m}")) for m in CLICK_MODULES
    )
    for msgid in [*MESSAGES, *PLURALS]:
        assert repr(msgid)[1:-1] in sources or msgid in sources, msgid


def test_french_plurals_treat_0_and_1_as_singular():
    forms = [ngettext("{n} dossier", "{n} dossiers", n).format(n=n) for n in (0, 1, 2, 10)]
    assert forms == ["0 dossier", "1 dossier", "2 dossiers", "10 dossiers"]
    assert FRENCH.ngettext("Got unexpected extra argument ({args})", "x", 2).startswith(
        "Arguments en trop"
    )


def test_the_catalog_is_a_gnu_translations():
    assert isinstance(FRENCH, gettext.GNUTranslations)
    assert FRENCH.gettext("Usage:") == "Utilisation :"
    assert FRENCH.gettext("not a click message") == "not a click message"
