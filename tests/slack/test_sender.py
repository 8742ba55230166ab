"""The outbox sender against the fake Slack Web API (a real HTTP server).

Rows are queued the way the feed queues them (store functions), the dossier reads come from
a dict of model objects (the sender takes any `fetch_dossier` callable), and every assertion
is on what Slack would show.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.errors import SlackApiError

from dsbot.backends.ds.errors import DSNotFound, DSServerError
from dsbot.backends.ds.models import Dossier, DossierState
from dsbot.notifications.model import (
    AlertPayload,
    Deleted,
    ItemRef,
    MessageReceived,
    ParentPayload,
    StateChanged,
    ThreadPayload,
)
from dsbot.slack.sender import Sender
from dsbot.slack.transport import METADATA_EVENT_TYPE
from dsbot.slack.transport.scopes import BOT_SCOPES
from dsbot.store import notifications as q
from dsbot.store.notifications import OutboxEntry
from dsbot.store.privacy import erase_item, remember_post
from dsbot.texts import Texts
from tests.backends.ds.fake_clock import FakeClock
from tests.fakes.slack_api import FakeSlack
from tests.slack.presentation.blocks.factories import (
    make_dossier,
    make_personne_morale,
    make_summary,
)

TEAM = "T0TEST"
CHANNEL = "C0NOTIF"
OTHER_CHANNEL = "C0OTHER"
ADMIN = "U0ADMIN"
DS_WEB = "https://demarche.numerique.gouv.fr"
HISTORY_SCOPES = ("channels:history", "groups:history")


@pytest.fixture
def clock():
    """Time for the posting limits of both the fake Slack and the sender: it only moves when
    the sender waits, so a test of one message a second takes no second at all."""
    return FakeClock()


@pytest.fixture
def slack(clock):
    # Slack's real per-channel limit (one post a second), on the fake clock.
    with FakeSlack(scopes=[*BOT_SCOPES, *HISTORY_SCOPES], clock=clock) as fake:
        fake.add_channel(CHANNEL, "instruction")
        fake.add_channel(OTHER_CHANNEL, "autre")
        fake.add_user(ADMIN, "admin@example.org")
        yield fake


class Dossiers:
    """What DS would answer, changeable during a test."""

    def __init__(self, *dossiers: Dossier) -> None:
        self.by_number = {d.number: d for d in dossiers}
        self.failure: Exception | None = None
        self.reads = 0

    def get(self, number: int) -> Dossier:
        self.reads += 1
        if self.failure is not None:
            raise self.failure
        if number not in self.by_number:
            raise DSNotFound("Dossier not found", code="not_found")
        return self.by_number[number]


@pytest.fixture
def dossiers():
    return Dossiers(make_dossier(number=1), make_dossier(number=2))


def make_sender(store, slack: FakeSlack, dossiers: Dossiers, **options) -> Sender:
    """A sender on the fake Slack's clock (it waits by moving that clock)."""
    if isinstance(slack.clock, FakeClock):
        options.setdefault("monotonic", slack.clock)
        options.setdefault("sleep", slack.clock.sleep)
    return Sender(store, slack.client(), dossiers.get, Texts("fr"), ds_web_base=DS_WEB, **options)


@pytest.fixture
def sender(store, slack, dossiers):
    return make_sender(store, slack, dossiers)


def queue(store, kind: str, key: str, *, number: int | None = 1, channel=CHANNEL, **payload):
    typed: ParentPayload | ThreadPayload | AlertPayload
    if kind == "parent":
        typed = ParentPayload(**({"create": True, "new": False, "demarche": 42} | payload))
    elif kind == "thread":
        typed = ThreadPayload(
            **({"broadcast": False, "create_parent": True, "demarche": 42} | payload)
        )
    else:
        typed = AlertPayload(**payload)
    item = ItemRef.ds(number) if number is not None else None
    entry = OutboxEntry(TEAM, channel, item, typed, key)
    with q.write(store) as db:
        assert q.enqueue(db, entry, datetime.now(UTC))


