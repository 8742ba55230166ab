"""No outbox row grows with the démarche: a backfill of thousands of dossiers becomes one
summary of counts and a sample, and every payload is bounded where its row is written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from dsbot.backends.port import DossierState, DossierSummary
from dsbot.notifications.delivery.scheduler import coalesce_bursts
from dsbot.notifications.model import (
    MAX_PAYLOAD_BYTES,
    SUMMARY_SAMPLE,
    AlertPayload,
    Change,
    Deposited,
    MessageReceived,
    OutboxKind,
    PayloadTooLarge,
    SummaryPayload,
    ThreadPayload,
    decode_payload,
    encode_payload,
)
from dsbot.services.outbox import DossierContext, plan_deliveries
from dsbot.store import notifications as q
from dsbot.store.notifications import OutboxEntry, Subscription

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
BEFORE = NOW - timedelta(days=200)
STATES = list(DossierState)


def subscription() -> Subscription:
    return Subscription(1, "T1", "C1", 42, None, (), "U1", NOW, BEFORE)


def backfill(db, count: int) -> None:
    """What the feed queues for `count` dossiers dated before the subscription, as it does it
    page by page: one backfill card each, through the planner."""
    sub = subscription()
    for number in range(1, count + 1):
        state = STATES[number % len(STATES)]
        at = BEFORE + timedelta(minutes=number)
        summary = DossierSummary(f"RG9z{number}", number, state, False, at, at)
        context = DossierContext(number, state, at, "v1", "Vélo <électrique>", summary)
        changes = [Change(at, "deposited", Deposited(at))]
        for entry in plan_deliveries(db, [sub], context, changes):
            q.enqueue(db, entry, NOW)


def test_a_backfill_of_5000_dossiers_is_one_summary_of_counts_and_a_sample(store):
    with q.write(store) as db:
        backfill(db, 5000)
        assert coalesce_bursts(db, NOW) == 1
        largest = db.execute("SELECT max(length(CAST(payload AS BLOB))) FROM outbox").fetchone()[0]
        rows = q.open_rows(db, "C1")
    assert largest <= MAX_PAYLOAD_BYTES
    assert len(rows) == 1 and rows[0].kind is OutboxKind.SUMMARY
    summary = rows[0].payload
    assert isinstance(summary, SummaryPayload)
    assert summary.count == 5000
    assert sum(summary.state_counts.values()) == 5000
    assert summary.state_counts[DossierState.ACCEPTE.value] == 1000
    assert [s.number for s in summary.dossiers] == list(range(1, SUMMARY_SAMPLE + 1))
    assert summary.demarche_title == "Vélo <électrique>"
    # A few kilobytes, whatever the count: the row does not name every dossier.
    assert len(encode_payload(summary)) < 8 * 1024


def test_a_summary_row_of_an_older_dsbot_still_counts_its_list():
    listed = [
        {
            "id": f"RG9z{n}",
            "number": n,
            "state": "accepte" if n % 2 else "en_construction",
            "archived": False,
            "date_depot": NOW.isoformat(),
            "date_derniere_modification": NOW.isoformat(),
        }
        for n in range(30)
    ]
    old = '{"demarche":42,"demarche_title":"V","dossiers":' + json.dumps(listed) + "}"
    payload = decode_payload(OutboxKind.SUMMARY, old)
    assert isinstance(payload, SummaryPayload)
    assert payload.count == 30
    assert payload.state_counts == {"accepte": 15, "en_construction": 15}


def test_a_long_message_is_shortened_and_no_payload_over_64_kb_is_written(store):
    body = "é" * 200_000
    event = ThreadPayload(MessageReceived(NOW, "m1", "u@example.org", body, ("a.pdf",) * 500))
    with q.write(store) as db:
        assert q.enqueue(db, OutboxEntry("T1", "C1", None, event, "long"), NOW)
        text = db.execute("SELECT payload FROM outbox WHERE dedupe_key = 'long'").fetchone()[0]
        assert len(text.encode()) <= MAX_PAYLOAD_BYTES
        stored = decode_payload(OutboxKind.THREAD, text)
        assert isinstance(stored, ThreadPayload) and isinstance(stored.change, MessageReceived)
        assert stored.change.body is not None and stored.change.body.startswith("éé")
        assert len(stored.change.attachments) == 20
        huge = AlertPayload("notify.ops.ds_down", {"detail": "x" * (MAX_PAYLOAD_BYTES + 1)})
        with pytest.raises(PayloadTooLarge):
            q.enqueue(db, OutboxEntry("T1", "C1", None, huge, "huge"), NOW)
        assert db.execute("SELECT count(*) FROM outbox WHERE dedupe_key = 'huge'").fetchone() == (
            0,
        )
