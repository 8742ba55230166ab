"""The notification engine as `dsbot` runs it: built from Settings, as a bare process
(`dsbot poll --once`), and on the background thread of `dsbot run`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from dsbot.app_runtime import build_services, start_background_poller
from dsbot.backends.ds.client import DSClient
from dsbot.config import ConfigError, Settings
from dsbot.runtime import run_once
from dsbot.services.subscriptions import SubscriptionService
from dsbot.slack.transport.scopes import BOT_SCOPES
from dsbot.store import Store
from tests.fakes.slack_api import TEAM_ID, FakeSlack

CHANNEL = "C0NOTIF"


@pytest.fixture
def slack():
    with FakeSlack(scopes=[*BOT_SCOPES, "channels:history", "groups:history"]) as fake:
        fake.add_channel(CHANNEL, "instruction")
        yield fake


@pytest.fixture
def env(sandbox, slack, tmp_path):
    values = {
        **slack.env(),
        "DS_API_URL": sandbox.graphql_url,
        "DS_API_TOKEN": "sandbox-token",
        "DSBOT_DB": str(tmp_path / "dsbot.db"),
    }
    store = Store(values["DSBOT_DB"])
    store.migrate()
    demarche = sandbox.control.demarches()[0]["number"]
    with DSClient(sandbox.graphql_url, "sandbox-token") as ds:
        SubscriptionService(store, ds).subscribe(TEAM_ID, CHANNEL, demarche, created_by="U0ADMIN")
    values["demarche"] = str(demarche)
    return values


def settings_of(env: dict[str, str]) -> Settings:
    return Settings.from_mapping({k: v for k, v in env.items() if k.isupper()})


def test_run_once_from_settings(sandbox, slack, env):
    number = sandbox.control.create_dossier(int(env["demarche"]))["number"]
    report = run_once(settings_of(env), pacing=0)
    assert report.ok and report.drain is not None and report.drain.sent == 1
    (card,) = slack.top_level(CHANNEL)
    assert f"Dossier n° {number}" in card["text"]
    assert {"1 envoyé", "1 message en file"} <= set(report.summary().split(" ; "))


def test_run_once_needs_the_tokens(env):
    settings = settings_of({k: v for k, v in env.items() if k != "DS_API_TOKEN"})
    with pytest.raises(ConfigError, match="DS_API_TOKEN"):
        run_once(settings)


def test_dsbot_poll_once_runs_one_cycle_as_a_process(sandbox, slack, env, tmp_path):
    number = sandbox.control.create_dossier(int(env["demarche"]))["number"]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DS_"))}
    child_env.update({k: v for k, v in env.items() if k.isupper()})
    # Every secret set, and every line logged, as JSON (issue 18: no secret, nothing personal).
    secrets = {
        "SLACK_APP_TOKEN": "xapp-1-A0DSBOT-4242-app-secret",
        "SLACK_SIGNING_SECRET": "signing-secret-4242",
        "DSBOT_SECRET_KEY": "Wm9vbGFuZGlhLWtleS1mb3ItdGVzdHMtb25seS00MjQyNDI=",
    }
    child_env.update(secrets, DSBOT_LOG_LEVEL="DEBUG", DSBOT_LOG_FORMAT="json")
    done = subprocess.run(
        [sys.executable, "-m", "dsbot.cli", "poll", "--once"],
        env=child_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "1 envoyé" in done.stdout.strip().split(" ; ")
    (card,) = slack.top_level(CHANNEL)
    assert card["text"].startswith(f"Dossier n° {number}")
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    events = {line["event"] for line in lines}
    assert {"ds.request_ok", "cycle.done"} <= events, events
    assert all({"time", "level", "logger", "event"} <= set(line) for line in lines)
    with DSClient(sandbox.graphql_url, "sandbox-token") as ds:
        dossier = ds.get_dossier(number)
    demandeur = dossier.demandeur
    personal = [getattr(demandeur, n, None) for n in ("nom", "prenom", "raison_sociale")]
    personal = [p for p in [*personal, dossier.usager_email] if p and p.strip()]
    assert personal, "the dossier has a demandeur to look for"
    for value in [*secrets.values(), env["SLACK_BOT_TOKEN"], env["DS_API_TOKEN"], *personal]:
        assert value not in done.stderr, value
    del child_env["DSBOT_LOG_FORMAT"], child_env["DSBOT_LOG_LEVEL"]
    # DS unreachable: a non-zero exit and a one-line reason.
    child_env["DS_API_URL"] = "http://127.0.0.1:9/api/v2/graphql"
    failed = subprocess.run(
        [sys.executable, "-m", "dsbot.cli", "poll", "--once"],
        env=child_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode == 1 and "en échec" in failed.stdout
    assert len(failed.stderr.strip().splitlines()) == 1


def test_background_poller_of_dsbot_run(sandbox, slack, env):
    settings = Settings.from_mapping(
        {k: v for k, v in env.items() if k.isupper()} | {"DSBOT_POLL_INTERVAL": "30"}
    )
    services = build_services(settings)
    number = sandbox.control.create_dossier(int(env["demarche"]))["number"]
    # The first post is rate limited: the retry comes after Retry-After, not 30 s later.
    slack.fail("chat.postMessage", "ratelimited", retry_after=1, times=1)
    stop_event = threading.Event()
    started = time.monotonic()
    stop = start_background_poller(services, stop_event)
    try:
        slack.wait_for("chat.postMessage", count=2, timeout=10)
        assert time.monotonic() - started < 10
        deadline = time.monotonic() + 5
        while not slack.top_level(CHANNEL) and time.monotonic() < deadline:
            time.sleep(0.05)
        (card,) = slack.top_level(CHANNEL)
        assert f"Dossier n° {number}" in card["text"]
    finally:
        stop()
    assert stop_event.is_set()
    assert not any(t.name == "dsbot-poller" and t.is_alive() for t in threading.enumerate())
