"""Fixtures of the DS client tests: a real sandbox over HTTP, a client, its control API."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from dsbot.backends.ds.client import DSClient
from dsbot.ratelimit import RateLimiter
from tests.fakes.ds_sandbox import SandboxControl

_tokens = itertools.count(1)


@dataclass(frozen=True)
class Ref:
    """What a mutation needs of a dossier."""

    id: str
    number: int


@dataclass
class DSEnv:
    """A sandbox, a client on it, and helpers to arrange data."""

    graphql_url: str
    token: str
    control: SandboxControl
    sleeps: list[float] = field(default_factory=list)
    _clients: list[DSClient] = field(default_factory=list)
    _demarches: list[dict[str, Any]] = field(default_factory=list)

    def make_client(self, token: str | None = None, **kw: Any) -> DSClient:
        """A client that never really sleeps between retries, has its own limiter, and draws
        its retry jitter from a seeded generator."""
        kw.setdefault("sleep", self.sleeps.append)
        kw.setdefault("rng", random.Random(0))
        kw.setdefault("limiter", RateLimiter(10_000, 60.0))
        kw.setdefault("timeout", 10.0)
        client = DSClient(self.graphql_url, self.token if token is None else token, **kw)
        self._clients.append(client)
        return client

    def new_token(self, **flags: Any) -> str:
        token = f"test-token-{next(_tokens)}-{'-'.join(sorted(flags))}"
        self.control.add_token(token, **flags)
        return token

    def demarches(self) -> list[dict[str, Any]]:
        """The sandbox's démarches (its reference data does not change during a test)."""
        if not self._demarches:
            self._demarches = self.control.demarches()
        return self._demarches

    def demarche(self, index: int = 0) -> dict[str, Any]:
        return self.demarches()[index]

    def open_groupe(self, demarche: dict[str, Any]) -> dict[str, Any]:
        return next(g for g in demarche["groupes"] if not g["closed"] and g["instructeurs"])

    def instructeur(self, demarche: dict[str, Any] | None = None) -> dict[str, Any]:
        """An instructeur with access to the dossiers created in the first open groupe."""
        return self.open_groupe(demarche or self.demarche())["instructeurs"][0]

    def dossier(self, state: str = "en_construction") -> Ref:
        """A new dossier of the first démarche, in the groupe of `instructeur()`."""
        demarche = self.demarche()
        groupe = self.open_groupe(demarche)["number"]
        created = self.control.create_dossier(demarche["number"], state, groupe)
        return Ref(id=created["id"], number=created["number"])

    def op_count(self, operation_name: str) -> int:
        return self.control.stats()["by_operation"].get(operation_name, 0)

    def close(self) -> None:
        for client in self._clients:
            client.close()


@pytest.fixture
def ds_env(sandbox) -> Iterator[DSEnv]:
    """A fresh sandbox per test (it starts in about 0.1 s), driven over HTTP."""
    env = DSEnv(sandbox.graphql_url, sandbox.token, sandbox.control)
    yield env
    env.close()


@pytest.fixture
def client(ds_env: DSEnv) -> DSClient:
    return ds_env.make_client()


@pytest.fixture
def free_port_url() -> Callable[[], str]:
    """A loopback URL nothing listens on (connection refused)."""
    import socket

    def make() -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return f"http://127.0.0.1:{port}/api/v2/graphql"

    return make
