"""One poller per database: a lease in poller_state, so that two processes never send the same
row. A lease names its owner (host, pid, a random part) and expires by itself; a lease of a
process of this machine that no longer runs (kill -9) is free at once."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from dsbot.logs import get_logger
from dsbot.notifications.health import error_line
from dsbot.store import Store
from dsbot.store import notifications as q

log = get_logger("dsbot.notifications.cycle")

LEASE = "lease"


class Lease:
    """The database's poller lease, as held by this process."""

    def __init__(self, store: Store, clock: Callable[[], datetime], seconds: float = 600.0):
        self.store = store
        self.clock = clock
        self.seconds = seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def acquire(self) -> bool:
        """Take (or renew) the lease; False if another live poller has it."""
        now = self.clock()
        with q.write(self.store) as db:
            lease = q.get_state(db, LEASE)
            if lease and lease.get("owner") != self.owner and _alive(lease, now):
                return False
            q.set_state(
                db,
                LEASE,
                {
                    "owner": self.owner,
                    "host": socket.gethostname(),
                    "pid": os.getpid(),
                    "expires_at": q.to_iso(now + timedelta(seconds=self.seconds)),
                },
            )
            return True

    def held(self) -> bool:
        with self.store.connect() as db:
            lease = q.get_state(db, LEASE)
        return lease is not None and lease.get("owner") == self.owner

    def release(self) -> None:
        with q.write(self.store) as db:
            lease = q.get_state(db, LEASE)
            if lease and lease.get("owner") == self.owner:
                db.execute("DELETE FROM poller_state WHERE key = ?", [LEASE])

    def release_quietly(self) -> None:
        try:
            self.release()
        except Exception as exc:
            # It expires by itself (seconds); a fault here must not mask another.
            log.warning("lease.not_released", error=error_line(exc))


def _alive(lease: dict[str, Any], now: datetime) -> bool:
    expires = q.from_iso(lease.get("expires_at"))
    if expires is None or expires <= now:
        return False
    if lease.get("host") != socket.gethostname():
        return True  # cannot look at another machine's processes: trust the expiry
    try:
        os.kill(int(lease.get("pid") or 0), 0)
    except ProcessLookupError:
        return False  # killed (kill -9) without releasing it
    except (PermissionError, ValueError, OSError):
        return True
    return True