def state_change(to: str, at: str = "2026-03-02T10:00:00+00:00") -> dict:
    change = StateChanged(
        from_state="en_construction", to_state=to, by="a@x.fr", at=datetime.fromisoformat(at)
    )
    return {"change": change, "broadcast": True}


def rows(store) -> list[q.OutboxRow]:
    with store.connect() as db:
        found = [q.outbox_row(db, r["id"]) for r in db.query("select id from outbox order by id")]
    return [row for row in found if row is not None]


def subscribe(store, channel=CHANNEL, created_by=ADMIN, demarche=42) -> int:
    now = datetime.now(UTC)
    with q.write(store) as db:
        return q.insert_subscription(
            db,
            team_id=TEAM,
            channel_id=channel,
            demarche=demarche,
            groupe=None,
            states=(),
            created_by=created_by,
            created_at=now,
            since=now,
        )


def test_parent_is_posted_once_then_updated_in_place(store, slack, dossiers, sender):
    queue(store, "parent", "p1")
    report = sender.drain()
    assert report.sent == 1
    (parent,) = slack.top_level(CHANNEL)
    assert parent["text"] == "Dossier n° 1 (En instruction) · Subvention vélo"
    assert parent["metadata"]["event_type"] == METADATA_EVENT_TYPE
    assert parent["metadata"]["event_payload"]["outbox_id"] == rows(store)[0].id
    assert any(b.get("type") == "actions" for b in parent["blocks"])  # buttons on the card
    with store.connect() as db:
        assert q.parent_ts(db, TEAM, CHANNEL, ItemRef.ds(1)) == parent["ts"]

    dossiers.by_number[1] = make_dossier(number=1, state=DossierState.ACCEPTE)
    queue(store, "parent", "p2", create=False)
    assert sender.drain().sent == 1
    (updated,) = slack.top_level(CHANNEL)
    assert updated["ts"] == parent["ts"]
    assert updated["edited"] and len(updated["history"]) == 1
    assert updated["text"] == "Dossier n° 1 (Accepté) · Subvention vélo"
    assert len(slack.calls("chat.postMessage")) == 1
    assert [r.status for r in rows(store)] == ["sent", "sent"]


def test_a_dedupe_key_is_never_queued_twice(store):
    queue(store, "parent", "same")
    entry = OutboxEntry(TEAM, CHANNEL, ItemRef.ds(1), ParentPayload(create=True), "same")
    with q.write(store) as db:
        assert not q.enqueue(db, entry, datetime.now(UTC))
    assert len(rows(store)) == 1


def test_events_go_to_the_thread_and_state_changes_are_broadcast(store, slack, sender):
    queue(store, "parent", "p1")
    queue(store, "thread", "t1", **state_change("en_instruction"))
    message = MessageReceived(
        email="usager@example.org",
        body="Voici la pièce",
        at=datetime.fromisoformat("2026-03-02T11:00:00+00:00"),
    )
    queue(store, "thread", "t2", change=message)
    assert sender.drain().sent == 3
    (parent,) = [m for m in slack.top_level(CHANNEL) if not m.get("reply_broadcast")]
    replies = slack.thread(CHANNEL, parent["ts"])
    assert len(replies) == 2
    assert replies[0]["reply_broadcast"] is True
    assert "passé en instruction par a@x.fr" in replies[0]["text"]
    assert replies[1]["reply_broadcast"] is False
    assert "Voici la pièce" in replies[1]["text"]


def test_a_thread_event_without_a_card_posts_the_card_first(store, slack, sender):
    queue(store, "thread", "t1", **state_change("en_instruction"))
    assert sender.drain().sent == 2
    messages = slack.messages(CHANNEL)
    assert messages[0].get("thread_ts") in (None, messages[0]["ts"])  # the card, first
    assert messages[1]["thread_ts"] == messages[0]["ts"]


