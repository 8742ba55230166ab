"""The sandbox server: a local stand-in for DS's GraphQL API (docs/interface.md, "The sandbox").

    with SandboxServer(seed=1, dossiers=30).start() as sb:
        httpx.post(sb.graphql_url, headers={"Authorization": "Bearer sandbox-token"}, ...)

`dsbot sandbox` runs `run_from_cli`. See `control` for the control API, `faults` for fault
injection, `uploads` for direct uploads.
"""

from __future__ import annotations

import os
import random
from typing import Self

from dsbot.sandboxes.ds.app import SandboxApp
from dsbot.sandboxes.ds.auth import Token, Tokens
from dsbot.sandboxes.ds.clock import DAY_US, SandboxClock
from dsbot.sandboxes.ds.control import CLOCK_OFFSET_KEY
from dsbot.sandboxes.ds.endpoint import GraphQLEndpoint
from dsbot.sandboxes.ds.faults import Faults
from dsbot.sandboxes.ds.generator import generate_dossiers, generate_world
from dsbot.sandboxes.ds.httpd import SandboxHTTPServer
from dsbot.sandboxes.ds.store import Store
from dsbot.sandboxes.ds.uploads import Uploads
from dsbot.sandboxes.http import LoopbackSandbox, serve_until_stopped


def open_store(
    db_path: str | None,
    seed: int | None,
    demarches: int,
    dossiers: int,
    clock: SandboxClock | None = None,
) -> tuple[Store, bool]:
    """The store, generated now or loaded from `db_path`; True when it was loaded.

    A loaded store brings back the clock's offset, so that a restart never moves time back.
    """
    clock = SandboxClock() if clock is None else clock
    store = Store(db_path)
    if store.is_initialized():
        store.load()
        clock.restore(store.meta(CLOCK_OFFSET_KEY, 0))
        return store, True
    seed = random.randrange(1, 1_000_000) if seed is None else seed
    now = clock.now_us()
    anchor = now - now % DAY_US
    world = generate_world(seed, demarches, anchor)
    rows = generate_dossiers(seed, world, dossiers, anchor)
    store.initialize(
        seed, world, rows, {"demarches": demarches, "dossiers": dossiers, "anchor": anchor}
    )
    return store, False


class SandboxServer(LoopbackSandbox):
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int | None = None,
        demarches: int = 2,
        dossiers: int = 200,
        tokens: tuple[str, ...] | list[str] = ("sandbox-token",),
        db_path: str | None = None,
        verbose: bool = False,
    ) -> None:
        super().__init__(host, port)
        self.seed = seed
        self.demarches = demarches
        self.dossiers = dossiers
        self.tokens = tuple(tokens)
        self.db_path = None if db_path is None else os.path.expanduser(str(db_path))
        self.verbose = verbose
        self.loaded = False  # True when the data came from an existing --db
        self.app: SandboxApp | None = None
        self.graphql_url = ""

    @property
    def token(self) -> str:
        """The first accepted token (the default `sandbox-token`)."""
        return self.tokens[0] if self.tokens else ""

    def start(self) -> Self:
        """Generates (or loads) the data, then serves in a background thread."""
        clock = SandboxClock()
        store, self.loaded = open_store(
            self.db_path, self.seed, self.demarches, self.dossiers, clock
        )
        self.seed = store.seed
        tokens = Tokens()
        for value, data in store.saved_tokens().items():
            tokens.add(Tokens.from_json(value, data))
        for value in self.tokens:
            tokens.add(Token(value))
        self.app = SandboxApp(
            store,
            tokens,
            Uploads(store, clock=clock.time),
            verbose=self.verbose,
            faults=Faults(seed=store.seed, clock=clock.time),
            clock=clock,
        )
        self._bind(SandboxHTTPServer((self.host, self.port), self.app))
        self.graphql_url = self.base_url + "/api/v2/graphql"
        self.app.base_url = self.base_url
        self.app.endpoint = GraphQLEndpoint(self.app)
        self._serve("sandbox")
        return self

    def _stopped(self) -> None:
        assert self.app is not None
        self.app.store.close()


def run_from_cli(
    *,
    host: str,
    port: int,
    seed: int | None,
    demarches: int,
    dossiers: int,
    tokens: tuple[str, ...],
    db_path: str | None,
) -> None:
    """Serves until Ctrl-C (or SIGTERM), then stops cleanly."""
    server = SandboxServer(
        host,
        port,
        seed=seed,
        demarches=demarches,
        dossiers=dossiers,
        tokens=tokens,
        db_path=db_path,
    )
    server.start()
    assert server.app is not None
    world = server.app.store.world
    numbers = ", ".join(str(n) for n in sorted(world.demarches))
    # Operators' language, like the rest of the CLI (dsbot/cli.py).
    origin = f"lues dans {db_path}" if server.loaded else f"générées avec --seed {server.seed}"
    print(f"Bac à sable DS à l’écoute sur {server.base_url}", flush=True)
    print(f"  point d’accès GraphQL : {server.graphql_url}")
    accepted = "  jeton : " if len(tokens) == 1 else "  jetons : "
    print(f"{accepted}{', '.join(tokens)}  (Authorization: Bearer <jeton>)")
    print(f"  données : {origin} ; démarches {numbers}")
    print(f"  API de contrôle : {server.base_url}/_sandbox/health")
    print("Ctrl-C pour arrêter.", flush=True)
    serve_until_stopped(server, "Bac à sable DS arrêté.")
