"""A clock for rate-limit tests that only moves when someone sleeps on it (or a test moves it)."""

from __future__ import annotations

import threading


class FakeClock:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        """Time passes without anyone sleeping (the user comes back later)."""
        with self._lock:
            self.now += seconds