def test_a_deletion_event_without_a_card_is_skipped(store, slack, sender):
    queue(
        store,
        "thread",
        "t1",
        change=Deleted(reason="expired", state="accepte"),
        create_parent=False,
    )
    report = sender.drain()
    assert report.sent == 0 and report.skipped == 1
    assert slack.calls("chat.postMessage") == []


def test_deleted_card_in_slack_is_posted_again(store, slack, dossiers, sender):
    queue(store, "parent", "p1")
    sender.drain()
    (first,) = slack.top_level(CHANNEL)
    slack.client().chat_delete(channel=CHANNEL, ts=first["ts"])
    queue(store, "parent", "p2", create=False)
    assert sender.drain().sent == 1
    (second,) = slack.top_level(CHANNEL)
    assert second["ts"] != first["ts"]
    with store.connect() as db:
        assert q.parent_ts(db, TEAM, CHANNEL, ItemRef.ds(1)) == second["ts"]


def test_card_of_a_dossier_gone_from_ds_says_so(store, slack, dossiers, sender):
    queue(store, "parent", "p1")
    sender.drain()
    del dossiers.by_number[1]
    queue(store, "parent", "p2", create=False)
    sender.drain()
    (card,) = slack.top_level(CHANNEL)
    assert "plus visible dans DS" in card["text"]
    assert not any(b.get("type") == "actions" for b in card["blocks"])  # no dead buttons


def test_ds_down_at_render_time_waits_without_giving_up(store, slack, dossiers):
    sender = make_sender(store, slack, dossiers, max_attempts=1)
    dossiers.failure = DSServerError("boom")
    queue(store, "parent", "p1")
    report = sender.drain()
    assert report.rescheduled == 1 and report.dead == 0
    (row,) = rows(store)
    assert row.status == "pending" and row.next_attempt_at > datetime.now(UTC)
    assert slack.calls("chat.postMessage") == []


@pytest.mark.parametrize("error", ["is_archived", "channel_not_found", "not_in_channel"])
def test_permanent_error_pauses_the_channel_and_tells_the_admin_once(store, slack, sender, error):
    sub_id = subscribe(store)
    queue(store, "parent", "p1")
    queue(store, "thread", "t1", **state_change("en_instruction"))
    slack.fail("chat.postMessage", error, times=1)
    report = sender.drain()
    assert report.paused_channels == 1
    with store.connect() as db:
        sub = q.subscription_by_id(db, sub_id)
    assert sub is not None
    assert sub.paused_reason == error and not sub.active
    assert [r.status for r in rows(store)[:2]] == ["dead", "dead"]
    (notice,) = slack.messages(ADMIN)  # a DM to whoever subscribed the channel
    assert error in notice["text"] and CHANNEL in notice["text"]
    # Nothing more can be queued for a paused channel, and draining again says nothing more.
    sender.drain()
    assert len(slack.messages(ADMIN)) == 1
    assert slack.top_level(CHANNEL) == []


def test_permanent_error_notice_goes_to_the_ops_channel_when_set(store, slack, dossiers):
    sender = make_sender(store, slack, dossiers, ops_channel=OTHER_CHANNEL)
    subscribe(store)
    slack.update_channel(CHANNEL, is_archived=True)
    queue(store, "parent", "p1")
    sender.drain()
    (notice,) = slack.messages(OTHER_CHANNEL)
    assert "is_archived" in notice["text"]
    assert slack.messages(ADMIN) == []


