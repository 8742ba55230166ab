"""Channel subscriptions to a scope of a backend other than DS (a family of documents, …):
create, merge, list, remove.

The Slack listener checks the channel and who may subscribe (admins); this service checks,
through the backend's `FeedSource`, that the bot can list the scope, and keeps one feed per
(backend, scope) however many channels follow it. A new feed starts after what the scope
holds now: nothing that changed before the subscription is posted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from dsbot.backends.port import BackendName, FeedSource
from dsbot.services.item_feed import first_cursor
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.notifications import ItemSubscription


@dataclass(frozen=True)
class ItemSubscribeResult:
    kind: Literal["created", "merged"]
    subscription: ItemSubscription


def utc_now() -> datetime:
    return datetime.now(UTC)


class ItemSubscriptionService:
    """Subscriptions of Slack channels to the scopes of the configured backends that have a
    feed (`feeds`: backend → its FeedSource, read with the bot's credential)."""

    def __init__(
        self,
        store: Store,
        feeds: Mapping[BackendName, FeedSource],
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.feeds = dict(feeds)
        self.clock = clock

    def enabled(self, backend: str) -> bool:
        return backend in self.feeds

    def subscribe(
        self,
        team_id: str,
        channel_id: str,
        backend: BackendName,
        family: str,
        *,
        states: Iterable[str] = (),
        created_by: str,
    ) -> ItemSubscribeResult:
        """Subscribe a channel to a scope's items (in `states`, the backend's state ids; none:
        every state). A second subscription to the same scope merges the states (none on
        either side: all) and resumes a paused one. Raises the backend's BackendError when the
        scope cannot be listed (BackendNotFound for an unknown one), KeyError for a backend
        without a feed."""
        wanted = tuple(sorted(set(states)))
        source = self.feeds[backend]
        # Network first: SQLite's write lock is never held while waiting for the backend.
        now = self.clock()
        cursor = first_cursor(source, family, now)
        key = q.item_feed_key(backend, family)
        with q.write(self.store) as db:
            existing = q.get_item_subscription(db, team_id, channel_id, backend, family)
            if existing is None:
                q.create_item_feed(
                    db,
                    key,
                    cursor=cursor,
                    start=now,
                    created_at=now,
                )
                created = q.insert_item_subscription(
                    db,
                    team_id=team_id,
                    channel_id=channel_id,
                    backend=backend,
                    family=family,
                    states=wanted,
                    created_by=created_by,
                    created_at=now,
                )
                return ItemSubscribeResult("created", created)
            merged = () if not existing.states or not wanted else (*existing.states, *wanted)
            q.update_item_subscription(db, existing.id, states=merged, resume=not existing.active)
            found = q.get_item_subscription(db, team_id, channel_id, backend, family)
            assert found is not None
            return ItemSubscribeResult("merged", found)

    def unsubscribe(self, team_id: str, channel_id: str, backend: BackendName, family: str) -> bool:
        """Remove the channel's subscription to the scope; False if there was none. A feed
        nobody follows any more is forgotten."""
        with q.write(self.store) as db:
            existing = q.get_item_subscription(db, team_id, channel_id, backend, family)
            if existing is None:
                return False
            q.delete_item_subscription(db, existing.id)
            if not q.item_feed_in_use(db, existing.feed_key):
                q.delete_feed(db, existing.feed_key)
            return True

    def list(self, team_id: str, channel_id: str) -> list[ItemSubscription]:
        with self.store.connect() as db:
            return q.channel_item_subscriptions(db, team_id, channel_id)
