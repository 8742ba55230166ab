"""The CLI of docs/interface.md: every command exists, has --help, and is in the README."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dsbot.backends.ds.client import DSClient
from dsbot.cli import cli
from dsbot.services.subscriptions import SubscriptionService
from dsbot.store import Store

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
INTERFACE_COMMANDS = {"run", "sandbox", "demo", "poll", "check", "audit"}


def test_interface_commands_exist():
    assert set(cli.commands) >= INTERFACE_COMMANDS


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_documented(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Utilisation :" in result.output
    assert f"`dsbot {name}" in README, f"dsbot {name} is missing from the README"
    for option in cli.commands[name].params:
        if option.name == "help":
            continue
        if isinstance(option, click.Argument):
            # An argument has no help of its own: its metavar shows in the usage line.
            assert option.make_metavar(click.Context(cli.commands[name])) in result.output
            continue
        flag = max(option.opts, key=len)
        assert flag in result.output


def test_bad_setting_is_one_line_and_non_zero(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check"], env={"DSBOT_LANG": "klingon"})
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0
    assert "DSBOT_LANG" in result.output


@pytest.mark.parametrize("name", [None, *sorted(cli.commands)])
def test_help_is_in_french_like_the_readme(name):
    # Operators read the README in French: the help they get at the terminal is French too.
    result = CliRunner().invoke(cli, [name, "--help"] if name else ["--help"])
    assert result.exit_code == 0, result.output
    assert "Affiche cette aide et quitte." in result.output
    for english in ("Usage:", "Show this message", "[default:", "Commands:"):
        assert english not in result.output
    command = cli.commands[name] if name else cli
    options = [p for p in command.params if isinstance(p, click.Option)]
    texts = [command.help or ""] + [p.help or "" for p in options]
    assert all(text for text in texts), f"an option of {name} has no help"


# ------------------------------------------------ every setting at once, one line each


def dsbot(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`dsbot` as a real process (run and poll configure logging for the whole process)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DS_", "DSBOT_"))}
    return subprocess.run(
        [sys.executable, "-m", "dsbot.cli", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


NOWHERE = {
    "SLACK_BOT_TOKEN": "xoxb-1-test",
    "SLACK_APP_TOKEN": "xapp-1-test",
    "DS_API_TOKEN": "ds-token",
    "DS_API_URL": "http://127.0.0.1:9/api/v2/graphql",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",
}


@pytest.mark.parametrize(
    ("args", "required"),
    [
        (["run"], ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DS_API_TOKEN"]),
        (["run", "--http"], ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DS_API_TOKEN"]),
        (["poll", "--once"], ["DS_API_TOKEN"]),
    ],
)
def test_every_missing_or_invalid_setting_is_named_at_once(tmp_path, monkeypatch, args, required):
    monkeypatch.chdir(tmp_path)
    env = {"DSBOT_LANG": "klingon", "DS_API_URL": "http://"}
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    for variable in [*required, "DSBOT_LANG", "DS_API_URL"]:
        assert sum(variable in line for line in lines) == 1, (variable, lines)
    assert lines[0].startswith("Erreur : ")
    assert list(tmp_path.iterdir()) == []


def test_dotenv_error_names_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DS_API_TOKEN=ok\nSLACK_BOT_TOKEN xoxb-secret\n")
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Erreur : .env, ligne 2 : ligne illisible (attendu NOM=valeur)"
    )


@pytest.mark.parametrize("args", [["run"], ["poll", "--once"], ["audit"]])
@pytest.mark.parametrize(
    ("db_path", "reason"),
    [("/proc/dsbot.db", "/proc/dsbot.db"), ("missing/dsbot.db", "n’existe pas")],
)
def test_unusable_database_is_one_line_naming_dsbot_db(tmp_path, args, db_path, reason):
    done = dsbot(args, {**NOWHERE, "DSBOT_DB": db_path}, tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("Erreur : DSBOT_DB : ") and reason in line
    assert list(tmp_path.iterdir()) == []  # no folder, no database created


def test_audit_without_a_database_creates_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["audit"])
    assert result.exit_code == 1
    assert "DSBOT_DB" in result.stderr and "n’existe pas" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_poll_once_needs_no_slack_token_until_there_is_something_to_send(sandbox, tmp_path):
    env = {
        "DS_API_URL": sandbox.graphql_url,
        "DS_API_TOKEN": "sandbox-token",
        "DSBOT_DB": str(tmp_path / "dsbot.db"),
    }
    done = dsbot(["poll", "--once"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("0 flux lu ; 0 page ; 0 changement ; 0 message en file ;")
    assert (
        "`dsbot abonner <démarche> --canal C`" in done.stdout
    )  # the hint, when nothing is followed

    demarche = sandbox.control.demarches()[0]["number"]
    with DSClient(sandbox.graphql_url, "sandbox-token") as ds:
        SubscriptionService(Store(env["DSBOT_DB"]), ds).subscribe(
            "T0TEAM", "C0CHANNEL", demarche, created_by="U0ADMIN"
        )
    done = dsbot(["poll", "--once"], env, tmp_path)
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert "SLACK_BOT_TOKEN" in line


def test_the_cli_page_size_default_is_the_feeds():
    from dsbot import cli
    from dsbot.services.feed import PAGE_SIZE

    assert cli.FEED_PAGE_SIZE == PAGE_SIZE
