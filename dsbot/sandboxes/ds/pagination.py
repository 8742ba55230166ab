"""DS's keyset cursor connections (docs/ds-api.md, "Pagination"; DS's
Connections::CursorConnection).

- page size: `min(first or last or 100, 100)`; larger values are clamped silently;
- `first`+`last` or `before`+`after` together, or a negative count: `bad_request` errors;
- one extra row is fetched to tell `hasNextPage`/`hasPreviousPage`;
- `last` or `before` page backwards (the rows are read in reverse, then put back in order);
- deprecated `order: DESC` lists the newest first (`after` goes on towards older ones);
  `last` with it is a `bad_request` error;
- a cursor is opaque base64 of "<sort timestamp with ns>;<id>", only valid with the same sort.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dsbot.sandboxes.ds.errors import HttpAbort, api_error
from dsbot.sandboxes.ds.ids import decode_cursor, encode_cursor

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


def _cursor(value: str | None) -> tuple[int, int] | None:
    if value is None or value == "":
        return None
    try:
        return decode_cursor(value)
    except ValueError:
        # DS fails while parsing the cursor's time, outside GraphQL's error handling: the
        # controller answers HTTP 400 bad_request.
        raise HttpAbort(400, f"invalid cursor: {value}", "bad_request") from None


def page_spec(
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    order: str | None = "ASC",
) -> PageSpec:
    if first is not None and last is not None:
        raise api_error('Arguments "first" and "last" are exclusive', "bad_request")
    if after and before:
        raise api_error('Arguments "before" and "after" are exclusive', "bad_request")
    if first is not None and first < 0:
        raise api_error('Argument "first" must be a non-negative integer', "bad_request")
    if last is not None and last < 0:
        raise api_error('Argument "last" must be a non-negative integer', "bad_request")
    if order == "DESC" and last is not None:
        raise api_error('Arguments "last" and "order: DESC" are exclusive', "bad_request")
    count = first if first is not None else last if last is not None else MAX_PAGE_SIZE
    limit = min(count, MAX_PAGE_SIZE) + 1
    after_key, before_key = _cursor(after), _cursor(before)
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
