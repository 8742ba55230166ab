"""Serving Slack over HTTP with waitress (a production WSGI server), plus /healthz.

The same health endpoint is served in Socket Mode, on its own port, for Docker and k8s probes:
JSON saying what works, 200 when everything does, 503 with the reasons otherwise.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

from dsbot.notifications.health import STALE_CYCLES, PollerStatus
from dsbot.slack.transport.edge import MAX_BODY_BYTES, guard
from dsbot.store import Store

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SERVER_THREADS = 16
# Limits against slow or abusive clients (waitress reads requests asynchronously, so a slow one
# holds a connection, not a thread): a request must arrive whole within REQUEST_READ_SECONDS,
# an idle connection is closed after IDLE_SECONDS, and the connection table has room for many.
REQUEST_READ_SECONDS = 10.0
IDLE_SECONDS = 30.0
CONNECTION_LIMIT = 500
CLEANUP_SECONDS = 1.0
# How long the idle loop blocks in select() (also the longest gap between two cleanups). waitress
# reads this setting as an int: a fraction such as 0.2 became 0, and the loop spun at 75 % of a
# core while idle. A stop wakes the loop at once (`stop`), so a short timeout buys nothing.
LOOP_TIMEOUT_SECONDS = 1


# An absolute file path (`/data/dsbot.db`, `C:\\dsbot\\x.db`), not a URL's path (`https://h/p`).
_PATH = re.compile(r"(?<![\w:/\\])(?:[A-Za-z]:)?[/\\](?:[\w.\-]+[/\\])*[\w.\-]+")
PATH_HIDDEN = "‹chemin›"


def without_paths(text: str | None) -> str | None:
    """`text` with file paths hidden: /healthz is seen by whoever can reach it (a load balancer,
    a monitoring tool), and the database's path says how the host is laid out. The logs keep it."""
    return _PATH.sub(PATH_HIDDEN, text) if text else text


@dataclass
class Health:
    """Readiness, for /healthz: the server is up, Slack's auth.test succeeded, the database can
    be read and written (`store`, probed at each request), and the poller loop is alive and has
    completed a cycle within STALE_CYCLES × `poll_interval` (`poller`, its PollerStatus)."""

    server_up: bool = False
    slack_ok: bool = False
    poller_started: bool = False
    details: dict[str, str] = field(default_factory=dict)
    store: Store | None = None
    poller: PollerStatus | None = None
    poll_interval: float = 60.0

    @property
    def ready(self) -> bool:
        return bool(self.as_dict()["ok"])

    def as_dict(self) -> dict[str, Any]:
        reasons: list[str] = []
        if not self.server_up:
            reasons.append("serveur : pas encore à l’écoute")
        if not self.slack_ok:
            reasons.append("slack : auth.test n’a pas encore réussi")
        body: dict[str, Any] = {"server": self.server_up, "slack": self.slack_ok}
        if self.store is not None:
            problem = without_paths(self.store.probe())
            body["database"] = {"ok": problem is None, "error": problem}
            if problem is not None:
                reasons.append(f"base de données (DSBOT_DB) : {problem}")
        poller: dict[str, Any] = {"started": self.poller_started}
        if not self.poller_started:
            reasons.append("poller : pas encore démarré")
        elif self.poller is not None:
            snapshot = self.poller.snapshot(self.poll_interval)
            poller |= snapshot.to_json()
            poller["last_error"] = without_paths(poller.get("last_error"))
            if snapshot.ended:
                reasons.append("poller : la boucle de notification est arrêtée")
            elif snapshot.stale_for is not None:
                reasons.append(
                    f"poller : aucun cycle réussi depuis plus de {STALE_CYCLES} ×"
                    f" DSBOT_POLL_INTERVAL ({STALE_CYCLES * self.poll_interval:g} s)"
                )
        body["poller"] = poller
        return {"ok": not reasons, **body, "reasons": reasons, **self.details}


StartResponse = Callable[..., Any]


def health_wsgi(health: Health) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        report = health.as_dict()
        body = json.dumps(report).encode()
        status = "200 OK" if report["ok"] else "503 Service Unavailable"
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app


def slack_wsgi(
    app: App, health: Health, *, signing_secret: str
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """GET /healthz answers health; anything else must be a small request signed by Slack
    before Bolt gets it (dsbot.slack.transport.edge)."""
    bolt = guard(SlackRequestHandler(app, path=EVENTS_PATH), signing_secret)
    healthz = health_wsgi(health)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            return healthz(environ, start_response)
        return bolt(environ, start_response)

    return wsgi


class DeadlineChannel(HTTPChannel):  # type: ignore[misc]  # waitress ships no type hints
    """A connection that remembers since when it has been reading its current request."""

    reading_since: float | None = None

    def received(self, data: bytes) -> bool:
        if data and self.request is None and self.reading_since is None:
            self.reading_since = time.time()
        result = bool(super().received(data))
        if self.request is None:
            self.reading_since = None
        return result


class DeadlineServer(TcpWSGIServer):  # type: ignore[misc]  # waitress ships no type hints
    """waitress closes idle connections; this one also closes those that dribble a request."""

    channel_class = DeadlineChannel
    request_read_seconds = REQUEST_READ_SECONDS

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        for channel in self.active_channels.values():
            since = getattr(channel, "reading_since", None)
            if since is not None and now - since > self.request_read_seconds:
                channel.will_close = True


class BackgroundServer:
    """A waitress server running in a thread (used for both modes and in tests)."""

    def __init__(
        self,
        wsgi: Callable[..., Any],
        host: str,
        port: int,
        threads: int = SERVER_THREADS,
        *,
        request_read_seconds: float = REQUEST_READ_SECONDS,
        idle_seconds: float = IDLE_SECONDS,
        connection_limit: int = CONNECTION_LIMIT,
        cleanup_seconds: float = CLEANUP_SECONDS,
        max_body: int = MAX_BODY_BYTES,
    ):
        self._server = DeadlineServer(
            wsgi,
            host=host,
            port=port,
            threads=threads,
            ident="dsbot",
            clear_untrusted_proxy_headers=True,
            asyncore_loop_timeout=LOOP_TIMEOUT_SECONDS,
            # waitress answers 413 itself from Content-Length, before reading the body.
            max_request_body_size=max_body,
            channel_timeout=idle_seconds,
            connection_limit=connection_limit,
            cleanup_interval=cleanup_seconds,
        )
        self._server.request_read_seconds = request_read_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dsbot-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def host(self) -> str:
        return str(self._server.effective_host)

    def _run(self) -> None:
        # waitress's own run() loops until its socket map is empty; this loop also ends when
        # stop() pulls the trigger, and the thread that polls the sockets is the one that closes
        # them (closing them from another thread would leave select() waiting on dead sockets).
        server = self._server
        with contextlib.suppress(OSError):
            while not self._stopping.is_set():
                wasyncore.loop(
                    timeout=server.adj.asyncore_loop_timeout,
                    map=server._map,
                    use_poll=server.adj.asyncore_use_poll,
                    count=1,
                )
        # Also close open keep-alive connections (Slack keeps some): a stop is immediate.
        with contextlib.suppress(OSError):
            server.close()
            wasyncore.close_all(server._map)

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError, ValueError):  # already stopped: the trigger is closed
            self._server.pull_trigger()
        self._thread.join(timeout=5)