class MovableClock:
    """The sender's clock: real time plus what the test lets pass."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


def test_rate_limit_reschedules_after_retry_after_without_sleeping(store, slack, dossiers):
    queue(store, "parent", "p1")
    queue(store, "thread", "t1", **state_change("en_instruction"))
    clock = MovableClock()
    sender = make_sender(store, slack, dossiers, clock=clock)
    slack.fail("chat.postMessage", "ratelimited", retry_after=1, times=1)
    started = time.monotonic()
    report = sender.drain()
    assert time.monotonic() - started < 1.0  # did not wait in the drain
    assert report.rescheduled == 1 and report.sent == 0
    first = rows(store)[0]
    assert first.status == "pending" and first.last_error == "ratelimited"
    wait = (first.next_attempt_at - clock()).total_seconds()
    assert 0.3 < wait <= 1.0
    assert sender.drain().sent == 0  # not due yet; the thread row waits behind it
    clock.advance(wait + 0.05)
    assert sender.drain().sent == 2
    (parent,) = [m for m in slack.top_level(CHANNEL) if not m.get("reply_broadcast")]
    assert len(slack.thread(CHANNEL, parent["ts"])) == 1


def test_posts_are_paced_per_channel_and_channels_go_in_parallel(store, slack, clock, dossiers):
    sender = make_sender(store, slack, dossiers)
    for channel in (CHANNEL, OTHER_CHANNEL):
        for number in (1, 2):
            queue(store, "parent", f"{channel}-{number}", number=number, channel=channel)
        queue(store, "thread", f"{channel}-t", number=1, channel=channel, **state_change("refuse"))
    started = clock()
    assert sender.drain().sent == 6
    posts = slack.calls("chat.postMessage")
    assert slack.rate_limited() == []
    for channel in (CHANNEL, OTHER_CHANNEL):
        times = [c.at for c in posts if c.params["channel"] == channel]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert len(times) == 3 and min(gaps) >= 1.0
    # 2 x 3 posts at one a second would take 5 s one channel after the other.
    assert clock() - started <= 2.0 + 1e-6


def alerts(store, channel: str, count: int, prefix: str = "a") -> None:
    for n in range(count):
        queue(
            store, "alert", f"{prefix}{n}", number=None, channel=channel, text_key="notify.usager"
        )


def test_one_channel_at_slacks_limit_gets_no_429_and_about_one_message_a_second(
    store, slack, clock, dossiers
):
    # Slack answers after a few milliseconds, never the same: the next post is timed from the
    # end of the previous one, so a fast answer after a slow one still leaves a full second.
    rng = random.Random(8)
    slack.set_latency("chat.postMessage", lambda: rng.uniform(0.0, 0.03))
    sender = make_sender(store, slack, dossiers)
    alerts(store, CHANNEL, 40)
    report = sender.drain()
    assert report.sent == 40 and report.rescheduled == 0
    assert slack.rate_limited() == []
    times = [c.at for c in slack.calls("chat.postMessage")]
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate >= 0.95


def test_card_updates_do_not_wait_for_a_posting_slot(store, slack, clock):
    many = Dossiers(*(make_dossier(number=n) for n in range(1, 21)))
    sender = make_sender(store, slack, many)
    for n in range(1, 21):
        queue(store, "parent", f"card{n}", number=n)
    assert sender.drain().sent == 20
    # 20 usager messages: each refreshes its card (chat.update) and adds a thread reply.
    for n in range(1, 21):
        queue(store, "parent", f"refresh{n}", number=n, create=False)
        message = MessageReceived(email="usager@example.org", body=f"pièce {n}")
        queue(store, "thread", f"message{n}", number=n, change=message)
    slack.reset_calls()
    started = clock()
    assert sender.drain().sent == 40
    assert slack.rate_limited() == []
    assert len(slack.calls("chat.update")) == 20
    # One posting slot per message, not two: about 20 s (the first slot is already free).
    elapsed = clock() - started
    assert 18.0 <= elapsed <= 20.0
    replies = [c for c in slack.calls("chat.postMessage") if c.params.get("thread_ts")]
    assert len(replies) == 20


def test_card_updates_share_the_workspace_tier3_budget(store, slack, clock):
    many = Dossiers(*(make_dossier(number=n) for n in range(1, 7)))
    sender = make_sender(store, slack, many, tier3_per_minute=6, tier3_burst=2)
    for n in range(1, 7):
        queue(store, "parent", f"card{n}", number=n, channel=(CHANNEL, OTHER_CHANNEL)[n % 2])
    sender.drain()
    for n in range(1, 7):
        channel = (CHANNEL, OTHER_CHANNEL)[n % 2]
        queue(store, "parent", f"refresh{n}", number=n, channel=channel, create=False)
    slack.reset_calls()
    started = clock()
    assert sender.drain().sent == 6
    updates = [c.at - started for c in slack.calls("chat.update")]
    # Two at once, then one every 10 s (6 a minute), whichever the channel.
    assert updates[:2] == [0.0, 0.0]
    assert [round(t) for t in updates[2:]] == [10, 20, 30, 40]


def test_a_long_queue_in_one_channel_does_not_delay_another(store, slack, clock, dossiers):
    # One worker only: a channel waiting for its next slot gives it back to the others.
    sender = make_sender(store, slack, dossiers, workers=1)
    alerts(store, CHANNEL, 10)
    alerts(store, OTHER_CHANNEL, 2, prefix="o")
    started = clock()
    assert sender.drain().sent == 12
    assert slack.rate_limited() == []
    other = [
        c.at - started
        for c in slack.calls("chat.postMessage")
        if c.params["channel"] == OTHER_CHANNEL
    ]
    long = [
        c.at - started for c in slack.calls("chat.postMessage") if c.params["channel"] == CHANNEL
    ]
    assert other == [0.0, 1.0]
    assert long[-1] == pytest.approx(9.0)


def test_burst_of_new_dossiers_becomes_one_summary(store, slack, dossiers):
    sender = make_sender(store, slack, dossiers, burst_threshold=5)
    for number in range(100, 112):
        summary = make_summary(number=number)
        queue(
            store,
            "parent",
            f"new-{number}",
            number=number,
            new=True,
            demarche_title="Subvention vélo",
            summary=summary,
        )
    report = sender.drain()
    assert report.collapsed == 1 and report.sent == 1
    (message,) = slack.top_level(CHANNEL)
    assert "12" in message["text"] and "Subvention vélo" in message["text"]
    assert dossiers.reads == 0
    assert sorted({r.status for r in rows(store)}) == ["collapsed", "sent"]


def test_a_few_new_dossiers_get_their_own_cards(store, slack, dossiers):
    sender = make_sender(store, slack, dossiers, burst_threshold=5)
    for number in (1, 2):
        queue(
            store,
            "parent",
            f"new-{number}",
            number=number,
            new=True,
            summary=make_summary(number=number),
        )
    assert sender.drain().sent == 2
    assert len(slack.top_level(CHANNEL)) == 2


def claim_and_crash(store, slack, sender, row_id: int, *, post: bool, thread_ts=None):
    """What a process killed after step 2 leaves: the row `sending`, the message maybe in
    Slack (with the metadata the sender puts on it)."""
    with q.write(store) as db:
        assert q.claim(db, row_id, datetime.now(UTC), thread_ts)
    if post:
        restart(slack)
        kwargs = {"thread_ts": thread_ts} if thread_ts else {}
        slack.client().chat_postMessage(
            channel=CHANNEL,
            text="posted before the crash",
            metadata={
                "event_type": METADATA_EVENT_TYPE,
                "event_payload": {"outbox_id": row_id, "db": sender.instance_id()},
            },
            **kwargs,
        )
        restart(slack)


def restart(slack: FakeSlack) -> None:
    """A crashed dsbot takes more than a second to come back: its post is no longer the
    latest one in Slack's per-channel limit."""
    assert isinstance(slack.clock, FakeClock)
    slack.clock.sleep(1.0)


