"""Serving Slack over HTTP with waitress (a production WSGI server), plus the health listener.

The same health routes are served in Socket Mode, on their own port, for Docker and k8s probes:
/livez, /readyz and /healthz answer JSON saying what works, 200 when everything does, 503 with
the French reasons otherwise; /metrics answers the Prometheus text format.
"""

from __future__ import annotations

import contextlib
import json
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

from dsbot.logs import get_logger
from dsbot.notifications.health import (
    FAULT_BACKOFF_CAP,
    STALE_CYCLES,
    PollerStatus,
    error_line,
)
from dsbot.notifications.readiness import NotificationHealth
from dsbot.slack.transport.edge import MAX_BODY_BYTES, guard
from dsbot.store import Store

log = get_logger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SERVER_THREADS = 16
# Limits against slow, idle or abusive clients (waitress reads requests asynchronously, so a slow
# one holds a connection, not a thread):
# - a connection must send its request line and headers within HEADER_SECONDS (of its opening,
#   or of the first byte of a later request), and the whole request within REQUEST_READ_SECONDS;
# - a connection idle between two requests is closed after IDLE_SECONDS;
# - one client (one address) holds at most PER_CLIENT_CONNECTIONS connections, and the server
#   at most CONNECTION_LIMIT: past either, a new connection takes the place of the oldest one
#   that is not being served (idle or still sending), so the server never stops accepting and
#   no number of silent sockets keeps a new request out (docs/slack.md, "Socket Mode or HTTP").
HEADER_SECONDS = 5.0
REQUEST_READ_SECONDS = 10.0
IDLE_SECONDS = 30.0
PER_CLIENT_CONNECTIONS = 32
CONNECTION_LIMIT = 500
CLEANUP_SECONDS = 1.0
# At most this many connections accepted per turn of the loop (a backlog drains at once).
ACCEPTS_PER_TURN = 64
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
    """What /livez, /readyz and /healthz answer.

    Liveness (`liveness()`, /livez): the process answers, and once the poller started, its loop
    and its delivery thread are running and the loop still beats (a cycle ended, failed or not,
    within STALE_CYCLES × the longest wait between two cycles). A restart helps only then.

    Readiness (`as_dict()`, /readyz and /healthz): liveness, plus the server is up, Slack's
    auth.test succeeded, the database can be read and written (`store`, probed at each request),
    the poller completed a cycle within STALE_CYCLES × `poll_interval` (`poller`), and the
    notification side works (`notifications`: every feed, each backend's credential, the
    outbox; `dsbot.notifications.readiness`)."""

    server_up: bool = False
    slack_ok: bool = False
    poller_started: bool = False
    details: dict[str, str] = field(default_factory=dict)
    store: Store | None = None
    poller: PollerStatus | None = None
    poll_interval: float = 60.0
    notifications: NotificationHealth | None = None
    # The Prometheus exposition of /metrics (None: not served).
    metrics: Callable[[], bytes] | None = None

    @property
    def ready(self) -> bool:
        return bool(self.as_dict()["ok"])

    def _loops(self) -> tuple[dict[str, Any], list[str]]:
        """The poller's loops: their JSON and what makes them dead."""
        poller: dict[str, Any] = {"started": self.poller_started}
        if not self.poller_started or self.poller is None:
            return poller, []
        snapshot = self.poller.snapshot(self.poll_interval)
        poller |= snapshot.to_json()
        # Read by whoever reaches the listener: no file path (the log keeps it).
        poller["last_error"] = without_paths(poller.get("last_error"))
        reasons: list[str] = []
        if snapshot.ended:
            reasons.append("poller : la boucle de notification est arrêtée")
        elif snapshot.alive:
            silence = STALE_CYCLES * max(self.poll_interval, FAULT_BACKOFF_CAP)
            if snapshot.silent_for > silence:
                reasons.append(
                    f"poller : la boucle de notification ne tourne plus depuis"
                    f" {snapshot.silent_for:.0f} s (bloquée ?)"
                )
        if snapshot.delivering is False and not snapshot.ended:
            reasons.append(
                "envoi : le fil d’envoi des messages est arrêté, plus rien ne part vers Slack"
            )
        return poller, reasons

    def liveness(self) -> dict[str, Any]:
        poller, reasons = self._loops()
        return {"ok": not reasons, "poller": poller, "reasons": reasons}

    def as_dict(self) -> dict[str, Any]:
        reasons: list[str] = []
        if not self.server_up:
            reasons.append("serveur : pas encore à l’écoute")
        if not self.slack_ok:
            reasons.append("slack : auth.test n’a pas encore réussi")
        body: dict[str, Any] = {"server": self.server_up, "slack": self.slack_ok}
        problem = None
        if self.store is not None:
            problem = without_paths(self.store.probe())
            body["database"] = {"ok": problem is None, "error": problem}
            if problem is not None:
                reasons.append(f"base de données (DSBOT_DB) : {problem}")
        poller, dead = self._loops()
        if not self.poller_started:
            reasons.append("poller : pas encore démarré")
        elif self.poller is not None:
            reasons += dead
            stale = self.poller.snapshot(self.poll_interval).stale_for is not None
            if stale and not any(r.startswith("poller") for r in dead):
                reasons.append(
                    f"poller : aucun cycle réussi depuis plus de {STALE_CYCLES} ×"
                    f" DSBOT_POLL_INTERVAL ({STALE_CYCLES * self.poll_interval:g} s)"
                )
        body["poller"] = poller
        # The feeds and the outbox are read from the database: only when it works.
        if self.notifications is not None and problem is None:
            try:
                notifications = self.notifications.report()
            except Exception as exc:  # the answer must still come, with the reason
                reasons.append(f"base de données (DSBOT_DB) : {error_line(exc)}")
            else:
                body |= notifications.body
                reasons += notifications.reasons
        return {"ok": not reasons, **body, "reasons": reasons, **self.details}


StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
LIVE_PATH = "/livez"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
# What the health listener serves (GET or HEAD); the Slack listener serves them too.
HEALTH_PATHS = (HEALTH_PATH, READY_PATH, LIVE_PATH, METRICS_PATH)
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def _answer(start_response: StartResponse, status: str, body: bytes, kind: str) -> list[bytes]:
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def health_wsgi(health: Health) -> WSGIApp:
    """/healthz and /readyz (readiness), /livez (liveness), /metrics (Prometheus); 404 else."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == METRICS_PATH and health.metrics is not None:
            return _answer(start_response, "200 OK", health.metrics(), PROMETHEUS_TEXT)
        if path in (HEALTH_PATH, READY_PATH):
            report = health.as_dict()
        elif path == LIVE_PATH:
            report = health.liveness()
        else:
            return _answer(start_response, "404 Not Found", b"{}", "application/json")
        body = json.dumps(report).encode()
        status = "200 OK" if report["ok"] else "503 Service Unavailable"
        return _answer(start_response, status, body, "application/json")

    return app


def slack_wsgi(
    app: App, health: Health, *, signing_secret: str
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """GET on the health routes answers them; anything else must be a small request signed by Slack
    before Bolt gets it (dsbot.slack.transport.edge)."""
    bolt = guard(SlackRequestHandler(app, path=EVENTS_PATH), signing_secret)
    healthz = health_wsgi(health)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in HEALTH_PATHS and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            return healthz(environ, start_response)
        return bolt(environ, start_response)

    return wsgi


class DeadlineChannel(HTTPChannel):  # type: ignore[misc]  # waitress ships no type hints
    """A connection that remembers since when it has been reading its current request, and
    whether it ever completed one."""

    reading_since: float | None = None
    served = False

    def received(self, data: bytes) -> bool:
        if data and self.request is None and self.reading_since is None:
            self.reading_since = time.time()
        result = bool(super().received(data))
        if self.requests:
            self.served = True
        if self.request is None:
            self.reading_since = None
        return result

    def busy(self) -> bool:
        """A request of this connection is with the application, or its answer is being sent."""
        return bool(self.requests or self.total_outbufs_len)

    def overdue(self, now: float, header_seconds: float, request_seconds: float) -> bool:
        """Too slow: silent since it opened, or dribbling a request's head or body."""
        if self.busy():
            return False
        if self.request is None:
            return not self.served and now - self.creation_time > header_seconds
        since = self.reading_since if self.reading_since is not None else self.creation_time
        limit = request_seconds if self.request.headers_finished else header_seconds
        return now - since > limit


class DeadlineServer(TcpWSGIServer):  # type: ignore[misc]  # waitress ships no type hints
    """waitress closes idle connections; this one also closes those that are silent or dribble a
    request, and makes room for a new connection instead of no longer accepting (waitress stops
    accepting at its connection limit, which let idle sockets keep every new request out)."""

    channel_class = DeadlineChannel
    header_seconds = HEADER_SECONDS
    request_read_seconds = REQUEST_READ_SECONDS
    per_client = PER_CLIENT_CONNECTIONS

    def readable(self) -> bool:
        now = time.time()
        if now >= float(self.next_channel_cleanup):
            self.next_channel_cleanup: float = now + self.adj.cleanup_interval
            self.maintenance(now)
        return bool(self.accepting)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        for channel in self.active_channels.values():
            if channel.overdue(now, self.header_seconds, self.request_read_seconds):
                channel.will_close = True

    def handle_accept(self) -> None:
        for _ in range(ACCEPTS_PER_TURN):
            try:
                pair = self.accept()
                if pair is None:
                    return
                conn, addr = pair
                self.set_socket_options(conn)
            except OSError:
                return
            addr = self.fix_addr(addr)
            if not self.make_room(addr[0] if isinstance(addr, tuple) else addr):
                with contextlib.suppress(OSError):
                    conn.close()
                continue
            self.channel_class(self, conn, addr, self.adj, map=self._map)

    def make_room(self, peer: object) -> bool:
        """Room for one more connection of `peer`, by closing the oldest idle or slow
        connection of that client, then of anyone, when a limit is reached (False: every
        connection in the way is being served)."""
        channels = list(self.active_channels.values())
        mine = [c for c in channels if _peer(c) == peer]
        if len(mine) >= self.per_client and not _evict(mine):
            log.debug("http.connection_refused", reason="client_share_busy")
            return False
        if len(self.active_channels) >= self.adj.connection_limit and not _evict(channels):
            log.debug("http.connection_refused", reason="all_busy")
            return False
        return True


def _peer(channel: Any) -> object:
    addr = channel.addr
    return addr[0] if isinstance(addr, tuple) else addr


def _evict(channels: list[Any]) -> bool:
    """Close the connection of `channels` that has waited longest without being served."""
    idle = [c for c in channels if c.connected and not c.busy()]
    if not idle:
        return False
    victim = min(idle, key=lambda c: (not c.will_close, c.last_activity))
    victim.handle_close()
    return True


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
        header_seconds: float = HEADER_SECONDS,
        per_client: int = PER_CLIENT_CONNECTIONS,
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
        self._server.header_seconds = header_seconds
        self._server.per_client = per_client
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
