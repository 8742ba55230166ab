"""Slack's rate limits, kept on our side so that the outbox never earns a 429
(docs/slack.md, "Rate limits").

- chat.postMessage: about one message a second per channel. The next slot is timed from the
  END of the previous post: timed from its start, a slow answer leaves the next request less
  than a second behind the one Slack counted, and Slack refuses it.
- chat.update, conversations.history and conversations.replies are Tier 3 methods (about 50 a
  minute, short bursts allowed), counted for the whole workspace and not per channel: one
  token bucket shared by every channel, which a card update draws from instead of waiting for
  a posting slot.

Times are `monotonic()` seconds (injectable, so that tests move a fake clock).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

POST_INTERVAL = 1.0
TIER3_PER_MINUTE = 50.0
TIER3_BURST = 10


class TokenBucket:
    """`per_minute` calls a minute on average, at most `burst` at once."""

    def __init__(
        self, per_minute: float, burst: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.monotonic = monotonic
        self._tokens = float(burst)
        self._at = monotonic()
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def try_take(self) -> float | None:
        """Take a token: None if taken, else the monotonic time when one will be there."""
        with self._lock:
            now = self.monotonic()
            self._refill(now)
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return None
            return now + (1.0 - self._tokens) / self.rate

    def take(self, sleep: Callable[[float], None], stopped: Callable[[], bool] = bool) -> None:
        """Take a token, sleeping until there is one (or until `stopped()`)."""
        while (ready := self.try_take()) is not None and not stopped():
            sleep(max(ready - self.monotonic(), 0.0))


class Pacer:
    """When each channel may post next, and the workspace's Tier 3 budget."""

    def __init__(
        self,
        *,
        post_interval: float = POST_INTERVAL,
        tier3_per_minute: float = TIER3_PER_MINUTE,
        tier3_burst: int = TIER3_BURST,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.post_interval = post_interval
        self.monotonic = monotonic
        self.tier3 = TokenBucket(tier3_per_minute, tier3_burst, monotonic)
        self._next_post: dict[str, float] = {}
        self._lock = threading.Lock()

    def post_ready_at(self, channel: str) -> float:
        """The monotonic time from which `channel` may post (now or earlier: at once)."""
        with self._lock:
            return self._next_post.get(channel, float("-inf"))

    def post_wait(self, channel: str) -> float | None:
        """None if `channel` may post now, else the monotonic time when it may."""
        ready = self.post_ready_at(channel)
        return None if self.monotonic() >= ready else ready

    def posted(self, channel: str) -> None:
        """A post to `channel` just ended (answered or not): the next one waits a full
        interval from now."""
        with self._lock:
            self._next_post[channel] = self.monotonic() + self.post_interval

    def wait_post(
        self, channel: str, sleep: Callable[[float], None], stopped: Callable[[], bool] = bool
    ) -> None:
        """Sleep until `channel` may post (or until `stopped()`). Checked again after each
        sleep: a clock may wake a hair early."""
        while (ready := self.post_wait(channel)) is not None and not stopped():
            sleep(max(ready - self.monotonic(), 0.0))
