"""Injected failures for `/api/v1/` (never for the control API); see `control`."""

from __future__ import annotations

import random
import threading
from typing import Any


def _check(key: str, value: Any) -> None:
    """Raises ValueError when `value` is not one `key` accepts."""
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
            _check(key, value)
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
