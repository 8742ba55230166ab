"""`SandboxClock` on its own, with a wall clock the test moves."""

from __future__ import annotations

import pytest

from dsbot.sandboxes.ds.clock import US, ClockError, SandboxClock, iso

START = 1_767_225_600 * US  # 2026-01-01T00:00:00Z


class Wall:
    def __init__(self) -> None:
        self.us = START

    def __call__(self) -> int:
        return self.us * 1000  # nanoseconds, like time.time_ns


def test_readings_follow_real_time_and_never_repeat():
    wall = Wall()
    clock = SandboxClock(wall)
    first, second = clock.now_us(), clock.now_us()
    assert first == START and second == START + 1  # same instant: still a new sort key
    wall.us += 5 * US
    assert clock.now_us() == START + 5 * US
    assert clock.time() == pytest.approx((START + 5 * US) / US)


def test_advance_and_set_move_forward_and_then_keep_running():
    wall = Wall()
    clock = SandboxClock(wall)
    assert clock.advance(60) == START + 60 * US
    wall.us += US
    assert clock.now_us() == START + 61 * US
    target = START + 86_400 * US
    assert clock.set(target) == target
    assert clock.offset_us == target - wall.us


def test_time_never_goes_backwards():
    wall = Wall()
    clock = SandboxClock(wall)
    clock.advance(3600)
    with pytest.raises(ClockError, match="time never goes backwards"):
        clock.set(START + 60 * US)
    with pytest.raises(ClockError, match="non-negative"):
        clock.advance(-1)
    wall.us -= 10 * US  # even if the machine's clock steps back
    assert clock.now_us() == START + 3600 * US + 1


def test_a_frozen_clock_moves_only_when_told_and_resumes_from_there():
    wall = Wall()
    clock = SandboxClock(wall)
    at = clock.freeze(True)
    wall.us += 30 * US
    assert clock.peek_us() == at and clock.frozen
    assert clock.advance(10) == at + 10 * US
    assert clock.set(at + 20 * US) == at + 20 * US
    clock.freeze(False)
    # Resumes where it stood (one tick after what was shown), not 30 s later.
    assert clock.now_us() == at + 20 * US + 1
    wall.us += US
    assert clock.now_us() == at + 21 * US


def test_as_json_shows_the_time_as_ds_does():
    clock = SandboxClock(Wall())
    shown = clock.as_json()
    assert shown == {"now": iso(START), "now_us": START, "frozen": False}
    assert shown["now"] == "2026-01-01T01:00:00+01:00"
