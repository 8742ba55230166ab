"""The waitress server behind --http and /healthz."""

from __future__ import annotations

import time

import httpx

from dsbot.slack.http_server import BackgroundServer, Health, health_wsgi


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
