"""Fault injection for `POST /api/v2/graphql` (never for `/_sandbox/*`, uploads or files).

`POST /_sandbox/faults` sets any of these fields (0 = off) and answers the whole current set:

- `latency_ms`: added before each GraphQL request is handled; concurrent requests wait in
  parallel.
- `error_rate`: share of requests answered HTTP 500 `internal_server_error`.
- `timeout_rate`: share of requests whose first root field fails with
  `Timeout on Query.<field>` (`extensions.code = "timeout"`); other root fields still answer
  (partial data).
- `rate_limit_per_minute`: requests allowed per `Authorization` value per clock minute; past
  it, HTTP 429 `text/plain` "Calme toi, cowboy ! …" with `RateLimit-Remaining: 0` and
  `RateLimit-Reset: <epoch of the window end>`, and no `Retry-After` (DS, January 2026).

Extensions:

- `seed`: an integer that restarts the random draws behind `error_rate` and `timeout_rate`
  from that seed, so that a 50 % rate gives the same sequence on every run (the draws start
  from the sandbox's `--seed` otherwise). Answered back as the seed the current draws started
  from.
- `retry_after`: true adds `Retry-After: <seconds>` to the 429, as newer versions might.
- `ambiguous_mutations`: the next N mutation requests are applied, then answered as failures,
  so that clients can test "was my mutation applied?".
- `timeout_above_full_dossiers`: N > 0 makes a request that reads the `champs` of more than N
  dossiers time out there: from the (N+1)-th on, `Timeout on Dossier.champs` (code `timeout`),
  the rest answered (partial data). DS's 30 s timeout hits heavy selections over many dossiers,
  not long light lists: this lets a test make "a full page of 100" time out while a light page
  of 100 and a batched read of 20 full dossiers still answer.
- `ambiguous_mode`: how those answer: `"timeout"` (default; HTTP 200,
  `Timeout on Mutation.<field>`, code `timeout`, payload null) or `"drop"` (the connection is
  closed with no answer).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

RATE_LIMIT_BODY = (
    "Calme toi, cowboy ! T'enchaines un peu trop les requêtes. Respire un peu réessaie dans un "
    "petit moment.\nCalm down, cowboy! You're making too many requests. Take a breather and try "
    "again soon.\n"
)
DEFAULTS: dict[str, Any] = {
    "latency_ms": 0,
    "error_rate": 0.0,
    "timeout_rate": 0.0,
    "rate_limit_per_minute": 0,
    "retry_after": False,
    "ambiguous_mutations": 0,
    "ambiguous_mode": "timeout",
    "timeout_above_full_dossiers": 0,
}


class FaultError(ValueError):
    """A bad value in `POST /_sandbox/faults`."""


def _rate(key: str, value: Any) -> float:
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise FaultError(f"{key} must be a number between 0 and 1")
    return float(value)


def _count(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FaultError(f"{key} must be a non-negative integer")
    return value


def _flag(key: str, value: Any) -> bool:
    return bool(value)


def _ambiguous_mode(key: str, value: Any) -> str:
    if value not in ("timeout", "drop"):
        raise FaultError('ambiguous_mode must be "timeout" or "drop"')
    return str(value)


# Each fault's check: it returns the value to keep, or raises FaultError.
_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "latency_ms": _count,
    "error_rate": _rate,
    "timeout_rate": _rate,
    "rate_limit_per_minute": _count,
    "retry_after": _flag,
    "ambiguous_mutations": _count,
    "ambiguous_mode": _ambiguous_mode,
    "timeout_above_full_dossiers": _count,
}


class Faults:
    """The current faults. `clock` gives the seconds the rate-limit windows are cut from (the
    sandbox clock, so that a test moves to the next minute instead of waiting for it)."""

    def __init__(self, seed: int | None = None, clock: Callable[[], float] | None = None) -> None:
        self._lock = threading.Lock()
        self._values = dict(DEFAULTS)
        self._seed = seed
        self._random = random.Random(seed)
        self._clock = clock if clock is not None else time.time
        self._window = -1
        self._counts: dict[str, int] = {}

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {**self._values, "seed": self._seed}

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Validates then applies `changes`; unknown keys are an error (typos would be silent)."""
        if not isinstance(changes, dict):
            raise FaultError("expected a JSON object")
        unknown = set(changes) - set(DEFAULTS) - {"seed"}
        if unknown:
            raise FaultError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        seed = changes.get("seed")
        if "seed" in changes and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise FaultError("seed must be an integer")
        clean = {k: _CHECKS[k](k, v) for k, v in changes.items() if k != "seed"}
        with self._lock:
            self._values.update(clean)
            if "rate_limit_per_minute" in clean:
                self._counts.clear()
            if "seed" in changes:
                self._seed = seed
                self._random = random.Random(seed)
            return {**self._values, "seed": self._seed}

    def latency_s(self) -> float:
        return float(self._values["latency_ms"]) / 1000

    def roll(self, name: str) -> bool:
        rate: float = self._values[name]
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def rate_limited(self, authorization: str | None) -> tuple[int, int] | None:
        """None when allowed, else (reset epoch, seconds until then). Fixed minute windows."""
        limit = self._values["rate_limit_per_minute"]
        if limit <= 0:
            return None
        now = self._clock()
        window = int(now // 60)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            key = authorization or ""
            self._counts[key] = self._counts.get(key, 0) + 1
            if self._counts[key] <= limit:
                return None
        reset = (window + 1) * 60
        return reset, max(1, int(reset - now + 0.999))

    def take_ambiguous(self) -> str | None:
        """The mode for this mutation request if it must fail after being applied."""
        with self._lock:
            if self._values["ambiguous_mutations"] <= 0:
                return None
            self._values["ambiguous_mutations"] -= 1
            mode: str | None = self._values["ambiguous_mode"]
            return mode