def test_recovery_finds_a_message_sent_before_a_crash(store, slack, sender):
    queue(store, "parent", "p1")
    queue(store, "thread", "t1", **state_change("en_instruction"))
    parent_row, _thread_row = rows(store)
    claim_and_crash(store, slack, sender, parent_row.id, post=True)
    report = sender.drain()
    assert report.recovered == 1
    (parent,) = [m for m in slack.top_level(CHANNEL) if not m.get("reply_broadcast")]
    assert parent["text"] == "posted before the crash"  # not posted a second time
    with store.connect() as db:
        assert q.parent_ts(db, TEAM, CHANNEL, ItemRef.ds(1)) == parent["ts"]
    # The thread reply was sent once; now crash after it too, and recover from the replies.
    replies = slack.thread(CHANNEL, parent["ts"])
    assert len(replies) == 1
    queue(store, "thread", "t2", **state_change("accepte", "2026-03-02T12:00:00+00:00"))
    third = rows(store)[2]
    claim_and_crash(store, slack, sender, third.id, post=True, thread_ts=parent["ts"])
    assert sender.drain().recovered == 1
    assert len(slack.thread(CHANNEL, parent["ts"])) == 2
    assert all(r.status == "sent" for r in rows(store))


def test_recovery_sends_what_never_reached_slack(store, slack, sender):
    queue(store, "parent", "p1")
    (row,) = rows(store)
    claim_and_crash(store, slack, sender, row.id, post=False)
    report = sender.drain()
    assert report.recovered == 0 and report.sent == 1
    assert len(slack.top_level(CHANNEL)) == 1


