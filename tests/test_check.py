"""`dsbot check` against the sandbox and the fake Slack: what is wrong, and how to fix it."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from dsbot.check import FAIL, OK, WARN, run_checks
from dsbot.config import Settings
from dsbot.store import Store
from tests.fakes.process import dsbot_env, free_port
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
    assert "accepte le jeton" in whats
    assert "peut écrire" in whats
    assert "valides sur le schéma en ligne" in whats
    assert "Jeton du bot Slack valide" in whats
    assert "Socket Mode" in whats


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"expired": True}, "expiré"),
        ({"read_only": True}, "lecture seule"),
        ({"forbidden_network": True}, "IP"),
        ({"demarches": [999]}, "hors de portée du jeton"),
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
    assert any("ne reconnaît pas le jeton" in what for what in failed)
    assert not any("not-a-known-token" in what for what in failed)


def test_missing_slack_scopes_are_listed(socket_ready, sandbox, tmp_path):
    socket_ready.scopes = [s for s in socket_ready.scopes if s != "users:read.email"]
    findings = run_checks(settings(socket_ready, sandbox, tmp_path), http=False)
    (scopes,) = [f for f in findings if "Portées" in f.what and f.status == FAIL]
    assert "users:read.email" in scopes.what
    assert "manifest.yml" in scopes.fix


def test_missing_link_preview_scopes_are_listed(socket_ready, sandbox, tmp_path):
    # An app installed before link previews lacks links:read and links:write.
    socket_ready.scopes = [s for s in socket_ready.scopes if not s.startswith("links:")]
    findings = run_checks(settings(socket_ready, sandbox, tmp_path), http=False)
    (scopes,) = [f for f in findings if "Portées" in f.what and f.status == FAIL]
    assert scopes.what.endswith("links:read, links:write")


def test_slack_token_refused(socket_ready, sandbox, tmp_path):
    s = settings(socket_ready, sandbox, tmp_path, SLACK_BOT_TOKEN="xoxb-wrong")
    failed = failures(run_checks(s, http=False))
    assert any("invalid_auth" in what for what in failed)


def test_socket_mode_and_http_needs(socket_ready, sandbox, tmp_path):
    s = settings(socket_ready, sandbox, tmp_path, SLACK_APP_TOKEN="xapp-1-unknown")
    assert any("jeton d’application" in w for w in failures(run_checks(s, http=False)))
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
    assert "✘ Le jeton DS a expiré" in done.stdout
    assert "→" in done.stdout  # each problem says how to fix it
    assert "old-token" not in done.stdout + done.stderr
    assert BOT_TOKEN not in done.stdout + done.stderr


# --------------------------------------------------------- clear output, nothing changed


def run_check(env: dict[str, str], cwd, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dsbot.cli", "check", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_healthy_configuration_prints_the_checklist_alone(socket_ready, sandbox, tmp_path):
    # The probes expect refusals (a dossier 0 "not found"): the DS client must not log them.
    env = dsbot_env(socket_ready, sandbox, tmp_path, SLACK_APP_TOKEN=APP_TOKEN)
    done = run_check(env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    assert "Tout est en ordre." in done.stdout
    assert "DSNotFound" not in done.stdout


def test_unreachable_hosts_are_said_in_words_after_what_was_checked(
    socket_ready, sandbox, tmp_path
):
    """DS on a closed port (refused at once, no retry), Slack on a host that takes the
    connection and never answers (a firewall, a stuck proxy): each waits --timeout at most,
    each line says why in words, after the line that said what was being checked."""
    port = free_port()
    nowhere = f"http://127.0.0.1:{port}/api/v2/graphql"
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections wait in the backlog, never accepted, never answered
        host = f"127.0.0.1:{silent.getsockname()[1]}"
        env = dsbot_env(
            socket_ready,
            sandbox,
            tmp_path,
            SLACK_APP_TOKEN=APP_TOKEN,
            DS_API_URL=nowhere,
            SLACK_API_URL=f"http://{host}/api/",
        )
        done = run_check(env, tmp_path, "--timeout", "0.2")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    checking = [line for line in lines if line.startswith("…")]
    assert checking == [
        f"… la base {tmp_path / 'run.db'}",
        f"… DS : {nowhere} (délai 0.2 s par requête)",
        f"… Slack : le jeton du bot, à http://{host}/api/",
    ]
    failed = [line for line in lines if line.startswith("✘")]
    silence = f"pas de réponse de {host} en 0.2 s (hôte injoignable, pare-feu ou service bloqué)"
    assert failed == [
        f"✘ DS est injoignable : connexion refusée : rien n’écoute à 127.0.0.1:{port}",
        f"✘ Slack est injoignable : {silence}",
    ]
    assert lines.index(checking[1]) < lines.index(failed[0]) < lines.index(checking[2])
    assert not any(word in done.stdout for word in ("Error", "Errno", "<", "timed out"))
    assert done.stderr.splitlines() == ["Erreur : 2 problèmes à corriger"]


def test_missing_mode_settings_are_listed_before_calling_slack(socket_ready, sandbox, tmp_path):
    s = settings(socket_ready, sandbox, tmp_path, SLACK_BOT_TOKEN="xoxb-wrong", SLACK_APP_TOKEN="")
    failed = failures(run_checks(s, http=False))
    [missing] = [n for n, what in enumerate(failed) if "SLACK_APP_TOKEN" in what]
    [refused] = [n for n, what in enumerate(failed) if "invalid_auth" in what]
    assert missing < refused
    failed = failures(run_checks(s, http=True))
    assert any("SLACK_SIGNING_SECRET" in what for what in failed)
    assert any("invalid_auth" in what for what in failed)


def database_finding(findings):
    [finding] = [f for f in findings if f.what.startswith("Base ")]
    return finding


@pytest.fixture
def no_services(monkeypatch):
    """run_checks without network: only the database check matters to these tests."""
    monkeypatch.setattr("dsbot.check.check_slack", lambda settings, http, timeout: iter(()))

    class NoDS:
        def close(self) -> None:
            pass

    monkeypatch.setattr("dsbot.check.check_ds", lambda settings, ds: iter(()))
    return lambda s: run_checks(s, http=False, ds_factory=NoDS)


def test_absent_database_is_not_created(no_services, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    finding = database_finding(no_services(Settings.from_mapping({})))
    assert finding.status == WARN and "absente" in finding.what
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("db_path", "expected"),
    [
        ("missing-folder/dsbot.db", "n’existe pas"),
        ("/proc/dsbot.db", "pas accessible en écriture"),
        (".", "dossier, pas un fichier"),
    ],
)
def test_unusable_database_path_is_a_failure(no_services, tmp_path, monkeypatch, db_path, expected):
    monkeypatch.chdir(tmp_path)
    finding = database_finding(no_services(Settings.from_mapping({"DSBOT_DB": db_path})))
    assert finding.status == FAIL and expected in finding.what
    assert "DSBOT_DB" in finding.fix
    assert list(tmp_path.iterdir()) == []


def test_check_does_not_migrate_an_existing_database(no_services, tmp_path):
    old = tmp_path / "old.db"
    old.write_bytes(b"")  # an empty file is an empty SQLite database
    finding = database_finding(no_services(Settings.from_mapping({"DSBOT_DB": str(old)})))
    assert finding.status == OK and "migrations à appliquer" in finding.what
    assert old.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]

    Store(str(old)).migrate()
    finding = database_finding(no_services(Settings.from_mapping({"DSBOT_DB": str(old)})))
    assert finding.status == OK and "à jour" in finding.what
