"""Personal notifications: the events of the dossiers a person follows, in a direct message.

The feed calls `plan_personal` for each dossier that changed, in the same transaction as its
outbox rows and snapshots, when the backend tells who follows an item (the port's
`Followers`). For every linked person who follows the dossier (or instructs its groupe, for
a new dossier), each change they asked to hear of (`notification_prefs`, per `Topic`) joins a
row of kind `personal` addressed to them:

- `instantane`: the row of this person and dossier still waiting, or a new one held for
  `window` (5 minutes): the events of one dossier within a few minutes make one message;
- `quotidien`: the row of this person's day, held until the next digest moment (a weekday at
  `DSBOT_DIGEST_TIME`, Europe/Paris).

A row is only added to while it is due later than `MERGE_MARGIN` from now, so the delivery
engine never sends a row the feed is still writing into; past that, the event starts a new
row. Exactly once is the outbox's (claim → send → record), and a person's own actions (the
audit's) never come back to them, whether the follow was made in DS or from Slack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

from sqlite_utils import Database

from dsbot.backends.port import ItemPerson
from dsbot.notifications.model import (
    TOPIC_OF,
    Change,
    Mode,
    PersonalEvent,
    PersonalPayload,
    StateChanged,
    Topic,
)
from dsbot.services.digest import next_digest_moment
from dsbot.services.outbox import silence_own_actions
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store import personal as pq
from dsbot.store.audit import own_actions_by_person
from dsbot.store.notifications import OutboxEntry
from dsbot.store.personal import LinkedPerson

PERSONAL_WINDOW = timedelta(minutes=5)
MERGE_MARGIN = timedelta(seconds=30)

__all__ = [
    "MERGE_MARGIN",
    "PERSONAL_WINDOW",
    "PersonalDossier",
    "Timing",
    "default_timing",
    "modes_of",
    "plan_personal",
    "set_modes",
]


@dataclass(frozen=True)
class PersonalDossier:
    """What personal notifications need of a dossier that changed."""

    number: int
    demarche_title: str | None
    followers: Sequence[ItemPerson]
    members: Sequence[ItemPerson]  # who instructs its groupe (for a new dossier)


@dataclass(frozen=True)
class Timing:
    """When a gathering goes: `window` after its first event, or the day's moment."""

    window: timedelta
    daily: Callable[[datetime], datetime]  # the next daily moment after a time


def default_timing(
    window: timedelta = PERSONAL_WINDOW, digest_time: clock_time | None = None
) -> Timing:
    """The timing from the settings: the daily moment is the digest's (9:00 without one)."""
    at = digest_time or clock_time(9, 0)
    return Timing(window, lambda after: next_digest_moment(after, at))


def plan_personal(
    db: Database,
    dossier: PersonalDossier,
    changes: list[Change],
    now: datetime,
    timing: Timing,
) -> int:
    """Queue (or gather) the personal events of one dossier's changes; returns the events
    written. `changes` are the classifier's, before the channels' own-action silencing."""
    if not any(c.kind in TOPIC_OF and c.announce for c in changes):
        return 0
    followers = {p.id for p in dossier.followers}
    members = {p.id for p in dossier.members}
    people = pq.linked_people(db, followers | members)
    if not people:
        return 0
    own = own_actions_by_person(db, dossier.number)
    written = 0
    for person in people:
        prefs = pq.preferences(db, person.team_id, person.slack_user_id)
        theirs = silence_own_actions(changes, own.get(person.slack_user_id, []))
        for change in theirs:
            topic = TOPIC_OF.get(change.kind)
            if topic is None or not change.announce or _by_them(change, person):
                continue
            audience = members if topic is Topic.NOUVEAUX else followers
            mode = prefs[topic]
            if person.instructeur_id not in audience or mode is Mode.NONE:
                continue
            event = PersonalEvent(
                dossier.number, change.ident, change.params, dossier.demarche_title
            )
            _gather(db, person, event, mode, now, timing)
            written += 1
    return written


def modes_of(store: Store, team_id: str, user_id: str) -> dict[Topic, Mode]:
    """A person's mode for every topic (theirs, or the default)."""
    with store.connect() as db:
        return pq.preferences(db, team_id, user_id)


def set_modes(
    store: Store,
    team_id: str,
    user_id: str,
    modes: dict[Topic, Mode],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Set some topics' modes; the events already gathered go as they were queued."""
    with q.write(store) as db:
        pq.set_preferences(db, team_id, user_id, modes, clock())


def _by_them(change: Change, person: LinkedPerson) -> bool:
    """A state change this person made in DS itself (DS names its agent)."""
    params = change.params
    return (
        isinstance(params, StateChanged)
        and params.by is not None
        and params.by.lower() == person.email.lower()
    )


def _gather(
    db: Database,
    person: LinkedPerson,
    event: PersonalEvent,
    mode: Mode,
    now: datetime,
    timing: Timing,
) -> None:
    team, user = person.team_id, person.slack_user_id
    daily = mode is Mode.DAILY
    if daily:
        # A day whose moment is too close belongs to the engine: the next day gathers.
        release = timing.daily(now + MERGE_MARGIN)
        prefix = f"personal:{team}:{user}:day:{release.isoformat()}"
        key = prefix
    else:
        release = now + timing.window
        prefix = f"personal:{team}:{user}:n{event.number}:"
        key = prefix + event.ident
    row = pq.open_gathering(db, team, user, prefix)
    if row is not None and row.next_attempt_at > now + MERGE_MARGIN:
        payload = row.payload
        assert isinstance(payload, PersonalPayload)
        if pq.regather(db, row.id, payload.with_event(event)):
            return
    entry = OutboxEntry(team, user, None, PersonalPayload(user, (event,), daily), key)
    if q.enqueue(db, entry, now):
        pq.hold(db, key, release)
