"""A per-user limit on requests that cost backend reads, so that one user cannot enumerate
dossiers or spend the shared DS rate limit (docs/ds-api.md, "Rate limit"). Every path spends
the same budget: dsbot.slack.interaction.budget."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

DOSSIER_REQUESTS_PER_MINUTE = 30


class UserRateLimit:
    """At most `limit` requests per key in any sliding window of `window` seconds."""

    def __init__(
        self,
        limit: int = DOSSIER_REQUESTS_PER_MINUTE,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: dict[tuple[str, ...], deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, *key: str) -> bool:
        """Count one request for `key`; False (and not counted) when over the limit."""
        now = self.clock()
        with self._lock:
            if len(self._seen) > 10_000:
                # Forget users who have been quiet for a whole window.
                self._seen = {
                    k: v for k, v in self._seen.items() if v and now - v[-1] < self.window
                }
            times = self._seen.setdefault(key, deque())
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True
