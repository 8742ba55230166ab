"""`dsbot run` as a real process, in Socket Mode (the default) and in HTTP mode."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dsbot.backends.ds.client import DSClient
from dsbot.services.subscriptions import SubscriptionService
from dsbot.slack.transport.http_server import PER_CLIENT_CONNECTIONS
from dsbot.store import Store
from tests.fakes.bot import SIGNING_SECRET, TEAM_ID, sign
from tests.fakes.process import dsbot_env, free_port, stop, wait_healthy
from tests.fakes.slack_payloads import named_shapes
from tests.fakes.socket_mode import FakeSocketMode
from tests.test_metrics import samples, value

APP_TOKEN = "xapp-1-A0TEST-123-abcdef"
EVENTS, HEALTHZ = "/slack/events", "/healthz"
# Issue 19: one client's silent sockets must starve neither health nor a signed command.
IDLE_SOCKETS = 600
ADMIN, PARTNERS = "U0ADMIN01", "C0PARTNERS"


@pytest.fixture
def socket_mode(fake_slack) -> Iterator[FakeSocketMode]:
    server = FakeSocketMode().start()
    fake_slack.app_tokens.add(APP_TOKEN)
    fake_slack.socket_mode_url = server.url
    yield server
    server.stop()


def command_payload(text: str, user: str, response_url: str) -> dict[str, str]:
    return {
        "team_id": TEAM_ID,
        "channel_id": "C0GENERAL",
        "user_id": user,
        "command": "/ds",
        "text": text,
        "api_app_id": "A0TEST",
        "response_url": response_url,
        "trigger_id": "123.456.abc",
    }


def test_socket_mode_is_the_default(fake_slack, sandbox, socket_mode, tmp_path):
    health = free_port()
    env = dsbot_env(
        fake_slack,
        sandbox,
        tmp_path,
        SLACK_APP_TOKEN=APP_TOKEN,
        DSBOT_HEALTH_PORT=str(health),
        DSBOT_LOG_FORMAT="json",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsbot.cli", "run"], env=env, stderr=subprocess.PIPE
    )
    try:
        socket_mode.wait_connected(timeout=20)
        wait_healthy(health, proc)

        sent = time.monotonic()
        envelope = socket_mode.send(
            "slash_commands", command_payload("aide", "U0SOMEONE", fake_slack.response_url())
        )
        ack = socket_mode.wait_ack(envelope)
        assert ack["at"] - sent < 3.0
        assert "abonner" in str(ack["payload"])

        demarche = sandbox.control.demarches()[0]
        number = sandbox.control.create_dossier(demarche["number"])["number"]
        fake_slack.add_user("U0SOMEONE", "quelquun@exemple.fr")
        url = fake_slack.response_url(channel="C0GENERAL", user="U0SOMEONE")
        envelope = socket_mode.send(
            "slash_commands", command_payload(f"dossier {number}", "U0SOMEONE", url)
        )
        socket_mode.wait_ack(envelope)
        card = fake_slack.wait_for_response(url, timeout=15)[-1].body
        assert str(number) in card["text"]
    finally:
        assert stop(proc) == 0
    # stderr is JSON, a line an event; the libraries say nothing below WARNING, and Bolt no
    # longer warns at every start that `token` is unused.
    assert proc.stderr is not None
    lines = [json.loads(line) for line in proc.stderr.read().decode().splitlines()]
    events = [line["event"] for line in lines]
    assert {"slack.socket_mode_connected", "runtime.started"} <= set(events), events
    assert not [line for line in lines if line["event"] == "library"], lines


def open_idle(port: int, count: int) -> list[socket.socket]:
    """`count` connections that never send a byte (opened without waiting for each other)."""
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        sockets.append(sock)
    return sockets


def closed_by_server(sockets: list[socket.socket], enough: int, timeout: float = 3) -> int:
    """How many of `sockets` the server closed (readable, then EOF or reset): waits until
    `enough` are, at most `timeout` seconds."""
    closed, pending = 0, list(sockets)
    deadline = time.monotonic() + timeout
    while closed < enough and time.monotonic() < deadline:
        readable, _, _ = select.select(pending[:1000], [], [], 0.2)
        for sock in readable:
            try:
                data = sock.recv(1)
            except OSError:
                data = b""
            if not data:
                closed += 1
                pending.remove(sock)
    return closed


def timed_status(
    call: Callable[..., httpx.Response], *args: Any, **kw: Any
) -> tuple[int, float, str]:
    started = time.monotonic()
    answer = call(*args, **kw)
    return answer.status_code, time.monotonic() - started, answer.text


def assert_idle_sockets_starve_nothing(url: str, health_url: str, response_url: str) -> None:
    """Issue 19: ~510 silent sockets of one client used to hold every slot of the server for
    30 s. Now /healthz (on both ports) and a signed command on a new connection answer within
    a second, and the client's silent sockets beyond its share are closed to make room."""
    port, health_port = (int(u.rsplit(":", 1)[1]) for u in (url, health_url))
    attack = open_idle(port, IDLE_SOCKETS) + open_idle(health_port, IDLE_SOCKETS // 6)
    body = urllib.parse.urlencode(command_payload("aide", "U0X", response_url)).encode()
    try:
        for _ in range(3):
            for probe in (health_url, url):
                status, took, _ = timed_status(httpx.get, probe + HEALTHZ, timeout=5)
                assert status == 200 and took < 1.0, (probe, took)
            headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
            status, took, text = timed_status(
                httpx.post, url + EVENTS, content=body, headers=headers, timeout=5
            )
            assert status == 200 and took < 1.0 and "abonner" in text, (status, took)
        enough = IDLE_SOCKETS - PER_CLIENT_CONNECTIONS - 1
        assert closed_by_server(attack[:IDLE_SOCKETS], enough) >= enough
    finally:
        for sock in attack:
            sock.close()


def assert_malformed_shapes_are_400(url: str) -> None:
    """The signed shapes Bolt itself crashed on (500) are refused with a clean 400, in both of
    Slack's encodings."""
    for name, payload in named_shapes().items():
        if payload.get("type") == "event_callback":
            body, content_type = json.dumps(payload).encode(), "application/json"
        else:
            body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
            content_type = "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, **sign(body)}
        answer = httpx.post(url + EVENTS, content=body, headers=headers, timeout=5)
        assert answer.status_code == 400, (name, answer.status_code)
        assert answer.json() == {"error": "malformed payload"}


def assert_guest_channel_needs_confirmation(url: str, fake_slack, sandbox, db_path: Path) -> None:
    """Issue 19: a channel with a guest is subscribed only with `confirmer`; a guest joining
    later pauses it, and the admin who subscribed it is told (no DSBOT_OPS_CHANNEL here)."""
    fake_slack.add_user(ADMIN, "admin@exemple.fr")
    fake_slack.add_user("U0GUEST1", "invite@partenaire.fr", is_restricted=True)
    fake_slack.add_user("U0GUEST2", "autre@partenaire.fr", is_ultra_restricted=True)
    fake_slack.add_channel(PARTNERS, "partenaires", members=[ADMIN, "U0GUEST1"])
    demarche = sandbox.control.demarches()[0]["number"]

    def command(text: str) -> str:
        response_url = fake_slack.response_url(channel=PARTNERS, user=ADMIN)
        form = command_payload(text, ADMIN, response_url) | {"channel_id": PARTNERS}
        body = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        assert httpx.post(url + EVENTS, content=body, headers=headers).status_code == 200
        return str(fake_slack.wait_for_response(response_url, timeout=10)[-1].body["text"])

    assert command(f"abonner {demarche}").startswith("🔒 Abonnement refusé")
    assert "Abonnement confirmé" in command(f"abonner {demarche} confirmer")
    fake_slack.add_member(PARTNERS, "U0GUEST2")
    event = {
        "type": "event_callback",
        "team_id": TEAM_ID,
        "event": {"type": "member_joined_channel", "user": "U0GUEST2", "channel": PARTNERS},
    }
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json", **sign(body)}
    assert httpx.post(url + EVENTS, content=body, headers=headers).status_code == 200
    # Paused at once; the alert is queued, and leaves with the next poll cycle.
    deadline = time.monotonic() + 10
    while "en pause : un invité a rejoint le canal" not in command("abonnements"):
        assert time.monotonic() < deadline, "the channel was never paused"
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        rows = db.execute("SELECT channel_id, payload FROM outbox WHERE kind = 'alert'").fetchall()
    assert [(target, json.loads(payload)["text_key"]) for target, payload in rows] == [
        (ADMIN, "notify.channel_exposed")
    ]


def subscribed_database(sandbox, path) -> int:
    """A database where C0GENERAL follows a démarche; returns its number."""
    store = Store(path)
    store.migrate()
    demarche = sandbox.control.demarches()[0]["number"]
    with DSClient(sandbox.graphql_url, "sandbox-token") as ds:
        SubscriptionService(store, ds).subscribe(TEAM_ID, "C0GENERAL", demarche, created_by="U0A")
    return int(demarche)


def test_http_mode_serves_signed_requests_health_and_metrics(fake_slack, sandbox, tmp_path):
    """One process for the Slack side, readiness, liveness, --host and /metrics: it follows a
    démarche with a token DS says has expired."""
    demarche = subscribed_database(sandbox, tmp_path / "run.db")
    sandbox.control.add_token("expired-token", expired=True)
    port, health_port, host = free_port(), free_port(), "127.0.0.2"
    env = dsbot_env(
        fake_slack,
        sandbox,
        tmp_path,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DS_API_TOKEN="expired-token",
        DSBOT_HEALTH_PORT=str(health_port),
    )
    command = ["run", "--http", "--port", str(port), "--host", host]
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsbot.cli", *command], env=env, stderr=subprocess.PIPE
    )
    base, health = f"http://{host}:{port}", f"http://{host}:{health_port}"
    try:
        # The health listener starts after the Slack one: once it answers, both do.
        wait_healthy(health_port, proc, host=host, path="/livez")
        body = urllib.parse.urlencode(
            command_payload("aide", "U0X", fake_slack.response_url())
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        answer = httpx.post(f"{base}/slack/events", content=body, headers=headers)
        assert answer.status_code == 200
        assert "abonner" in answer.text
        forged = {**headers, "X-Slack-Signature": "v0=" + "0" * 64}
        answer = httpx.post(f"{base}/slack/events", content=body, headers=forged)
        assert answer.status_code == 401

        # The token refused in the first cycle: not ready at once, with the reason; alive.
        ready = wait_answer(f"{health}/readyz", 503, proc)
        assert any("Le jeton de l’API DS a expiré" in r for r in ready["reasons"]), ready
        (feed,) = ready["feeds"]
        assert feed["key"] == f"demarche:{demarche}" and feed["consecutive_failures"] == 1
        assert ready["database"] == {"ok": True, "error": None}
        assert httpx.get(f"{health}/healthz").status_code == 503
        live = httpx.get(f"{health}/livez")
        assert live.status_code == 200 and live.json()["poller"]["delivery"] is True
        # --host is honoured by the health listener too: nothing on the other loopback address.
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{health_port}/livez")

        # The cycle is counted once it ends (after the health step that made /readyz fail).
        found = wait_metrics(f"{health}/metrics", "dsbot_cycles_total", proc)
        assert value(found, "dsbot_cycles_total", outcome="feeds_failed") >= 1
        assert value(found, "dsbot_backend_requests_total", backend="ds", outcome="auth_failed")
        assert value(found, "dsbot_slack_calls_total", method="auth.test", outcome="ok") == 1
        assert value(found, "dsbot_ack_latency_seconds_count", kind="slash_command") == 1
        assert value(found, "dsbot_feed_consecutive_failures", feed=feed["key"]) == 1
        assert value(found, "dsbot_outbox_depth") == 0
        assert httpx.get(f"{base}/metrics").text.startswith("# HELP")  # the Slack port too

        # The database file deleted under it: reported, and never recreated empty.
        (tmp_path / "run.db").unlink()
        answer = httpx.get(f"{base}/healthz")
        assert answer.status_code == 503
        assert "a disparu" in answer.json()["database"]["error"]
        url = fake_slack.response_url()
        body = urllib.parse.urlencode(command_payload("abonnements", "U0X", url)).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        httpx.post(f"{base}/slack/events", content=body, headers=headers)
        reply = fake_slack.wait_for_response(url, timeout=10)[-1].body
        assert reply["text"].startswith("La base de données de dsbot est indisponible")
        assert not (tmp_path / "run.db").exists()
    finally:
        assert stop(proc) == 0


def wait_metrics(url: str, sample: str, proc: subprocess.Popen, timeout: float = 20) -> dict:
    """The parsed metrics of `url` once `sample` counts something."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None
        found = samples(httpx.get(url).text)
        if value(found, sample):
            return found
        time.sleep(0.05)
    raise AssertionError(f"{sample} stayed at 0")


def wait_answer(url: str, status: int, proc: subprocess.Popen, timeout: float = 20) -> dict:
    """The JSON of `url` once it answers `status` (the first cycle runs as dsbot starts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None
        answer = httpx.get(url)
        if answer.status_code == status:
            return answer.json()
        time.sleep(0.05)
    raise AssertionError(f"{url} never answered {status}: {answer.text}")


def test_http_mode_survives_idle_sockets_malformed_payloads_and_guest_channels(
    fake_slack, sandbox, tmp_path
):
    port, health_port = free_port(), free_port()
    env = dsbot_env(fake_slack, sandbox, tmp_path, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    env["DSBOT_HEALTH_PORT"] = str(health_port)
    env["DSBOT_ADMINS"] = ADMIN
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dsbot.cli",
            "run",
            "--http",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        wait_healthy(port, proc)
        body = urllib.parse.urlencode(
            command_payload("aide", "U0X", fake_slack.response_url())
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        answer = httpx.post(f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers)
        assert answer.status_code == 200
        assert "abonner" in answer.text
        forged = {**headers, "X-Slack-Signature": "v0=" + "0" * 64}
        answer = httpx.post(f"http://127.0.0.1:{port}/slack/events", content=body, headers=forged)
        assert answer.status_code == 401
        assert_idle_sockets_starve_nothing(
            f"http://127.0.0.1:{port}", f"http://127.0.0.1:{health_port}", fake_slack.response_url()
        )
        assert_malformed_shapes_are_400(f"http://127.0.0.1:{port}")
        assert_guest_channel_needs_confirmation(
            f"http://127.0.0.1:{port}", fake_slack, sandbox, tmp_path / "run.db"
        )

        health = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
        assert health["database"] == {"ok": True, "error": None}
        assert health["poller"]["alive"] is True and health["reasons"] == []
    finally:
        assert stop(proc) == 0


@pytest.mark.parametrize(
    ("args", "missing"),
    [(["run"], "SLACK_APP_TOKEN"), (["run", "--http"], "SLACK_SIGNING_SECRET")],
)
def test_missing_setting_is_named_in_one_line(fake_slack, sandbox, tmp_path, args, missing):
    env = dsbot_env(fake_slack, sandbox, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "dsbot.cli", *args], env=env, capture_output=True, timeout=30
    )
    assert result.returncode != 0
    err = result.stderr.decode().strip()
    assert missing in err
    assert len(err.splitlines()) == 1


def test_bad_bot_token_fails_start_clearly(fake_slack, sandbox, tmp_path):
    env = dsbot_env(fake_slack, sandbox, tmp_path, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    env["SLACK_BOT_TOKEN"] = "xoxb-wrong-token"
    result = subprocess.run(
        [sys.executable, "-m", "dsbot.cli", "run", "--http", "--port", "0"],
        env=env,
        capture_output=True,
        timeout=30,
    )
    assert result.returncode != 0
    err = result.stderr.decode()
    assert "invalid_auth" in err and "SLACK_BOT_TOKEN" in err
    assert "xoxb-wrong-token" not in err


def test_start_names_every_missing_setting_at_once():
    from dsbot.app_runtime import StartupError, start
    from dsbot.config import Settings

    with pytest.raises(StartupError) as info:
        start(Settings.from_mapping({}), http=False)
    lines = str(info.value).splitlines()
    for variable in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DS_API_TOKEN"):
        assert sum(variable in line for line in lines) == 1, lines


def test_unwritable_database_stops_run_in_one_line(fake_slack, sandbox, tmp_path):
    env = dsbot_env(fake_slack, sandbox, tmp_path, SLACK_APP_TOKEN=APP_TOKEN)
    env["DSBOT_DB"] = "/proc/dsbot.db"
    result = subprocess.run(
        [sys.executable, "-m", "dsbot.cli", "run"], env=env, capture_output=True, timeout=30
    )
    assert result.returncode == 1
    [line] = result.stderr.decode().splitlines()
    assert line.startswith("Erreur : DSBOT_DB : ") and "/proc/dsbot.db" in line
