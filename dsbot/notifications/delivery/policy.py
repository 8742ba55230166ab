"""What a failure does to a row: retry, pause, or give up.

- a 429 reschedules the row after Retry-After and leaves its channel for the rest of the drain;
- a permanent Slack error (docs/slack.md, "Errors") pauses the channel's subscriptions, drops
  what was waiting for it and tells an admin once;
- a 5xx may have been done anyway: the row stays `sending`, settled later through the history;
- anything else retries with `dsbot.backoff`, and after `max_attempts` the row is dead;
- a backend that cannot be read for a card retries however long it takes (`final=False`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from dsbot.backoff import exponential_delay
from dsbot.logs import get_logger
from dsbot.notifications.delivery.port import DrainReport, SlackRefused
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import AlertPayload, OutboxEntry, OutboxKind, OutboxRow, OutboxStatus

log = get_logger("dsbot.notifications.delivery")

# Slack errors that will not go away by retrying (docs/slack.md, "Errors"): stop and tell
# someone.
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
# A tombstone that cannot be written and never will: the message is not the bot's, or its
# channel is gone (the message with it).
TOMBSTONE_SKIP_ERRORS = frozenset({"cant_update_message", "channel_not_found", "is_archived"})
DEFAULT_RETRY_AFTER = 30.0


class Gone(Exception):
    """The parent message a row relies on was deleted in Slack."""


class Policy:
    """Decides and records a failed row's fate. `block(channel)` leaves a channel alone for
    the rest of the drain."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        block: Callable[[str], None],
        *,
        ops_channel: str | None = None,
        max_attempts: int = 8,
        retry_base: float = 5.0,
        retry_cap: float = 900.0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.block = block
        self.ops_channel = ops_channel
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_cap = retry_cap

    def slack_failed(
        self, row: OutboxRow, exc: SlackRefused, report: DrainReport, *, thread: bool
    ) -> None:
        if exc.rate_limited:
            retry_after = exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER
            with q.write(self.store) as db:
                q.reschedule(
                    db, row.id, self.clock() + timedelta(seconds=retry_after), "ratelimited"
                )
            self.block(row.channel_id)
            report.rescheduled += 1
            log.info("slack.rate_limited", channel=row.channel_id, retry_in_s=round(retry_after))
            return
        if thread and exc.error in GONE_MESSAGE_ERRORS:
            raise Gone(exc.error)
        if exc.error in PERMANENT_ERRORS:
            self.permanent(row, exc.error, report)
            return
        if exc.status >= 500:
            # Slack may have done it anyway: settle it through the history, later.
            log.warning("outbox.slack_server_error", row=row.id, http_status=exc.status)
            self.block(row.channel_id)
            return
        self.retry(row, exc.error, report, claimed=True)

    def retry(
        self, row: OutboxRow, error: str, report: DrainReport, *, claimed: bool, final: bool = True
    ) -> None:
        """Try again later with an exponential delay; after max_attempts give up (`dead`),
        unless `final` is False."""
        attempts = row.attempts + 1  # this try included (claim() counted it already)
        with q.write(self.store) as db:
            if final and attempts >= self.max_attempts:
                q.mark_final(db, row.id, OutboxStatus.DEAD, error)
                report.dead += 1
                log.error("outbox.dead", row=row.id, attempts=attempts, error=error)
                return
            if not claimed:
                q.count_attempt(db, row.id)
            delay = exponential_delay(attempts, base=self.retry_base, cap=self.retry_cap)
            q.reschedule(db, row.id, self.clock() + timedelta(seconds=delay), error)
        report.rescheduled += 1

    def finish(
        self, row: OutboxRow, status: OutboxStatus, reason: str, report: DrainReport
    ) -> None:
        with q.write(self.store) as db:
            q.mark_final(db, row.id, status, reason)
        if status is OutboxStatus.SKIPPED:
            report.skipped += 1

    def permanent(self, row: OutboxRow, error: str, report: DrainReport) -> None:
        """Slack will never accept this channel as it is: pause its subscriptions, drop what
        was waiting for it, and tell an admin once (the paused subscriptions queue nothing
        more, so there is no second notice)."""
        now = self.clock()
        with q.write(self.store) as db:
            if row.kind is OutboxKind.ALERT:
                q.mark_final(db, row.id, OutboxStatus.DEAD, error)
                report.dead += 1
                log.error("ops.alert_undeliverable", channel=row.channel_id, error=error)
                return
            subs = [s for s in q.channel_subscriptions(db, row.team_id, row.channel_id) if s.active]
            for sub in subs:
                q.set_paused(db, sub.id, error, now)
            families = q.pause_item_subscriptions(db, row.team_id, row.channel_id, error, now)
            report.dead += q.close_channel_rows(db, row.channel_id, OutboxStatus.DEAD, error)
            report.paused_channels += 1
            targets = (
                [self.ops_channel]
                if self.ops_channel
                else sorted({s.created_by for s in subs} | {f.created_by for f in families})
            )
            demarches = ", ".join(
                [str(s.demarche_number) for s in subs] + [f.family for f in families]
            )
            for target in targets:
                q.enqueue(
                    db,
                    OutboxEntry(
                        row.team_id,
                        target,
                        None,
                        AlertPayload(
                            "notify.paused",
                            {
                                "channel": f"<#{row.channel_id}>",
                                "error": error,
                                "demarches": demarches or "?",
                            },
                        ),
                        f"paused:{row.team_id}:{row.channel_id}:{target}:{q.to_iso(now)}",
                    ),
                    now,
                )
        self.block(row.channel_id)
        log.error("outbox.channel_paused", channel=row.channel_id, error=error)
