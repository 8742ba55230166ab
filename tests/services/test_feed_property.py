"""Property: whatever the interleaving of DS changes and poll cycles, every change reaches the
channel exactly once. Changes come in bursts within the same second (DS shows dates to the
second) and pages hold two dossiers, so they straddle page boundaries."""

from __future__ import annotations

import contextlib
import itertools
import tempfile
from pathlib import Path

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.services.feed_harness import NotifyHarness

_channels = itertools.count(1)

operation = st.one_of(
    st.just(("create",)),
    st.tuples(st.just("message"), st.integers(0, 5)),
    st.tuples(st.just("touch"), st.integers(0, 5)),
    st.tuples(
        st.just("state"),
        st.integers(0, 5),
        st.sampled_from(["en_instruction", "accepte", "refuse"]),
    ),
    st.just(("cycle",)),
)


@settings(
    max_examples=12,
    deadline=None,
    # Each example runs real servers: no shrinking (its many re-runs would take minutes);
    # the failing list of operations is printed as drawn.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=3, max_size=14))
def test_every_change_is_delivered_exactly_once(operations):
    channel = f"C0PROP{next(_channels):04d}"
    # A sandbox of its own per example (it starts in milliseconds): what an earlier example
    # did in the same second would otherwise count as news for this one.
    with (
        tempfile.TemporaryDirectory() as tmp,
        NotifyHarness(Path(tmp), dossiers=5, page_size=2) as h,
    ):
        h.subscribe(channel)
        h.cycle()
        created: list[int] = []
        messages: dict[int, list[str]] = {}
        for op in operations:
            kind = op[0]
            if kind == "create" or (kind != "cycle" and not created):
                created.append(h.create_dossier())
                continue
            if kind == "cycle":
                h.cycle()
                continue
            number = created[op[1] % len(created)]
            if kind == "message":
                body = f"msg-{channel}-{sum(len(v) for v in messages.values())}"
                h.message(number, body)
                messages.setdefault(number, []).append(body)
            elif kind == "touch":
                h.control.touch(number)
            else:
                # Not every state is reachable from every other: DS would refuse those too.
                with contextlib.suppress(httpx.HTTPStatusError):
                    h.control.set_state(number, op[2])
        h.settle()

        cards = h.cards(channel)
        assert sorted(cards) == sorted(created)
        for number in created:
            replies = h.thread(channel, number)
            texts = [r["text"] for r in replies]
            for body in messages.get(number, []):
                assert sum(body in t for t in texts) == 1, (number, body, texts)
            # Each state change once, in DS's order.
            traitements = h.control.dossier(number)["traitements"][1:]  # after the deposit
            broadcasts = [r["text"] for r in replies if r["reply_broadcast"]]
            assert [_state_of(t) for t in broadcasts] == [t["state"] for t in traitements]
        # Rows are all settled: nothing left sending or pending.
        assert h.open_rows() == []


_STATE_WORDS = {
    "passé en instruction": "en_instruction",
    "repassé en construction": "en_construction",
    "accepté": "accepte",
    "refusé": "refuse",
    "classé sans suite": "sans_suite",
}


def _state_of(text: str) -> str:
    (state,) = [state for words, state in _STATE_WORDS.items() if words in text]
    return state
