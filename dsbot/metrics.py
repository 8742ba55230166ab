"""What `dsbot run` counts, for /metrics (Prometheus text format, on the health listener).

One `Metrics` per process (or per test), in its own `CollectorRegistry`: nothing goes to
prometheus_client's global default registry, so two apps in one process (tests) never share a
count. The parts that measure know it only by small protocols of their own layer (a backend's
`RequestObserver`, the Slack client's `SlackObserver`, the audit's `on_action`, the poller's
`metrics`); this module is the one place that names the metrics. docs/operations.md lists them
with the alerts an operator would set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from dsbot.logs import get_logger
from dsbot.store import Store
from dsbot.store import notifications as q

log = get_logger(__name__)

CYCLE_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
REQUEST_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Slack wants an ack within 3 s.
ACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreCollector(Collector):
    """Read at each scrape: what waits in the outbox, and each feed's failures in a row."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        try:
            with self.store.connect() as db:
                backlog = q.backlog(db)
                feeds = q.active_feeds(db)
        except Exception as exc:  # a scrape must answer even with the database down
            log.debug("metrics.database_unreadable", error=type(exc).__name__)
            return
        yield GaugeMetricFamily(
            "dsbot_outbox_depth", "Messages waiting in the outbox", value=backlog.depth
        )
        age = (self.clock() - backlog.oldest).total_seconds() if backlog.oldest else 0.0
        yield GaugeMetricFamily(
            "dsbot_outbox_oldest_age_seconds",
            "Seconds the oldest waiting message of the outbox has waited (0: empty)",
            value=max(age, 0.0),
        )
        failures = GaugeMetricFamily(
            "dsbot_feed_consecutive_failures",
            "Failed reads in a row of each subscribed feed (démarche, groupe, family)",
            labels=["feed"],
        )
        for feed in feeds:
            failures.add_metric([feed.key], feed.failures)
        yield failures


class Metrics:
    """One process's metrics (see the module's docstring)."""

    def __init__(self) -> None:
        registry = self.registry = CollectorRegistry()
        self.cycles = Counter(
            "dsbot_cycles",
            "Notification cycles by outcome: ok, feeds_failed (a backend failed), error (the"
            " cycle itself failed), busy (another poller holds the database)",
            ["outcome"],
            registry=registry,
        )
        self.cycle_seconds = Histogram(
            "dsbot_cycle_duration_seconds",
            "Duration of a notification cycle",
            buckets=CYCLE_BUCKETS,
            registry=registry,
        )
        self.backend_requests = Counter(
            "dsbot_backend_requests",
            "Requests to a backend's API (DS, Dynacase) by operation and outcome",
            ["backend", "operation", "outcome"],
            registry=registry,
        )
        self.backend_seconds = Histogram(
            "dsbot_backend_request_duration_seconds",
            "Duration of a request to a backend's API",
            ["backend"],
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        self.rate_limit_waits = Counter(
            "dsbot_rate_limit_waits",
            "Requests to a backend that waited for its rate limit (ours or its 429)",
            ["backend"],
            registry=registry,
        )
        self.rate_limit_wait_seconds = Counter(
            "dsbot_rate_limit_wait_seconds",
            "Seconds requests to a backend waited for its rate limit",
            ["backend"],
            registry=registry,
        )
        self.slack_calls = Counter(
            "dsbot_slack_calls",
            "Slack Web API calls by method and outcome (ok, Slack's error code, ratelimited,"
            " network)",
            ["method", "outcome"],
            registry=registry,
        )
        self.slack_rate_limited = Counter(
            "dsbot_slack_rate_limited",
            "HTTP 429 answers of Slack by method, retried or not",
            ["method"],
            registry=registry,
        )
        self.ack_seconds = Histogram(
            "dsbot_ack_latency_seconds",
            "Time from a Slack request's arrival to its ack, by kind",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=registry,
        )
        self.actions = Counter(
            "dsbot_actions",
            "Actions taken from Slack on an item (accepter, transition…) by backend, kind and"
            " outcome, as the audit records them",
            ["backend", "kind", "outcome"],
            registry=registry,
        )

    def watch_store(self, store: Store, clock: Callable[[], datetime] = utc_now) -> None:
        """Report the outbox and the feeds of `store` at each scrape."""
        self.registry.register(StoreCollector(store, clock))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    # --- what the parts call (their protocols) -------------------------------------------

    def cycle(self, outcome: str, seconds: float) -> None:
        self.cycles.labels(outcome).inc()
        self.cycle_seconds.observe(seconds)

    def backend_request(self, backend: str, operation: str, outcome: str, seconds: float) -> None:
        self.backend_requests.labels(backend, operation, outcome).inc()
        self.backend_seconds.labels(backend).observe(seconds)

    def rate_limit_wait(self, backend: str, seconds: float) -> None:
        self.rate_limit_waits.labels(backend).inc()
        self.rate_limit_wait_seconds.labels(backend).inc(seconds)

    def slack_call(self, method: str, outcome: str) -> None:
        self.slack_calls.labels(method, outcome).inc()

    def slack_429(self, method: str) -> None:
        self.slack_rate_limited.labels(method).inc()

    def ack(self, kind: str, seconds: float) -> None:
        self.ack_seconds.labels(kind).observe(seconds)

    def action(self, backend: str, kind: str, outcome: str) -> None:
        self.actions.labels(backend, kind, outcome).inc()
