"""DS faults during a cycle (sandbox fault injection over real HTTP): nothing is lost, nothing
is sent twice, the cursor stays where the last complete page left it, the feed resumes, and
the ops channel hears about it once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dsbot.backends.ds.client import DSClient
from dsbot.backends.ds.errors import DSRateLimited, DSServerError, DSTimeout, DSTransportError
from dsbot.ratelimit import RateLimiter
from tests.services.feed_harness import OPS, NotifyHarness, utc_now

C1 = "C0ONE"


@pytest.fixture
def h(tmp_path):
    with NotifyHarness(tmp_path, page_size=3) as harness:
        harness.subscribe(C1)
        harness.cycle()
        yield harness


def assert_each_card_once(h, numbers):
    cards = h.cards(C1)
    assert sorted(cards) == sorted(numbers)
    parents = [m for m in h.slack.top_level(C1) if not m.get("reply_broadcast")]
    assert len(parents) == len(numbers)


@pytest.mark.parametrize(
    ("fault", "error_class"),
    [({"error_rate": 1.0}, DSServerError), ({"timeout_rate": 1.0}, DSTimeout)],
)
def test_a_failed_cycle_keeps_the_cursor_and_the_next_one_delivers(h, fault, error_class):
    cursor = h.feed().end_cursor
    numbers = [h.create_dossier() for _ in range(4)]
    h.control.faults(**fault)
    report = h.cycle()
    assert not report.ok
    assert isinstance(report.feeds[0].error, error_class)
    assert report.feeds[0].enqueued == 0
    feed = h.feed()
    assert feed.end_cursor == cursor and feed.failures == 1
    assert h.slack.calls("chat.postMessage") == []
    h.control.reset_faults()
    report = h.cycle()
    assert report.ok
    assert_each_card_once(h, numbers)
    assert h.feed().failures == 0


def test_timeout_with_partial_data_is_never_used(h):
    # The sandbox's timeout answers the other root fields (partial data): the page must not
    # be half-processed, so no snapshot or row may come from it.
    number = h.create_dossier()
    h.control.faults(timeout_rate=1.0)
    h.cycle()
    with h.store.connect() as db:
        assert db.execute("select count(*) from feed_snapshots").fetchone()[0] == 0
        assert db.execute("select count(*) from outbox").fetchone()[0] == 0
    h.control.reset_faults()
    h.cycle()
    assert_each_card_once(h, [number])


def test_network_failure_then_resume(h):
    numbers = [h.create_dossier() for _ in range(2)]
    unreachable = h.ds_client(url="http://127.0.0.1:9/api/v2/graphql")
    report = h.cycle(h.make_poller(ds=unreachable))
    assert isinstance(report.feeds[0].error, DSTransportError)
    h.cycle()
    assert_each_card_once(h, numbers)


def test_rate_limit_backs_the_feed_off_until_ds_says_so(h):
    numbers = [h.create_dossier() for _ in range(2)]
    h.control.faults(rate_limit_per_minute=1)
    # A client with its own limiter: after a 429 it holds its requests until DS's reset.
    limited = DSClient(
        h.sandbox.graphql_url, "sandbox-token", max_read_retries=0, limiter=RateLimiter()
    )
    before = utc_now()
    report = h.cycle(h.make_poller(ds=limited))
    error = report.feeds[0].error
    assert isinstance(error, DSRateLimited) and error.retry_after is not None
    feed = h.feed()
    assert feed.next_poll_at >= before + timedelta(seconds=error.retry_after) - timedelta(seconds=1)
    # Until then the feed is left alone (a poller whose clock stays at `before`: a loaded
    # machine may take longer than DS's wait between two cycles)...
    h.control.reset_faults()
    report = h.cycle(h.make_poller(clock=lambda: before))
    assert report.backing_off == [feed.key] and report.feeds == []
    # ...and afterwards it resumes where it stopped.
    later = h.make_poller(clock=lambda: utc_now() + timedelta(seconds=61))
    assert h.cycle(later).ok
    assert_each_card_once(h, numbers)


def test_random_faults_across_pages_lose_nothing_and_repeat_nothing(h):
    numbers = [h.create_dossier() for _ in range(7)]  # three pages of three
    for number in numbers[:3]:
        h.message(number, f"message {number}")
    h.control.faults(error_rate=0.35, seed=35)
    for _ in range(12):
        h.cycle()
    h.control.reset_faults()
    h.settle()
    assert_each_card_once(h, numbers)
    for number in numbers[:3]:
        (reply,) = h.thread(C1, number)
        assert f"message {number}" in reply["text"]


def ops_messages(h):
    return [m["text"] for m in h.slack.messages(OPS)]


def test_sustained_failure_alerts_once_then_says_when_ds_is_back(h):
    h.control.faults(error_rate=1.0)
    h.cycle()
    h.cycle()
    assert ops_messages(h) == []
    h.cycle()
    (alert,) = ops_messages(h)
    assert "3 cycles" in alert and "DSServerError" in alert
    h.cycle()
    h.cycle()
    assert len(ops_messages(h)) == 1  # cooldown: no second alert
    h.control.reset_faults()
    h.cycle()
    assert len(ops_messages(h)) == 2 and "répond de nouveau" in ops_messages(h)[-1]
    h.cycle()
    assert len(ops_messages(h)) == 2


def test_a_short_hiccup_alerts_nobody(h):
    h.control.faults(error_rate=1.0)
    h.cycle()
    h.cycle()
    h.control.reset_faults()
    h.cycle()
    assert ops_messages(h) == []


def test_alert_again_after_the_cooldown(h):
    h.control.faults(error_rate=1.0)
    for _ in range(3):
        h.cycle()
    assert len(ops_messages(h)) == 1
    later = h.make_poller(clock=lambda: utc_now() + timedelta(hours=2))
    h.cycle(later)
    assert len(ops_messages(h)) == 2


@pytest.mark.parametrize(
    ("flags", "text"),
    [
        ({"expired": True}, "a expiré"),
        ({"forbidden_network": True}, "adresse IP"),
    ],
)
def test_token_problems_get_their_own_alert_at_once(h, flags, text):
    h.control.add_token("broken-token", **flags)
    broken = h.ds_client(token="broken-token")
    h.cycle(h.make_poller(ds=broken))
    (alert,) = ops_messages(h)
    assert text in alert
    h.cycle(h.make_poller(ds=broken))
    assert len(ops_messages(h)) == 1


def test_unknown_token_alert(h):
    h.cycle(h.make_poller(ds=h.ds_client(token="nobody-knows-me")))
    (alert,) = ops_messages(h)
    assert "DS refuse le jeton" in alert
