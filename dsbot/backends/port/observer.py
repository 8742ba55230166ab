"""Who counts a backend's requests (for /metrics): a client built with an `observer` tells it
each request it sent and each wait for a rate limit. `dsbot.metrics.Metrics` is one."""

from __future__ import annotations

from typing import Protocol


class RequestObserver(Protocol):
    def backend_request(self, backend: str, operation: str, outcome: str, seconds: float) -> None:
        """One request sent: its operation (a GraphQL document, an HTTP route), its outcome
        (`ok` or `request_outcome(error)`) and how long it took."""
        ...

    def rate_limit_wait(self, backend: str, seconds: float) -> None:
        """A request waited `seconds` for the rate limit (ours, or the backend's 429)."""
        ...
