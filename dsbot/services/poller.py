"""The notification cycle: poll every followed feed, then send the outbox.

`Poller.run_cycle()` is one cycle (polling, then a drain of the outbox; `dsbot poll --once`);
`Poller.run_forever()` is the loop of `dsbot run` and `dsbot poll`: a cycle at once, then one
every interval, while a delivery thread drains the outbox, woken at the end of each cycle and
whenever a retried row comes due, so that a long queue in Slack never delays the next poll.
The Poller is built from Settings in `dsbot.runtime`; here it only knows its sender by the
`Outbox` protocol, so that this layer imports nothing of Slack.

Dynacase families' feeds (`dsbot.services.dynacase_feed`, when DYNACASE_API_URL is set) are
polled in the same cycle and fill the same outbox; their health is tracked apart from DS's.

DS faults stop the failing feed for this cycle, with its cursor kept, and back it off
exponentially (Dynacase faults too). Sustained failure (or a token problem, at once) posts one
alert to the ops channel, again only after a cooldown, and a recovery message when DS answers
again.
Only one poller works on a database at a time (a lease in poller_state), so two processes
never send the same row.

`run_forever` survives any fault of its own (the database read-only, full or deleted, a bug in
a cycle): every step of both threads is guarded, a failing loop backs off exponentially from the
poll interval, each kind of fault is logged once (`FaultLog`), and the loop resumes by itself
when the fault ends. Past `alert_after` failed cycles, ONE ops alert goes out: queued in the
outbox like DS alerts; when the database itself refuses it, posted to Slack at once by the
sender (`post_alert_now`); when Slack is unreachable too, it stays in memory and is queued, as
"there was a fault from … to …", by the first cycle that succeeds. A recovery notice follows an
alert that went out while the fault lasted. `status` (PollerStatus) feeds /healthz.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlite_utils import Database

from dsbot.backends.ds.client import DSClient
from dsbot.backends.errors import BackendError, BackendRateLimited
from dsbot.backoff import exponential_delay
from dsbot.redact import redact
from dsbot.services.delivery_port import DrainReport, Outbox
from dsbot.services.digest import DigestScheduler
from dsbot.services.dynacase_feed import BACKEND as DYNACASE
from dsbot.services.dynacase_feed import DynacaseFeedProcessor
from dsbot.services.feed import PAGE_SIZE, FeedProcessor, FeedResult, RecentDossiers
from dsbot.services.poller_health import FaultLog, PollerStatus, error_line
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import AlertPayload, OutboxEntry

log = logging.getLogger(__name__)

ALERT_AFTER_FAILED_CYCLES = 3
ALERT_COOLDOWN = timedelta(hours=1)
BACKOFF_BASE = 30.0
BACKOFF_CAP = 1800.0
OUTBOX_RETENTION = timedelta(days=30)
BETWEEN_DRAINS = 1.0
# A failing loop waits the poll interval, then twice as long each time, at most this long.
FAULT_BACKOFF_CAP = 300.0
POLL_CYCLE = "notification cycle"
DELIVERY = "outbox delivery"
LEASE = "lease"
HEALTH = "ds_health"
DYNACASE_HEALTH = "dynacase_health"


def utc_now() -> datetime:
    return datetime.now(UTC)


class HomeRefresher(Protocol):
    """Publishes again the Home tabs the feed marked out of date, debounced
    (dsbot.slack.home.HomePublisher)."""

    def refresh_due(self) -> int: ...


@dataclass
class CycleReport:
    """What one cycle did. `busy`: another poller holds the database, nothing was done."""

    started_at: datetime
    finished_at: datetime | None = None
    busy: bool = False
    feeds: list[FeedResult] = field(default_factory=list)
    backing_off: list[str] = field(default_factory=list)
    drain: DrainReport | None = None  # None when sent in the background
    alerts: list[str] = field(default_factory=list)
    digests: int = 0
    homes: int = 0

    @property
    def ok(self) -> bool:
        return not self.busy and all(f.ok for f in self.feeds)

    def summary(self) -> str:
        """One line for `dsbot poll --once` and the logs, in the operators' language (French,
        like the CLI and the README)."""
        if self.busy:
            return "un autre scrutateur dsbot travaille sur cette base ; rien n’a été fait"
        failed = [f"{f.key} ({type(f.error).__name__})" for f in self.feeds if not f.ok]
        drain = self.drain
        parts = [
            f"{len(self.feeds)} flux lu(s)",
            f"{sum(f.pages for f in self.feeds)} page(s)",
            f"{sum(f.changes for f in self.feeds)} changement(s)",
            f"{sum(f.enqueued for f in self.feeds)} message(s) en file",
        ]
        if drain is not None:
            parts.append(f"{drain.sent} envoyé(s)")
            if drain.rescheduled:
                parts.append(f"{drain.rescheduled} à réessayer")
            if drain.dead:
                parts.append(f"{drain.dead} abandonné(s)")
        if self.digests:
            parts.append(f"{self.digests} résumé(s) en file")
        if self.backing_off:
            parts.append(f"en attente avant nouvel essai : {', '.join(self.backing_off)}")
        if failed:
            parts.append(f"en échec : {', '.join(failed)}")
        return " ; ".join(parts)


def _alert_kind(error: BackendError) -> str:
    return error.alert_kind  # each backend's error names its own alert


def _error_text(error: BackendError | None) -> str:
    if error is None:
        return "?"
    return redact(f"{type(error).__name__}: {error.message}")[:300]


class Poller:
    """One notification engine on one database. `sender` is a DeliveryService
    (dsbot.slack.sender.Sender in production)."""

    def __init__(
        self,
        store: Store,
        ds: DSClient,
        sender: Outbox,
        *,
        ops_channel: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        cache: RecentDossiers | None = None,
        page_size: int = PAGE_SIZE,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
        alert_after: int = ALERT_AFTER_FAILED_CYCLES,
        alert_cooldown: timedelta = ALERT_COOLDOWN,
        drain_budget: float | None = None,
        lease_seconds: float = 600.0,
        digests: DigestScheduler | None = None,
        homes: HomeRefresher | None = None,
        dynacase: DynacaseFeedProcessor | None = None,
        fault_backoff_cap: float = FAULT_BACKOFF_CAP,
    ) -> None:
        self.store = store
        # The feeds of Dynacase families (None: Dynacase not configured, its feeds wait).
        self.dynacase = dynacase
        self.sender = sender
        self.ops_channel = ops_channel
        self.clock = clock
        self.cache = cache
        self.processor = FeedProcessor(store, ds, clock=clock, cache=cache, page_size=page_size)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.alert_after = alert_after
        self.alert_cooldown = alert_cooldown
        self.drain_budget = drain_budget
        self.lease_seconds = lease_seconds
        self.digests = digests
        self.homes = homes
        self.fault_backoff_cap = fault_backoff_cap
        self.status = PollerStatus()
        self.faults = FaultLog()
        self._fault: _Fault | None = None
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # Wakes the delivery thread of run_forever (a cycle ended, or run_forever stops).
        self._wake = threading.Event()
        self._closing = False

    # --- the cycle -------------------------------------------------------------------------

    def run_cycle(self, *, keep_lease: bool = False, deliver: bool = True) -> CycleReport:
        """Poll every active feed that is not backing off, then send what is due (with
        `deliver` False: leave that to the delivery thread, told the cycle is over)."""
        report = CycleReport(started_at=self.clock())
        if not self.acquire_lease():
            report.busy = True
            report.finished_at = self.clock()
            return report
        if not deliver and self.cache is not None:
            # The delivery thread renders cards from what this cycle reads.
            self.cache.clear()
        try:
            with self.store.connect() as db:
                feeds = q.active_feeds(db)
            for feed in feeds:
                # A long cycle (a large backlog) renews the lease as it goes; if another
                # poller took the database over meanwhile, this one stops.
                if not self.acquire_lease():
                    break
                if feed.next_poll_at is not None and feed.next_poll_at > self.clock():
                    report.backing_off.append(feed.key)
                    continue
                if feed.scope == DYNACASE:
                    if self.dynacase is None:
                        continue
                    result = self.dynacase.process(feed)
                else:
                    result = self.processor.process(feed)
                report.feeds.append(result)
                self._record(feed.key, feed.failures, result)
                self.status.progress()
            dynacase_feeds = [f for f in report.feeds if f.key.startswith(f"{DYNACASE}:")]
            ds_feeds = [f for f in report.feeds if f not in dynacase_feeds]
            report.alerts = self._check_health(ds_feeds)
            # Dynacase's health is its own: DS being fine says nothing of it, and back.
            report.alerts += self._check_health(
                dynacase_feeds, key=DYNACASE_HEALTH, recovered="notify.ops.dynacase_recovered"
            )
            report.digests = self._queue_digests()
            if deliver:
                report.drain = self.sender.drain(self.drain_budget)
            else:
                self.sender.admit()
                self._wake.set()
            report.homes = self._refresh_homes()
            with q.write(self.store) as db:
                q.prune_outbox(db, self.clock() - OUTBOX_RETENTION)
        finally:
            if deliver and self.cache is not None:
                self.cache.clear()
            if not keep_lease:
                # Must not hide the error in flight (the database failing makes this fail too).
                self._release_quietly()
        report.finished_at = self.clock()
        # Logs are English; report.summary() is the operators' French line (dsbot poll --once).
        log.info(
            "notification cycle: feeds=%d pages=%d changes=%d queued=%d sent=%d failed=%d%s",
            len(report.feeds),
            sum(f.pages for f in report.feeds),
            sum(f.changes for f in report.feeds),
            sum(f.enqueued for f in report.feeds),
            report.drain.sent if report.drain is not None else 0,
            sum(not f.ok for f in report.feeds),
            " (another poller holds the database)" if report.busy else "",
        )
        return report

    def run_forever(self, interval: float, stop_event: threading.Event) -> None:
        """A cycle now, then one every `interval` seconds until `stop_event` is set. The outbox
        is sent by a delivery thread meanwhile: rows waiting for a retry (Slack 429, errors)
        go when due, and a long queue never holds up a poll. Nothing but a stop ends it: a
        failing cycle backs off and tries again (see the module's docstring)."""
        self.sender.stop_event = stop_event
        self._closing = False
        self.status.started()
        delivery = threading.Thread(
            target=self._deliver_forever, args=(stop_event,), name="dsbot-delivery", daemon=True
        )
        delivery.start()
        try:
            failures = 0
            while not stop_event.is_set():
                next_cycle = time.monotonic() + interval
                try:
                    report = self.run_cycle(keep_lease=True, deliver=False)
                except Exception as exc:
                    failures = self.faults.failed(POLL_CYCLE, exc)
                    self.status.failed(exc)
                    self._on_fault(exc, failures)
                    next_cycle = time.monotonic() + exponential_delay(
                        failures, base=interval, cap=max(interval, self.fault_backoff_cap)
                    )
                else:
                    if report.busy:
                        log.warning("another poller holds the database; waiting")
                    failures = 0
                    self.faults.succeeded(POLL_CYCLE)
                    self.status.succeeded()
                    self._on_recovery()
                stop_event.wait(max(next_cycle - time.monotonic(), 0.0))
        finally:
            self._closing = True
            self._wake.set()
            # The message in hand is finished (stop_event stops the drain after it); the lease
            # goes only once nothing is sending any more.
            delivery.join()
            self._release_quietly()
            self.status.stopped()

    def _deliver_forever(self, stop_event: threading.Event) -> None:
        """The delivery thread: drain when a cycle ends or a row comes due. A failure (the
        database, a bug) backs off and tries again; only a stop ends it."""
        failures = 0
        while not (stop_event.is_set() or self._closing):
            try:
                # At most one drain a second: a row may be due but held back behind another of
                # its dossier (or a burst still being polled), and must not make this loop spin.
                wait = max(self._until_due(), BETWEEN_DRAINS)
            except Exception as exc:
                failures = self.faults.failed(DELIVERY, exc)
                wait = BETWEEN_DRAINS
            if failures:
                wait = exponential_delay(
                    failures, base=BETWEEN_DRAINS, cap=max(BETWEEN_DRAINS, self.fault_backoff_cap)
                )
            # A cycle that ends wakes it at once, also from a backoff: the fault is over then.
            self._wake.wait(wait)
            self._wake.clear()
            if stop_event.is_set() or self._closing:
                continue
            try:
                if not self._holds_lease():
                    continue
                self.sender.drain(self.drain_budget, admit=False)
            except Exception as exc:
                failures = self.faults.failed(DELIVERY, exc)
                continue
            failures = 0
            self.faults.succeeded(DELIVERY)

    # --- the poller's own faults -------------------------------------------------------------

    def _on_fault(self, exc: Exception, failures: int) -> None:
        """Remember the fault; past `alert_after` failed cycles, tell the ops channel once."""
        if self._fault is None:
            self._fault = _Fault(since=self.clock(), error=error_line(exc))
        fault = self._fault
        fault.error = error_line(exc)
        fault.count = failures
        if fault.alert_sent_live or failures < self.alert_after:
            return
        params: dict[str, str | int] = {
            "count": failures,
            "error": fault.error,
            "since": _hhmm(fault.since),
        }
        try:
            with q.write(self.store) as db:
                self._alert(db, "notify.ops.poller_fault", params, self.clock())
            fault.alert_sent_live = True
            self._wake.set()
            return
        except Exception:
            pass  # the database is the fault: try Slack directly
        post_now = getattr(self.sender, "post_alert_now", None)
        if self.ops_channel and post_now is not None:
            try:
                post_now(self.ops_channel, AlertPayload("notify.ops.poller_fault", params))
            except Exception as post_error:
                fault.error_posting = error_line(post_error)
            else:
                fault.alert_sent_live = True
                return
        if not fault.logged:
            log.error(
                "ops alert kept until a cycle succeeds (database refused it, Slack: %s):"
                " notification cycles failing since %s (%s)",
                fault.error_posting
                or ("not tried" if self.ops_channel else "no DSBOT_OPS_CHANNEL"),
                q.to_iso(fault.since),
                fault.error,
            )
            fault.logged = True

    def _on_recovery(self) -> None:
        """A cycle succeeded after a fault: say so if an alert went out, or send the alert
        that could not go out, as a fault that is over."""
        fault, self._fault = self._fault, None
        if fault is None:
            return
        now = self.clock()
        params: dict[str, str | int]
        if fault.alert_sent_live:
            key, params = "notify.ops.poller_recovered", {"since": _hhmm(fault.since)}
        elif fault.count >= self.alert_after:
            key = "notify.ops.poller_fault_over"
            params = {
                "count": fault.count,
                "error": fault.error,
                "since": _hhmm(fault.since),
                "until": _hhmm(now),
            }
        else:
            return  # a blip: logged, not worth a message
        try:
            with q.write(self.store) as db:
                self._alert(db, key, params, now)
            self._wake.set()
        except Exception as exc:
            log.error("ops notice %s not queued: %s", key, error_line(exc))

    def _queue_digests(self) -> int:
        """Today's digests, if it is time (the index is read, not DS)."""
        if self.digests is None:
            return 0
        try:
            return self.digests.run_if_due()
        except Exception:
            log.exception("digest scheduling failed")
            return 0

    def _refresh_homes(self) -> int:
        if self.homes is None:
            return 0
        try:
            return self.homes.refresh_due()
        except Exception:
            log.exception("Home refresh failed")
            return 0

    def _until_due(self) -> float:
        with self.store.connect() as db:
            due = q.next_due_at(db)
        if due is None:
            return 3600.0
        return max((due - self.clock()).total_seconds(), 0.0)

    # --- feed failures and DS health -------------------------------------------------------

    def _record(self, key: str, failures_before: int, result: FeedResult) -> None:
        now = self.clock()
        with q.write(self.store) as db:
            if result.ok:
                q.record_feed_success(db, key, now)
                return
            error = result.error
            # The first failure waits `backoff_base`, each further one twice as long.
            delay = exponential_delay(
                failures_before + 1, base=self.backoff_base, cap=self.backoff_cap
            )
            if isinstance(error, BackendRateLimited) and error.retry_after:
                delay = max(delay, error.retry_after)
            q.record_feed_failure(db, key, _error_text(error), now + timedelta(seconds=delay))
        log.warning("feed %s failed (%s); next try in %.0f s", key, _error_text(error), delay)

    def _check_health(
        self,
        results: list[FeedResult],
        *,
        key: str = HEALTH,
        recovered: str = "notify.ops.ds_recovered",
    ) -> list[str]:
        """Count failed cycles; alert once past the threshold (auth problems at once), and
        say when DS is back. Returns the alert keys queued."""
        if not results:
            return []
        now = self.clock()
        failed = [r for r in results if not r.ok]
        queued: list[str] = []
        with q.write(self.store) as db:
            state = q.get_state(db, key) or {"failed_cycles": 0, "alert": None}
            if not failed:
                if state.get("alert"):
                    queued.append(self._alert(db, recovered, {}, now))
                q.set_state(db, key, {"failed_cycles": 0, "alert": None})
                return queued
            state["failed_cycles"] = int(state.get("failed_cycles") or 0) + 1
            errors = [r.error for r in failed if r.error is not None]
            kinds = [_alert_kind(e) for e in errors]
            # A token problem says what to do; it wins over a generic outage (`*_down`).
            kind = next(
                (k for k in kinds if not k.endswith("_down")), kinds[0] if kinds else "ds_down"
            )
            error = errors[kinds.index(kind)] if errors else None
            threshold = self.alert_after if kind.endswith("_down") else 1
            last = q.from_iso(state.get("alerted_at"))
            cooled = last is None or now - last >= self.alert_cooldown
            if state["failed_cycles"] >= threshold and (state.get("alert") != kind or cooled):
                params = {"count": state["failed_cycles"], "error": _error_text(error)}
                queued.append(self._alert(db, f"notify.ops.{kind}", params, now))
                state["alert"] = kind
                state["alerted_at"] = q.to_iso(now)
            q.set_state(db, key, state)
        return queued

    def _alert(self, db: Database, text_key: str, params: dict[str, Any], now: datetime) -> str:
        if not self.ops_channel:
            log.error("ops alert (no DSBOT_OPS_CHANNEL set): %s %s", text_key, params)
            return text_key
        q.enqueue(
            db,
            OutboxEntry(
                "",
                self.ops_channel,
                None,
                AlertPayload(text_key, params),
                f"ops:{text_key}:{q.to_iso(now)}",
            ),
            now,
        )
        return text_key

    # --- single poller per database ----------------------------------------------------------

    def acquire_lease(self) -> bool:
        """Take (or renew) the database's poller lease; False if another live poller has it."""
        now = self.clock()
        with q.write(self.store) as db:
            lease = q.get_state(db, LEASE)
            if lease and lease.get("owner") != self.owner and _lease_alive(lease, now):
                return False
            q.set_state(
                db,
                LEASE,
                {
                    "owner": self.owner,
                    "host": socket.gethostname(),
                    "pid": os.getpid(),
                    "expires_at": q.to_iso(now + timedelta(seconds=self.lease_seconds)),
                },
            )
            return True

    def _holds_lease(self) -> bool:
        with self.store.connect() as db:
            lease = q.get_state(db, LEASE)
        return lease is not None and lease.get("owner") == self.owner

    def _release_quietly(self) -> None:
        try:
            self.release_lease()
        except Exception as exc:
            # It expires by itself (lease_seconds); a fault here must not mask another.
            log.warning("poller lease not released (%s): it will expire", error_line(exc))

    def release_lease(self) -> None:
        with q.write(self.store) as db:
            lease = q.get_state(db, LEASE)
            if lease and lease.get("owner") == self.owner:
                db.execute("DELETE FROM poller_state WHERE key = ?", [LEASE])


@dataclass
class _Fault:
    """A run of failed cycles, and what the ops channel was told about it."""

    since: datetime
    error: str
    count: int = 0
    # The alert went out while it lasted (queued, posted, or logged with no ops channel): a
    # recovery notice will follow.
    alert_sent_live: bool = False
    error_posting: str | None = None
    logged: bool = False


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%d/%m %H:%M UTC")


def _lease_alive(lease: dict[str, Any], now: datetime) -> bool:
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
