"""One exponential backoff formula for every retry in dsbot: DS reads, outbox deliveries, feeds.

Each caller keeps its own base and cap (a DS read retries in seconds, a failing feed in
minutes); only the shape is shared, so that the three cannot drift apart.
"""

from __future__ import annotations

import random


def exponential_delay(failures: int, *, base: float, cap: float) -> float:
    """The delay after `failures` consecutive failures (1 for the first): base·2^(failures−1),
    at most `cap`. Zero or fewer failures count as one."""
    return min(base * 2.0 ** (max(failures, 1) - 1), cap)


def jittered_delay(failures: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Full jitter over `exponential_delay`: uniform in [0, that delay], so that clients that
    failed together do not all come back at the same instant."""
    return rng.uniform(0.0, exponential_delay(failures, base=base, cap=cap))
