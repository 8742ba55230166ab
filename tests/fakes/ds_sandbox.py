"""Test fixtures for the DS sandbox: a real server on an ephemeral loopback port.

- `sandbox`: a small sandbox (seed 1, 2 démarches, 30 dossiers each), started for the test
  and stopped after it. `sandbox.graphql_url`, `sandbox.base_url`, `sandbox.token`, and
  `sandbox.control` (a `SandboxControl`).
- `sandbox_factory(**kwargs)`: starts a `SandboxServer(**kwargs)` (defaults: seed 1, 2
  démarches, 30 dossiers); every server it started is stopped at teardown.
- `SandboxControl(base_url)`: a small httpx client of the control API (`/_sandbox/*`);
  `advance(seconds)` moves the sandbox clock instead of sleeping, `faults(seed=…, …)` seeds
  the random faults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from dsbot.sandboxes.ds.server import SandboxServer
from tests.fakes.serving import serve, serve_many

SMALL = {"seed": 1, "demarches": 2, "dossiers": 30}


class SandboxControl:
    """The control API over HTTP. Methods raise `httpx.HTTPStatusError` on a 4xx/5xx."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        response = self.http.request(method, path, json=body, **kw)
        response.raise_for_status()
        return response.json() if response.content else None

    def health(self) -> dict:
        return self.request("GET", "/_sandbox/health")

    def demarches(self) -> list[dict]:
        return self.request("GET", "/_sandbox/demarches")["demarches"]

    def create_dossier(
        self, demarche: int, state: str = "en_construction", groupe: int | None = None
    ) -> dict:
        body: dict[str, Any] = {"demarche": demarche, "state": state}
        if groupe is not None:
            body["groupe"] = groupe
        return self.request("POST", "/_sandbox/dossiers", body)

    def dossier(self, number: int) -> dict:
        return self.request("GET", f"/_sandbox/dossiers/{number}")

    def add_message(self, number: int, body: str, attachment: dict | None = None) -> dict:
        payload: dict[str, Any] = {"body": body}
        if attachment is not None:
            payload["attachment"] = attachment
        return self.request("POST", f"/_sandbox/dossiers/{number}/messages", payload)

    def set_state(self, number: int, state: str, **extra: Any) -> dict:
        return self.request("POST", f"/_sandbox/dossiers/{number}/state", {"state": state, **extra})

    def touch(self, number: int) -> dict:
        return self.request("POST", f"/_sandbox/dossiers/{number}/touch")

    def delete(self, number: int, reason: str | None = None) -> dict:
        params = {"reason": reason} if reason else None
        return self.request("DELETE", f"/_sandbox/dossiers/{number}", params=params)

    def trash(self, number: int, by: str = "administration") -> dict:
        return self.request("POST", f"/_sandbox/dossiers/{number}/trash", {"by": by})

    def clock(self) -> dict:
        """`{"now", "now_us", "frozen"}`: the sandbox's time."""
        return self.request("GET", "/_sandbox/clock")

    def advance(self, seconds: float = 1.0, *, freeze: bool | None = None) -> dict:
        """Moves the sandbox clock forward (one second by default: DS shows dates to the
        second), instead of sleeping; answers the new clock."""
        body: dict[str, Any] = {"advance_s": seconds}
        if freeze is not None:
            body["freeze"] = freeze
        return self.request("POST", "/_sandbox/clock", body)

    def set_clock(self, now: str | None = None, *, freeze: bool | None = None) -> dict:
        """Moves the clock to `now` (ISO 8601, never earlier) and/or freezes it."""
        body: dict[str, Any] = {}
        if now is not None:
            body["now"] = now
        if freeze is not None:
            body["freeze"] = freeze
        return self.request("POST", "/_sandbox/clock", body)

    def start_of_next_minute(self, *, freeze: bool | None = None) -> int:
        """Moves the clock to one second into the next minute (DS's rate limit counts per
        clock minute: a test must not straddle two); answers that minute's epoch second."""
        minute = (self.clock()["now_us"] // 60_000_000 + 1) * 60
        self.set_clock(datetime.fromtimestamp(minute + 1, UTC).isoformat(), freeze=freeze)
        return minute

    def stats(self) -> dict:
        return self.request("GET", "/_sandbox/stats")

    def faults(self, **changes: Any) -> dict:
        """Sets the given faults (none: just reads them) and answers all of them."""
        if not changes:
            return self.request("GET", "/_sandbox/faults")
        return self.request("POST", "/_sandbox/faults", changes)

    def reset_faults(self) -> dict:
        return self.faults(
            latency_ms=0,
            error_rate=0.0,
            timeout_rate=0.0,
            rate_limit_per_minute=0,
            retry_after=False,
            ambiguous_mutations=0,
            ambiguous_mode="timeout",
            timeout_above_full_dossiers=0,
        )

    def add_token(self, token: str, **flags: Any) -> dict:
        """flags: read_only, expired, forbidden_network (bools), demarches (list or None)."""
        return self.request("POST", "/_sandbox/tokens", {"token": token, **flags})

    def corrupt_blob(self, signed_blob_id: str) -> dict:
        return self.request("POST", "/_sandbox/blobs/corrupt", {"signedBlobId": signed_blob_id})


class ControlledSandbox(SandboxServer):
    """The sandbox the tests start: with its control API client at hand."""

    control: SandboxControl


def start_sandbox(**kwargs: Any) -> ControlledSandbox:
    """A started sandbox with a `control` attribute (defaults: SMALL)."""
    server = ControlledSandbox(**{**SMALL, **kwargs}).start()
    server.control = SandboxControl(server.base_url)
    return server


def stop_sandbox(server: SandboxServer) -> None:
    control = getattr(server, "control", None)
    if control is not None:
        control.close()
    server.stop()


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    yield from serve(start_sandbox, stop_sandbox)


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxServer]]:
    yield from serve_many(start_sandbox, stop_sandbox)
