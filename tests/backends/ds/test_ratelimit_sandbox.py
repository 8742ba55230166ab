"""The limiter in front of real requests: counted by the sandbox, timed by a fake clock."""

from __future__ import annotations

import pytest

from dsbot.backends.ds.client import DSClient
from dsbot.backends.ds.errors import DSRateLimited
from dsbot.ratelimit import RateLimiter, shared_limiter
from tests.backends.ds.fake_clock import FakeClock


def test_client_requests_wait_for_the_limiter(ds_env):
    clock = FakeClock()
    limiter = RateLimiter(3, 60.0, clock=clock, sleep=clock.sleep)
    client = ds_env.make_client(limiter=limiter)
    groupe = ds_env.open_groupe(ds_env.demarche())["number"]
    before = ds_env.op_count("DsbotGetGroupeInstructeur")
    sent_at = []
    for _ in range(7):
        client.get_groupe(groupe)
        sent_at.append(clock.now)
    assert ds_env.op_count("DsbotGetGroupeInstructeur") - before == 7
    # 7 requests at 3 per minute: the third window opened 120 s after the first.
    assert clock.now - 1000.0 == pytest.approx(120.0)
    for start in sent_at:
        assert sum(1 for t in sent_at if start <= t < start + 60.0) <= 3
    assert limiter.waited == pytest.approx(120.0)


def test_a_wait_longer_than_allowed_is_refused_without_sending(ds_env):
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)
    client = ds_env.make_client(limiter=limiter, max_retry_after=10.0)
    groupe = ds_env.open_groupe(ds_env.demarche())["number"]
    client.get_groupe(groupe)
    before = ds_env.control.stats()["graphql_requests"]
    with pytest.raises(DSRateLimited) as info:
        client.get_groupe(groupe)
    assert info.value.retry_after == pytest.approx(60.0)
    assert ds_env.control.stats()["graphql_requests"] == before
    assert clock.sleeps == []


def test_clients_of_one_token_share_one_limiter(ds_env):
    with (
        DSClient(ds_env.graphql_url, ds_env.token) as a,
        DSClient(ds_env.graphql_url, ds_env.token) as b,
        DSClient(ds_env.graphql_url, "another-token-xyz") as c,
    ):
        assert a.limiter is b.limiter is shared_limiter(ds_env.graphql_url, ds_env.token)
        assert c.limiter is not a.limiter
        before = a.limiter.in_window()
        a.get_groupe(ds_env.open_groupe(ds_env.demarche())["number"])
        b.get_groupe(ds_env.open_groupe(ds_env.demarche())["number"])
        assert a.limiter.in_window() == before + 2


def test_people_come_first_when_the_poller_holds_the_budget(ds_env):
    clock = FakeClock()
    limiter = RateLimiter(10, 60.0, clock=clock, sleep=clock.sleep)
    person = ds_env.make_client(limiter=limiter)
    poller = person.background()  # what `dsbot run` gives its poller
    groupe = ds_env.open_groupe(ds_env.demarche())["number"]
    before = ds_env.op_count("DsbotGetGroupeInstructeur")
    # The poller takes all it may (an indexing, a long drain): 9 of 10, one left for people.
    for _ in range(9):
        poller.get_groupe(groupe)
    assert clock.now == 1000.0 and limiter.try_acquire(background=True) > 0
    # A person's card is answered at once, while the poller's next request waits.
    person.get_groupe(groupe)
    assert clock.now == 1000.0 and limiter.waited == 0.0
    assert ds_env.op_count("DsbotGetGroupeInstructeur") - before == 10
    # The window full, a person waiting: a free slot goes to the person, not the poller.
    clock.advance(60.0)
    limiter.people_waiting = 1
    assert limiter.try_acquire(background=True) > 0
    assert limiter.try_acquire() == 0.0
    limiter.people_waiting = 0
    poller.get_groupe(groupe)  # then the poller goes on
    assert ds_env.op_count("DsbotGetGroupeInstructeur") - before == 11
