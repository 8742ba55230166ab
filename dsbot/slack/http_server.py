"""Serving Slack over HTTP with waitress (a production WSGI server), plus /healthz.

The same health endpoint is served in Socket Mode, on its own port, for Docker and k8s probes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.server import create_server

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SERVER_THREADS = 16


@dataclass
class Health:
    """Readiness: the server is up, Slack's auth.test succeeded, the poller has started."""

    server_up: bool = False
    slack_ok: bool = False
    poller_started: bool = False
    details: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.server_up and self.slack_ok and self.poller_started

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ready,
            "server": self.server_up,
            "slack": self.slack_ok,
            "poller": self.poller_started,
            **self.details,
        }


StartResponse = Callable[..., Any]


def health_wsgi(health: Health) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = json.dumps(health.as_dict()).encode()
        status = "200 OK" if health.ready else "503 Service Unavailable"
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app


def slack_wsgi(
    app: App, health: Health
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """POST /slack/events goes to Bolt (which verifies signatures); GET /healthz answers health."""
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)
    healthz = health_wsgi(health)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            return healthz(environ, start_response)
        return bolt(environ, start_response)

    return wsgi


class BackgroundServer:
    """A waitress server running in a thread (used for both modes and in tests)."""

    def __init__(
        self, wsgi: Callable[..., Any], host: str, port: int, threads: int = SERVER_THREADS
    ):
        self._server = create_server(
            wsgi,
            host=host,
            port=port,
            threads=threads,
            ident="dsbot",
            clear_untrusted_proxy_headers=True,
            # How long the loop may sleep before it notices a stop (default 1 s).
            asyncore_loop_timeout=0.2,
        )
        self._thread = threading.Thread(target=self._run, name="dsbot-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def host(self) -> str:
        return str(self._server.effective_host)

    def _run(self) -> None:
        # stop() closes the socket under run(), which then raises OSError: a normal end.
        with contextlib.suppress(OSError):
            self._server.run()

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        # Closing the listener alone leaves waitress serving open keep-alive connections (Slack
        # keeps some) until they time out: close them all so that a stop is immediate.
        self._server.close()
        wasyncore.close_all(self._server._map)
        self._thread.join(timeout=5)
