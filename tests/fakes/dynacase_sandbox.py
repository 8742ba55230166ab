"""Test fixtures for the Dynacase sandbox: a real server on an ephemeral loopback port.

- `dynacase`: a sandbox (seed 7, the default families), started for the test and stopped
  after it: `dynacase.api_url` (ends with /api/v1/), `dynacase.token` (admin's),
  `dynacase.token_of(login)`, `dynacase.control` (a `DynacaseControl`).
- `dynacase_factory(**kwargs)`: starts a `DynacaseSandbox(**kwargs)` (default seed 7); every
  server it started is stopped at teardown.
- `DynacaseControl(base_url)`: a small httpx client of the control API (`/_sandbox/*`).
- `api(sandbox, login=None)`: an httpx client of `/api/v1/` with that user's DcpOpen token
  (admin's by default), for raw protocol checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from dsbot.sandboxes.dynacase.server import DynacaseSandbox
from tests.fakes.serving import serve, serve_many

SEED = 7


class DynacaseControl:
    """The control API over HTTP. Methods raise `httpx.HTTPStatusError` on a 4xx/5xx."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def health(self) -> dict:
        return self.request("GET", "/_sandbox/health")

    def families(self) -> list[dict]:
        return self.request("GET", "/_sandbox/families")["families"]

    def users(self) -> list[dict]:
        return self.request("GET", "/_sandbox/users")["users"]

    def create_document(
        self, family: str, title: str, user: str | None = None, **attributes: Any
    ) -> dict:
        body: dict[str, Any] = {"family": family, "title": title}
        if user:
            body["user"] = user
        if attributes:
            body["attributes"] = attributes
        return self.request("POST", "/_sandbox/documents", body)

    def document(self, initid: int) -> dict:
        return self.request("GET", f"/_sandbox/documents/{initid}")

    def set_state(self, initid: int, state: str, **extra: Any) -> dict:
        return self.request(
            "POST", f"/_sandbox/documents/{initid}/state", {"state": state, **extra}
        )

    def token(self, login: str) -> str:
        return self.request("POST", "/_sandbox/tokens", {"login": login})["token"]

    def stats(self) -> dict:
        return self.request("GET", "/_sandbox/stats")

    def faults(self, **changes: Any) -> dict:
        if not changes:
            return self.request("GET", "/_sandbox/faults")
        return self.request("POST", "/_sandbox/faults", changes)


def api(sandbox: DynacaseSandbox, login: str | None = None) -> httpx.Client:
    token = sandbox.token if login is None else sandbox.token_of(login)
    return httpx.Client(
        base_url=sandbox.api_url, headers={"Authorization": f"DcpOpen {token}"}, timeout=10
    )


def start_dynacase(**kwargs: Any) -> DynacaseSandbox:
    server = DynacaseSandbox(**{"seed": SEED, **kwargs}).start()
    server.control = DynacaseControl(server.base_url)  # type: ignore[attr-defined]
    return server


def stop_dynacase(server: DynacaseSandbox) -> None:
    control = getattr(server, "control", None)
    if control is not None:
        control.close()
    server.stop()


@pytest.fixture
def dynacase() -> Iterator[DynacaseSandbox]:
    yield from serve(start_dynacase, stop_dynacase)


@pytest.fixture
def dynacase_factory() -> Iterator[Callable[..., DynacaseSandbox]]:
    yield from serve_many(start_dynacase, stop_dynacase)
