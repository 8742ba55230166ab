"""`dsbot run`'s loop: the outbox is sent on a delivery thread, so a long drain never holds up
the next poll cycle, and a stop waits for the message in hand before letting the lease go."""

from __future__ import annotations

import threading

from dsbot.notifications.cycle import Poller
from dsbot.notifications.delivery.port import DrainReport
from dsbot.store import notifications as q

WAIT = 10.0  # generous upper bounds for a loaded machine; nothing waits that long when it works


class SlowSender:
    """A delivery service whose drain lasts until the test lets it end (a 200-message queue at
    one a second)."""

    def __init__(self) -> None:
        self.stop_event: threading.Event | None = None
        self.release = threading.Event()
        self.draining = threading.Event()
        self.admitted = 0
        self.drains: list[bool] = []

    def admit(self) -> None:
        self.admitted += 1

    def drain(self, budget: float | None = None, *, admit: bool = True) -> DrainReport:
        self.drains.append(admit)
        self.draining.set()
        self.release.wait(WAIT)
        return DrainReport(sent=1)


class CountingPoller(Poller):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cycles = 0
        self.cycled = threading.Condition()

    def run_cycle(self, **options):
        report = super().run_cycle(**options)
        with self.cycled:
            self.cycles += 1
            self.cycled.notify_all()
        return report

    def wait_cycles(self, count: int) -> bool:
        with self.cycled:
            return self.cycled.wait_for(lambda: self.cycles >= count, WAIT)


def test_a_long_drain_does_not_hold_up_the_next_poll(store):
    sender = SlowSender()
    poller = CountingPoller(store, None, sender)
    stop = threading.Event()
    loop = threading.Thread(target=poller.run_forever, args=(0.01, stop), name="dsbot-poller")
    loop.start()
    try:
        assert sender.draining.wait(WAIT), "the delivery thread never drained"
        first = poller.cycles
        # The drain is still going: cycles go on all the same.
        assert poller.wait_cycles(first + 3)
        assert not sender.release.is_set() and len(sender.drains) == 1
        # Background drains leave bursts to the cycles: each cycle admits what it queued.
        assert sender.drains == [False] and sender.admitted >= first + 3
    finally:
        stop.set()
        sender.release.set()
        loop.join(WAIT)
    assert not loop.is_alive()
    assert not any(t.name == "dsbot-delivery" and t.is_alive() for t in threading.enumerate())
    with store.connect() as db:
        assert q.get_state(db, "lease") is None  # released once the delivery thread ended


def test_a_stop_waits_for_the_drain_before_releasing_the_lease(store):
    sender = SlowSender()
    poller = CountingPoller(store, None, sender)
    stop = threading.Event()
    loop = threading.Thread(target=poller.run_forever, args=(0.01, stop))
    loop.start()
    assert sender.draining.wait(WAIT)
    stop.set()
    loop.join(0.2)
    assert loop.is_alive()  # the message in hand is not abandoned
    with store.connect() as db:
        assert q.get_state(db, "lease") is not None
    sender.release.set()
    loop.join(WAIT)
    assert not loop.is_alive()
    with store.connect() as db:
        assert q.get_state(db, "lease") is None
