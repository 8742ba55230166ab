"""DS's keyset cursor connections (docs/ds-api.md, "Pagination"; DS's
Connections::CursorConnection).

- page size: `min(first or last or 100, 100)`; larger values are clamped silently, and so are
  negative ones, to 0 (graphql-ruby's `limit_pagination_argument`, before DS's own check of
  negatives could run);
- `first`+`last` or `before`+`after` together: `bad_request` errors, raised when the
  connection loads its nodes, so they land on `nodes`/`edges`/`pageInfo`, not on the
  connection;
- a cursor that is not base64 is graphql-ruby's 'Invalid input: "…"' (no code), there too;
  one whose time means nothing matches nothing; one whose date is out of range is Ruby's
  ArgumentError, which DS's controller answers HTTP 400;
- one extra row is fetched to tell `hasNextPage`/`hasPreviousPage`;
- `last` or `before` page backwards (the rows are read in reverse, then put back in order);
- deprecated `order: DESC` lists the newest first (`after` goes on towards older ones);
  `last` with it is a `bad_request` error ('Argument "last" is not supported with order
  "desc"');
- a cursor is opaque base64 of "<sort timestamp with ns>;<id>", only valid with the same sort.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError

from dsbot.sandboxes.ds.clock import parse_iso
from dsbot.sandboxes.ds.errors import HttpAbort, api_error
from dsbot.sandboxes.ds.ids import encode_cursor, ruby_inspect, ruby_urlsafe_decode

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class PageSpec:
    after: tuple[int, int] | None
    before: tuple[int, int] | None
    limit: int  # rows to fetch: page size + 1
    inverted: bool
    has_after: bool
    has_before: bool
    descending: bool = False  # order: DESC, the page is shown newest first
    matches_nothing: bool = False  # a cursor whose time Ruby cannot read: an empty page

    @property
    def size(self) -> int:
        return self.limit - 1

    @property
    def reverse(self) -> bool:
        """Whether the rows, read in the store's direction, are shown the other way round."""
        return self.inverted != self.descending

    def has_previous_page(self, fetched: int) -> bool:
        return self.has_after or (fetched >= self.limit and self.reverse)

    def has_next_page(self, fetched: int) -> bool:
        return self.has_before or (fetched >= self.limit and not self.reverse)


# Ruby's Time.zone.parse raises ArgumentError on a date it recognises but cannot build.
_DATE_LIKE = re.compile(r"\s*\d{4}-\d{1,2}-\d{1,2}")
_NOTHING = (-1, -1)


def _cursor(value: str | None) -> tuple[int, int] | None:
    """DS's `timestamp_and_id_from_cursor`: `_NOTHING` when the time is unreadable."""
    if value is None or value == "":
        return None  # graphql-ruby treats "" as no cursor
    raw = ruby_urlsafe_decode(value)
    if raw is None:
        raise GraphQLError(f"Invalid input: {ruby_inspect(value)}")
    stamp, _, db_id = raw.decode("utf-8", "replace").partition(";")
    digits = re.match(r"\s*[+-]?\d+", db_id)
    try:
        return parse_iso(stamp), int(digits.group()) if digits else 0
    except ValueError:
        if _DATE_LIKE.match(stamp):
            raise HttpAbort(400, "argument out of range", "bad_request") from None
        return _NOTHING


def _count(value: int | None) -> int | None:
    """graphql-ruby's limit_pagination_argument, the upper clamp left to the page size."""
    return None if value is None else max(value, 0)


def page_spec(
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    order: str | None = "ASC",
) -> PageSpec:
    first, last = _count(first), _count(last)
    if first is not None and last is not None:
        raise api_error('Arguments "first" and "last" are exclusive', "bad_request")
    if after and before:
        raise api_error('Arguments "before" and "after" are exclusive', "bad_request")
    if order == "DESC" and last is not None:
        raise api_error('Argument "last" is not supported with order "desc"', "bad_request")
    count = first if first is not None else last if last is not None else MAX_PAGE_SIZE
    limit = min(count, MAX_PAGE_SIZE) + 1
    after_key, before_key = _cursor(after), _cursor(before)
    if _NOTHING in (after_key, before_key):
        return PageSpec(None, None, limit, False, bool(after), bool(before), matches_nothing=True)
    if order == "DESC":
        # Newest first: read backwards from `after` (older ones), or forwards from `before`.
        return PageSpec(
            after=before_key,
            before=after_key,
            limit=limit,
            inverted=not before,
            has_after=bool(after),
            has_before=bool(before),
            descending=True,
        )
    return PageSpec(
        after=after_key,
        before=before_key,
        limit=limit,
        inverted=last is not None or bool(before),
        has_after=bool(after),
        has_before=bool(before),
    )


def connection(
    rows: list[dict[str, Any]],
    spec: PageSpec,
    sort_key: Callable[[dict[str, Any]], int],
    node: Callable[[dict[str, Any]], Any],
) -> dict[str, Any]:
    """The GraphQL connection (`nodes`, `edges`, `pageInfo`) for rows read with `spec`."""
    fetched = len(rows)
    rows = rows[: spec.size]
    if spec.reverse:
        rows.reverse()
    cursors = [encode_cursor(sort_key(r), r["number"]) for r in rows]
    nodes = [node(r) for r in rows]
    return {
        "nodes": nodes,
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)],
        "pageInfo": {
            "hasNextPage": spec.has_next_page(fetched),
            "hasPreviousPage": spec.has_previous_page(fetched),
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def failing_connection(error: GraphQLError) -> dict[str, Any]:
    """A connection whose loading fails: each of its fields raises the error, as DS's
    CursorConnection does from `load_nodes`."""

    def fail(*_: Any, **__: Any) -> Any:
        raise GraphQLError(error.message, extensions=error.extensions)

    # graphql-ruby's pageInfo is the connection itself: each of its fields loads the nodes.
    page_info = {
        name: fail for name in ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")
    }
    return {"nodes": fail, "edges": fail, "pageInfo": page_info}
