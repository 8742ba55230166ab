"""The per-item lock: one holder at a time across connections (as across processes), released
after the block, and a lease left by a dead process taken again once it ran out."""

from __future__ import annotations

import pytest

from dsbot.store import Store
from dsbot.store.locks import ItemBusy, ItemLocks


def test_one_holder_at_a_time_across_stores_then_released(store) -> None:
    # A second Store on the same file stands for a second process: its own connections.
    here, there = ItemLocks(store, wait=0), ItemLocks(Store(store.path), wait=0)
    there.store.migrated = True
    with here.hold("ds", "42"):
        with pytest.raises(ItemBusy), there.hold("ds", "42"):
            pass
        with there.hold("ds", "43"):  # another dossier is free
            pass
    with there.hold("ds", "42"):  # released
        pass


def test_a_lease_left_behind_runs_out(store) -> None:
    now = [1000.0]
    locks = ItemLocks(store, lease=60, wait=0, clock=lambda: now[0])
    # A process dies holding the lock: its row stays.
    locks._take("ds", "42", "dead-process")
    with pytest.raises(ItemBusy), locks.hold("ds", "42"):
        pass
    now[0] += 61
    with locks.hold("ds", "42"):
        with store.connect() as db:
            [row] = db.execute("SELECT holder FROM item_locks").fetchall()
        assert row[0] != "dead-process"
    with store.connect() as db:
        assert db.execute("SELECT count(*) FROM item_locks").fetchone()[0] == 0


def test_a_second_taker_waits_a_little_for_the_first_then_gives_up(store) -> None:
    ticks = [0.0]
    holder = ItemLocks(store, wait=0)
    waiting = ItemLocks(store, wait=1.0, monotonic=lambda: ticks[0], sleep=lambda s: None)
    released: list[bool] = []

    def sleep(seconds: float) -> None:
        ticks[0] += seconds
        if ticks[0] >= 0.5 and not released:
            released.append(True)
            held.__exit__(None, None, None)  # the first action ends meanwhile

    waiting.sleep = sleep
    held = holder.hold("ds", "42")
    held.__enter__()
    with waiting.hold("ds", "42"):
        assert released  # taken once the first let go, within the wait
    with holder.hold("ds", "42"), pytest.raises(ItemBusy):
        ticks[0] = 0.0
        with waiting.hold("ds", "42"):
            pass
    assert ticks[0] >= 1.0  # it waited its whole second, on the clock it was given
