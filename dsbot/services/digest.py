"""The daily digest of a subscribed channel, and `/ds resume`: read from the local index.

A digest counts the dossiers of each subscribed démarche by state and lists those that need
someone: new since the last digest, waiting longer than DSBOT_REMINDER_DAYS (en construction
not taken, en instruction with no activity, a correction pending, an avis asked and not
given), usager messages with no answer, SVA/SVR decisions due within 7 days, dossiers close
to their expiration. Lines carry
the number, the démarche, the state and an age, never the demandeur: a channel's members see
them (docs/interface.md, "Who may see a dossier").

The scheduler runs in the poller's cycle (one poller per database, by its lease) and writes
one outbox row per channel and day, with the dedupe key `digest:<team>:<channel>:<date>`: a
restart, a second process or a manual `dsbot digest` never sends a second one that day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from dsbot.backends.port import DossierState
from dsbot.logs import get_logger
from dsbot.notifications.model import (
    DemarcheDigest,
    Digest,
    DigestLine,
    OutboxKind,
)
from dsbot.store import Store
from dsbot.store import index as iq
from dsbot.store import notifications as q
from dsbot.store.index import IndexEntry
from dsbot.store.notifications import OutboxEntry, Subscription

log = get_logger(__name__)

PARIS = ZoneInfo("Europe/Paris")
DUE_SOON = timedelta(days=7)
# Lines listed per category; the rest is counted (a message holds at most 50 blocks).
MAX_LINES = 8
DIGEST_KIND = OutboxKind.DIGEST.value
DONE_STATE = "digest_done"


def utc_now() -> datetime:
    return datetime.now(UTC)


def _line(entry: IndexEntry, since: datetime, **extra: Any) -> DigestLine:
    return DigestLine(entry.number, entry.demarche_number, entry.state, since, **extra)


def _capped(lines: list[DigestLine]) -> tuple[int, tuple[DigestLine, ...]]:
    return len(lines), tuple(lines[:MAX_LINES])


def demarche_digest(
    entries: Iterable[IndexEntry],
    demarche: int,
    *,
    now: datetime,
    since: datetime,
    reminder_days: int,
) -> DemarcheDigest:
    entries = list(entries)
    stale = now - timedelta(days=reminder_days)
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.state.value] = counts.get(entry.state.value, 0) + 1
    open_entries = [e for e in entries if not e.state.is_termine]
    new = [_line(e, e.date_depot) for e in entries if e.date_depot > since]
    waiting: list[DigestLine] = []
    for e in open_entries:
        if e.date_derniere_correction_en_attente and e.date_derniere_correction_en_attente < stale:
            waiting.append(_line(e, e.date_derniere_correction_en_attente, reason="correction"))
        elif e.avis_pending_since is not None and e.avis_pending_since < stale:
            waiting.append(_line(e, e.avis_pending_since, reason="avis"))
        elif e.state is DossierState.EN_CONSTRUCTION and e.state_since < stale:
            waiting.append(_line(e, e.state_since, reason="not_taken"))
        elif e.state is DossierState.EN_INSTRUCTION and e.date_derniere_modification < stale:
            waiting.append(_line(e, e.date_derniere_modification, reason="no_activity"))
    unanswered = [
        _line(e, e.last_message_at)
        for e in open_entries
        if e.last_message_from_usager and e.last_message_at is not None
    ]
    today = now.astimezone(PARIS).date()
    sva = [
        _line(e, e.state_since, due=e.date_previsionnelle_decision)
        for e in open_entries
        if e.date_previsionnelle_decision is not None
        and today <= e.date_previsionnelle_decision <= today + DUE_SOON
    ]
    expiring = [
        _line(e, e.state_since, due=e.date_expiration.astimezone(PARIS).date())
        for e in entries
        if e.date_expiration is not None and now <= e.date_expiration <= now + DUE_SOON
    ]
    title = next((e.demarche_title for e in entries if e.demarche_title), "")
    by_age = {
        "new": sorted(new, key=lambda x: x.since),
        "waiting": sorted(waiting, key=lambda x: x.since),
        "unanswered": sorted(unanswered, key=lambda x: x.since),
        "sva_due": sorted(sva, key=lambda x: (x.due or today, x.number)),
        "expiring": sorted(expiring, key=lambda x: (x.due or today, x.number)),
    }
    return DemarcheDigest(
        demarche, title, counts, {name: _capped(lines) for name, lines in by_age.items()}
    )


def channel_digest(
    db: Database,
    subscriptions: list[Subscription],
    *,
    now: datetime,
    since: datetime,
    reminder_days: int,
    day: date | None,
    demarche: int | None = None,
) -> Digest:
    """The digest of a channel's subscriptions (or of one of its démarches)."""
    parts = []
    for sub in sorted(subscriptions, key=lambda s: s.demarche_number):
        if demarche is not None and sub.demarche_number != demarche:
            continue
        entries = iq.entries(db, sub.demarche_number, sub.groupe_number)
        parts.append(
            demarche_digest(
                entries,
                sub.demarche_number,
                now=now,
                since=since,
                reminder_days=reminder_days,
            )
        )
    return Digest(day, now, iq.freshness(db), reminder_days, tuple(parts))


