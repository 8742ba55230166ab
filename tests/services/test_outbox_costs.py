"""What a message costs does not grow with the queue: the next row of a channel comes from an
index in id order (read until the first row that may go), a message opens one database
connection, and pruning reads only the old rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dsbot.notifications.delivery.scheduler import Pacer, Scheduler
from dsbot.notifications.model import AlertPayload
from dsbot.slack.sender import Sender
from dsbot.store import notifications as q
from dsbot.store.notifications import OutboxEntry, OutboxRow
from dsbot.texts import Texts
from tests.fakes.slack_api import FakeSlack

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CHANNEL = "C0QUEUE"


def alerts(store, count: int, start: int = 0) -> None:
    with q.write(store) as db:
        for n in range(start, start + count):
            payload = AlertPayload("notify.usager", {})
            q.enqueue(db, OutboxEntry("T1", CHANNEL, None, payload, f"a{n}"), NOW)


def plan(db, sql: str, params: list) -> str:
    return " | ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())


def test_the_next_row_reads_the_same_with_20_or_2000_waiting(store, monkeypatch):
    decoded: list[int] = []
    from_row = OutboxRow.from_row.__func__  # type: ignore[attr-defined]

    def counting(cls, row):
        decoded.append(row["id"])
        return from_row(cls, row)

    monkeypatch.setattr(OutboxRow, "from_row", classmethod(counting))
    scheduler = Scheduler(store, Pacer(), clock=lambda: NOW + timedelta(minutes=1))
    reads = []
    for waiting in (20, 2000):
        alerts(store, waiting - (20 if waiting > 20 else 0), start=20 if waiting > 20 else 0)
        decoded.clear()
        assert scheduler.next_row(CHANNEL) is not None
        reads.append(len(decoded))
    assert reads == [1, 1]
    with store.connect() as db:
        picked = plan(
            db,
            "SELECT * FROM outbox WHERE channel_id = ? AND status IN ('pending', 'sending')"
            " ORDER BY id",
            [CHANNEL],
        )
        pruned = plan(
            db,
            "DELETE FROM outbox WHERE created_at < ? AND +status IN ('sent', 'dead', 'skipped',"
            " 'collapsed')",
            [NOW.isoformat()],
        )
    assert "outbox_open_channel" in picked and "TEMP B-TREE" not in picked
    assert "outbox_created" in pruned


def test_a_message_opens_one_connection(store):
    opened = []
    open_sqlite = store._sqlite

    def counting(timeout: float):
        opened.append(timeout)
        return open_sqlite(timeout)

    store._sqlite = counting
    with FakeSlack(post_interval=None) as slack:
        sender = Sender(
            store, slack.client(), lambda n: None, Texts("fr"), ds_web_base="x", pacing=0.0
        )
        sender.instance_id()
        counts = []
        for start, count in ((0, 10), (10, 30)):
            alerts(store, count, start)
            opened.clear()
            assert sender.drain().sent == count
            counts.append(len(opened))
    # One per message (it used to be about ten), and a few per drain (recover, the list of
    # channels, the bursts).
    assert counts[1] - counts[0] == 20
    assert counts[0] <= 10 + 6
