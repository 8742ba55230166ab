"""`dsbot run`'s poller survives its database failing (read-only, full, deleted), tells the ops
channel once, reports it on /healthz, and resumes by itself, sending what it missed.

Faults are injected at the sqlite connection (tests run as root: chmod would not stop them);
the deleted file is really deleted. DS and Slack are the real fakes over HTTP.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dsbot.notifications.health import PollerStatus
from dsbot.slack.presentation.error_texts import ds_error_text
from dsbot.slack.transport.http_server import Health
from dsbot.store import DatabaseUnavailable, Store
from dsbot.texts import get_texts
from tests.services.feed_harness import OPS, NotifyHarness

C1 = "C0ONE"
INTERVAL = 0.05
WAIT = 10.0  # an upper bound for a loaded machine; nothing waits that long when it works
WRITES = ("insert", "update", "delete", "replace", "begin immediate", "create", "pragma journal")


class FaultyStore(Store):
    """A Store whose connections fail while `fault` is set:

    - "readonly": every statement fails, as WAL on a read-only filesystem does (the -shm file
      cannot be written, so even reads fail);
    - "full": writes fail ("database or disk is full"), reads work.
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        self.fault: str | None = None
        self.refused = 0
        # Only connections used by threads whose name starts with this fail (None: all).
        self.only_threads: str | None = None

    def _sqlite(self, timeout: float) -> sqlite3.Connection:
        store = self

        class Connection(sqlite3.Connection):
            def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
                store.check(sql)
                return super().execute(sql, *args)

            def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
                store.check(sql)
                return super().executemany(sql, *args)

            # typeshed overloads cursor() on the factory's type; this wrapper passes it on.
            def cursor(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:  # type: ignore[override]
                store.check("cursor")
                return super().cursor(*args, **kwargs)

        if not self.migrated:
            return sqlite3.connect(self.path, timeout=timeout, factory=Connection)
        uri = f"{Path(self.path).resolve().as_uri()}?mode=rw"
        return sqlite3.connect(uri, timeout=timeout, uri=True, factory=Connection)

    def check(self, sql: str) -> None:
        fault = self.fault
        if self.only_threads and not threading.current_thread().name.startswith(self.only_threads):
            return
        if fault == "readonly":
            self.refused += 1
            raise sqlite3.OperationalError("attempt to write a readonly database")
        if fault == "full" and sql.strip().lower().startswith(WRITES):
            self.refused += 1
            raise sqlite3.OperationalError("database or disk is full")


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        pause.wait(0.01)


@pytest.fixture
def h(tmp_path):
    harness = NotifyHarness(tmp_path, alert_after=3, fault_backoff_cap=0.2)
    harness.store = FaultyStore(harness.store.path)
    with harness:
        yield harness


class Loop:
    """run_forever on its own thread, as `dsbot run` starts it."""

    def __init__(self, h: NotifyHarness) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=h.poller.run_forever, args=(INTERVAL, self.stop), name="dsbot-poller"
        )

    def __enter__(self) -> Loop:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


def health_of(h: NotifyHarness) -> Health:
    # Staleness (no success for 3 intervals) has its own test on a controlled clock
    # (test_a_stale_poller_makes_healthz_fail). Judged on the loop's 0.05 s interval, a busy
    # machine would make a healthy poller look stale for a moment, and these tests flaky.
    return Health(
        server_up=True,
        slack_ok=True,
        poller_started=True,
        store=h.store,
        poller=h.poller.status,
        poll_interval=60.0,
    )


def ops_texts(h: NotifyHarness) -> list[str]:
    return [m["text"] for m in h.slack.top_level(OPS)]


def sent_in(h: NotifyHarness, channel: str, count: int) -> Callable[[], bool]:
    """`count` messages in `channel`, each recorded as sent by dsbot."""

    def done() -> bool:
        pending = [r for r in h.open_rows() if r.channel_id == channel]
        return len(h.slack.top_level(channel)) == count and not pending

    return done


def delivery_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "dsbot-delivery" and t.is_alive()]


@pytest.mark.parametrize("fault", ["readonly", "full"])
def test_the_poller_survives_a_failing_database_and_sends_what_it_missed(h, fault):
    h.subscribe(C1)
    h.cycle()
    health = health_of(h)
    with Loop(h) as loop:
        wait_until(lambda: h.poller.status.last_success is not None, "a first cycle")
        assert health.as_dict()["ok"] is True
        h.store.fault = fault
        number = h.create_dossier()
        wait_until(lambda: h.poller.status.consecutive_failures >= 6, "failed cycles")
        # Both threads are still there, backing off.
        assert loop.thread.is_alive() and delivery_threads()
        report = health.as_dict()
        assert report["ok"] is False and report["database"]["ok"] is False
        assert any("DSBOT_DB" in r for r in report["reasons"])
        assert report["poller"]["consecutive_failures"] >= 6
        # One alert, posted straight to Slack: the outbox is what fails.
        wait_until(lambda: len(ops_texts(h)) >= 1, "the ops alert")
        (alert,) = ops_texts(h)
        assert "cycles de notification de dsbot échouent" in alert and "DSBOT_DB" in alert
        assert h.slack.top_level(C1) == []
        h.store.fault = None
        wait_until(sent_in(h, C1, 1), "the missed card")
        assert number in h.cards(C1)
        wait_until(lambda: len(ops_texts(h)) == 2, "the recovery notice")
        assert "fonctionnent de nouveau" in ops_texts(h)[1]
        report = health.as_dict()
        assert report["ok"] is True and report["reasons"] == []
        assert report["database"] == {"ok": True, "error": None}
        assert report["poller"]["consecutive_failures"] == 0
        h.advance()
        h.create_dossier()
        wait_until(sent_in(h, C1, 2), "the next card")
    assert len(ops_texts(h)) == 2  # no second alert
    assert not delivery_threads()


