"""Channel subscriptions to a démarche (or one of its groupes): create, merge, list, pause.

The Slack listener checks the channel (can the bot post there?) and who may subscribe; this
service checks that DS lets the token see the démarche and the groupe, and keeps one change
feed per démarche or groupe however many channels follow it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from dsbot.backends.errors import BackendRefused
from dsbot.backends.port import DossierState
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import Subscription

# DS's clock and ours may disagree a little: a new feed starts listing a bit before "now", and
# what it sees in that margin is only recorded, never posted (subscriptions have their `since`).
FEED_START_MARGIN = timedelta(minutes=2)
PARIS = ZoneInfo("Europe/Paris")


class GroupeNotInDemarche(BackendRefused):
    """The groupe instructeur asked for does not belong to the démarche."""

    text_key = "error.ds_says"  # the message names the groupe and the démarche


@dataclass(frozen=True)
class SubscribeResult:
    kind: Literal["created", "merged"]
    subscription: Subscription


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_second(value: datetime) -> datetime:
    """DS shows times to the second: a change in the same second as `value` must count as
    after it, so `since` is rounded down."""
    return value.replace(microsecond=0)


class _Numbered(Protocol):
    @property
    def number(self) -> int: ...


class _WithGroupes(Protocol):
    @property
    def groupes(self) -> Sequence[_Numbered]: ...


class DemarcheGroupes(Protocol):
    """What subscribing needs of DS: a démarche's groupes, to check the one asked for (DSClient
    has it; its errors are the root's branches)."""

    def get_demarche(self, number: int) -> _WithGroupes: ...


class SubscriptionService:
    """Subscriptions of Slack channels. `ds` reads a démarche's groupes (`DSClient` does)."""

    def __init__(
        self,
        store: Store,
        ds: DemarcheGroupes,
        *,
        clock: Callable[[], datetime] = utc_now,
        start_margin: timedelta = FEED_START_MARGIN,
    ) -> None:
        self.store = store
        self.ds = ds
        self.clock = clock
        self.start_margin = start_margin

    def subscribe(
        self,
        team_id: str,
        channel_id: str,
        demarche: int,
        *,
        groupe: int | None = None,
        states: Iterable[str | DossierState] = (),
        created_by: str,
        since: date | datetime | None = None,
    ) -> SubscribeResult:
        """Subscribe a channel to a démarche's dossiers (in `states`; none: all states).

        A second subscription of the same channel to the same démarche is merged into the
        first: states are united (no state on either side means all of them) and the groupe is
        replaced when one is given; a paused subscription is resumed. Nothing that changed
        before the subscription is posted; `since` (an extension of `/ds abonner … depuis
        <date>`) moves that start back, but not before the start of an already running feed.
        Raises the DS error when the token cannot see the démarche, GroupeNotInDemarche when
        the groupe is not one of its groupes.
        """
        wanted = tuple(sorted({DossierState(s).value for s in states}))
        found = self.ds.get_demarche(demarche)
        if groupe is not None and groupe not in {g.number for g in found.groupes}:
            raise GroupeNotInDemarche(
                f"Le groupe instructeur {groupe} n’appartient pas à la démarche {demarche}",
                code="not_found",
            )
        now = self.clock()
        start = to_second(now) if since is None else min(to_second(now), _as_datetime(since))
        with q.write(self.store) as db:
            existing = q.get_subscription(db, team_id, channel_id, demarche)
            if existing is None:
                q.create_feed(
                    db,
                    q.feed_key(demarche, groupe),
                    start=start - self.start_margin,
                    created_at=now,
                )
                new_id = q.insert_subscription(
                    db,
                    team_id=team_id,
                    channel_id=channel_id,
                    demarche=demarche,
                    groupe=groupe,
                    states=wanted,
                    created_by=created_by,
                    created_at=now,
                    since=start,
                )
                created = q.subscription_by_id(db, new_id)
                assert created is not None
                return SubscribeResult("created", created)
            merged_states = () if not existing.states or not wanted else (*existing.states, *wanted)
            new_groupe = groupe if groupe is not None else existing.groupe_number
            q.update_subscription_scope(db, existing.id, groupe=new_groupe, states=merged_states)
            if new_groupe != existing.groupe_number:
                q.create_feed(
                    db,
                    q.feed_key(demarche, new_groupe),
                    start=to_second(now) - self.start_margin,
                    created_at=now,
                )
                self._drop_unused_feed(db, existing.feed_key)
            if not existing.active:
                # Subscribing again is how an admin resumes a paused channel (the notice says
                # so); what happened while it was paused is not posted.
                q.set_paused(db, existing.id, None, None)
                q.set_since(db, existing.id, to_second(now))
            merged = q.subscription_by_id(db, existing.id)
            assert merged is not None
            return SubscribeResult("merged", merged)

    def unsubscribe(self, team_id: str, channel_id: str, demarche: int) -> bool:
        """Remove the channel's subscription to the démarche; False if there was none."""
        with q.write(self.store) as db:
            existing = q.get_subscription(db, team_id, channel_id, demarche)
            if existing is None:
                return False
            q.delete_subscription(db, existing.id)
            self._drop_unused_feed(db, existing.feed_key)
            return True

    def list(self, team_id: str, channel_id: str) -> list[Subscription]:
        """The channel's subscriptions, paused ones included, by démarche number."""
        with self.store.connect() as db:
            return q.channel_subscriptions(db, team_id, channel_id)

    def get(self, subscription_id: int) -> Subscription | None:
        with self.store.connect() as db:
            return q.subscription_by_id(db, subscription_id)

    def pause(self, subscription_id: int, reason: str) -> bool:
        """Stop notifying (e.g. the channel was archived); the subscription is kept."""
        with q.write(self.store) as db:
            if q.subscription_by_id(db, subscription_id) is None:
                return False
            q.set_paused(db, subscription_id, reason, self.clock())
            return True

    def resume(self, subscription_id: int) -> bool:
        """Notify again, from now on: what happened while paused is not posted."""
        with q.write(self.store) as db:
            if q.subscription_by_id(db, subscription_id) is None:
                return False
            q.set_paused(db, subscription_id, None, None)
            q.set_since(db, subscription_id, to_second(self.clock()))
            return True

    @staticmethod
    def _drop_unused_feed(db: Database, key: str) -> None:
        # A feed nobody follows is forgotten; a later subscription starts afresh from its own
        # "now" instead of replaying what happened in between.
        if not q.feed_in_use(db, key):
            q.delete_feed(db, key)


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    # A bare date is a day in France, where the démarches run.
    return datetime.combine(value, time.min, tzinfo=PARIS).astimezone(UTC)
