"""The Dynacase sandbox server: a local stand-in for Dynacase's HTTP API 1.0.

    with DynacaseSandbox(seed=1).start() as sb:
        httpx.get(sb.api_url + "documents/", headers={"Authorization": f"DcpOpen {sb.token}"})

`dsbot sandbox --backend dynacase` runs `run_from_cli`. The accepted `--token` values belong
to `admin`; every user also has a token of their own, derived from the seed
(`POST /_sandbox/tokens {"login"}`, or `DynacaseSandbox.token_of(login)`).
"""

from __future__ import annotations

import hashlib
import random
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from dsbot.loopback_http import TrackingHTTPServer
from dsbot.sandboxes.dynacase import control
from dsbot.sandboxes.dynacase.api import PREFIX, Api, Response, error_response
from dsbot.sandboxes.dynacase.errors import ApiError
from dsbot.sandboxes.dynacase.generator import generate
from dsbot.sandboxes.dynacase.store import PARIS, Store
from dsbot.sandboxes.dynacase.world import ADMIN_LOGIN, USERS, User, user_by_login

DEFAULT_TOKEN = "sandbox-token"
MAX_BODY = 8 * 1024 * 1024


class Tokens:
    """`DcpOpen` tokens → users. Each user has one derived from the seed; extras are admin's."""

    def __init__(self, seed: int, admin_tokens: tuple[str, ...]) -> None:
        self._by_login = {
            u.login: hashlib.sha256(f"dcpopen:{seed}:{u.login}".encode()).hexdigest()[:32]
            for u in USERS
        }
        self._users: dict[str, str] = {token: login for login, token in self._by_login.items()}
        for token in admin_tokens:
            self._users[token] = ADMIN_LOGIN

    def token_of(self, login: str) -> str:
        return self._by_login[login]

    def user(self, token: str) -> User | None:
        login = self._users.get(token)
        return user_by_login(login) if login else None


@dataclass
class Stats:
    api_requests: int = 0
    not_modified: int = 0
    state_changes: int = 0
    by_route: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count_route(self, name: str) -> None:
        with self.lock:
            self.by_route[name] += 1

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {
                "api_requests": self.api_requests,
                "not_modified": self.not_modified,
                "state_changes": self.state_changes,
                "by_route": dict(self.by_route),
                "by_status": {str(k): v for k, v in self.by_status.items()},
            }


