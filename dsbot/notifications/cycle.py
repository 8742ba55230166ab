"""The notification cycle: poll every followed feed, then send the outbox.

A cycle is an ordered list of steps (`STEPS`): feeds, health, digests, privacy (retention and
compaction), drain, Homes, pruning;
each is a small object whose `run(poller, report)` does its part and fills the report.
`Poller.run_cycle()` is one cycle (`dsbot poll --once`);
`Poller.run_forever()` is the loop of `dsbot run` and `dsbot poll`: a cycle at once, then one
every interval, while a delivery thread drains the outbox, woken at the end of each cycle and
whenever a retried row comes due, so that a long queue in Slack never delays the next poll.
The Poller is built from Settings in `dsbot.runtime`; here it only knows its sender by the
`Outbox` protocol, so that this layer imports nothing of Slack.

The feeds come from `dsbot.notifications.feeds` (one reader per configured backend); a
backend's fault stops the failing feed for this cycle, with its cursor kept, and backs it off
(`dsbot.notifications.health.FeedHealth`, which also alerts the ops channel).
Only one poller works on a database at a time (`dsbot.notifications.lease`), so two processes
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

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from dsbot.backoff import exponential_delay
from dsbot.cli_french import ngettext
from dsbot.logs import get_logger
from dsbot.notifications.delivery.port import DrainReport, Outbox
from dsbot.notifications.feeds import Feeds
from dsbot.notifications.health import (
    ALERT_AFTER_FAILED_CYCLES,
    ALERT_COOLDOWN,
    BACKOFF_BASE,
    BACKOFF_CAP,
    FAULT_BACKOFF_CAP,
    FaultLog,
    FeedHealth,
    PollerStatus,
    error_line,
    log_alert,
    queue_alert,
)
from dsbot.notifications.lease import Lease
from dsbot.services.digest import DigestScheduler
from dsbot.services.feed import FeedResult, RecentDossiers
from dsbot.services.privacy import compact, retention_pass
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import AlertPayload

log = get_logger(__name__)

OUTBOX_RETENTION = timedelta(days=30)
# What the feed captured of a dossier for its card (personal data: the demandeur, the last
# message) is kept while its rows may still be sent; a card sent later reads DS again.
CARD_RETENTION = timedelta(days=7)
BETWEEN_DRAINS = 1.0
POLL_CYCLE = "notification cycle"
DELIVERY = "outbox delivery"


def utc_now() -> datetime:
    return datetime.now(UTC)


class CycleObserver(Protocol):
    """Who counts the cycles (/metrics: `dsbot.metrics.Metrics`)."""

    def cycle(self, outcome: str, seconds: float) -> None: ...


class HomeRefresher(Protocol):
    """Publishes again the Home tabs the feed marked out of date, debounced
    (dsbot.slack.interaction.home.HomePublisher)."""

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
    erased: int = 0  # dossiers erased for the retention delay
    deliver: bool = True  # drain in the cycle (False: the delivery thread does)

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
            _count(len(self.feeds), "flux lu", "flux lus"),
            _count(sum(f.pages for f in self.feeds), "page", "pages"),
            _count(sum(f.changes for f in self.feeds), "changement", "changements"),
            _count(sum(f.enqueued for f in self.feeds), "message en file", "messages en file"),
        ]
        if not self.feeds and not self.backing_off:
            parts.append(
                "aucun canal abonné : `dsbot abonner <démarche> --canal C` (ou `/ds abonner`"
                " dans Slack) en abonne un"
            )
        if drain is not None:
            parts.append(_count(drain.sent, "envoyé", "envoyés"))
            if drain.rescheduled:
                parts.append(f"{drain.rescheduled} à réessayer")
            if drain.dead:
                parts.append(_count(drain.dead, "abandonné", "abandonnés"))
        if self.digests:
            parts.append(_count(self.digests, "résumé en file", "résumés en file"))
        if self.backing_off:
            parts.append(f"en attente avant nouvel essai : {', '.join(self.backing_off)}")
        if failed:
            parts.append(f"en échec : {', '.join(failed)}")
        return " ; ".join(parts)


def _count(n: int, singular: str, plural: str) -> str:
    """`n` and its noun, by French's rule (0 and 1 singular)."""
    return f"{n} {ngettext(singular, plural, n)}"


# --- the steps of a cycle ------------------------------------------------------------------------


class Step(Protocol):
    name: str

    def run(self, poller: Poller, report: CycleReport) -> None: ...


class PollFeeds:
    """Every active feed that is not backing off, read by its backend's reader."""

    name = "feeds"

    def run(self, poller: Poller, report: CycleReport) -> None:
        with poller.store.connect() as db:
            feeds = q.active_feeds(db)
        for feed in feeds:
            if poller.stopping():
                return  # dsbot is stopping: the next start goes on from each feed's cursor
            # A long cycle (a large backlog) renews the lease as it goes; if another poller
            # took the database over meanwhile, this one stops.
            if not poller.lease.acquire():
                return
            if feed.next_poll_at is not None and feed.next_poll_at > poller.clock():
                report.backing_off.append(feed.key)
                continue
            owner = poller.feeds.owner(feed)
            if owner is None:
                continue  # its backend is not configured: the feed waits
            result = owner.reader.process(feed)
            report.feeds.append(result)
            poller.health.record(feed.key, feed.failures, result)
            poller.status.progress()


