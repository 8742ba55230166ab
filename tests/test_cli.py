"""The CLI of docs/interface.md: every command exists, has --help, and is in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dsbot.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
INTERFACE_COMMANDS = {"run", "sandbox", "demo", "poll", "check", "audit"}


def test_interface_commands_exist():
    assert set(cli.commands) >= INTERFACE_COMMANDS


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_documented(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert f"`dsbot {name}" in README, f"dsbot {name} is missing from the README"
    for option in cli.commands[name].params:
        if option.name == "help":
            continue
        flag = max(option.opts, key=len)
        assert flag in result.output


def test_bad_setting_is_one_line_and_non_zero(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check"], env={"DSBOT_LANG": "klingon"})
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0
    assert "DSBOT_LANG" in result.output
