"""The client-side limiter, on a fake clock (no timing-sensitive assertion)."""

from __future__ import annotations

import threading

import pytest

from dsbot.ratelimit import RateLimiter, shared_limiter, token_key
from tests.backends.ds.fake_clock import FakeClock


def test_allows_the_limit_then_waits_for_the_window():
    clock = FakeClock()
    limiter = RateLimiter(5, 60.0, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        assert limiter.acquire() == 0.0
    assert clock.sleeps == []
    waited = limiter.acquire()
    assert waited == pytest.approx(60.0)
    assert clock.sleeps == [pytest.approx(60.0)]


def test_never_more_than_limit_in_any_window():
    clock = FakeClock()
    limiter = RateLimiter(7, 10.0, clock=clock, sleep=clock.sleep)
    stamps = []
    for i in range(100):
        limiter.acquire()
        stamps.append(clock.now)
        clock.now += 0.3 * (i % 4)  # irregular callers
    for start in stamps:
        assert sum(1 for s in stamps if start <= s < start + 10.0) <= 7


def test_slots_free_up_as_the_window_slides():
    clock = FakeClock()
    limiter = RateLimiter(2, 10.0, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 4
    limiter.acquire()
    assert limiter.try_acquire() == pytest.approx(6.0)
    clock.now += 6
    assert limiter.try_acquire() == 0.0
    assert limiter.in_window() == 2


def test_hold_blocks_everyone_until_it_ends():
    clock = FakeClock()
    limiter = RateLimiter(100, 60.0, clock=clock, sleep=clock.sleep)
    limiter.hold(12.5)
    assert limiter.acquire() == pytest.approx(12.5)
    assert limiter.acquire() == 0.0


def test_thread_safe_under_contention():
    clock = FakeClock()
    limiter = RateLimiter(10, 60.0, clock=clock, sleep=clock.sleep)
    granted_at: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            limiter.acquire()
            with lock:
                granted_at.append(clock())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted_at) == 40
    # 40 slots at 10 per minute: the fake clock had to move at least 3 windows.
    assert clock.now - 1000.0 >= 180.0 - 1e-6


def test_shared_limiter_is_per_url_and_token():
    a = shared_limiter("http://x/api/v2/graphql", "token-one-123")
    assert shared_limiter("http://x/api/v2/graphql", "token-one-123") is a
    assert shared_limiter("http://x/api/v2/graphql", "token-two-456") is not a
    assert shared_limiter("http://y/api/v2/graphql", "token-one-123") is not a
    assert "token-one-123" not in token_key("token-one-123")


def test_rejects_nonsense_settings():
    with pytest.raises(ValueError):
        RateLimiter(0, 60)