class CheckHealth:
    """Each backend's health, from its feeds' results: alerts and recovery notices."""

    name = "health"

    def run(self, poller: Poller, report: CycleReport) -> None:
        for backend in poller.feeds.backends:
            results = [r for r in report.feeds if backend.owns_result(r)]
            report.alerts += poller.health.check(
                results, key=backend.health_key, recovered=backend.recovered
            )


class QueueDigests:
    """Today's digests, if it is time (the index is read, not the backend)."""

    name = "digests"

    def run(self, poller: Poller, report: CycleReport) -> None:
        if poller.digests is None:
            return
        try:
            report.digests = poller.digests.run_if_due()
        except Exception:
            log.exception("digest.scheduling_failed")


class Erase:
    """Personal data leaves: dossiers closed longer than the retention (when set) are erased,
    and after any erasure of this cycle (a deletion in DS too) the database is compacted, so
    that no erased byte stays in its file or its WAL (docs/privacy.md)."""

    name = "privacy"

    def run(self, poller: Poller, report: CycleReport) -> None:
        if poller.retention_days is not None:
            report.erased += len(
                retention_pass(poller.store, poller.clock(), poller.retention_days)
            )
        if report.erased or any(f.erased for f in report.feeds):
            compact(poller.store)


class Drain:
    """Send what is due, or hand it to the delivery thread (told the cycle is over)."""

    name = "drain"

    def run(self, poller: Poller, report: CycleReport) -> None:
        if report.deliver:
            report.drain = poller.sender.drain(poller.drain_budget)
        else:
            poller.sender.admit()
            poller.wake.set()


class RefreshHomes:
    name = "homes"

    def run(self, poller: Poller, report: CycleReport) -> None:
        if poller.homes is None:
            return
        try:
            report.homes = poller.homes.refresh_due()
        except Exception:
            log.exception("home.refresh_failed")


class PruneOutbox:
    """Rows done with for OUTBOX_RETENTION go."""

    name = "pruning"

    def run(self, poller: Poller, report: CycleReport) -> None:
        with q.write(poller.store) as db:
            q.prune_outbox(db, poller.clock() - OUTBOX_RETENTION)
            q.prune_cards(db, poller.clock() - CARD_RETENTION)


STEPS: tuple[Step, ...] = (
    PollFeeds(),
    CheckHealth(),
    QueueDigests(),
    Erase(),
    Drain(),
    RefreshHomes(),
    PruneOutbox(),
)


