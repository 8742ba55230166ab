"""The delivery engine: claim → send → record, exactly once, channels in parallel.

For every row:

1. what the message needs of a backend is read (`prepare`: a dossier's card from a fresh DS
   read, another backend's item through the port), then it is rendered (`Renderer`: the Slack
   side's table of pure functions keyed by outbox kind);
2. the row is marked `sending` and committed, then Slack is called with metadata naming the
   row (`DeliveryTag`);
3. the message ts is stored and the row marked `sent` in one commit.

A crash between 2 and 3, or an answer lost on the way back, leaves the row `sending`: its
outcome is unknown. `recover()` (at the start of every drain) looks for a message carrying the
row's tag in the channel's history (or the thread's replies) and either records it or sends
again.

Which row goes when is the scheduler's (`scheduler.Scheduler`, with Slack's pacing); what a
failure does is the policy's (`policy.Policy`). Slack itself is reached through the `Transport`
and `Renderer` ports (`port`): this package imports nothing of Slack.

A drain hands each channel to a bounded pool of workers one step at a time. A step sends what
its channel can send now and gives the worker back as soon as the channel must wait for its
next posting slot, so a long queue in one channel never holds a worker that another channel
could use, and a card update (Tier 3) never waits for a posting slot.

A kind other than the card (`parent`) and its thread events (`thread`) needs nothing
prepared: its payload is rendered and posted as it is. A new kind is a payload class
(`dsbot.notifications.model.register_payload`), a renderer and its texts.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dsbot.backends.errors import BackendError
from dsbot.logs import get_logger
from dsbot.notifications.delivery.policy import (
    GONE_MESSAGE_ERRORS,
    TOMBSTONE_SKIP_ERRORS,
    Gone,
    Policy,
)
from dsbot.notifications.delivery.port import (
    DeliveryTag,
    DrainReport,
    NoAnswer,
    Renderer,
    SlackRefused,
    Transport,
)
from dsbot.notifications.delivery.prepare import GoneCard, Preparer
from dsbot.notifications.delivery.scheduler import (
    BURST_THRESHOLD,
    POST_INTERVAL,
    TIER3_BURST,
    TIER3_PER_MINUTE,
    Pacer,
    Scheduler,
)
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import (
    AlertPayload,
    ErasePayload,
    OutboxEntry,
    OutboxKind,
    OutboxRow,
    OutboxStatus,
    ParentPayload,
    ThreadPayload,
)
from dsbot.store.privacy import erase_late_message, erased_while_sending, remember_post

log = get_logger("dsbot.notifications.delivery")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Step:
    """What one step of a channel did, and what the channel waits for now."""

    report: DrainReport = field(default_factory=DrainReport)
    ready_at: float | None = None  # monotonic time of its next slot; None: nothing to do now


class DeliveryService:
    """Sends the outbox: `prepare` reads, `renderer` renders, `transport` calls Slack. Knobs:
    `post_interval` (seconds between two posts in one channel, timed from the end of the
    previous one), `tier3_per_minute` (the workspace's budget for chat.update and history
    reads), `workers` (channels served at once)."""

    def __init__(
        self,
        store: Store,
        transport: Transport,
        renderer: Renderer,
        prepare: Preparer,
        *,
        ops_channel: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        post_interval: float = POST_INTERVAL,
        tier3_per_minute: float = TIER3_PER_MINUTE,
        tier3_burst: int = TIER3_BURST,
        burst_threshold: int = BURST_THRESHOLD,
        max_attempts: int = 8,
        retry_base: float = 5.0,
        retry_cap: float = 900.0,
        workers: int = 4,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.store = store
        self.transport = transport
        self.renderer = renderer
        self.prepare = prepare
        self.ops_channel = ops_channel
        self.clock = clock
        self.pacer = Pacer(
            post_interval=post_interval,
            tier3_per_minute=tier3_per_minute,
            tier3_burst=tier3_burst,
            monotonic=monotonic,
        )
        self.scheduler = Scheduler(store, self.pacer, clock, burst_threshold)
        self.policy = Policy(
            store,
            clock,
            self._block,
            ops_channel=ops_channel,
            max_attempts=max_attempts,
            retry_base=retry_base,
            retry_cap=retry_cap,
        )
        self.monotonic = monotonic
        self.workers = max(1, workers)
        # Set by the poller: a long queue must not hold up a shutdown.
        self.stop_event: threading.Event | None = None
        self._sleep = sleep
        self._lock = threading.Lock()
        self._blocked: set[str] = set()
        self._instance: str | None = None
        self._admit = threading.Event()

    # --- public ----------------------------------------------------------------------------

    def admit(self) -> None:
        """A poll cycle ended: fold its bursts of new dossiers into summaries and let the
        remaining new cards go, also in a drain already running."""
        self._admit.set()

    def drain(self, budget: float | None = None, *, admit: bool = True) -> DrainReport:
        """Send what is due, channels in parallel, for at most `budget` seconds (None: until
        nothing is due). Rows that must wait (429, retries) stay for a later drain.

        `admit` False (a drain in the background, while a poll cycle may be queueing a burst):
        new dossiers' cards queued since the last `admit()` wait for the next one."""
        report = DrainReport()
        deadline = self.monotonic() + budget if budget is not None else float("inf")
        with self._lock:
            self._blocked.clear()
        self.recover(report)
        if admit:
            self._admit.set()
        idle: set[str] = set()
        ready_at: dict[str, float] = {}
        running: dict[Future[_Step], str] = {}
        with ThreadPoolExecutor(self.workers, thread_name_prefix="dsbot-delivery") as pool:
            while not self._stopping() and self.monotonic() < deadline:
                if self._admit.is_set():
                    self._admit.clear()
                    report.collapsed += self.scheduler.coalesce()
                    idle.clear()  # the cycle may have queued something for them
                now = self.monotonic()
                with self.store.connect() as db:
                    channels = q.channels_with_open_rows(db)
                busy = set(running.values())
                waiting = [c for c in channels if c not in idle and not self._is_blocked(c)]
                for channel in waiting:
                    if len(running) >= self.workers:
                        break
                    if channel not in busy and ready_at.get(channel, now) <= now:
                        running[pool.submit(self._step, channel)] = channel
                        busy.add(channel)
                later = [ready_at[c] for c in waiting if c not in busy and c in ready_at]
                if not running:
                    if not later:
                        break
                    self._pause(min(min(later), deadline) - self.monotonic())
                    continue
                # Every worker busy: only a finished step can start anything.
                wake = [deadline] if len(running) >= self.workers else [*later, deadline]
                timeout = min(wake) - self.monotonic()
                done, _ = wait(
                    running,
                    timeout=max(timeout, 0.0) if timeout != float("inf") else None,
                    return_when=FIRST_COMPLETED,
                )
                for future in done:
                    self._settle(running.pop(future), future, report, idle, ready_at)
        return report

    @staticmethod
    def _settle(
        channel: str,
        future: Future[_Step],
        report: DrainReport,
        idle: set[str],
        ready_at: dict[str, float],
    ) -> None:
        """Take a finished step of `channel` into the drain: its report, and when the channel
        is next due (never again in this drain when nothing is left for it)."""
        try:
            step = future.result()
        except Exception:
            log.exception("outbox.channel_failed", channel=channel)
            idle.add(channel)
            return
        report.add(step.report)
        if step.report.paused_channels:
            idle.clear()  # a notice was queued, maybe to a channel already done
        if step.ready_at is None:
            idle.add(channel)
            ready_at.pop(channel, None)
        else:
            ready_at[channel] = step.ready_at

    def recover(self, report: DrainReport | None = None) -> int:
        """Settle rows left `sending` (a crash, a lost answer): found in Slack → sent with
        that ts; not found → back to pending, to be sent again. Returns the rows settled."""
        with self.store.connect() as db:
            rows = q.sending_rows(db)
        settled = 0
        for row in rows:
            try:
                found = self._find_sent(row)
            except SlackRefused as exc:
                if not exc.transient:
                    # The history cannot be read at all (missing channels:history scope, the
                    # channel is gone...): sending again risks a duplicate, waiting forever
                    # loses the message. Send; a gone channel then pauses as usual.
                    log.warning(
                        "outbox.history_unreadable",
                        row=row.id,
                        channel=row.channel_id,
                        error=exc.error,
                        then="send_again",
                    )
                    found = None
                else:
                    log.warning("outbox.check_later", row=row.id, error=exc.error)
                    self._block(row.channel_id)
                    continue
            except NoAnswer as exc:
                log.warning("outbox.check_later", row=row.id, error=str(exc))
                self._block(row.channel_id)
                continue
            with q.write(self.store) as db:
                if found is not None:
                    self._record_success(db, row, found)
                    if report is not None:
                        report.recovered += 1
                elif erased_while_sending(db, row.id) is not None:
                    # Never reached Slack, and its item was erased meanwhile: not sent again.
                    db.execute("DELETE FROM outbox WHERE id = ?", [row.id])
                else:
                    q.release(db, row.id)
            settled += 1
        return settled

    def instance_id(self) -> str:
        """A random id of this database, in every message's metadata."""
        if self._instance is None:
            with q.write(self.store) as db:
                state = q.get_state(db, "instance")
                if state is None:
                    state = {"id": uuid.uuid4().hex}
                    q.set_state(db, "instance", state)
            self._instance = str(state["id"])
        return self._instance

    def post_alert_now(self, channel: str, payload: AlertPayload) -> None:
        """Post an ops alert at once, outside the outbox: for when the database itself refuses
        to queue it (the poller calls this once per fault). Raises SlackRefused/NoAnswer."""
        now = self.clock()
        row = OutboxRow(
            id=0,
            team_id="",
            channel_id=channel,
            item=None,
            kind=OutboxKind.ALERT,
            payload=payload,
            dedupe_key="",
            status=OutboxStatus.SENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        # Tagged with no database: the history check of a later drain never takes it for a row.
        self.transport.post(channel, self.renderer.render(row, None), tag=DeliveryTag(0, "direct"))

    # --- scheduling ------------------------------------------------------------------------

    def _stopping(self) -> bool:
        """dsbot is shutting down: finish the message in hand, start no other."""
        return self.stop_event is not None and self.stop_event.is_set()

    def _pause(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self._sleep is not None:
            self._sleep(seconds)
        elif self.stop_event is not None:
            self.stop_event.wait(seconds)
        else:
            time.sleep(seconds)

    def _is_blocked(self, channel: str) -> bool:
        with self._lock:
            return channel in self._blocked

    def _block(self, channel: str) -> None:
        """Leave this channel alone for the rest of the drain (a 429, an unsettled row): its
        rows keep their order and their own next_attempt_at."""
        with self._lock:
            self._blocked.add(channel)

    def _step(self, channel: str) -> _Step:
        """Send what `channel` can send now; stop at the first row that must wait for a
        posting slot or a Tier 3 token, and say until when."""
        step = _Step()
        while not self._stopping() and not self._is_blocked(channel):
            # One message, one database connection: pick, reserve, claim, send, record.
            with self.store.unit():
                row = self.scheduler.next_row(channel)
                if row is None:
                    return step
                ready = self.scheduler.reserve(row)
                if ready is not None:
                    step.ready_at = ready
                    return step
                self._send(row, step.report)
        return step

    # --- sending ---------------------------------------------------------------------------

    def _send(self, row: OutboxRow, report: DrainReport) -> None:
        try:
            if row.kind is OutboxKind.PARENT:
                self._send_parent(row, report)
            elif row.kind is OutboxKind.THREAD:
                self._send_thread(row, report)
            elif row.kind is OutboxKind.ERASE:
                self._send_erase(row, report)
            elif row.kind is OutboxKind.PERSONAL:
                # A person's direct message: the row is addressed to the user, the message
                # goes to the conversation Slack opens with them.
                self._deliver(row, self.renderer.render(row, None), None, report, dm=True)
            else:
                # Summaries, alerts, digests and any kind added later: the payload says all.
                self._deliver(row, self.renderer.render(row, None), None, report)
        except BackendError as exc:
            # The card could not be read: DS (or Dynacase) is down or slow. Wait for it,
            # however long it takes (the rows behind it in this dossier's thread wait too).
            self.policy.retry(row, f"DS: {type(exc).__name__}", report, claimed=False, final=False)

    def _send_parent(self, row: OutboxRow, report: DrainReport) -> None:
        item = row.item
        assert item is not None
        payload = row.payload
        assert isinstance(payload, ParentPayload)
        with self.store.connect() as db:
            ts = q.parent_ts(db, row.team_id, row.channel_id, item)
        if ts is None and not payload.create:
            self.policy.finish(row, OutboxStatus.SKIPPED, "no card in this channel", report)
            return
        prepared: object
        try:
            prepared = self.prepare.card(item, payload)
        except self.prepare.gone_errors(payload):
            if ts is None:
                what = "item" if payload.item is not None else "dossier"
                self.policy.finish(row, OutboxStatus.SKIPPED, f"{what} no longer visible", report)
                return
            prepared = GoneCard(payload.item or item)
        self._deliver(row, self.renderer.render(row, prepared), None, report, update_ts=ts)

    def _send_thread(self, row: OutboxRow, report: DrainReport) -> None:
        item = row.item
        assert item is not None
        payload = row.payload
        assert isinstance(payload, ThreadPayload)
        with self.store.connect() as db:
            ts = q.parent_ts(db, row.team_id, row.channel_id, item)
        if ts is None:
            if not payload.create_parent:
                self.policy.finish(row, OutboxStatus.SKIPPED, "no card in this channel", report)
                return
            # The card is not there (never posted, or deleted in Slack): queue it first.
            with q.write(self.store) as db:
                queued = q.enqueue(
                    db,
                    OutboxEntry(
                        row.team_id,
                        row.channel_id,
                        item,
                        ParentPayload(
                            create=True,
                            new=False,
                            demarche=payload.demarche,
                            item=payload.item,
                        ),
                        f"{row.dedupe_key}:parent",
                    ),
                    self.clock(),
                )
                if not queued:
                    # This event's card was already tried and could not be posted (dossier
                    # gone from DS, given up): the event has no thread to go to.
                    q.mark_final(db, row.id, OutboxStatus.SKIPPED, "its card could not be posted")
                    report.skipped += 1
            return
        message = self.renderer.render(row, self.prepare.mentions(row.team_id))
        try:
            self._deliver(row, message, ts, report, broadcast=payload.broadcast)
        except Gone:
            with q.write(self.store) as db:
                q.forget_parent(db, row.team_id, row.channel_id, item)
                q.release(db, row.id)

    def _send_erase(self, row: OutboxRow, report: DrainReport) -> None:
        """Replace one of the bot's messages by its tombstone. An update is idempotent: a
        row sent twice (a crash, a lost answer) only writes the same tombstone again."""
        payload = row.payload
        assert isinstance(payload, ErasePayload)
        with q.write(self.store) as db:
            if not q.claim(db, row.id, self.clock(), None):
                return
        tag = DeliveryTag(row.id, self.instance_id())
        try:
            self.transport.update(
                row.channel_id, payload.ts, self.renderer.render(row, None), tag=tag
            )
        except SlackRefused as exc:
            if exc.error in GONE_MESSAGE_ERRORS or exc.error in TOMBSTONE_SKIP_ERRORS:
                # Already gone from Slack (deleted by someone), or not the bot's to change.
                self.policy.finish(row, OutboxStatus.SKIPPED, exc.error, report)
                return
            self.policy.slack_failed(row, exc, report, thread=False)
            return
        except NoAnswer as exc:
            log.warning("outbox.no_answer", row=row.id, error=type(exc).__name__)
            self._block(row.channel_id)
            return
        with q.write(self.store) as db:
            q.mark_sent(db, row.id, payload.ts)
        report.sent += 1

    def _deliver(
        self,
        row: OutboxRow,
        message: Any,
        thread_ts: str | None,
        report: DrainReport,
        *,
        update_ts: str | None = None,
        broadcast: bool = False,
        dm: bool = False,
    ) -> None:
        """Claim, call Slack, record: the exactly-once core. `dm`: the row's channel is a
        user, whose direct-message conversation is opened first."""
        with q.write(self.store) as db:
            if not q.claim(db, row.id, self.clock(), thread_ts):
                return  # taken by someone else meanwhile
        tag = DeliveryTag(row.id, self.instance_id())
        channel = row.channel_id
        try:
            ts = None
            if dm:
                channel = self.transport.open_dm(channel)
            if update_ts is not None:
                # A Tier 3 call: its token was taken by _reserve, no posting slot needed.
                try:
                    self.transport.update(channel, update_ts, message, tag=tag)
                    ts = update_ts
                except SlackRefused as exc:
                    if exc.error not in GONE_MESSAGE_ERRORS:
                        raise
                    log.info("outbox.card_deleted", item=row.item, channel=channel)
            if ts is None:
                # Rare (a card deleted in Slack): wait for the slot here, on this channel's step.
                self.pacer.wait_post(channel, self._pause, self._stopping)
                try:
                    ts = self.transport.post(
                        channel, message, tag=tag, thread_ts=thread_ts, broadcast=broadcast
                    )
                finally:
                    self.pacer.posted(channel)
        except SlackRefused as exc:
            self.policy.slack_failed(row, exc, report, thread=thread_ts is not None)
            return
        except NoAnswer as exc:
            # The message may or may not be in Slack: leave the row `sending` for recover().
            log.warning("outbox.no_answer", row=row.id, error=str(exc))
            self._block(channel)
            return
        with q.write(self.store) as db:
            self._record_success(db, row, ts)
        report.sent += 1

    def _record_success(self, db: Any, row: OutboxRow, ts: str) -> None:
        if row.kind in (OutboxKind.PARENT, OutboxKind.THREAD) and row.item is not None:
            reason = erased_while_sending(db, row.id)
            if reason is not None:
                # The item was erased while this message was on its way (docs/privacy.md).
                erase_late_message(
                    db, row.id, row.team_id, row.channel_id, row.item, ts, reason, self.clock()
                )
                return
        if row.kind is OutboxKind.PARENT and row.item is not None:
            q.set_parent_ts(db, row.team_id, row.channel_id, row.item, ts, self.clock())
        elif row.kind is OutboxKind.THREAD and row.item is not None:
            # Kept beyond the outbox's pruning: the reply is replaced if the item is erased.
            remember_post(db, row.team_id, row.channel_id, ts, row.item, "thread", self.clock())
        q.mark_sent(db, row.id, ts)

    # --- crash recovery --------------------------------------------------------------------

    def _find_sent(self, row: OutboxRow) -> str | None:
        """The ts of the message this row sent, if Slack has it."""
        if row.kind is OutboxKind.ERASE:
            return None  # a tombstone is written again rather than looked for (idempotent)
        channel = row.channel_id
        if channel[:1] in ("U", "W"):
            if row.kind is not OutboxKind.PERSONAL:
                return None  # an admin's DM addressed by user id: sent again if lost
            # A personal notification: looked for in the conversation it was posted to.
            channel = self.transport.open_dm(channel)
        tag = DeliveryTag(row.id, self.instance_id())
        thread_ts = row.thread_ts if row.kind is OutboxKind.THREAD else None
        return self.transport.find(channel, tag, thread_ts=thread_ts, before_page=self.tier3_call)

    def tier3_call(self) -> None:
        """Wait for a call of the workspace's history budget (Tier 3; history reads call
        this)."""
        self.pacer.history.take(self._pause, self._stopping)