def last_digest_at(db: Database, channel_id: str) -> datetime | None:
    rows = list(
        db.query(
            "SELECT max(created_at) AS at FROM outbox WHERE kind = ? AND channel_id = ?",
            [DIGEST_KIND, channel_id],
        )
    )
    return q.from_iso(rows[0]["at"]) if rows else None


def subscribed_channels(db: Database) -> dict[tuple[str, str], list[Subscription]]:
    """Active subscriptions grouped by (team, channel)."""
    channels: dict[tuple[str, str], list[Subscription]] = {}
    for row in db.query(
        "SELECT * FROM subscriptions WHERE backend = 'ds' ORDER BY team_id, channel_id"
    ):
        sub = Subscription.from_row(row)
        if sub.active:
            channels.setdefault((sub.team_id, sub.channel_id), []).append(sub)
    return channels


def next_digest_moment(after: datetime, digest_time: clock_time) -> datetime:
    """The first digest moment (a weekday at `digest_time`, Europe/Paris) after `after`, in
    UTC: the channels' digest day, which a person's daily notifications follow too."""
    day = after.astimezone(PARIS).date()
    while True:
        moment = datetime.combine(day, digest_time, tzinfo=PARIS).astimezone(UTC)
        if day.weekday() < 5 and moment > after:
            return moment
        day += timedelta(days=1)


def dedupe_key(team_id: str, channel_id: str, day: date) -> str:
    return f"digest:{team_id}:{channel_id}:{day.isoformat()}"


class DigestScheduler:
    """Queues each subscribed channel's digest once a day, on weekdays, at `digest_time`
    (Europe/Paris). `clock` is injectable: tests move time, they never sleep."""

    def __init__(
        self,
        store: Store,
        *,
        digest_time: clock_time | None,
        reminder_days: int = 7,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.digest_time = digest_time
        self.reminder_days = reminder_days
        self.clock = clock

    def due_day(self, now: datetime) -> date | None:
        """Today's date in Paris if the digest time has passed on a weekday, else None."""
        if self.digest_time is None:
            return None
        local = now.astimezone(PARIS)
        if local.weekday() >= 5 or local.time() < self.digest_time:
            return None
        return local.date()

    def run_if_due(self) -> int:
        """Called every poller cycle: queue today's digests if it is time and not done yet."""
        now = self.clock()
        day = self.due_day(now)
        if day is None:
            return 0
        with self.store.connect() as db:
            done = q.get_state(db, DONE_STATE)
        if done and done.get("day") == day.isoformat():
            return 0
        queued = self.enqueue(day, now, not_before=self.digest_moment(day))
        with q.write(self.store) as db:
            q.set_state(db, DONE_STATE, {"day": day.isoformat()})
        return len(queued)

    def digest_moment(self, day: date) -> datetime:
        """When `day`'s digest is due, in UTC."""
        assert self.digest_time is not None
        return datetime.combine(day, self.digest_time, tzinfo=PARIS).astimezone(UTC)

    def build(
        self, db: Database, subs: list[Subscription], now: datetime, day: date | None
    ) -> Digest:
        since = last_digest_at(db, subs[0].channel_id) or now - timedelta(days=1)
        return channel_digest(
            db, subs, now=now, since=since, reminder_days=self.reminder_days, day=day
        )

    def enqueue(
        self,
        day: date,
        now: datetime,
        *,
        channel: str | None = None,
        not_before: datetime | None = None,
    ) -> list[tuple[str, str]]:
        """Queue the digest of every subscribed channel (or of one), once per day: returns
        the (team, channel) pairs actually queued (a key already used queues nothing).
        `not_before`: a channel subscribed after it waits for the next day's digest (a channel
        subscribed at 14:00 does not want a digest at once)."""
        queued = []
        with q.write(self.store) as db:
            for (team_id, channel_id), subs in subscribed_channels(db).items():
                if channel is not None and channel_id != channel:
                    continue
                if not_before is not None and min(s.created_at for s in subs) > not_before:
                    continue
                digest = self.build(db, subs, now, day)
                entry = OutboxEntry(
                    team_id, channel_id, None, digest, dedupe_key(team_id, channel_id, day)
                )
                if q.enqueue(db, entry, now):
                    queued.append((team_id, channel_id))
        log.info("digest.queued", day=day, channels=len(queued))
        return queued

    def preview(self, *, channel: str | None = None) -> list[tuple[str, str, Digest]]:
        """The digests that would be queued now, without queuing anything (--dry-run)."""
        now = self.clock()
        day = now.astimezone(PARIS).date()
        with self.store.connect() as db:
            return [
                (team_id, channel_id, self.build(db, subs, now, day))
                for (team_id, channel_id), subs in subscribed_channels(db).items()
                if channel is None or channel_id == channel
            ]

    def summary(self, team_id: str, channel_id: str, demarche: int | None = None) -> Digest:
        """`/ds resume`: the same summary, now, with "new" meaning since yesterday."""
        now = self.clock()
        with self.store.connect() as db:
            subs = [s for s in q.channel_subscriptions(db, team_id, channel_id) if s.active]
            return channel_digest(
                db,
                subs,
                now=now,
                since=now - timedelta(days=1),
                reminder_days=self.reminder_days,
                day=None,
                demarche=demarche,
            )
