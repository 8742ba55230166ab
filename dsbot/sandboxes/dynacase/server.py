"""The Dynacase sandbox server: a local stand-in for Dynacase's HTTP API 1.0.

    with DynacaseSandbox(seed=1).start() as sb:
        httpx.get(sb.api_url + "documents/", headers={"Authorization": f"DcpOpen {sb.token}"})

`dsbot sandbox --backend dynacase` runs `run_from_cli`. The accepted `--token` values belong
to `admin`; every user also has a token of their own, derived from the seed
(`POST /_sandbox/tokens {"login"}`, or `DynacaseSandbox.token_of(login)`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from dsbot.sandboxes.dynacase import control
from dsbot.sandboxes.dynacase.api import PREFIX, Api, error_response
from dsbot.sandboxes.dynacase.app import DynacaseApp, Tokens
from dsbot.sandboxes.dynacase.errors import ApiError
from dsbot.sandboxes.dynacase.generator import generate
from dsbot.sandboxes.dynacase.store import PARIS, Store
from dsbot.sandboxes.dynacase.world import USERS
from dsbot.sandboxes.http import (
    AppHTTPServer,
    LoopbackSandbox,
    Response,
    SandboxHandler,
    json_response,
    serve_until_stopped,
)

DEFAULT_TOKEN = "sandbox-token"
MAX_BODY = 8 * 1024 * 1024


def _fault_response(status: int) -> Response:
    if status == 503:
        error = ApiError(503, "Service Unavailable", None, "Maintenance in progress")
    else:
        error = ApiError(500, "Dynacase Fatal Error", None, "Dynacase Fatal Error")
    return error_response(error)


class _HTTPServer(AppHTTPServer[DynacaseApp]):
    def __init__(self, address: tuple[str, int], app: DynacaseApp) -> None:
        super().__init__(address, _Handler, app)


class _Handler(SandboxHandler[DynacaseApp]):
    server_version = "Apache"
    log_prefix = "dynacase sandbox"
    max_body = MAX_BODY
    too_large_status = 400

    def route(self, path: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        app = self.server.app
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self._api(app, path, query, headers, body)
        if path.startswith("/_sandbox"):
            return control.handle(app, self.command, path, body)
        return json_response(404, {"error": f"no route {self.command} {path}"})

    def bug_response(self) -> Response:
        return _fault_response(500)

    def _api(
        self, app: DynacaseApp, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> Response:
        response: Response
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

    do_PATCH = SandboxHandler.dispatch


class DynacaseSandbox(LoopbackSandbox):
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
        own_host: str | None = None,
        own_base_url: str | None = None,
    ) -> None:
        """`own_host` (the bound port kept) or `own_base_url` is the address the server gives
        itself in `Location` and `uri`, as Dynacase's CORE_URLINDEX; by default the bound one."""
        super().__init__(host, port)
        self.own_host = own_host
        self.own_base_url = own_base_url
        self.seed = random.randrange(1, 1_000_000) if seed is None else seed
        self.tokens = tuple(tokens)
        self.counts = counts
        self.clock = clock
        self.verbose = verbose
        self.app: DynacaseApp | None = None
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
        self._bind(_HTTPServer((self.host, self.port), self.app))
        self.api_url = f"{self.base_url}{PREFIX}/"
        self.app.base_url = self.base_url
        own = self.own_base_url or self.base_url
        if self.own_host and not self.own_base_url:
            own = f"http://{self.own_host}:{self.port}"
        self.app.own_base_url = own.rstrip("/")
        self.app.api = Api(self.app)
        self._serve("dynacase-sandbox")
        return self


def run_from_cli(*, host: str, port: int, seed: int | None, tokens: tuple[str, ...]) -> None:
    """Serves until Ctrl-C (or SIGTERM), then stops cleanly."""
    server = DynacaseSandbox(host, port, seed=seed, tokens=tokens).start()
    assert server.app is not None
    # The operator's terminal: French, like the rest of the CLI (dsbot sandbox's DS banner).
    admin = "  jeton admin : " if len(tokens) == 1 else "  jetons admin : "
    print(f"Bac à sable Dynacase à l’écoute sur {server.base_url}", flush=True)
    print(f"  API : {server.api_url}  (Authorization: DcpOpen <jeton>)")
    print(admin + ", ".join(tokens))
    print(f"  données : générées avec --seed {server.seed}")
    for user in USERS:
        print(f"  utilisateur {user.login:<10} ({user.role}) : {server.token_of(user.login)}")
    print(f"  API de contrôle : {server.base_url}/_sandbox/health")
    print("Ctrl-C pour arrêter.", flush=True)
    serve_until_stopped(server, "Bac à sable Dynacase arrêté.")
