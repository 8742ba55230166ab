"""How many DS requests a feed cycle costs, counted by the sandbox over real HTTP: K changes on a
démarche of thousands of dossiers cost at most ⌈K/100⌉ + 2 requests (pages of changes are read
with the card's fields), and a full page that times out is asked again smaller, then light,
from the same cursor, losing and repeating nothing."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from dsbot.backends.ds.client import DSClient
from dsbot.services.feed import FALLBACK_HOLD, FULL_FALLBACK_SIZE, FeedProcessor
from dsbot.store import notifications as q
from tests.services.feed_harness import TOKEN, NotifyHarness, utc_now

C1 = "C0ONE"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def bound(k: int) -> int:
    """The goal: ⌈K/100⌉ pages, the deletions asked with the first, and at most one more
    (the issue's bound was ⌈K/100⌉ + 2, with the deletions read on their own)."""
    return math.ceil(k / 100) + 1


def listed_numbers(h: NotifyHarness, count: int) -> list[int]:
    """`count` dossiers the token sees (generated before the subscription)."""
    numbers: list[int] = []
    for page in h.ds.feed_pages(demarche=h.demarche, updated_since=EPOCH):
        numbers.extend(d.number for d in page.dossiers)
        if len(numbers) >= count:
            return numbers[:count]
    raise AssertionError(f"the démarche has fewer than {count} dossiers")


class Costs:
    """DS requests of one feed cycle, by operation. The feed runs without the Slack side
    (sending hundreds of cards is Slack's cost, not DS's, and slow); one test runs whole
    cycles to show that the cards are drawn from what the feed read."""

    def __init__(self, h: NotifyHarness, processor: FeedProcessor | None = None) -> None:
        self.h = h
        self.processor = processor or FeedProcessor(h.store, h.ds, clock=utc_now)

    def measure(self, run):
        before = self.h.control.stats()
        result = run()
        after = self.h.control.stats()
        by_operation = {
            name: count - before["by_operation"].get(name, 0)
            for name, count in after["by_operation"].items()
            if count != before["by_operation"].get(name, 0)
        }
        return result, after["graphql_requests"] - before["graphql_requests"], by_operation

    def process(self, processor: FeedProcessor | None = None):
        result, requests, by_operation = self.measure(
            lambda: (processor or self.processor).process(self.h.feed())
        )
        assert result.ok, result.error
        return result, requests, by_operation

    def cycle(self):
        report, requests, by_operation = self.measure(self.h.cycle)
        assert report.ok, report.feeds
        return report, requests, by_operation


def outbox_rows(h: NotifyHarness) -> int:
    with h.store.connect() as db:
        return db.execute("SELECT count(*) FROM outbox").fetchone()[0]


@pytest.fixture
def big(tmp_path):
    with NotifyHarness(tmp_path, dossiers=3000) as harness:
        harness.subscribe(C1)
        harness.cycle()
        yield harness


def test_k_changes_cost_at_most_one_request_per_hundred_plus_two(big):
    h, costs = big, Costs(big)
    numbers = iter(listed_numbers(h, 450))
    for k in (0, 1, 100, 250):
        for _ in range(k):
            h.control.touch(next(numbers))
        feed, requests, by_operation = costs.process()
        assert feed.fetched == k and feed.changes == k
        assert requests <= bound(k), (k, by_operation)
        if k >= 100:
            # A feed past its first listing reads its pages of changes in full.
            assert by_operation.get("DsbotGetDossiers", 0) == 0
            assert feed.full_pages == math.ceil(k / 100)
    # A new process (`dsbot poll --once` from cron) resumes after the cursor with full pages.
    for _ in range(99):
        h.control.touch(next(numbers))
    feed, requests, by_operation = costs.process(FeedProcessor(h.store, h.ds, clock=utc_now))
    assert feed.fetched == 99 and feed.full_pages == 1
    assert requests == 1, by_operation  # a re-scan would cost 30 requests


def test_a_feed_first_listing_is_light_and_its_mix_decides(tmp_path):
    with NotifyHarness(tmp_path, dossiers=40, page_size=10) as h:
        h.subscribe(C1)
        h.cycle()
        costs = Costs(h)
        first = [h.create_dossier() for _ in range(15)]
        report, _, by_operation = costs.cycle()
        (feed,) = report.feeds
        # No cursor yet: the first page is light, its changes read 20 at a time; the page
        # after it, seen to be changes, comes in full.
        assert (feed.pages, feed.full_pages, feed.fetched) == (2, 1, 15)
        assert by_operation["DsbotGetDossiers"] == 1
        assert sorted(h.cards(C1)) == sorted(first)
        # Every card was drawn from what the feed read: the sender read nothing again.
        assert "DsbotGetDossier" not in by_operation


def test_a_page_of_known_dossiers_switches_the_feed_to_light_pages(tmp_path):
    with NotifyHarness(tmp_path, dossiers=40, page_size=5) as h:
        h.subscribe(C1)
        later = [utc_now() + timedelta(seconds=10)]  # reads well after the last change
        processor = FeedProcessor(h.store, h.ds, clock=lambda: later[0], page_size=5)
        processor.process(h.feed())
        numbers = [h.create_dossier() for _ in range(12)]
        result = processor.process(h.feed())
        assert (result.pages, result.full_pages, result.fetched) == (3, 2, 12)
        # A lost cursor lists the same dossiers again: unchanged, the feed goes light.
        with q.write(h.store) as db:
            db.execute("UPDATE feeds SET end_cursor = NULL WHERE key = ?", [h.feed().key])
        before = h.stats()
        result = processor.process(h.feed())
        assert (result.pages, result.full_pages, result.fetched, result.changes) == (3, 1, 0, 0)
        assert h.stats().get("DsbotGetDossiers", 0) == before.get("DsbotGetDossiers", 0)
        # Changes again: the light page, mostly changes, turns the next pages full. (DS dates
        # to the second: the change must fall in a later second than the creation.)
        h.advance()
        for number in numbers:
            h.control.touch(number)
        later[0] += timedelta(seconds=10)
        result = processor.process(h.feed())
        assert (result.pages, result.full_pages, result.fetched) == (3, 2, 12)


@pytest.fixture
def mid(tmp_path):
    with NotifyHarness(tmp_path, dossiers=300) as harness:
        harness.subscribe(C1)
        harness.cycle()
        numbers = listed_numbers(harness, 201)
        harness.control.touch(numbers.pop())  # a first change: the feed has a cursor
        harness.cycle()
        harness.numbers = numbers
        yield harness


def test_a_full_page_that_times_out_is_asked_again_smaller(mid):
    h, costs = mid, Costs(mid)
    h.control.faults(timeout_above_full_dossiers=FULL_FALLBACK_SIZE)
    for number in h.numbers[:100]:
        h.control.touch(number)
    cursor, rows = h.feed().end_cursor, outbox_rows(h)
    feed, requests, by_operation = costs.process()
    assert feed.fallbacks == 1 and feed.full_pages == 4
    assert feed.fetched == 100 and feed.changes == 100
    # The page of 100 that timed out, four pages of 25 (the deletions with the first).
    assert requests == 5 and "DsbotGetDossiers" not in by_operation
    assert h.feed().end_cursor != cursor and outbox_rows(h) > rows
    # The next cycle goes straight to pages of 25: no request is wasted on a timeout.
    for number in h.numbers[100:150]:
        h.control.touch(number)
    feed, requests, _ = costs.process()
    assert (feed.fallbacks, feed.full_pages, feed.fetched) == (0, 2, 50)
    assert requests == 2


def test_when_small_full_pages_time_out_too_the_feed_reads_light_pages(mid):
    h, costs = mid, Costs(mid)
    h.control.faults(timeout_above_full_dossiers=20)  # a batched read of 20 still answers
    for number in h.numbers[:100]:
        h.control.touch(number)
    feed, requests, by_operation = costs.process()
    assert feed.fallbacks == 2 and feed.full_pages == 0
    assert feed.fetched == 100 and feed.changes == 100
    # 100 and 25 timed out; a light page (with the deletions), five batched reads.
    assert by_operation["DsbotGetDossiers"] == 5 and requests == 8
    # Nothing is lost or told twice: DS well again, the next cycle finds nothing new.
    rows = outbox_rows(h)
    h.control.reset_faults()
    feed, requests, _ = costs.process()
    assert (feed.listed, feed.enqueued, outbox_rows(h)) == (0, 0, rows)
    assert requests == 1


def test_full_pages_come_back_after_the_hold(mid):
    h = mid
    now = [utc_now()]
    processor = FeedProcessor(h.store, h.ds, clock=lambda: now[0])
    h.control.faults(timeout_above_full_dossiers=FULL_FALLBACK_SIZE)
    for number in h.numbers[:30]:
        h.control.touch(number)
    result = processor.process(h.feed())
    assert (result.fallbacks, result.full_pages, result.fetched) == (1, 2, 30)
    h.control.reset_faults()
    for number in h.numbers[30:60]:
        h.control.touch(number)
    now[0] += FALLBACK_HOLD + timedelta(seconds=1)
    result = processor.process(h.feed())
    assert (result.fallbacks, result.full_pages, result.fetched) == (0, 1, 30)


def test_a_slowed_feed_grows_its_pages_back_while_ds_answers_fast(mid):
    h, costs = mid, Costs(mid)
    now = [utc_now()]
    processor = FeedProcessor(h.store, h.ds, clock=lambda: now[0])
    h.control.faults(timeout_above_full_dossiers=50)
    for number in h.numbers[:200]:
        h.control.touch(number)
    result, requests, _ = costs.process(processor)
    # The page of 100 timed out; eight pages of 25 answered at once.
    assert (result.fallbacks, result.full_pages, result.fetched) == (1, 8, 200)
    assert requests == 9
    # DS answers fast: pages of 50, short of the 100 that timed out.
    h.advance()
    for number in h.numbers[:100]:
        h.control.touch(number)
    result, requests, _ = costs.process(processor)
    assert (result.fallbacks, result.full_pages, result.fetched) == (0, 2, 100)
    assert requests == 2
    # After the hold, pages of 100 again.
    h.control.reset_faults()
    now[0] += FALLBACK_HOLD + timedelta(seconds=1)
    h.advance()
    for number in h.numbers[100:200]:
        h.control.touch(number)
    result, requests, _ = costs.process(processor)
    assert (result.fallbacks, result.full_pages, result.fetched) == (0, 1, 100)
    assert requests == 1


def test_a_timed_out_full_page_is_not_resent_as_is_by_the_client(mid):
    # With the client's own retries on (as in production), the timeout still reaches the
    # feed at once: resending the same heavy page would only time out again, 30 s each.
    h = mid
    client = DSClient(h.sandbox.graphql_url, TOKEN, max_read_retries=4, sleep=lambda _: None)
    try:
        h.control.faults(timeout_above_full_dossiers=FULL_FALLBACK_SIZE)
        for number in h.numbers[:40]:
            h.control.touch(number)
        before = h.stats()["DsbotDemarcheDossiers"]
        result = FeedProcessor(h.store, client, clock=utc_now).process(h.feed())
        assert result.ok and result.fallbacks == 1 and result.fetched == 40
        # One page of 100 (timed out), then two of 25.
        assert h.stats()["DsbotDemarcheDossiers"] - before == 3
    finally:
        client.close()
