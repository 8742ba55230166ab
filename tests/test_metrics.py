"""/metrics (issue 18, part 4): what a poll cycle, its DS requests and its Slack calls leave in
a process's registry, read back with Prometheus' own text parser. Each test has its own
`Metrics` (its own registry): counts never leak from one test to another.
`tests/test_run_process.py` scrapes a real `dsbot run` over HTTP."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from dsbot.backends.ds.client import DSClient
from dsbot.backends.ds.errors import (
    DSBadRequest,
    DSMutationError,
    DSPermissionDenied,
    DSRateLimited,
    DSReadTimeout,
    DSServerError,
    DSTokenExpired,
)
from dsbot.backends.errors import request_outcome
from dsbot.config import Settings
from dsbot.metrics import Metrics
from dsbot.notifications.cycle import Poller
from dsbot.ratelimit import RateLimiter
from dsbot.runtime import build_poller
from dsbot.services.audit import AuditService
from dsbot.slack.transport.web_client import make_web_client
from tests.services.feed_harness import TOKEN, NotifyHarness

C1 = "C0ONE"
FAMILIES = {
    "dsbot_cycles",
    "dsbot_cycle_duration_seconds",
    "dsbot_backend_requests",
    "dsbot_backend_request_duration_seconds",
    "dsbot_rate_limit_waits",
    "dsbot_rate_limit_wait_seconds",
    "dsbot_slack_calls",
    "dsbot_slack_rate_limited",
    "dsbot_ack_latency_seconds",
    "dsbot_actions",
    "dsbot_outbox_depth",
    "dsbot_outbox_oldest_age_seconds",
    "dsbot_feed_consecutive_failures",
}


def samples(exposition: bytes | str) -> dict[str, list[Sample]]:
    """Family name → its samples, as Prometheus parses the text."""
    text = exposition.decode() if isinstance(exposition, bytes) else exposition
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def value(found: dict[str, list[Sample]], sample: str, **labels: str) -> float:
    """The sum of `sample`'s values whose labels include `labels` (0 if none)."""
    family = next(name for name in found if sample.startswith(name))
    return sum(
        s.value for s in found[family] if s.name == sample and labels.items() <= s.labels.items()
    )


def observed_poller(h: NotifyHarness, metrics: Metrics) -> Poller:
    """The harness' engine, its DS client and its Slack client counted by `metrics`."""
    settings = Settings.from_mapping(
        {"DS_API_URL": h.sandbox.graphql_url, "DS_API_TOKEN": TOKEN, **h.slack.env()}
    )
    ds = DSClient(h.sandbox.graphql_url, TOKEN, max_read_retries=0, observer=metrics)
    poller = build_poller(
        settings,
        store=h.store,
        ds=ds,
        slack=make_web_client(settings, retry_rate_limits=False, observer=metrics),
        pacing=0.0,
        clock=h.ds_now,
        backoff_base=0.0,
    )
    poller.metrics = metrics
    metrics.watch_store(h.store, h.ds_now)
    return poller


