"""The feeds a cycle polls: one reader per configured backend, each with its own health.

A stored feed names its backend by its scope (`demarche`/`groupe`: DS; a backend's name, e.g.
`dynacase`: that backend's families). `Feeds` maps each backend to the reader of its feeds
(`FeedReader`: DS's FeedProcessor, another backend's ItemFeedProcessor), the scopes it reads
and the poller_state key where its health is counted; the wiring (`dsbot.runtime.build_feeds`)
fills it from the registry's specs of the backends configured. A feed of a backend not
configured waits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from dsbot.backends.port import BackendName
from dsbot.services.feed import FeedResult
from dsbot.store.feeds import Feed


class FeedReader(Protocol):
    def process(self, feed: Feed) -> FeedResult:
        """One cycle of one feed; a backend's error comes back in the result, never raised."""
        ...


@dataclass(frozen=True)
class BackendFeeds:
    """One backend's feeds: who reads them, and where its health is counted. `scopes`: the
    scopes of its stored feeds (DS's démarches and groupes, `services.feed.DS_SCOPES`); by
    default the backend's name."""

    backend: BackendName
    reader: FeedReader
    health_key: str
    recovered: str  # the text key of its recovery notice
    scopes: tuple[str, ...] = ()

    @property
    def feed_scopes(self) -> tuple[str, ...]:
        return self.scopes or (self.backend.value,)

    def owns(self, feed: Feed) -> bool:
        return feed.scope in self.feed_scopes

    def owns_result(self, result: FeedResult) -> bool:
        """A feed's key starts with its scope: DS's démarche or groupe, another backend's name."""
        return result.key.startswith(tuple(f"{scope}:" for scope in self.feed_scopes))


class Feeds:
    """The configured backends' feeds, in the order their health is checked."""

    def __init__(self, backends: Iterable[BackendFeeds] = ()) -> None:
        self.backends = list(backends)

    def reader(self, backend: BackendName) -> FeedReader | None:
        return next((b.reader for b in self.backends if b.backend is backend), None)

    def owner(self, feed: Feed) -> BackendFeeds | None:
        """The backend whose feed this is; None when that backend is not configured."""
        return next((b for b in self.backends if b.owns(feed)), None)
