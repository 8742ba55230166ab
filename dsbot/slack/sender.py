"""The outbox sender: posts and updates the notification messages in Slack, exactly once.

Runs on the poller's thread (and a few workers of its own, one channel each), never on a
Slack listener's. For every row it:

1. renders the message (a dossier card is rendered from a fresh DS read);
2. marks the row `sending` and commits, then calls Slack with metadata naming the row;
3. stores the message ts and marks the row `sent` in one commit.

A crash between 2 and 3, or an answer lost on the way back, leaves the row `sending`: its
outcome is unknown. `recover()` (at the start of every drain) looks for a message carrying the
row's id in the channel's history (or the thread's replies) and either records it or sends
again. That needs the history scopes (channels:history, groups:history).

One parent message per dossier and channel is kept for good (table channel_messages) and
updated in place; events go in its thread. Permanent Slack errors pause the channel's
subscriptions and tell an admin once; a 429 reschedules the row after Retry-After; posts are
paced per channel (about one a second, Slack's rule for chat.postMessage).
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import SectionBlock

from dsbot.ds.errors import DSError, DSNotFound, DSPermissionDenied
from dsbot.ds.models import Dossier
from dsbot.redact import redact
from dsbot.services.classify import ChangeKind
from dsbot.services.digest import Digest
from dsbot.services.outbox import BURST_THRESHOLD, coalesce_bursts, summary_from_payload
from dsbot.slack.blocks import events
from dsbot.slack.blocks.card import Viewer, build_dossier_card
from dsbot.slack.blocks.common import SlackMessage, dossier_url, make_message, mrkdwn
from dsbot.slack.digest import render_digest
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import OutboxEntry, OutboxRow
from dsbot.texts import Texts

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "dsbot_outbox"
# Slack errors that will not go away by retrying (docs/slack.md, "Permanent errors"): stop and
# tell someone.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "invalid_auth",
        "token_revoked",
        "account_inactive",
        "no_permission",
    }
)
GONE_MESSAGE_ERRORS = frozenset({"message_not_found", "thread_not_found"})
# Channel cards are seen by everyone: the buttons are shown and each click is authorized then.
CHANNEL_VIEWER = Viewer(instructeur_id=None, can_act=True)
HISTORY_PAGE = 200
NETWORK_ERRORS = (URLError, OSError, TimeoutError, http.client.HTTPException)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class DrainReport:
    sent: int = 0
    rescheduled: int = 0
    dead: int = 0
    skipped: int = 0
    collapsed: int = 0
    recovered: int = 0
    paused_channels: int = 0

    def add(self, other: DrainReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class _Gone(Exception):
    """The parent message a row relies on was deleted in Slack."""


class Sender:
    """Sends the outbox. `fetch_dossier(number)` reads a dossier (DSClient.get_dossier, or the
    feed's RecentDossiers.get)."""

    def __init__(
        self,
        store: Store,
        client: WebClient,
        fetch_dossier: Callable[[int], Dossier],
        texts: Texts,
        *,
        ds_web_base: str,
        ops_channel: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        pacing: float = 1.0,
        burst_threshold: int = BURST_THRESHOLD,
        max_attempts: int = 8,
        retry_base: float = 5.0,
        retry_cap: float = 900.0,
        workers: int = 4,
        history_pages: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.client = client
        self.fetch_dossier = fetch_dossier
        self.texts = texts
        self.ds_web_base = ds_web_base
        self.ops_channel = ops_channel
        self.clock = clock
        self.pacing = pacing
        self.burst_threshold = burst_threshold
        # Set by the poller's run_forever: a long queue must not hold up a shutdown.
        self.stop_event: threading.Event | None = None
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.workers = workers
        self.history_pages = history_pages
        self.sleep = sleep
        self._lock = threading.Lock()
        self._last_post: dict[str, float] = {}
        self._blocked: set[str] = set()
        self._instance: str | None = None

    # --- public ----------------------------------------------------------------------------

    def drain(self, budget: float | None = None) -> DrainReport:
        """Send what is due, channels in parallel, for at most `budget` seconds (None: until
        nothing is due). Rows that must wait (429, retries) stay for a later drain."""
        report = DrainReport()
        deadline = time.monotonic() + budget if budget is not None else float("inf")
        with self._lock:
            self._blocked.clear()
        self.recover(report)
        with q.write(self.store) as db:
            report.collapsed += coalesce_bursts(db, self.clock(), self.burst_threshold)
        while time.monotonic() < deadline:
            with self.store.connect() as db:
                channels = [c for c in q.channels_with_open_rows(db) if not self._is_blocked(c)]
            if not channels:
                break
            with ThreadPoolExecutor(max(1, min(self.workers, len(channels)))) as pool:
                results = list(pool.map(lambda c: self._drain_channel(c, deadline), channels))
            progress = False
            for handled, channel_report in results:
                progress = progress or handled > 0
                report.add(channel_report)
            if not progress:
                break
        return report

    def recover(self, report: DrainReport | None = None) -> int:
        """Settle rows left `sending` (a crash, a lost answer): found in Slack → sent with
        that ts; not found → back to pending, to be sent again. Returns the rows settled."""
        with self.store.connect() as db:
            rows = q.sending_rows(db)
        settled = 0
        for row in rows:
            try:
                found = self._find_sent(row)
            except SlackApiError as exc:
                if not _transient(exc):
                    # The history cannot be read at all (missing channels:history scope, the
                    # channel is gone...): sending again risks a duplicate, waiting forever
                    # loses the message. Send; a gone channel then pauses as usual.
                    log.warning(
                        "outbox %s: cannot read the history of %s (%s): sending again",
                        row.id,
                        row.channel_id,
                        _why(exc),
                    )
                    found = None
                else:
                    log.warning("outbox %s: cannot check Slack yet: %s", row.id, _why(exc))
                    self._block(row.channel_id)
                    continue
            except NETWORK_ERRORS as exc:
                log.warning("outbox %s: cannot check Slack yet: %s", row.id, _why(exc))
                self._block(row.channel_id)
                continue
            with q.write(self.store) as db:
                if found is not None:
                    self._record_success(db, row, found)
                    if report is not None:
                        report.recovered += 1
                else:
                    q.release(db, row.id)
            settled += 1
        return settled

    # --- scheduling ------------------------------------------------------------------------

    def _is_blocked(self, channel: str) -> bool:
        with self._lock:
            return channel in self._blocked

    def _block(self, channel: str) -> None:
        """Leave this channel alone for the rest of the drain (a 429, an unsettled row): its
        rows keep their order and their own next_attempt_at."""
        with self._lock:
            self._blocked.add(channel)

    def _drain_channel(self, channel: str, deadline: float) -> tuple[int, DrainReport]:
        report = DrainReport()
        handled = 0
        while (
            time.monotonic() < deadline and not self._is_blocked(channel) and not self._stopping()
        ):
            row = self._next_row(channel)
            if row is None:
                break
            self._send(row, report)
            handled += 1
        return handled, report

    def _next_row(self, channel: str) -> OutboxRow | None:
        """The next row to send in this channel: rows of one dossier go in order, and a
        thread event waits for its dossier's parent message."""
        now = self.clock()
        with self.store.connect() as db:
            waiting: set[object] = set()
            for row in q.open_rows(db, channel):
                key: object = row.dossier_number if row.dossier_number is not None else row.id
                if key in waiting:
                    continue
                if row.status != "pending" or row.next_attempt_at > now:
                    waiting.add(key)
                    continue
                if row.kind == "thread" and row.dossier_number is not None:
                    has_parent = q.parent_ts(db, row.team_id, channel, row.dossier_number)
                    parent = (
                        None if has_parent else q.pending_parent(db, channel, row.dossier_number)
                    )
                    if parent is not None:
                        if parent.status == "pending" and parent.next_attempt_at <= now:
                            return parent
                        waiting.add(key)
                        continue
                return row
        return None

    # --- sending ---------------------------------------------------------------------------

    def _send(self, row: OutboxRow, report: DrainReport) -> None:
        try:
            if row.kind == "parent":
                self._send_parent(row, report)
            elif row.kind == "thread":
                self._send_thread(row, report)
            elif row.kind == "summary":
                self._deliver(row, self._render_summary(row), None, report)
            elif row.kind == "digest":
                self._deliver(row, self._render_digest(row), None, report)
            else:
                self._deliver(row, self._render_alert(row), None, report)
        except DSError as exc:
            # The card could not be rendered: DS is down or slow. Wait for it, however long it
            # takes (the rows behind it in this dossier's thread wait too, in order).
            self._retry(row, f"DS: {type(exc).__name__}", report, claimed=False, final=False)

    def _send_parent(self, row: OutboxRow, report: DrainReport) -> None:
        number = row.dossier_number
        assert number is not None
        with self.store.connect() as db:
            ts = q.parent_ts(db, row.team_id, row.channel_id, number)
        if ts is None and not row.payload.get("create"):
            self._finish(row, "skipped", "no card in this channel", report)
            return
        try:
            message = self._render_card(number)
        except (DSNotFound, DSPermissionDenied):
            if ts is None:
                self._finish(row, "skipped", "dossier no longer visible", report)
                return
            message = self._render_gone_card(number)
        self._deliver(row, message, None, report, update_ts=ts)

    def _send_thread(self, row: OutboxRow, report: DrainReport) -> None:
        number = row.dossier_number
        assert number is not None
        with self.store.connect() as db:
            ts = q.parent_ts(db, row.team_id, row.channel_id, number)
        if ts is None:
            if not row.payload.get("create_parent"):
                self._finish(row, "skipped", "no card in this channel", report)
                return
            # The card is not there (never posted, or deleted in Slack): queue it first.
            with q.write(self.store) as db:
                queued = q.enqueue(
                    db,
                    OutboxEntry(
                        row.team_id,
                        row.channel_id,
                        number,
                        "parent",
                        {"create": True, "new": False, "demarche": row.payload.get("demarche")},
                        f"{row.dedupe_key}:parent",
                    ),
                    self.clock(),
                )
                if not queued:
                    # This event's card was already tried and could not be posted (dossier
                    # gone from DS, given up): the event has no thread to go to.
                    q.mark_final(db, row.id, "skipped", "its card could not be posted")
                    report.skipped += 1
            return
        message = self._render_event(row)
        try:
            self._deliver(
                row,
                message,
                ts,
                report,
                broadcast=bool(row.payload.get("broadcast")),
            )
        except _Gone:
            with q.write(self.store) as db:
                q.forget_parent(db, row.team_id, row.channel_id, number)
                q.release(db, row.id)

    def _deliver(
        self,
        row: OutboxRow,
        message: SlackMessage,
        thread_ts: str | None,
        report: DrainReport,
        *,
        update_ts: str | None = None,
        broadcast: bool = False,
    ) -> None:
        """Claim, call Slack, record: the exactly-once core."""
        with q.write(self.store) as db:
            if not q.claim(db, row.id, self.clock(), thread_ts):
                return  # taken by someone else meanwhile
        metadata = {
            "event_type": METADATA_EVENT_TYPE,
            "event_payload": {"outbox_id": row.id, "db": self._instance_id()},
        }
        try:
            ts = None
            if update_ts is not None:
                try:
                    self._wait_turn(row.channel_id)
                    self.client.chat_update(
                        channel=row.channel_id,
                        ts=update_ts,
                        metadata=metadata,
                        **message.as_kwargs(),
                    )
                    ts = update_ts
                except SlackApiError as exc:
                    if _error(exc) not in GONE_MESSAGE_ERRORS:
                        raise
                    log.info(
                        "card of %s in %s was deleted: posting a new one",
                        row.dossier_number,
                        row.channel_id,
                    )
            if ts is None:
                self._wait_turn(row.channel_id)
                kwargs: dict[str, Any] = {}
                if thread_ts is not None:
                    kwargs = {"thread_ts": thread_ts, "reply_broadcast": broadcast}
                response = self.client.chat_postMessage(
                    channel=row.channel_id,
                    metadata=metadata,
                    unfurl_links=False,
                    unfurl_media=False,
                    **kwargs,
                    **message.as_kwargs(),
                )
                ts = response["ts"]
        except SlackApiError as exc:
            self._slack_failed(row, exc, report, thread=thread_ts is not None)
            return
        except NETWORK_ERRORS as exc:
            # The message may or may not be in Slack: leave the row `sending` for recover().
            log.warning("outbox %s: no answer from Slack (%s); will check", row.id, _why(exc))
            self._block(row.channel_id)
            return
        with q.write(self.store) as db:
            self._record_success(db, row, ts)
        report.sent += 1

    def _record_success(self, db: Any, row: OutboxRow, ts: str) -> None:
        if row.kind == "parent" and row.dossier_number is not None:
            q.set_parent_ts(db, row.team_id, row.channel_id, row.dossier_number, ts, self.clock())
        q.mark_sent(db, row.id, ts)

    def _slack_failed(
        self, row: OutboxRow, exc: SlackApiError, report: DrainReport, *, thread: bool
    ) -> None:
        error = _error(exc)
        status = getattr(exc.response, "status_code", 200)
        if status == 429 or error == "ratelimited":
            retry_after = _retry_after(exc)
            with q.write(self.store) as db:
                q.reschedule(
                    db, row.id, self.clock() + timedelta(seconds=retry_after), "ratelimited"
                )
            self._block(row.channel_id)
            report.rescheduled += 1
            log.info("Slack rate limit in %s: retry in %.0f s", row.channel_id, retry_after)
            return
        if thread and error in GONE_MESSAGE_ERRORS:
            raise _Gone(error)
        if error in PERMANENT_ERRORS:
            self._permanent(row, error, report)
            return
        if status >= 500:
            # Slack may have done it anyway: settle it through the history, later.
            log.warning("outbox %s: Slack answered %s; will check", row.id, status)
            self._block(row.channel_id)
            return
        self._retry(row, error, report, claimed=True)

    def _retry(
        self, row: OutboxRow, error: str, report: DrainReport, *, claimed: bool, final: bool = True
    ) -> None:
        """Try again later with an exponential delay; after max_attempts give up (`dead`),
        unless `final` is False."""
        attempts = row.attempts + 1  # this try included (claim() counted it already)
        with q.write(self.store) as db:
            if final and attempts >= self.max_attempts:
                q.mark_final(db, row.id, "dead", error)
                report.dead += 1
                log.error("outbox %s given up after %s attempts: %s", row.id, attempts, error)
                return
            if not claimed:
                db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", [row.id])
            delay = min(self.retry_base * 2 ** max(attempts - 1, 0), self.retry_cap)
            q.reschedule(db, row.id, self.clock() + timedelta(seconds=delay), error)
        report.rescheduled += 1

    def _finish(self, row: OutboxRow, status: str, reason: str, report: DrainReport) -> None:
        with q.write(self.store) as db:
            q.mark_final(db, row.id, status, reason)
        if status == "skipped":
            report.skipped += 1

    def _permanent(self, row: OutboxRow, error: str, report: DrainReport) -> None:
        """Slack will never accept this channel as it is: pause its subscriptions, drop what
        was waiting for it, and tell an admin once (the paused subscriptions queue nothing
        more, so there is no second notice)."""
        now = self.clock()
        with q.write(self.store) as db:
            if row.kind == "alert":
                q.mark_final(db, row.id, "dead", error)
                report.dead += 1
                log.error("alert to %s cannot be delivered: %s", row.channel_id, error)
                return
            subs = [s for s in q.channel_subscriptions(db, row.team_id, row.channel_id) if s.active]
            for sub in subs:
                q.set_paused(db, sub.id, error, now)
            report.dead += q.close_channel_rows(db, row.channel_id, "dead", error)
            report.paused_channels += 1
            targets = (
                [self.ops_channel] if self.ops_channel else sorted({s.created_by for s in subs})
            )
            demarches = ", ".join(str(s.demarche_number) for s in subs)
            for target in targets:
                q.enqueue(
                    db,
                    OutboxEntry(
                        row.team_id,
                        target,
                        None,
                        "alert",
                        {
                            "text_key": "notify.paused",
                            "params": {
                                "channel": f"<#{row.channel_id}>",
                                "error": error,
                                "demarches": demarches or "?",
                            },
                        },
                        f"paused:{row.team_id}:{row.channel_id}:{target}:{q.to_iso(now)}",
                    ),
                    now,
                )
        self._block(row.channel_id)
        log.error(
            "Slack refuses channel %s (%s): its subscriptions are paused", row.channel_id, error
        )

    def _stopping(self) -> bool:
        """dsbot is shutting down: finish the message in hand, start no other."""
        return self.stop_event is not None and self.stop_event.is_set()

    def _wait_turn(self, channel: str) -> None:
        """About one message a second per channel: Slack's rule for chat.postMessage."""
        with self._lock:
            last = self._last_post.get(channel)
        if last is not None:
            wait = last + self.pacing - time.monotonic()
            if wait > 0 and not self._stopping():
                self.sleep(wait)
        with self._lock:
            self._last_post[channel] = time.monotonic()

    # --- crash recovery --------------------------------------------------------------------

    def _instance_id(self) -> str:
        """A random id of this database, in every message's metadata, so that the history of a
        channel once served by another dsbot database cannot be mistaken for ours."""
        if self._instance is None:
            with q.write(self.store) as db:
                state = q.get_state(db, "instance")
                if state is None:
                    state = {"id": uuid.uuid4().hex}
                    q.set_state(db, "instance", state)
            self._instance = str(state["id"])
        return self._instance

    def _find_sent(self, row: OutboxRow) -> str | None:
        """The ts of the message this row sent, if Slack has it."""
        if row.channel_id[:1] in ("U", "W"):
            return None  # a DM addressed by user id: no history to read; sent again if lost
        instance = self._instance_id()
        if row.kind == "thread" and row.thread_ts:
            pages = self._replies(row.channel_id, row.thread_ts)
        else:
            pages = self._history(row.channel_id)
        for messages in pages:
            for message in messages:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("outbox_id") == row.id and payload.get("db") == instance:
                    return str(message["ts"])
        return None

    def _history(self, channel: str) -> Iterator[list[dict[str, Any]]]:
        cursor = None
        for _ in range(self.history_pages):
            response = self.client.conversations_history(
                channel=channel, limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor
            )
            yield response.get("messages") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def _replies(self, channel: str, thread_ts: str) -> Iterator[list[dict[str, Any]]]:
        cursor = None
        while True:
            response = self.client.conversations_replies(
                channel=channel,
                ts=thread_ts,
                limit=HISTORY_PAGE,
                include_all_metadata=True,
                cursor=cursor,
            )
            yield response.get("messages") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    # --- rendering -------------------------------------------------------------------------

    def _render_card(self, number: int) -> SlackMessage:
        dossier = self.fetch_dossier(number)
        return build_dossier_card(
            dossier,
            viewer=CHANNEL_VIEWER,
            texts=self.texts,
            ds_web_base=self.ds_web_base,
            ephemeral=False,
        )

    def _render_gone_card(self, number: int) -> SlackMessage:
        text = self.texts("notify.card_gone", number=number)
        return make_message(text, [SectionBlock(text=mrkdwn(text))])

    def _render_event(self, row: OutboxRow) -> SlackMessage:
        number = row.dossier_number
        assert number is not None
        payload = row.payload
        demarche = payload.get("demarche")
        url = dossier_url(self.ds_web_base, demarche, number) if demarche else None
        key, params = self._event_params(
            row.team_id, ChangeKind(payload["change"]), payload["params"]
        )
        if url:
            params["url"] = url
        return events.build_event_message(key, dossier_number=number, texts=self.texts, **params)

    def _event_params(
        self, team_id: str, kind: ChangeKind, params: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """The builder's event key and params for one of our changes."""
        out: dict[str, Any] = {}
        if params.get("at"):
            out["at"] = datetime.fromisoformat(params["at"])
        if kind is ChangeKind.STATE_CHANGED:
            out["state"] = params["to_state"]
            if params.get("by"):
                out["by"] = self._who(team_id, params["by"])
            return events.EVENT_STATE_CHANGED, out
        if kind is ChangeKind.MESSAGE_RECEIVED:
            out["author"] = params.get("email") or self.texts("notify.usager")
            if params.get("body"):
                out["body"] = params["body"]
            return events.EVENT_MESSAGE, out
        if kind in (ChangeKind.AVIS_GIVEN, ChangeKind.AVIS_REQUESTED):
            body = (
                params.get("reponse") if kind is ChangeKind.AVIS_GIVEN else params.get("question")
            )
            if body:
                out["body"] = body
            if params.get("expert"):
                out["by"] = self._who(team_id, params["expert"])
            return events.EVENT_AVIS, out
        if kind is ChangeKind.TRASHED:
            if params.get("reason"):
                out["reason"] = params["reason"]
            return events.EVENT_TRASH, out
        simple = {
            ChangeKind.CORRECTION_REQUESTED: events.EVENT_CORRECTION,
            ChangeKind.CHAMPS_EDITED: events.EVENT_CHAMPS,
            ChangeKind.DELETED: events.EVENT_DELETED,
            ChangeKind.RESTORED: events.EVENT_RESTORED,
            ChangeKind.DEPOSITED: events.EVENT_DEPOSE,
        }
        return simple[kind], out

    def _who(self, team_id: str, email: str) -> str:
        """A linked instructeur as a Slack mention, anyone else by their email."""
        with self.store.connect() as db:
            return q.linked_slack_user(db, team_id, email) or email

    def _render_summary(self, row: OutboxRow) -> SlackMessage:
        payload = row.payload
        title = payload.get("demarche_title") or self.texts(
            "notify.demarche", number=payload.get("demarche")
        )
        dossiers = [summary_from_payload(d) for d in payload.get("dossiers") or ()]
        return events.build_burst_summary(title, dossiers, self.texts)

    def _render_digest(self, row: OutboxRow) -> SlackMessage:
        return render_digest(
            self.store,
            self.client,
            self.texts,
            self.ds_web_base,
            row.team_id,
            row.channel_id,
            Digest.from_json(row.payload),
        )

    def _render_alert(self, row: OutboxRow) -> SlackMessage:
        text = self.texts(row.payload["text_key"], **(row.payload.get("params") or {}))
        return make_message(text, [SectionBlock(text=mrkdwn(text))])


def _error(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or "")
    except AttributeError:
        return ""


def _transient(exc: SlackApiError) -> bool:
    """A failure that may go away by itself: rate limit, Slack's own trouble."""
    status = getattr(exc.response, "status_code", 200)
    return status == 429 or status >= 500 or _error(exc) in ("ratelimited", "internal_error")


def _retry_after(exc: SlackApiError) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name)
        if value:
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                break
    return 30.0


def _why(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return _error(exc) or type(exc).__name__
    return redact(f"{type(exc).__name__}: {exc}")