def test_the_delivery_thread_survives_its_own_faults(h):
    """The delivery thread meets the fault while the polls work: it backs off, keeps being
    woken by each cycle, and sends the card once its reads work again."""
    h.subscribe(C1)
    h.cycle()
    h.store.only_threads = "dsbot-delivery"
    h.store.fault = "readonly"
    with Loop(h):
        number = h.create_dossier()
        wait_until(lambda: h.store.refused >= 5, "the delivery thread failing")
        assert delivery_threads()
        assert h.slack.top_level(C1) == []
        h.store.fault = None
        wait_until(sent_in(h, C1, 1), "the card")
        assert number in h.cards(C1)
    assert ops_texts(h) == []  # the notification cycles worked all along: no alert


def test_an_alert_slack_cannot_take_waits_for_the_database(h):
    """Slack and the database both down: the alert waits in memory, then is queued once the
    database works, as a fault that is over."""
    h.subscribe(C1)
    h.cycle()
    with Loop(h):
        wait_until(lambda: h.poller.status.last_success is not None, "a first cycle")
        h.store.fault = "readonly"
        h.slack.fail("chat.postMessage", "internal_error", times=None)
        wait_until(lambda: h.poller.status.consecutive_failures >= 5, "failed cycles")
    # Stopped in the middle of the fault (so that nothing races the two repairs below).
    assert ops_texts(h) == []
    assert len(h.slack.calls("chat.postMessage")) >= 1  # it did try
    h.slack.clear_failures()
    h.store.fault = None
    with Loop(h):
        wait_until(sent_in(h, OPS, 1), "the alert")
        (alert,) = ops_texts(h)
        assert "ont échoué du" in alert and "readonly" in alert
    assert len(ops_texts(h)) == 1


def test_a_deleted_database_is_reported_not_recreated_empty_and_can_be_restored(h, tmp_path):
    h.subscribe(C1)
    h.cycle()
    path = Path(h.store.path)
    backup = tmp_path / "backup.db"
    with sqlite3.connect(path) as source, sqlite3.connect(backup) as copy:
        source.backup(copy)
    health = health_of(h)
    with Loop(h) as loop:
        wait_until(lambda: h.poller.status.last_success is not None, "a first cycle")
        path.unlink()
        number = h.create_dossier()
        wait_until(lambda: h.poller.status.consecutive_failures >= 4, "failed cycles")
        assert loop.thread.is_alive() and delivery_threads()
        assert not path.exists()  # not recreated by any of the cycles
        report = health.as_dict()
        assert report["ok"] is False
        assert "a disparu" in report["database"]["error"]
        assert any(r.startswith("base de données (DSBOT_DB)") for r in report["reasons"])
        wait_until(lambda: len(ops_texts(h)) == 1, "the ops alert")
        assert "DSBOT_DB, DatabaseUnavailable: la base" in ops_texts(h)[0]
        assert "a disparu" in ops_texts(h)[0]
        with pytest.raises(DatabaseUnavailable, match="a disparu"), h.store.connect():
            pass
        assert not path.exists()
        # The operator restores the backup (without the deleted file's WAL): dsbot resumes.
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        backup.rename(path)
        wait_until(sent_in(h, C1, 1), "the missed card")
        assert number in h.cards(C1)
        assert health.as_dict()["ok"] is True
    # A command answers that the database is the problem, not "unexpected".
    texts = get_texts("fr")
    answer = ds_error_text(DatabaseUnavailable(h.store.missing_message()), texts)
    assert answer.startswith("La base de données de dsbot est indisponible")
    assert ds_error_text(sqlite3.OperationalError("database or disk is full"), texts) == answer


def test_a_stale_poller_makes_healthz_fail():
    clock = [100.0]
    status = PollerStatus(monotonic=lambda: clock[0])
    health = Health(server_up=True, slack_ok=True, poller_started=True, poller=status)
    health.poll_interval = 10.0
    status.started()
    clock[0] += 29.0
    assert health.as_dict()["ok"] is True  # within 3 intervals of the start
    clock[0] += 2.0
    report = health.as_dict()
    assert report["ok"] is False and "3 × DSBOT_POLL_INTERVAL (30 s)" in report["reasons"][0]
    status.succeeded()
    assert health.as_dict()["ok"] is True
    clock[0] += 25.0
    status.progress()  # a long cycle still getting through its feeds
    clock[0] += 25.0
    assert health.as_dict()["ok"] is True
    status.stopped()
    assert "arrêtée" in health.as_dict()["reasons"][0]