def test_a_cycle_its_ds_requests_and_its_slack_calls_are_counted(tmp_path):
    metrics = Metrics()
    with NotifyHarness(tmp_path, dossiers=3) as h:
        poller = observed_poller(h, metrics)
        h.subscribe(C1)
        h.create_dossier()
        h.advance()
        poller.run_cycle()
        h.slack.fail("chat.postMessage", "ratelimited")  # Slack's 429, with Retry-After
        h.create_dossier()
        h.advance()
        poller.run_cycle()
        h.control.faults(error_rate=1.0)
        poller.run_cycle()
        feed = h.feed().key
    found = samples(metrics.exposition())
    assert FAMILIES - {"dsbot_ack_latency_seconds", "dsbot_actions"} <= set(found)
    assert value(found, "dsbot_cycles_total", outcome="ok") == 2
    assert value(found, "dsbot_cycles_total", outcome="feeds_failed") == 1
    assert value(found, "dsbot_cycle_duration_seconds_count") == 3
    assert value(found, "dsbot_cycle_duration_seconds_sum") > 0
    ok = value(found, "dsbot_backend_requests_total", backend="ds", outcome="ok")
    failed = value(found, "dsbot_backend_requests_total", backend="ds", outcome="unavailable")
    assert ok >= 2 and failed >= 1
    operations = {s.labels["operation"] for s in found["dsbot_backend_requests"]}
    assert operations and all(o.replace("_", "").isalnum() for o in operations), operations
    assert value(found, "dsbot_backend_request_duration_seconds_count", backend="ds") == ok + failed
    # One card posted, the next refused with a 429 (counted both ways), and waiting for it.
    assert value(found, "dsbot_slack_calls_total", method="chat.postMessage", outcome="ok") >= 1
    assert (
        value(found, "dsbot_slack_calls_total", method="chat.postMessage", outcome="ratelimited")
        == 1
    )
    assert value(found, "dsbot_slack_rate_limited_total", method="chat.postMessage") == 1
    assert value(found, "dsbot_outbox_depth") == 1
    assert 0 < value(found, "dsbot_outbox_oldest_age_seconds") < 60
    assert value(found, "dsbot_feed_consecutive_failures", feed=feed) == 1


def test_waits_for_the_rate_limit_are_counted(sandbox):
    metrics = Metrics()
    now = [0.0]
    limiter = RateLimiter(
        1, 60.0, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)
    )
    number = sandbox.control.demarches()[0]["number"]
    with DSClient(sandbox.graphql_url, "sandbox-token", limiter=limiter, observer=metrics) as ds:
        ds.get_demarche(number)
        ds.get_demarche(number)  # the second waits its turn: 60 s on the limiter's clock
    found = samples(metrics.exposition())
    assert value(found, "dsbot_rate_limit_waits_total", backend="ds") == 1
    assert value(found, "dsbot_rate_limit_wait_seconds_total", backend="ds") == pytest.approx(60)
    assert value(found, "dsbot_backend_requests_total", operation="get_demarche", outcome="ok") == 2


def test_acks_and_actions_are_counted_and_registries_are_separate():
    first, second = Metrics(), Metrics()
    first.ack("slash_command", 0.02)
    first.ack("block_actions", 4.0)
    first.action("ds", "accepter", "ok")
    found = samples(first.exposition())
    assert value(found, "dsbot_ack_latency_seconds_count", kind="slash_command") == 1
    assert value(found, "dsbot_ack_latency_seconds_bucket", kind="block_actions", le="3.0") == 0
    assert value(found, "dsbot_actions_total", backend="ds", kind="accepter", outcome="ok") == 1
    assert value(samples(second.exposition()), "dsbot_actions_total") == 0


def test_the_audit_tells_metrics_each_action(store):
    metrics = Metrics()
    audit = AuditService(store, on_action=metrics.action)
    for result in ("ok", "refused", "ok"):
        audit.record(
            team_id="T0",
            slack_user_id="U0",
            instructeur_id=None,
            dossier_number=12,
            action="accepter",
            result=result,
        )
    found = samples(metrics.exposition())
    assert value(found, "dsbot_actions_total", kind="accepter", outcome="ok") == 2
    assert value(found, "dsbot_actions_total", kind="accepter", outcome="refused") == 1


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, "ok"),
        (DSReadTimeout("slow"), "timeout"),  # a timeout first, though also unavailable
        (DSServerError("500"), "unavailable"),
        (DSRateLimited("429"), "rate_limited"),
        (DSTokenExpired("401"), "auth_failed"),
        (DSPermissionDenied("no"), "not_found"),
        (DSMutationError(["no"]), "refused"),
        (DSBadRequest("?"), "error"),
        (ValueError("x"), "error"),
    ],
)
def test_a_request_outcome_is_one_word_of_the_error_branches(error, outcome):
    assert request_outcome(error) == outcome
