"""DS's change feed as the port's `FeedSource`, over the client's incremental read
(`DSClient.feed_page`: `dossiers(updatedSince:, after:)`, docs/ds-api.md "Incremental sync").

A scope is a démarche number (`"42"`) or a groupe (`"groupe:7"`). The cursor keeps
`updatedSince` fixed and the last non-null page cursor: dossiers updated since have moved past
it and come back, which is how DS's feed is meant to be followed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dsbot.backends.ds.backend import item_state
from dsbot.backends.ds.client import PAGE_SIZE
from dsbot.backends.errors import BackendNotFound
from dsbot.backends.port import Change, FeedBatch, FeedCursor

GROUPE = "groupe:"


def _scope(scope: str) -> dict[str, int]:
    number = scope.removeprefix(GROUPE)
    if not number.isdigit():
        raise BackendNotFound(scope)
    return {"groupe" if scope.startswith(GROUPE) else "demarche": int(number)}


class DSFeed:
    """The bot's reading of what changed in a démarche or a groupe, page by page."""

    def __init__(
        self, client: Any, label: Callable[..., str], *, page_size: int = PAGE_SIZE
    ) -> None:
        self.client = client
        self.label = label
        self.page_size = page_size

    def start(self, scope: str, since: datetime) -> FeedCursor:
        _scope(scope)
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        return FeedCursor(json.dumps({"since": since.isoformat(), "after": None}))

    def changes(self, scope: str, cursor: FeedCursor) -> FeedBatch:
        state = json.loads(cursor)
        page = self.client.feed_page(
            **_scope(scope),
            updated_since=datetime.fromisoformat(state["since"]),
            after=state["after"],
            page_size=self.page_size,
        )
        changes = tuple(
            Change(str(d.number), d.date_derniere_modification, item_state(d.state, self.label))
            for d in page.dossiers
        )
        after = page.end_cursor or state["after"]
        following = FeedCursor(json.dumps({"since": state["since"], "after": after}))
        return FeedBatch(changes, following, more=page.has_next_page)
