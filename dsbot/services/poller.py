"""The notification cycle: poll every followed feed, then send the outbox.

`Poller.run_cycle()` is one cycle; `Poller.run_forever()` is `dsbot run`'s loop (a cycle at
once, then one every interval, sending retried rows as they come due in between);
`run_once(settings)` is `dsbot poll --once`; `python -m dsbot.services.poller --once` does the
same from a bare process (the crash test kills it at random).

DS faults stop the failing feed for this cycle, with its cursor kept, and back it off
exponentially. Sustained failure (or a token problem, at once) posts one alert to the ops
channel, again only after a cooldown, and a recovery message when DS answers again.
Only one poller works on a database at a time (a lease in poller_state), so two processes
never send the same row.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dsbot.config import ConfigError, Settings
from dsbot.ds.errors import (
    DSError,
    DSForbiddenNetwork,
    DSNotAuthenticated,
    DSRateLimited,
    DSTokenExpired,
)
from dsbot.redact import redact
from dsbot.services.feed import PAGE_SIZE, FeedProcessor, FeedResult, RecentDossiers
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import OutboxEntry

log = logging.getLogger(__name__)

ALERT_AFTER_FAILED_CYCLES = 3
ALERT_COOLDOWN = timedelta(hours=1)
BACKOFF_BASE = 30.0
BACKOFF_CAP = 1800.0
OUTBOX_RETENTION = timedelta(days=30)
BETWEEN_DRAINS = 1.0
LEASE = "lease"
HEALTH = "ds_health"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CycleReport:
    """What one cycle did. `busy`: another poller holds the database, nothing was done."""

    started_at: datetime
    finished_at: datetime | None = None
    busy: bool = False
    feeds: list[FeedResult] = field(default_factory=list)
    backing_off: list[str] = field(default_factory=list)
    drain: Any = None  # dsbot.slack.sender.DrainReport
    alerts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.busy and all(f.ok for f in self.feeds)

    def summary(self) -> str:
        """One line for logs and `dsbot poll --once`."""
        if self.busy:
            return "another dsbot poller is working on this database; nothing done"
        failed = [f"{f.key} ({type(f.error).__name__})" for f in self.feeds if not f.ok]
        drain = self.drain
        parts = [
            f"{len(self.feeds)} feed(s) polled",
            f"{sum(f.pages for f in self.feeds)} page(s)",
            f"{sum(f.changes for f in self.feeds)} change(s)",
            f"{sum(f.enqueued for f in self.feeds)} message(s) queued",
        ]
        if drain is not None:
            parts.append(f"{drain.sent} sent")
            if drain.rescheduled:
                parts.append(f"{drain.rescheduled} to retry")
            if drain.dead:
                parts.append(f"{drain.dead} given up")
        if self.backing_off:
            parts.append(f"backing off: {', '.join(self.backing_off)}")
        if failed:
            parts.append(f"failed: {', '.join(failed)}")
        return "; ".join(parts)


def _alert_kind(error: DSError) -> str:
    if isinstance(error, DSTokenExpired):
        return "ds_token_expired"
    if isinstance(error, DSForbiddenNetwork):
        return "ds_forbidden_network"
    if isinstance(error, DSNotAuthenticated):
        return "ds_not_authenticated"
    return "ds_down"


def _error_text(error: DSError | None) -> str:
    if error is None:
        return "?"
    return redact(f"{type(error).__name__}: {error.message}")[:300]


class Poller:
    """One notification engine on one database. `sender` is a dsbot.slack.sender.Sender."""

    def __init__(
        self,
        store: Store,
        ds: Any,
        sender: Any,
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
    ) -> None:
        self.store = store
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
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    # --- the cycle -------------------------------------------------------------------------

    def run_cycle(self, *, keep_lease: bool = False) -> CycleReport:
        """Poll every active feed that is not backing off, then send what is due."""
        report = CycleReport(started_at=self.clock())
        if not self.acquire_lease():
            report.busy = True
            report.finished_at = self.clock()
            return report
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
                result = self.processor.process(feed)
                report.feeds.append(result)
                self._record(feed.key, feed.failures, result)
            report.alerts = self._check_health(report.feeds)
            report.drain = self.sender.drain(self.drain_budget)
            with q.write(self.store) as db:
                q.prune_outbox(db, self.clock() - OUTBOX_RETENTION)
        finally:
            if self.cache is not None:
                self.cache.clear()
            if not keep_lease:
                self.release_lease()
        report.finished_at = self.clock()
        log.info("notification cycle: %s", report.summary())
        return report

    def run_forever(self, interval: float, stop_event: threading.Event) -> None:
        """A cycle now, then one every `interval` seconds until `stop_event` is set. Rows
        waiting for a retry (Slack 429, errors) are sent when due, between cycles."""
        self.sender.stop_event = stop_event
        try:
            while not stop_event.is_set():
                next_cycle = time.monotonic() + interval
                try:
                    report = self.run_cycle(keep_lease=True)
                    if report.busy:
                        log.warning("another poller holds the database; waiting")
                except Exception:
                    log.exception("notification cycle failed")
                while not stop_event.is_set():
                    left = next_cycle - time.monotonic()
                    if left <= 0:
                        break
                    # At most one drain every few seconds: a row may be due but held back
                    # behind another of its dossier, and must not make this loop spin.
                    stop_event.wait(min(left, max(self._until_due(), BETWEEN_DRAINS)))
                    if not stop_event.is_set() and self._until_due() <= 0 and self._holds_lease():
                        try:
                            self.sender.drain(self.drain_budget)
                        except Exception:
                            log.exception("outbox drain failed")
        finally:
            self.release_lease()

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
            delay = min(self.backoff_base * 2**failures_before, self.backoff_cap)
            if isinstance(error, DSRateLimited) and error.retry_after:
                delay = max(delay, error.retry_after)
            q.record_feed_failure(db, key, _error_text(error), now + timedelta(seconds=delay))
        log.warning("feed %s failed (%s); next try in %.0f s", key, _error_text(error), delay)

    def _check_health(self, results: list[FeedResult]) -> list[str]:
        """Count failed cycles; alert once past the threshold (auth problems at once), and
        say when DS is back. Returns the alert keys queued."""
        if not results:
            return []
        now = self.clock()
        failed = [r for r in results if not r.ok]
        queued: list[str] = []
        with q.write(self.store) as db:
            state = q.get_state(db, HEALTH) or {"failed_cycles": 0, "alert": None}
            if not failed:
                if state.get("alert"):
                    queued.append(self._alert(db, "notify.ops.ds_recovered", {}, now))
                q.set_state(db, HEALTH, {"failed_cycles": 0, "alert": None})
                return queued
            state["failed_cycles"] = int(state.get("failed_cycles") or 0) + 1
            errors = [r.error for r in failed if r.error is not None]
            kinds = [_alert_kind(e) for e in errors]
            # A token problem says what to do; it wins over a generic outage.
            kind = next((k for k in kinds if k != "ds_down"), "ds_down")
            error = errors[kinds.index(kind)] if errors else None
            threshold = self.alert_after if kind == "ds_down" else 1
            last = q.from_iso(state.get("alerted_at"))
            cooled = last is None or now - last >= self.alert_cooldown
            if state["failed_cycles"] >= threshold and (state.get("alert") != kind or cooled):
                params = {"count": state["failed_cycles"], "error": _error_text(error)}
                queued.append(self._alert(db, f"notify.ops.{kind}", params, now))
                state["alert"] = kind
                state["alerted_at"] = q.to_iso(now)
            q.set_state(db, HEALTH, state)
        return queued

    def _alert(self, db: Any, text_key: str, params: dict[str, Any], now: datetime) -> str:
        if not self.ops_channel:
            log.error("ops alert (no DSBOT_OPS_CHANNEL set): %s %s", text_key, params)
            return text_key
        q.enqueue(
            db,
            OutboxEntry(
                "",
                self.ops_channel,
                None,
                "alert",
                {"text_key": text_key, "params": params},
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
        return bool(lease) and lease.get("owner") == self.owner

    def release_lease(self) -> None:
        with q.write(self.store) as db:
            lease = q.get_state(db, LEASE)
            if lease and lease.get("owner") == self.owner:
                db.execute("DELETE FROM poller_state WHERE key = ?", [LEASE])


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


# --- wiring --------------------------------------------------------------------------------------


def build_poller(
    settings: Settings,
    *,
    store: Store | None = None,
    ds: Any = None,
    slack: Any = None,
    texts: Any = None,
    pacing: float = 1.0,
    page_size: int = PAGE_SIZE,
    **poller_options: Any,
) -> Poller:
    """A Poller and its Sender from Settings; any part may be passed in instead."""
    from dsbot.ds.client import DSClient
    from dsbot.slack.sender import Sender
    from dsbot.slack.web_client import make_web_client
    from dsbot.texts import get_texts

    if store is None:
        store = Store(settings.db_path)
        store.migrate()
    if ds is None:
        settings.require("DS_API_TOKEN")
        ds = DSClient(settings.ds_api_url, settings.ds_api_token or "")
    if slack is None and not settings.slack_bot_token and not _has_work(store):
        # Nothing subscribed, nothing queued: nothing to post, so no Slack token needed yet (a
        # first `poll --once` checks DS alone). Used all the same, it names the missing token.
        slack = _SlackTokenMissing(settings)
    if slack is None:
        settings.require("SLACK_BOT_TOKEN")
        # The sender reschedules on 429 itself: sleeping in the client would stall a cycle.
        slack = make_web_client(settings, retry_rate_limits=False)
    cache = RecentDossiers(ds.get_dossier)
    sender = Sender(
        store,
        slack,
        cache.get,
        texts or get_texts(settings.lang),
        ds_web_base=settings.ds_web_base,
        ops_channel=settings.ops_channel,
        pacing=pacing,
        clock=poller_options.get("clock", utc_now),
    )
    return Poller(
        store,
        ds,
        sender,
        ops_channel=settings.ops_channel,
        cache=cache,
        page_size=page_size,
        **poller_options,
    )


def _has_work(store: Store) -> bool:
    with store.connect() as db:
        return bool(q.active_feeds(db) or q.channels_with_open_rows(db))


class _SlackTokenMissing:
    """Stands for the Slack client when SLACK_BOT_TOKEN is not set."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def __getattr__(self, name: str) -> Any:
        self._settings.require("SLACK_BOT_TOKEN")
        raise AttributeError(name)


