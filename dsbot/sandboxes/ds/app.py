"""What a request can reach: the sandbox's app, and its request counters.

Its own module, below the endpoint, the control API and the HTTP handler that take it, so that
none of them imports the server that builds it.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dsbot.sandboxes.ds.auth import Tokens
from dsbot.sandboxes.ds.clock import SandboxClock
from dsbot.sandboxes.ds.faults import Faults
from dsbot.sandboxes.ds.store import Store
from dsbot.sandboxes.ds.uploads import Uploads


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.by_operation: Counter[str] = Counter()

    def count(self, operation: str) -> None:
        with self._lock:
            self.requests += 1
            self.by_operation[operation] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"graphql_requests": self.requests, "by_operation": dict(self.by_operation)}


@dataclass
class SandboxApp:
    """Everything a request can reach."""

    store: Store
    tokens: Tokens
    uploads: Uploads
    base_url: str = ""
    verbose: bool = False
    faults: Faults = field(default_factory=Faults)
    clock: SandboxClock = field(default_factory=SandboxClock)
    stats: Stats = field(default_factory=Stats)
    endpoint: Any = None  # the GraphQLEndpoint, built once base_url is known
