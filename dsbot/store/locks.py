"""A lock per item (a dossier, a document) across every process sharing the database.

An action checks who may act and then acts: two actions on one item at once could both pass
the check before either acts (two « Changer de groupe » at once: the second made by someone no
longer in the groupe). The lock is a row of `item_locks` taken in a `BEGIN IMMEDIATE`
transaction (SQLite's write lock: one taker at a time, whatever the process), held from the
check to the backend's answer, and deleted after. A second action on a locked item waits a
little (`WAIT_SECONDS`: one person's quick second click lands after the first one's answer),
then is refused, and told so. A process that dies holding one leaves a lease that runs out
after `LEASE_SECONDS` (longer than an action's retries and upload take).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from dsbot.store.db import Store

LEASE_SECONDS = 180.0
WAIT_SECONDS = 3.0
POLL_SECONDS = 0.05


class ItemBusy(Exception):
    """Another action holds this item's lock now."""

    def __init__(self, backend: str, ref: str) -> None:
        super().__init__(f"{backend}:{ref} is being acted on")
        self.backend = backend
        self.ref = ref


class ItemLocks:
    def __init__(
        self,
        store: Store,
        *,
        lease: float = LEASE_SECONDS,
        wait: float = WAIT_SECONDS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.lease = lease
        self.wait = wait
        self.clock = clock
        self.monotonic = monotonic
        self.sleep = sleep

    @contextmanager
    def hold(self, backend: str, ref: str) -> Iterator[None]:
        """The item's lock for the block; ItemBusy when someone else still holds it after
        `wait` seconds."""
        holder = secrets.token_hex(8)
        deadline = self.monotonic() + self.wait
        while True:
            try:
                self._take(backend, ref, holder)
                break
            except ItemBusy:
                if self.monotonic() >= deadline:
                    raise
                self.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            with self.store.connect() as db:
                db.execute(
                    "DELETE FROM item_locks WHERE backend = ? AND ref = ? AND holder = ?",
                    [backend, ref, holder],
                )

    def _take(self, backend: str, ref: str, holder: str) -> None:
        with self.store.connect() as db:
            # The write lock first: no other process reads the row between our read and write.
            db.execute("BEGIN IMMEDIATE")
            row = db.execute(
                "SELECT expires_at FROM item_locks WHERE backend = ? AND ref = ?", [backend, ref]
            ).fetchone()
            now = self.clock()
            if row is not None and row[0] > now:
                raise ItemBusy(backend, ref)
            db.execute(
                "INSERT OR REPLACE INTO item_locks (backend, ref, holder, expires_at)"
                " VALUES (?, ?, ?, ?)",
                [backend, ref, holder, now + self.lease],
            )
