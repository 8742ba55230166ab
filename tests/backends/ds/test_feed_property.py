"""Property: paging the change feed from the last non-null cursor never loses an update.

DS's high-volume sync (docs/ds-api.md, "Incremental sync"): `updatedSince` fixed, `after` = the
last non-null `endCursor`. A dossier updated after it was last seen moves past the cursor and
comes back.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

STATES = ["en_construction", "en_instruction", "accepte", "refuse", "sans_suite"]

actions = st.lists(
    st.one_of(
        st.tuples(st.just("touch"), st.integers(0, 3)),
        st.tuples(st.just("message"), st.integers(0, 3)),
        st.tuples(st.just("state"), st.integers(0, 3), st.sampled_from(STATES)),
        st.tuples(st.just("page")),
    ),
    max_size=12,
)


def cursor_key(cursor: str) -> tuple[str, int]:
    """DS's cursor is base64 of "<timestamp with ns>;<id>" (opaque, read here only to test)."""
    text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    stamp, _, db_id = text.partition(";")
    return stamp, int(db_id)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dossier_count=st.integers(1, 4), page_size=st.integers(1, 3), steps=actions)
def test_no_update_is_lost_when_resuming_from_the_last_cursor(
    ds_env, client, dossier_count, page_size, steps
):
    demarche = ds_env.demarche()["number"]
    # Fixed for the whole sync; only this example's dossiers are updated after it.
    since = datetime.now(UTC) - timedelta(milliseconds=1)
    numbers = [ds_env.dossier("en_construction").number for _ in range(dossier_count)]
    dirty = set(numbers)  # updated since last seen in the feed
    states = dict.fromkeys(numbers, "en_construction")
    cursor: str | None = None
    cursors: list[tuple[str, int]] = []

    def read_page() -> bool:
        """One poll: one page from the stored cursor. False when the feed had nothing more."""
        nonlocal cursor
        page = next(
            iter(
                client.feed_pages(
                    demarche=demarche, updated_since=since, after=cursor, page_size=page_size
                )
            )
        )
        dates = [d.date_derniere_modification for d in page.dossiers]
        assert dates == sorted(dates), "within a page, DS orders by (updated_at, id)"
        for dossier in page.dossiers:
            dirty.discard(dossier.number)
        if page.end_cursor is not None:
            key = cursor_key(page.end_cursor)
            assert not cursors or key > cursors[-1], "cursors only move forward"
            cursors.append(key)
            cursor = page.end_cursor  # never overwritten by a null cursor
        return bool(page.dossiers)

    for step in steps:
        kind = step[0]
        if kind == "page":
            read_page()
            continue
        number = numbers[step[1] % len(numbers)]
        if kind == "touch":
            ds_env.control.touch(number)
        elif kind == "message":
            ds_env.control.add_message(number, "Une question")
        else:
            if states[number] == step[2]:
                continue  # not a change: DS would not move updated_at
            ds_env.control.set_state(number, step[2])
            states[number] = step[2]
        dirty.add(number)

    for _ in range(4 * dossier_count + 10):
        if not read_page():
            break
    assert dirty == set(), f"updates lost: {sorted(dirty)}"
