"""The waitress server behind --http and /healthz."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time

import httpx

from dsbot.notifications.health import PollerStatus
from dsbot.slack.transport.http_server import BackgroundServer, Health, health_wsgi


def test_healthz_is_503_until_every_part_is_ready():
    health = Health()
    server = BackgroundServer(health_wsgi(health), "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{server.port}/healthz"
        health.server_up = health.slack_ok = True
        answer = httpx.get(url)
        assert answer.status_code == 503
        assert answer.json() == {
            "ok": False,
            "server": True,
            "slack": True,
            "poller": {"started": False},
            "reasons": ["poller : pas encore démarré"],
        }
        health.poller_started = True
        answer = httpx.get(url)
        assert answer.status_code == 200
        assert answer.json()["ok"] is True and answer.json()["reasons"] == []
    finally:
        server.stop()


def test_stop_is_immediate_despite_open_keep_alive_connections():
    server = BackgroundServer(health_wsgi(Health()), "127.0.0.1", 0).start()
    client = httpx.Client()  # keeps its connection open, as Slack does
    client.get(f"http://127.0.0.1:{server.port}/healthz")
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    assert not server._thread.is_alive()
    client.close()


def test_the_idle_loop_blocks_in_select_instead_of_spinning(monkeypatch):
    # waitress reads its loop timeout as an int: 0.2 became 0 and an idle dsbot burnt 75 % of a
    # core. Every wait of the server's loop must block for a while (until a socket or stop()).
    timeouts: list[float] = []
    waited = threading.Event()
    real_select = select.select

    def recording_select(r, w, e, timeout=None):
        if threading.current_thread().name == "dsbot-http":
            timeouts.append(timeout)
            if len(timeouts) >= 3:
                waited.set()
        return real_select(r, w, e, timeout)

    monkeypatch.setattr(select, "select", recording_select)
    server = BackgroundServer(health_wsgi(Health()), "127.0.0.1", 0).start()
    try:
        with httpx.Client() as client:  # a request and a keep-alive connection: loop turns
            client.get(f"http://127.0.0.1:{server.port}/healthz")
            client.get(f"http://127.0.0.1:{server.port}/healthz")
        assert waited.wait(5)
    finally:
        server.stop()
    assert timeouts and min(timeouts) >= 1, timeouts


def test_stop_twice_is_harmless():
    server = BackgroundServer(health_wsgi(Health()), "127.0.0.1", 0).start()
    server.stop()
    server.stop()
    assert not server._thread.is_alive()


def test_the_health_listener_serves_liveness_readiness_and_metrics():
    health = Health(server_up=True, slack_ok=True, poller_started=True)
    health.metrics = lambda: b"# HELP dsbot_x x\n"
    server = BackgroundServer(health_wsgi(health), "127.0.0.1", 0).start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        for path in ("/livez", "/readyz", "/healthz"):
            answer = httpx.get(base + path)
            assert (answer.status_code, answer.json()["ok"]) == (200, True), path
        metrics = httpx.get(base + "/metrics")
        assert metrics.text == "# HELP dsbot_x x\n"
        assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert httpx.get(base + "/nothing").status_code == 404
        health.slack_ok = False  # readiness only: a restart would not fix it
        assert httpx.get(base + "/readyz").status_code == 503
        assert httpx.get(base + "/livez").status_code == 200
    finally:
        server.stop()


def test_a_loop_that_stops_beating_is_not_alive():
    clock = [0.0]
    status = PollerStatus(monotonic=lambda: clock[0])
    health = Health(server_up=True, slack_ok=True, poller_started=True, poller=status)
    health.poll_interval = 60.0
    status.started()
    status.delivery_started()
    clock[0] += 3 * 300.0  # failing cycles wait at most 300 s: three such waits still beat
    assert health.liveness()["ok"] is True
    clock[0] += 1.0
    report = health.liveness()
    assert report["ok"] is False and "ne tourne plus depuis 901 s" in report["reasons"][0]
    status.failed(RuntimeError("disk full"))  # failing, but turning: alive, not ready
    assert health.liveness()["ok"] is True
    assert health.as_dict()["ok"] is False
    status.delivery_stopped()
    assert "fil d’envoi" in health.liveness()["reasons"][0]


def test_a_database_fault_shows_no_path_in_healthz(tmp_path):
    from dsbot.notifications.health import PollerStatus
    from dsbot.store import DatabaseUnavailable, Store
    from tests.fakes.db_template import premigrated

    folder = tmp_path / "secret-layout"
    folder.mkdir()
    store = Store(premigrated(folder / "dsbot.db"))
    store.migrate()
    status = PollerStatus()
    status.started()
    status.failed(DatabaseUnavailable(store.missing_message()))
    health = Health(server_up=True, slack_ok=True, poller_started=True, store=store, poller=status)
    (folder / "dsbot.db").unlink()  # the fault: the file went away under dsbot
    report = health.as_dict()
    shown = json.dumps(report, ensure_ascii=False)
    assert report["ok"] is False and report["database"]["ok"] is False
    assert "a disparu" in report["database"]["error"] and "‹chemin›" in shown
    assert "secret-layout" not in shown and str(tmp_path) not in shown
    assert "a disparu" in report["poller"]["last_error"]


def test_urls_keep_their_paths_and_file_paths_go():
    from dsbot.slack.transport.http_server import without_paths

    said = without_paths("base /data/x/dsbot.db : droits ; voir https://ds.example/api/v2 ici")
    assert said == "base ‹chemin› : droits ; voir https://ds.example/api/v2 ici"
    assert without_paths(r"base C:\dsbot\x.db") == "base ‹chemin›"


def test_silent_and_dribbling_connections_miss_the_header_deadline():
    """The server's loop is turned by the test, and its maintenance told the time: a silent
    connection and one still sending its head are closed after HEADER_SECONDS, a request body
    gets REQUEST_READ_SECONDS, and a connection that was served only the idle timeout."""
    from waitress import wasyncore

    server = BackgroundServer(
        health_wsgi(Health()), "127.0.0.1", 0, header_seconds=5, request_read_seconds=10
    )
    inner = server._server
    inner.next_channel_cleanup = float("inf")  # no maintenance but the test's
    address = ("127.0.0.1", server.port)
    silent, head, body, served = (socket.create_connection(address) for _ in range(4))
    head.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
    body.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
    served.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    served.settimeout(0.05)
    answer = b""
    try:
        for _ in range(200):  # until the four are accepted and the health answer is sent
            wasyncore.loop(timeout=0.05, map=inner._map, count=1)
            with contextlib.suppress(TimeoutError):
                answer += served.recv(4096)
            if len(inner.active_channels) == 4 and answer.endswith(b"}"):
                break
        assert answer.startswith(b"HTTP/1.1 503")
        by_port = {c.addr[1]: c for c in inner.active_channels.values()}
        channels = [by_port[s.getsockname()[1]] for s in (silent, head, body, served)]
        now = time.time()
        inner.maintenance(now + 4)
        assert [c.will_close for c in channels] == [False, False, False, False]
        inner.maintenance(now + 6)
        assert [c.will_close for c in channels] == [True, True, False, False]
        inner.maintenance(now + 11)
        assert [c.will_close for c in channels] == [True, True, True, False]
    finally:
        for sock in (silent, head, body, served):
            sock.close()
        inner.task_dispatcher.shutdown()
        inner.close()
        wasyncore.close_all(inner._map)


def test_a_client_over_its_share_replaces_its_oldest_idle_connection():
    server = BackgroundServer(health_wsgi(Health()), "127.0.0.1", 0, per_client=3).start()
    try:
        address = ("127.0.0.1", server.port)
        idle = [socket.create_connection(address, timeout=3) for _ in range(5)]
        # The first two were closed to make room for the last two, oldest first.
        assert [s.recv(1) for s in idle[:2]] == [b"", b""]
        assert httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=3).status_code == 503
        for sock in idle:
            sock.close()
    finally:
        server.stop()
