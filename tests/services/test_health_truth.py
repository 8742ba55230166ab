"""/healthz and /readyz tell the truth about the notification side (issue 18, part 1): a feed
failing two cycles in a row, a credential refused (at once), a dead delivery thread and a stuck
outbox each answer 503 with a French reason, and 200 once the fault is over.

Cycles run in-process against the DS sandbox and the fake Slack (real HTTP), on the sandbox's
clock; the health answers come from the WSGI app itself (`tests/test_run_process.py` asks a real
`dsbot run` over HTTP).
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from typing import Any
from unittest.mock import Mock

import pytest

from dsbot.backends.dynacase.errors import DynacaseNotAuthenticated
from dsbot.backends.port import BackendName
from dsbot.notifications.feeds import BackendFeeds, Feeds
from dsbot.notifications.health import FeedHealth
from dsbot.notifications.readiness import NotificationHealth
from dsbot.services.feed import FeedResult
from dsbot.slack.transport.http_server import Health, health_wsgi
from tests.services.feed_harness import OPS, NotifyHarness
from tests.services.test_poller_faults import Loop, wait_until

C1 = "C0ONE"


@pytest.fixture
def h(tmp_path):
    with NotifyHarness(tmp_path, dossiers=3) as harness:
        harness.subscribe(C1)
        harness.settle()
        yield harness


def health_of(h: NotifyHarness, *, outbox_max_age: float = 1800.0) -> Health:
    return Health(
        server_up=True,
        slack_ok=True,
        poller_started=True,
        store=h.store,
        poller=h.poller.status,
        notifications=NotificationHealth(
            h.store, h.poller.feeds, h.ds_now, outbox_max_age=outbox_max_age
        ),
    )


def get(health: Health, path: str) -> tuple[int, dict[str, Any]]:
    """One GET through the health listener's WSGI app."""
    answer: list[str] = []
    body = health_wsgi(health)(
        {"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda status, headers: answer.append(status)
    )
    return int(answer[0].split()[0]), json.loads(b"".join(body))


def assert_ready(health: Health) -> dict[str, Any]:
    for path in ("/healthz", "/readyz"):
        status, report = get(health, path)
        assert (status, report["reasons"]) == (200, []), path
    return report


def assert_not_ready(health: Health, *fragments: str) -> dict[str, Any]:
    status, report = get(health, "/readyz")
    assert status == 503 and report["ok"] is False
    again, same = get(health, "/healthz")
    assert (again, same["reasons"][0][:20]) == (status, report["reasons"][0][:20])
    for fragment in fragments:
        assert any(fragment in reason for reason in report["reasons"]), report["reasons"]
    return report


def test_each_feed_is_listed_with_its_last_success_and_failures(h):
    health = health_of(h)
    (feed,) = assert_ready(health)["feeds"]
    assert feed["key"] == f"demarche:{h.demarche}" and feed["backend"] == "ds"
    assert feed["last_success"] is not None
    assert (feed["consecutive_failures"], feed["reason"]) == (0, None)
    assert assert_ready(health)["outbox"]["depth"] == 0


def test_a_refused_token_fails_readiness_at_once_then_recovers(h, caplog):
    health = health_of(h)
    refused = h.make_poller(ds=h.ds_client(token="nobody-knows-me"))
    with caplog.at_level(logging.INFO, logger="dsbot.notifications.cycle"):
        h.cycle(refused)
        report = assert_not_ready(health, "ds : DS refuse le jeton de l’API", "DS_API_TOKEN")
        (feed,) = report["feeds"]
        assert feed["consecutive_failures"] == 1 and "DSNotAuthenticated" in feed["reason"]
        h.cycle()
        assert_ready(health)
    # Logged as `ops.alert` events carrying the catalog's sentences: the alert an ERROR, the
    # recovery news an INFO; no Python dict in the line.
    alerts = [
        (r.levelno, r.getMessage())
        for r in caplog.records
        if r.getMessage().startswith("ops.alert")
    ]
    assert [level for level, _ in alerts] == [logging.ERROR, logging.INFO]
    assert (
        'text="🔑 DS refuse le jeton de l’API (inconnu ou révoqué) :'
        ' les notifications sont arrêtées. Vérifiez DS_API_TOKEN."'
    ) in alerts[0][1]
    assert 'text="✅ DS répond de nouveau : les notifications reprennent."' in alerts[1][1]
    assert not any("{" in message for _, message in alerts)
    assert [m["text"][:1] for m in h.slack.messages(OPS)] == ["🔑", "✅"]


def test_ds_failing_two_cycles_in_a_row_fails_readiness_until_it_answers(h):
    health = health_of(h)
    h.control.faults(error_rate=1.0)
    h.cycle()
    (feed,) = assert_ready(health)["feeds"]  # one failed cycle: a blip, not yet a fault
    assert feed["consecutive_failures"] == 1
    h.cycle()
    report = assert_not_ready(health, f"flux demarche:{h.demarche} : 2 échecs de suite")
    assert "DSServerError" in report["reasons"][0]
    assert get(health, "/livez")[0] == 200  # the process is fine: a restart would not help
    h.control.reset_faults()
    h.cycle()
    (feed,) = assert_ready(health)["feeds"]
    assert feed["consecutive_failures"] == 0


def test_a_stuck_outbox_fails_readiness_until_it_is_sent(h):
    health = health_of(h, outbox_max_age=600.0)
    h.slack.fail("chat.postMessage", "internal_error", times=None)
    h.create_dossier()
    h.advance()
    h.cycle()
    assert assert_ready(health)["outbox"]["depth"] == 1
    h.advance(601)
    report = assert_not_ready(health, "outbox : un message attend depuis", "DSBOT_OUTBOX_MAX_AGE")
    assert report["outbox"]["oldest_age_seconds"] > 600
    h.slack.clear_failures()
    h.advance(900)  # past the row's retry delay
    h.cycle()
    assert assert_ready(health)["outbox"]["depth"] == 0


# The thread's death is the point: pytest reports the exception that ended it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_dead_delivery_thread_fails_liveness_and_readiness(h, monkeypatch):
    health = health_of(h)
    drain = h.poller.sender.drain
    drained = threading.Event()

    def dies(*args: Any, **kwargs: Any) -> Any:
        drained.set()
        raise SystemExit  # past every `except Exception`: the thread ends

    monkeypatch.setattr(h.poller.sender, "drain", dies)
    with Loop(h):
        wait_until(lambda: h.poller.status.delivering is False, "the delivery thread to die")
        assert drained.is_set()
        status, live = get(health, "/livez")
        assert status == 503 and "le fil d’envoi des messages est arrêté" in live["reasons"][0]
        assert_not_ready(health, "envoi : le fil d’envoi des messages est arrêté")
    # A restart (which /livez asks Docker for) brings it back.
    monkeypatch.setattr(h.poller.sender, "drain", drain)
    with Loop(h):
        wait_until(lambda: h.poller.status.last_success is not None, "a cycle")
        status, live = get(health, "/livez")
        assert (status, live["ok"], live["poller"]["delivery"]) == (200, True, True)
        assert_ready(health)


def test_any_backends_refusal_fails_readiness_at_once_with_its_name(store):
    """A backend with no refusal sentence of its own (Dynacase's feed alerts are `_down`):
    readiness says so at once all the same, and forgets it once the backend answers."""
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    feeds = Feeds([BackendFeeds(BackendName.DYNACASE, Mock(), "dynacase_health", "recovered")])
    readiness = NotificationHealth(store, feeds, lambda: now)
    health = FeedHealth(store, None, lambda: now)
    refused = DynacaseNotAuthenticated("User must be authenticated")
    health.check(
        [FeedResult("dynacase:DEMANDE_SUBVENTION", ok=False, error=refused)],
        key="dynacase_health",
        recovered="notify.ops.dynacase_recovered",
    )
    assert readiness.report().reasons == [
        "dynacase : Dynacase refuse le jeton du bot (DynacaseNotAuthenticated: User must be"
        " authenticated) : vérifiez-le"
    ]
    health.check(
        [FeedResult("dynacase:DEMANDE_SUBVENTION")],
        key="dynacase_health",
        recovered="notify.ops.dynacase_recovered",
    )
    assert readiness.report().reasons == []