def test_recovery_ignores_messages_of_another_database(store, slack, sender):
    queue(store, "parent", "p1")
    (row,) = rows(store)
    with q.write(store) as db:
        q.claim(db, row.id, datetime.now(UTC))
    slack.client().chat_postMessage(
        channel=CHANNEL,
        text="an old dsbot install",
        metadata={
            "event_type": METADATA_EVENT_TYPE,
            "event_payload": {"outbox_id": row.id, "db": "other"},
        },
    )
    restart(slack)
    assert sender.drain().sent == 1
    assert len(slack.top_level(CHANNEL)) == 2


def test_slack_server_error_is_settled_through_history(store, slack, sender):
    queue(store, "parent", "p1")
    slack.fail("chat.postMessage", "internal_error", status=500, times=1)
    report = sender.drain()
    assert report.sent == 0
    (row,) = rows(store)
    assert row.status == "sending"  # unknown outcome: never blindly resent
    assert sender.drain().sent == 1
    assert len(slack.top_level(CHANNEL)) == 1


def test_mentions_a_linked_instructeur(store, slack, sender):
    with q.write(store) as db:
        db.execute(
            "insert into links (team_id, slack_user_id, instructeur_id, email, method, linked_by,"
            " linked_at) values (?, ?, ?, ?, ?, ?, ?)",
            [TEAM, "U0AGENT", "SW5z", "A@X.fr", "admin", ADMIN, "2026-01-01T00:00:00+00:00"],
        )
    queue(store, "parent", "p1")
    queue(store, "thread", "t1", **state_change("en_instruction"))
    sender.drain()
    broadcast = [m for m in slack.messages(CHANNEL) if m.get("reply_broadcast")]
    assert "par <@U0AGENT>" in broadcast[0]["text"]


def test_old_finished_rows_are_pruned(store, sender, slack):
    queue(store, "parent", "p1")
    sender.drain()
    with q.write(store) as db:
        assert q.prune_outbox(db, datetime.now(UTC) - timedelta(days=1)) == 0
        assert q.prune_outbox(db, datetime.now(UTC) + timedelta(seconds=1)) == 1


def test_without_the_history_scopes_an_unsettled_row_is_sent_again(store, dossiers):
    # The manifest must grant channels:history/groups:history; if an install lacks them, a
    # row left `sending` is sent again (a possible duplicate) rather than never.
    without_history = [s for s in BOT_SCOPES if not s.endswith(":history")]
    with FakeSlack(scopes=without_history) as slack:
        slack.add_channel(CHANNEL, "instruction")
        sender = make_sender(store, slack, dossiers)
        queue(store, "parent", "p1")
        (row,) = rows(store)
        with q.write(store) as db:
            q.claim(db, row.id, datetime.now(UTC))
        assert sender.drain().sent == 1
        assert slack.calls("conversations.history")[0].response["error"] == "missing_scope"
        assert len(slack.top_level(CHANNEL)) == 1


