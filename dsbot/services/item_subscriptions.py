"""Channel subscriptions to a Dynacase family: create, merge, list, remove.

The Slack listener checks the channel and who may subscribe (admins); this service checks
that the bot's Dynacase token can list the family, and keeps one feed per family however many
channels follow it. A new feed starts after the family's newest revision: nothing that
changed before the subscription is posted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from dsbot.backends.dynacase.client import DynacaseClient
from dsbot.services.dynacase_feed import BACKEND, first_cursor
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import ItemSubscription


@dataclass(frozen=True)
class ItemSubscribeResult:
    kind: Literal["created", "merged"]
    subscription: ItemSubscription


def utc_now() -> datetime:
    return datetime.now(UTC)


class DynacaseSubscriptionService:
    """Subscriptions of Slack channels to Dynacase families (read with the bot's token)."""

    def __init__(
        self, store: Store, client: DynacaseClient, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.store = store
        self.client = client
        self.clock = clock

    def subscribe(
        self,
        team_id: str,
        channel_id: str,
        family: str,
        *,
        states: Iterable[str] = (),
        created_by: str,
    ) -> ItemSubscribeResult:
        """Subscribe a channel to a family's documents (in `states`, Dynacase state ids; none:
        every state). A second subscription to the same family merges the states (none on
        either side: all) and resumes a paused one. Raises the client's BackendError when the
        family cannot be listed (DynacaseNotFound for an unknown family)."""
        wanted = tuple(sorted(set(states)))
        # Network first: SQLite's write lock is never held while waiting for Dynacase.
        cursor = first_cursor(self.client, family)
        now = self.clock()
        key = q.item_feed_key(BACKEND, family)
        with q.write(self.store) as db:
            existing = q.get_item_subscription(db, team_id, channel_id, BACKEND, family)
            if existing is None:
                q.create_item_feed(
                    db,
                    key,
                    cursor=cursor.to_text() if cursor else None,
                    start=now,
                    created_at=now,
                )
                created = q.insert_item_subscription(
                    db,
                    team_id=team_id,
                    channel_id=channel_id,
                    backend=BACKEND,
                    family=family,
                    states=wanted,
                    created_by=created_by,
                    created_at=now,
                )
                return ItemSubscribeResult("created", created)
            merged = () if not existing.states or not wanted else (*existing.states, *wanted)
            q.update_item_subscription(db, existing.id, states=merged, resume=not existing.active)
            found = q.get_item_subscription(db, team_id, channel_id, BACKEND, family)
            assert found is not None
            return ItemSubscribeResult("merged", found)

    def unsubscribe(self, team_id: str, channel_id: str, family: str) -> bool:
        """Remove the channel's subscription to the family; False if there was none. A feed
        nobody follows any more is forgotten."""
        with q.write(self.store) as db:
            existing = q.get_item_subscription(db, team_id, channel_id, BACKEND, family)
            if existing is None:
                return False
            q.delete_item_subscription(db, existing.id)
            if not q.item_feed_in_use(db, existing.feed_key):
                q.delete_feed(db, existing.feed_key)
            return True

    def list(self, team_id: str, channel_id: str) -> list[ItemSubscription]:
        with self.store.connect() as db:
            return q.channel_item_subscriptions(db, team_id, channel_id)
