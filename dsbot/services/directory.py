"""The directory of DS instructeurs visible to the token, for automatic linking.

DS has no query listing the démarches of a token, so the directory covers the démarches dsbot
knows of: `DSBOT_DEMARCHES`, the subscribed ones, and those of the dossiers people open.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from dsbot.backends.errors import BackendError
from dsbot.logs import get_logger
from dsbot.store import Store
from dsbot.store import links as q

log = get_logger(__name__)

DEFAULT_TTL_SECONDS = 600.0


class Person(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def email(self) -> str: ...


class Groupe(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def instructeurs(self) -> Sequence[Person]: ...


class Demarche(Protocol):
    """What the directory reads of a démarche (DS's `Demarche` has it)."""

    @property
    def number(self) -> int: ...

    @property
    def groupes(self) -> Sequence[Groupe]: ...


class DemarcheReader(Protocol):
    """What the directory needs from DS (DSClient satisfies it)."""

    def get_demarche(self, number: int) -> Demarche: ...


def rosters(demarches: Iterable[Demarche]) -> dict[int, list[q.Membership]]:
    """The store's rows of these démarches: each instructeur in each of their groupes."""
    return {
        d.number: [q.Membership(p.id, p.email, g.number) for g in d.groupes for p in g.instructeurs]
        for d in demarches
    }


class InstructeurDirectory:
    def __init__(
        self,
        store: Store,
        ds: DemarcheReader,
        *,
        extra_demarches: Callable[[], Iterable[int]] = lambda: (),
        ttl: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.ds = ds
        self.extra_demarches = extra_demarches
        self.ttl = ttl
        self.clock = clock
        self._refreshed_at: float | None = None
        self._noted: set[int] = set()
        self._lock = threading.Lock()

    def note_demarche(self, number: int) -> None:
        """A démarche seen in use (a dossier opened): include it from the next refresh on."""
        if number not in self._noted:
            self._noted.add(number)
            self._refreshed_at = None

    def remember(self, demarche: Demarche) -> None:
        """Record a démarche's instructeurs now (e.g. from a dossier someone opened)."""
        with self.store.connect() as db:
            q.replace_directory(db, rosters([demarche]))

    def refresh(self) -> int:
        """Re-read every known démarche from DS. Démarches DS refuses are skipped, logged."""
        with self.store.connect() as db:
            numbers = set(q.known_demarches(db))
        numbers.update(self.extra_demarches())
        numbers.update(self._noted)
        demarches = []
        for number in sorted(numbers):
            try:
                demarches.append(self.ds.get_demarche(number))
            except BackendError as exc:
                log.warning(
                    "directory.demarche_unreadable",
                    demarche=number,
                    error=type(exc).__name__,
                    reason=exc.message,
                )
        with self.store.connect() as db:
            count = q.replace_directory(db, rosters(demarches))
        self._refreshed_at = self.clock()
        return count

    def refresh_if_stale(self) -> None:
        """Refresh when stale. While another thread refreshes, readers use the current rows
        rather than queue behind DS; only a directory that has never been filled waits."""
        if not self._stale():
            return
        if not self._lock.acquire(blocking=not self._has_rows()):
            return
        try:
            if self._stale():
                self.refresh()
        finally:
            self._lock.release()

    def _stale(self) -> bool:
        return self._refreshed_at is None or self.clock() - self._refreshed_at > self.ttl

    def _has_rows(self) -> bool:
        with self.store.connect() as db:
            return db["instructeur_directory"].count > 0

    def find(self, email: str) -> list[str]:
        """Instructeur ids whose DS email matches, case-insensitively (refreshing if stale)."""
        try:
            self.refresh_if_stale()
        except BackendError as exc:  # a stale directory is better than none
            log.warning("directory.refresh_failed", error=type(exc).__name__, reason=exc.message)
        with self.store.connect() as db:
            return q.instructeur_ids_for_email(db, email)