def test_an_event_whose_card_cannot_be_posted_is_skipped(store, slack, dossiers, sender):
    # The dossier is gone from DS before its card was ever posted: no card, so no thread.
    queue(store, "thread", "t1", number=99, **state_change("en_instruction"))
    report = sender.drain(budget=5)
    assert report.sent == 0 and report.skipped == 2
    assert {r.status for r in rows(store)} == {"skipped"}
    assert slack.calls("chat.postMessage") == []


def test_a_shutdown_does_not_wait_for_a_long_queue(store, slack):
    # Ten cards at about one a second would hold `dsbot run` for ten seconds after SIGTERM.
    slack.clock = time.monotonic  # real time: the stop comes from a timer
    many = Dossiers(*(make_dossier(number=n) for n in range(1, 11)))
    waits: list[float] = []
    stop = threading.Event()

    def sleep(seconds: float) -> None:
        # The pacing waits pass at once; SIGTERM arrives during the second one.
        waits.append(seconds)
        if len(waits) == 2:
            stop.set()

    sender = make_sender(store, slack, many, pacing=1.0, sleep=sleep)
    sender.stop_event = stop
    for n in range(1, 11):
        queue(store, "parent", f"p{n}", number=n)
    report = sender.drain()
    assert len(waits) == 2 and all(0.5 < w <= 1.0 for w in waits)  # paced until then
    assert 1 <= report.sent < 10
    # Nothing is lost: what was not sent is still waiting for the next start.
    assert sum(r.status == "pending" for r in rows(store)) == 10 - report.sent


def test_a_background_drain_leaves_new_cards_to_the_end_of_their_cycle(store, slack, dossiers):
    # The feed commits page by page: a drain running meanwhile must not post the first cards
    # of what will turn out to be a burst.
    sender = make_sender(store, slack, dossiers, burst_threshold=2)
    for number in (1, 2, 3):
        queue(
            store,
            "parent",
            f"new-{number}",
            number=number,
            new=True,
            summary=make_summary(number=number),
        )
    queue(store, "parent", "refresh", number=1, create=False, channel=OTHER_CHANNEL)
    report = sender.drain(admit=False)
    assert report.sent == 0 and report.skipped == 1  # other rows go on as usual
    assert slack.calls("chat.postMessage") == []
    sender.admit()  # the poller: the cycle is over
    report = sender.drain(admit=False)
    assert report.collapsed == 1 and report.sent == 1
    (summary,) = slack.top_level(CHANNEL)
    assert "3" in summary["text"]


def test_minimal_channel_detail_posts_no_demandeur(store, slack):
    # DSBOT_CHANNEL_DETAIL=minimal: the card keeps number, démarche, state and dates; the
    # demandeur's name, e-mail and SIRET, and what the usager wrote, stay out of the channel.
    morale = make_dossier(number=3, demandeur=make_personne_morale())
    sender = make_sender(
        store, slack, Dossiers(make_dossier(number=1), morale), channel_detail="minimal"
    )
    queue(store, "parent", "p1")
    queue(store, "parent", "p3", number=3)
    message = MessageReceived(email="sophie.lefevre@example.org", body="Mon RIB est joint")
    queue(store, "thread", "t1", change=message)
    sender.drain()
    posted = json.dumps(slack.messages(CHANNEL), ensure_ascii=False)
    assert "Dossier n° 1" in posted and "Dossier n° 3" in posted
    for personal in ("Lefèvre", "sophie.lefevre@example.org", "13002526500013", "Dupont", "RIB"):
        assert personal not in posted
    # Full detail (the default) shows them: the check above can fail.
    full = make_sender(store, slack, Dossiers(morale))
    queue(store, "parent", "p3-full", number=3, channel=OTHER_CHANNEL)
    full.drain()
    shown = json.dumps(slack.messages(OTHER_CHANNEL), ensure_ascii=False)
    assert "13002526500013" in shown and "Dupont" in shown