def run_once(settings: Settings, **options: Any) -> CycleReport:
    """`dsbot poll --once`: one cycle with everything built from Settings."""
    poller = build_poller(settings, **options)
    try:
        return poller.run_cycle()
    finally:
        close = getattr(poller.processor.ds, "close", None)
        if close is not None:
            close()


def start_background_poller(services: Any, stop_event: threading.Event) -> Callable[[], None]:
    """Start `run_forever` on its own thread for `dsbot run` (services: slack.app.AppServices).

    Returns a function that stops it and waits for the cycle in progress to end.
    """
    from dsbot.slack.web_client import make_web_client

    settings = services.settings
    poller = build_poller(
        settings,
        store=services.store,
        ds=services.ds,
        slack=make_web_client(settings, retry_rate_limits=False),
        texts=services.texts,
        lease_seconds=max(600.0, 3 * settings.poll_interval),
    )
    thread = threading.Thread(
        target=poller.run_forever,
        args=(settings.poll_interval, stop_event),
        name="dsbot-poller",
        daemon=True,
    )
    thread.start()

    def stop() -> None:
        stop_event.set()
        thread.join(timeout=60)

    return stop


def main(argv: list[str] | None = None) -> int:
    """`python -m dsbot.services.poller --once`: the cycle from a bare process."""
    parser = argparse.ArgumentParser(prog="python -m dsbot.services.poller")
    parser.add_argument("--once", action="store_true", help="one cycle, then exit")
    parser.add_argument("--pacing", type=float, default=1.0, help="seconds between posts")
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE, help="DS page size")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
        if args.once:
            report = run_once(settings, pacing=args.pacing, page_size=args.page_size)
            print(report.summary())
            return 0 if report.ok else 1
        poller = build_poller(settings, pacing=args.pacing, page_size=args.page_size)
        poller.run_forever(settings.poll_interval, threading.Event())
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
