"""`dsbot check` against the sandbox and the fake Slack: what is wrong, and how to fix it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dsbot.check import FAIL, OK, run_checks
from dsbot.config import Settings
from tests.fakes.process import dsbot_env
from tests.fakes.slack_api import BOT_TOKEN

APP_TOKEN = "xapp-1-A0TEST-1-check"


def settings(fake_slack, sandbox, tmp_path, **extra: str) -> Settings:
    demarche = sandbox.control.demarches()[0]["number"]
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "DS_API_URL": sandbox.graphql_url,
        "DS_API_TOKEN": "sandbox-token",
        "DSBOT_DB": str(tmp_path / "check.db"),
        "DSBOT_DEMARCHES": str(demarche),
        **extra,
    }
    return Settings.from_mapping(env)


@pytest.fixture
def socket_ready(fake_slack):
    fake_slack.app_tokens.add(APP_TOKEN)
    fake_slack.socket_mode_url = "ws://127.0.0.1:9/unused"
    return fake_slack


def failures(findings) -> list[str]:
    return [f.what for f in findings if f.status == FAIL]


def test_everything_right(socket_ready, sandbox, tmp_path):
    findings = run_checks(settings(socket_ready, sandbox, tmp_path), http=False)
    assert failures(findings) == []
    whats = " | ".join(f.what for f in findings if f.status == OK)
    assert "accepts the token" in whats
    assert "write access" in whats
    assert "valid on the live schema" in whats
    assert "Slack bot token valid" in whats
    assert "Socket Mode" in whats


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"expired": True}, "expired"),
        ({"read_only": True}, "read-only"),
        ({"forbidden_network": True}, "IP"),
        ({"demarches": [999]}, "outside the token's scope"),
    ],
)
def test_ds_token_problems_are_named(socket_ready, sandbox, tmp_path, flags, expected):
    sandbox.control.add_token("special-token", **flags)
    s = settings(socket_ready, sandbox, tmp_path, DS_API_TOKEN="special-token")
    failed = failures(run_checks(s, http=False))
    assert any(expected in what for what in failed), failed


def test_unknown_ds_token(socket_ready, sandbox, tmp_path):
    s = settings(socket_ready, sandbox, tmp_path, DS_API_TOKEN="not-a-known-token")
    failed = failures(run_checks(s, http=False))
    assert any("does not recognise the token" in what for what in failed)
    assert not any("not-a-known-token" in what for what in failed)


def test_missing_slack_scopes_are_listed(socket_ready, sandbox, tmp_path):
    socket_ready.scopes = [s for s in socket_ready.scopes if s != "users:read.email"]
    findings = run_checks(settings(socket_ready, sandbox, tmp_path), http=False)
    (scopes,) = [f for f in findings if "scopes" in f.what and f.status == FAIL]
    assert "users:read.email" in scopes.what
    assert "manifest.yml" in scopes.fix


def test_slack_token_refused(socket_ready, sandbox, tmp_path):
    s = settings(socket_ready, sandbox, tmp_path, SLACK_BOT_TOKEN="xoxb-wrong")
    failed = failures(run_checks(s, http=False))
    assert any("invalid_auth" in what for what in failed)


def test_socket_mode_and_http_needs(socket_ready, sandbox, tmp_path):
    s = settings(socket_ready, sandbox, tmp_path, SLACK_APP_TOKEN="xapp-1-unknown")
    assert any("app-level token" in w for w in failures(run_checks(s, http=False)))
    s = settings(socket_ready, sandbox, tmp_path)
    assert any("SLACK_SIGNING_SECRET" in w for w in failures(run_checks(s, http=True)))


def test_cli_exit_code_and_output(socket_ready, sandbox, tmp_path):
    sandbox.control.add_token("old-token", expired=True)
    env = dsbot_env(socket_ready, sandbox, tmp_path, DS_API_TOKEN="old-token")
    env["SLACK_APP_TOKEN"] = APP_TOKEN
    done = subprocess.run(
        [sys.executable, "-m", "dsbot.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "✘ The DS token has expired" in done.stdout
    assert "→" in done.stdout  # each problem says how to fix it
    assert "old-token" not in done.stdout + done.stderr
    assert BOT_TOKEN not in done.stdout + done.stderr