def test_an_erased_dossier_leaves_every_message_the_bot_remembers(store, slack, sender):
    # Card, thread replies (kept beyond the outbox's pruning) and a card shared by hand: all
    # become the tombstone, once, through the outbox.
    queue(store, "parent", "p1")
    queue(store, "thread", "t1", **state_change("en_instruction"))
    sender.drain()
    shared = slack.client().chat_postMessage(channel=OTHER_CHANNEL, text="Dossier n° 1 partagé")
    now = datetime.now(UTC)
    with q.write(store) as db:
        remember_post(db, TEAM, OTHER_CHANNEL, shared["ts"], ItemRef.ds(1), "shared", now)
        db.execute("DELETE FROM outbox")  # pruned: the thread reply is remembered all the same
        removed = erase_item(db, ItemRef.ds(1), "request", now)
    assert removed.messages == 3
    assert sender.drain().sent == 3
    tombstone = "🗑️ Dossier n° 1 : contenu retiré (effacement demandé)"
    texts = [m["text"] for c in (CHANNEL, OTHER_CHANNEL) for m in slack.messages(c)]
    assert texts == [tombstone] * 3
    with store.connect() as db:
        assert q.parent_ts(db, TEAM, CHANNEL, ItemRef.ds(1)) is None
    assert sender.drain().sent == 0


def test_a_card_on_its_way_while_its_dossier_is_erased_is_erased_too(store, slack, sender):
    # The erasure leaves a row being sent alone; its message, once Slack has it, gets its
    # tombstone too, and the row (its payload) goes.
    erased: list[int] = []

    def erase_meanwhile() -> float:
        if not erased:
            with q.write(store) as db:
                erased.append(erase_item(db, ItemRef.ds(1), "deleted", datetime.now(UTC)).messages)
        return 0.0

    slack.set_latency("chat.postMessage", erase_meanwhile)
    queue(store, "parent", "p1")
    sender.drain()
    assert erased == [0]  # nothing was in Slack yet when the erasure ran
    (card,) = slack.messages(CHANNEL)
    assert card["text"] == "🗑️ Dossier n° 1 supprimé dans DS"
    assert [r.kind.value for r in rows(store)] == ["erase"]
    with store.connect() as db:
        assert q.parent_ts(db, TEAM, CHANNEL, ItemRef.ds(1)) is None


def test_card_updates_past_tier_3_get_no_429_from_a_strict_slack(store, slack, clock):
    # The fake counts every tier: 50 chat.update in any minute, the 51st is refused as Slack
    # refuses it.
    client = slack.client()
    answers = []
    for _ in range(51):
        with pytest.raises(SlackApiError) as failed:  # no such message: refused, yet counted
            client.chat_update(channel=CHANNEL, ts="1.000001", text="x")
        answers.append(failed.value.response)
    assert {a.status_code for a in answers[:50]} == {200}
    assert answers[50].status_code == 429 and answers[50]["error"] == "ratelimited"
    assert 1 <= int(answers[50].headers["Retry-After"]) <= 60
    clock.advance(60)

    # 60 updates: ten more than Tier 3 allows in a minute (the issue measured 100).
    count = 60
    many = Dossiers(*(make_dossier(number=n) for n in range(1, count + 1)))
    sender = make_sender(store, slack, many)
    channels = [f"C0CARDS{i}" for i in range(10)]
    for n in range(1, count + 1):
        queue(store, "parent", f"card{n}", number=n, channel=channels[n % 10])
    assert sender.drain().sent == count
    for n in range(1, count + 1):
        queue(store, "parent", f"refresh{n}", number=n, channel=channels[n % 10], create=False)
    slack.reset_calls()
    started = clock()
    assert sender.drain().sent == count
    updates = slack.calls("chat.update")
    assert len(updates) == count and slack.rate_limited("chat.update") == []
    # Never more than 50 in a minute: the last ones wait for the first ones' minute to end.
    assert all(
        later.at - earlier.at >= 60 for earlier, later in zip(updates, updates[50:], strict=False)
    )
    assert clock() - started >= 60