class Poller:
    """One notification engine on one database. `feeds`: the backends' feeds to poll (None:
    none); `sender` is a DeliveryService (dsbot.slack.sender.Sender in production)."""

    def __init__(
        self,
        store: Store,
        feeds: Feeds | None,
        sender: Outbox,
        *,
        ops_channel: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        cache: RecentDossiers[Any] | None = None,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
        alert_after: int = ALERT_AFTER_FAILED_CYCLES,
        alert_cooldown: timedelta = ALERT_COOLDOWN,
        drain_budget: float | None = None,
        lease_seconds: float = 600.0,
        digests: DigestScheduler | None = None,
        homes: HomeRefresher | None = None,
        fault_backoff_cap: float = FAULT_BACKOFF_CAP,
        steps: tuple[Step, ...] = STEPS,
        retention_days: int | None = None,
    ) -> None:
        self.store = store
        self.feeds = feeds or Feeds()
        self.sender = sender
        self.ops_channel = ops_channel
        self.clock = clock
        # What the feed read this cycle, for the cards the drain prepares.
        self.cache = cache
        self.health = FeedHealth(
            store,
            ops_channel,
            clock,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            alert_after=alert_after,
            alert_cooldown=alert_cooldown,
        )
        self.alert_after = alert_after
        self.drain_budget = drain_budget
        self.lease = Lease(store, clock, lease_seconds)
        self.digests = digests
        self.homes = homes
        self.fault_backoff_cap = fault_backoff_cap
        self.steps = steps
        self.retention_days = retention_days
        self.status = PollerStatus()
        self.metrics: CycleObserver | None = None
        self.faults = FaultLog()
        self._fault: _Fault | None = None
        # Wakes the delivery thread of run_forever (a cycle ended, or run_forever stops).
        self.wake = threading.Event()
        self.stop_event: threading.Event | None = None
        self._closing = False

    # --- the cycle -------------------------------------------------------------------------

    def stopping(self) -> bool:
        """dsbot is stopping (run_forever's stop_event is set)."""
        return self.stop_event is not None and self.stop_event.is_set()

    def run_cycle(self, *, keep_lease: bool = False, deliver: bool = True) -> CycleReport:
        """Run the steps in order (with `deliver` False, the drain is left to the delivery
        thread, told the cycle is over)."""
        if self.metrics is None:
            return self._run_cycle(keep_lease=keep_lease, deliver=deliver)
        started = time.monotonic()
        outcome = "error"
        try:
            report = self._run_cycle(keep_lease=keep_lease, deliver=deliver)
            outcome = "busy" if report.busy else "ok" if report.ok else "feeds_failed"
            return report
        finally:
            self.metrics.cycle(outcome, time.monotonic() - started)

    def _run_cycle(self, *, keep_lease: bool, deliver: bool) -> CycleReport:
        report = CycleReport(started_at=self.clock(), deliver=deliver)
        if not self.lease.acquire():
            report.busy = True
            report.finished_at = self.clock()
            return report
        if not deliver and self.cache is not None:
            # The delivery thread prepares cards from what this cycle reads.
            self.cache.clear()
        try:
            for step in self.steps:
                step.run(self, report)
        finally:
            if deliver and self.cache is not None:
                self.cache.clear()
            if not keep_lease:
                # Must not hide the error in flight (the database failing makes this fail too).
                self.lease.release_quietly()
        report.finished_at = self.clock()
        # Logs are English; report.summary() is the operators' French line (dsbot poll --once).
        log.info(
            "cycle.done",
            feeds=len(report.feeds),
            pages=sum(f.pages for f in report.feeds),
            changes=sum(f.changes for f in report.feeds),
            queued=sum(f.enqueued for f in report.feeds),
            sent=report.drain.sent if report.drain is not None else 0,
            failed=sum(not f.ok for f in report.feeds),
            busy=report.busy,
        )
        return report

    def run_forever(self, interval: float, stop_event: threading.Event) -> None:
        """A cycle now, then one every `interval` seconds until `stop_event` is set. The outbox
        is sent by a delivery thread meanwhile: rows waiting for a retry (Slack 429, errors)
        go when due, and a long queue never holds up a poll. Nothing but a stop ends it: a
        failing cycle backs off and tries again (see the module's docstring)."""
        self.sender.stop_event = stop_event
        self.stop_event = stop_event
        for backend in self.feeds.backends:
            # A feed stops at the end of its page (committed with its cursor) when dsbot stops.
            if hasattr(backend.reader, "stopping"):
                backend.reader.stopping = stop_event.is_set
        self._closing = False
        self.status.started()
        self.status.delivery_started()
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
                        log.warning("cycle.lease_busy")
                    failures = 0
                    self.faults.succeeded(POLL_CYCLE)
                    self.status.succeeded()
                    self._on_recovery()
                stop_event.wait(max(next_cycle - time.monotonic(), 0.0))
        finally:
            self._closing = True
            self.wake.set()
            # The message in hand is finished (stop_event stops the drain after it); the lease
            # goes only once nothing is sending any more.
            delivery.join()
            self.lease.release_quietly()
            self.status.stopped()

    def _deliver_forever(self, stop_event: threading.Event) -> None:
        """The delivery thread: drain when a cycle ends or a row comes due. A failure (the
        database, a bug) backs off and tries again; only a stop ends it. /healthz and /livez
        say when it ended anyway (something no `except Exception` catches)."""
        try:
            self._deliver_loop(stop_event)
        finally:
            self.status.delivery_stopped()
            if not (stop_event.is_set() or self._closing):
                log.error("delivery.thread_ended")

    def _deliver_loop(self, stop_event: threading.Event) -> None:
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
            self.wake.wait(wait)
            self.wake.clear()
            if stop_event.is_set() or self._closing:
                continue
            try:
                if not self.lease.held():
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
                queue_alert(db, self.ops_channel, "notify.ops.poller_fault", params, self.clock())
            fault.alert_sent_live = True
            self.wake.set()
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
                log_alert("notify.ops.poller_fault", params)
                fault.alert_sent_live = True
                return
        if not fault.logged:
            # Kept until a cycle succeeds: the database refused it, and Slack too (or no
            # DSBOT_OPS_CHANNEL).
            log.error(
                "ops.alert_kept",
                slack=fault.error_posting
                or ("not_tried" if self.ops_channel else "no_ops_channel"),
                failing_since=q.to_iso(fault.since),
                error=fault.error,
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
                queue_alert(db, self.ops_channel, key, params, now)
            self.wake.set()
        except Exception as exc:
            log.error("ops.notice_not_queued", notice=key, error=error_line(exc))

    def _until_due(self) -> float:
        with self.store.connect() as db:
            due = q.next_due_at(db)
        if due is None:
            return 3600.0
        return max((due - self.clock()).total_seconds(), 0.0)

    # --- the lease (dsbot.notifications.lease) -----------------------------------------------

    def acquire_lease(self) -> bool:
        return self.lease.acquire()

    def release_lease(self) -> None:
        self.lease.release()


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
