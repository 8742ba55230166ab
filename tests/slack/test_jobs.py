"""Listener jobs when dsbot stops: a click being answered finishes if it can in time, what has
not started is dropped, and a job that hangs does not hold the stop."""

from __future__ import annotations

import threading

from dsbot.slack.jobs import Jobs


def test_a_running_job_finishes_before_the_stop_returns_and_a_queued_one_is_dropped():
    jobs = Jobs(max_workers=1)
    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    def answer() -> None:
        started.set()
        release.wait(5)
        done.append("answered")

    running = jobs.submit(answer)
    queued = jobs.submit(done.append, "queued")
    assert started.wait(5)
    threading.Timer(0.05, release.set).start()
    jobs.shutdown(timeout=5)
    assert running.done() and done == ["answered"]
    assert queued.cancelled()


def test_a_hanging_job_does_not_hold_the_stop_and_is_said(caplog):
    jobs = Jobs(max_workers=1)
    release = threading.Event()
    hanging = jobs.submit(release.wait, 10)
    try:
        jobs.shutdown(timeout=0.05)
        assert not hanging.done()
        assert any("jobs.left_running" in r.getMessage() for r in caplog.records)
    finally:
        release.set()