class Faults:
    """Injected failures for `/api/v1/` (never for the control API); see `control`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, Any] = {
            "fail_next": 0,
            "fail_status": 500,
            "error_rate": 0.0,
            "seed": 0,
            "latency_ms": 0,
            "fail_method": "",
            "fail_after": False,
        }
        self._rng = random.Random(0)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._values)

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        unknown = set(changes) - set(self._values)
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        for key, value in changes.items():
            if key == "error_rate":
                if not isinstance(value, int | float) or not 0 <= value <= 1:
                    raise ValueError("error_rate must be a number between 0 and 1")
            elif key == "fail_status":
                if value not in (500, 503):
                    raise ValueError("fail_status must be 500 or 503")
            elif key == "fail_method":
                if value not in ("", "GET", "POST"):
                    raise ValueError('fail_method must be "", "GET" or "POST"')
            elif key == "fail_after":
                if not isinstance(value, bool):
                    raise ValueError("fail_after must be true or false")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{key} must be a non-negative integer")
        with self._lock:
            self._values.update(changes)
            if "seed" in changes:
                self._rng = random.Random(changes["seed"])
            return dict(self._values)

    def take(self, method: str) -> tuple[int, float, bool] | None:
        """(status to answer, or 0), the latency in seconds, and whether the request is
        handled first (its answer lost); None when nothing applies."""
        with self._lock:
            latency = self._values["latency_ms"] / 1000
            status = 0
            if self._values["fail_method"] not in ("", method):
                pass
            elif self._values["fail_next"] > 0:
                self._values["fail_next"] -= 1
                status = self._values["fail_status"]
            elif self._values["error_rate"] and self._rng.random() < self._values["error_rate"]:
                status = self._values["fail_status"]
            after = self._values["fail_after"]
        return (status, latency, after) if status or latency else None


@dataclass
class DynacaseApp:
    store: Store
    tokens: Tokens
    base_url: str = ""
    verbose: bool = False
    stats: Stats = field(default_factory=Stats)
    faults: Faults = field(default_factory=Faults)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(PARIS))
    api: Any = None

    def now(self) -> datetime:
        return self.clock()


def _fault_response(status: int) -> Response:
    if status == 503:
        error = ApiError(503, "Service Unavailable", None, "Maintenance in progress")
    else:
        error = ApiError(500, "Dynacase Fatal Error", None, "Dynacase Fatal Error")
    return error_response(error)


class _HTTPServer(TrackingHTTPServer):
    def __init__(self, address: tuple[str, int], app: DynacaseApp) -> None:
        self.app = app
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    timeout = 120
    disable_nagle_algorithm = True
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.app.verbose:
            sys.stderr.write(f"dynacase sandbox: {format % args}\n")

    def _dispatch(self) -> None:
        app = self.server.app
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(control._json(400, {"error": "body too large"}))
            return
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            if url.path == PREFIX or url.path.startswith(PREFIX + "/"):
                response = self._api(app, url.path, url.query, headers, body)
            elif url.path.startswith("/_sandbox"):
                response = control.handle(app, self.command, url.path, body)
            else:
                response = control._json(404, {"error": f"no route {self.command} {url.path}"})
        except Exception:  # a bug of ours: say so rather than drop the connection
            import traceback

            traceback.print_exc(file=sys.stderr)
            response = _fault_response(500)
        self._send(response)

    def _api(
        self, app: DynacaseApp, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> Response:
        with app.stats.lock:
            app.stats.api_requests += 1
        fault = app.faults.take(self.command)
        if fault is not None:
            status, latency, after = fault
            if latency:
                time.sleep(latency)
            if status:
                if after:  # handled, then the answer is lost
                    app.api.handle(self.command, path, query, headers, body)
                response = _fault_response(status)
                with app.stats.lock:
                    app.stats.by_status[response.status] += 1
                return response
        response = app.api.handle(self.command, path, query, headers, body)
        with app.stats.lock:
            app.stats.by_status[response.status] += 1
        return response

    def _send(self, response: Response) -> None:
        self.send_response(response.status, response.reason or None)
        if response.status != 304:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _dispatch


class DynacaseSandbox:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int | None = None,
        tokens: tuple[str, ...] | list[str] = (DEFAULT_TOKEN,),
        counts: dict[str, int] | None = None,
        clock: Callable[[], datetime] | None = None,
        verbose: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.seed = random.randrange(1, 1_000_000) if seed is None else seed
        self.tokens = tuple(tokens)
        self.counts = counts
        self.clock = clock
        self.verbose = verbose
        self.app: DynacaseApp | None = None
        self._httpd: _HTTPServer | None = None
        self.base_url = ""
        self.api_url = ""

    @property
    def token(self) -> str:
        """The first `--token` (an admin token)."""
        return self.tokens[0] if self.tokens else ""

    def token_of(self, login: str) -> str:
        assert self.app is not None
        return self.app.tokens.token_of(login)

    def start(self) -> DynacaseSandbox:
        store = Store()
        now = self.clock() if self.clock else datetime.now(PARIS)
        anchor = now.replace(hour=0, minute=0, second=0, microsecond=0)
        generate(store, self.seed, anchor - timedelta(seconds=1), self.counts)
        self.app = DynacaseApp(store, Tokens(self.seed, self.tokens), verbose=self.verbose)
        if self.clock is not None:
            self.app.clock = self.clock
        self._httpd = _HTTPServer((self.host, self.port), self.app)
        self.port = self._httpd.server_address[1]
        self.base_url = self._httpd.url(self.host)
        self.api_url = f"{self.base_url}{PREFIX}/"
        self.app.base_url = self.base_url
        self.app.api = Api(self.app)
        self._httpd.start_in_background(f"dynacase-sandbox:{self.port}")
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.stop()
        self._httpd = None

    def __enter__(self) -> DynacaseSandbox:
        if self._httpd is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_from_cli(*, host: str, port: int, seed: int | None, tokens: tuple[str, ...]) -> None:
    """Serves until Ctrl-C (or SIGTERM), then stops cleanly."""
    server = DynacaseSandbox(host, port, seed=seed, tokens=tokens).start()
    assert server.app is not None
    print(f"Dynacase sandbox listening on {server.base_url}", flush=True)
    print(f"  API: {server.api_url}  (Authorization: DcpOpen <token>)")
    print(f"  admin token(s): {', '.join(tokens)}")
    print(f"  data: generated with --seed {server.seed}")
    for user in USERS:
        print(f"  user {user.login:<10} ({user.role}): {server.token_of(user.login)}")
    print(f"  control API: {server.base_url}/_sandbox/health")
    print("Press Ctrl-C to stop.", flush=True)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print("Dynacase sandbox stopped.", file=sys.stderr, flush=True)
