"""Dynacase's changes as the port's `FeedSource`, over what the family feed reads
(`DynacaseClient.list_documents`, newest revision first: API 1.0 has no "changed since" filter,
docs/dynacase-api.md §5.4).

A scope is a family's logical name. The cursor is the newest `revdate` seen (Dynacase's
`YYYY-MM-DD HH:MM:SS`, server time, which sorts as it compares) and the revisions (`id`, which a
state change renews) seen at that second: a revision made in the same second after a read is
not lost, and none is reported twice.
"""

from __future__ import annotations

import json
from datetime import datetime

from dsbot.backends.dynacase.backend import item_state
from dsbot.backends.dynacase.client import DynacaseClient
from dsbot.backends.dynacase.models import Document, format_date, parse_date
from dsbot.backends.port import Change, FeedBatch, FeedCursor

PAGE_SIZE = 50


def _cursor(revdate: str, seen: set[int]) -> FeedCursor:
    return FeedCursor(json.dumps({"revdate": revdate, "seen": sorted(seen)}))


class DynacaseFeed:
    """The bot's reading of what changed in a family (one call reads every page needed)."""

    def __init__(self, client: DynacaseClient, *, page_size: int = PAGE_SIZE) -> None:
        self.client = client
        self.page_size = page_size

    def start(self, scope: str, since: datetime) -> FeedCursor:
        return _cursor(format_date(since), set())

    def changes(self, scope: str, cursor: FeedCursor) -> FeedBatch:
        state = json.loads(cursor)
        bound, seen = str(state["revdate"]), {int(i) for i in state["seen"]}
        found: list[Document] = []
        offset = 0
        while True:
            page = self.client.list_documents(scope, slice=self.page_size, offset=offset)
            older = False
            for document in page.documents:
                revdate = document.revdate or ""
                if revdate < bound:
                    older = True  # the first revision before the cursor: the rest are too
                    break
                if revdate == bound and document.id in seen:
                    continue
                found.append(document)
            if older or page.is_last or not page.documents:
                break
            offset += page.length
        newest = max((d.revdate or "" for d in found), default="")
        if newest > bound:
            bound, seen = newest, set()
        seen |= {d.id for d in found if d.revdate == bound}
        changes = tuple(
            Change(
                str(d.initid),
                parse_date(d.revdate),
                item_state(d.state) if d.state is not None else None,
            )
            for d in found
        )
        return FeedBatch(changes, _cursor(bound, seen))
