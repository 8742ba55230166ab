"""Double clicks: two clicks of one person on one button within a moment open one modal."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

DOUBLE_CLICK_SECONDS = 2.0


class ClickDebounce:
    """Remembers recent clicks so that a double click opens a single modal."""

    def __init__(
        self, window: float = DOUBLE_CLICK_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self.clock = clock
        self._seen: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def first(self, *key: str) -> bool:
        now = self.clock()
        with self._lock:
            self._seen = {k: at for k, at in self._seen.items() if now - at < self.window}
            if key in self._seen:
                return False
            self._seen[key] = now
            return True

    def forget(self, *key: str) -> None:
        """The modal was submitted: the next click on the button is a new one."""
        with self._lock:
            self._seen.pop(key, None)
