"""SubscriptionService against the DS sandbox (visibility checks go to DS over HTTP)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dsbot.backends.ds.client import DSClient
from dsbot.backends.ds.errors import DSNotFound, DSPermissionDenied
from dsbot.services.subscriptions import (
    FEED_START_MARGIN,
    GroupeNotInDemarche,
    SubscriptionService,
)
from dsbot.store import notifications as q

TEAM = "T0TEST"


@pytest.fixture
def ds(sandbox):
    client = DSClient(sandbox.graphql_url, "sandbox-token", max_read_retries=0)
    yield client
    client.close()


@pytest.fixture
def service(store, ds):
    return SubscriptionService(store, ds)


@pytest.fixture
def demarches(sandbox):
    return sandbox.control.demarches()


def feeds(store) -> list[str]:
    with store.connect() as db:
        return [r[0] for r in db.execute("select key from feeds order by key").fetchall()]


def test_subscribe_creates_a_subscription_and_its_feed_starting_now(service, store, demarches):
    number = demarches[0]["number"]
    before = datetime.now(UTC)
    result = service.subscribe(TEAM, "C1", number, states=["en_construction"], created_by="U1")
    assert result.kind == "created"
    sub = result.subscription
    assert (sub.team_id, sub.channel_id, sub.demarche_number) == (TEAM, "C1", number)
    assert sub.states == ("en_construction",) and sub.groupe_number is None
    assert sub.created_by == "U1" and sub.active
    assert before - timedelta(seconds=1) <= sub.since <= datetime.now(UTC)
    with store.connect() as db:
        feed = q.get_feed(db, f"demarche:{number}")
    assert feed is not None
    assert feed.end_cursor is None
    assert feed.updated_since == sub.since - FEED_START_MARGIN


def test_a_demarche_the_token_cannot_see_is_refused(sandbox, store, demarches):
    sandbox.control.add_token("scoped-token", demarches=[demarches[0]["number"]])
    scoped = DSClient(sandbox.graphql_url, "scoped-token", max_read_retries=0)
    service = SubscriptionService(store, scoped)
    with pytest.raises(DSPermissionDenied):
        service.subscribe(TEAM, "C1", demarches[1]["number"], created_by="U1")
    assert service.list(TEAM, "C1") == [] and feeds(store) == []
    scoped.close()


def test_an_unknown_demarche_is_refused(service, store):
    with pytest.raises((DSNotFound, DSPermissionDenied)):
        service.subscribe(TEAM, "C1", 999_999, created_by="U1")
    assert feeds(store) == []


def test_a_groupe_of_another_demarche_is_refused(service, demarches):
    other_groupe = demarches[1]["groupes"][0]["number"]
    with pytest.raises(GroupeNotInDemarche):
        service.subscribe(TEAM, "C1", demarches[0]["number"], groupe=other_groupe, created_by="U1")


def test_subscribing_again_merges_states_and_groupe(service, store, demarches):
    number = demarches[0]["number"]
    groupe = demarches[0]["groupes"][0]["number"]
    service.subscribe(TEAM, "C1", number, states=["accepte"], created_by="U1")
    merged = service.subscribe(
        TEAM, "C1", number, states=["refuse", "accepte"], groupe=groupe, created_by="U2"
    )
    assert merged.kind == "merged"
    assert merged.subscription.states == ("accepte", "refuse")
    assert merged.subscription.groupe_number == groupe
    assert merged.subscription.created_by == "U1"
    # The démarche feed nobody follows any more is gone; the groupe's is there.
    assert feeds(store) == [f"groupe:{groupe}"]
    again = service.subscribe(TEAM, "C1", number, created_by="U1")
    assert again.subscription.states == ()  # no state asked: every state
    assert again.subscription.groupe_number == groupe  # kept when none is given
    assert len(service.list(TEAM, "C1")) == 1


def test_two_channels_share_one_feed_until_both_leave(service, store, demarches):
    number = demarches[0]["number"]
    service.subscribe(TEAM, "C1", number, created_by="U1")
    service.subscribe(TEAM, "C2", number, created_by="U1")
    assert feeds(store) == [f"demarche:{number}"]
    assert service.unsubscribe(TEAM, "C1", number)
    assert feeds(store) == [f"demarche:{number}"]
    assert service.unsubscribe(TEAM, "C2", number)
    assert feeds(store) == []
    assert not service.unsubscribe(TEAM, "C2", number)


def test_list_is_per_channel_ordered_by_demarche(service, demarches):
    first, second = (d["number"] for d in demarches[:2])
    service.subscribe(TEAM, "C1", second, created_by="U1")
    service.subscribe(TEAM, "C1", first, created_by="U1")
    service.subscribe(TEAM, "C2", first, created_by="U1")
    assert [s.demarche_number for s in service.list(TEAM, "C1")] == sorted([first, second])
    assert [s.channel_id for s in service.list(TEAM, "C2")] == ["C2"]


def test_pause_and_resume(service, store, demarches):
    number = demarches[0]["number"]
    sub = service.subscribe(TEAM, "C1", number, created_by="U1").subscription
    assert service.pause(sub.id, "is_archived")
    paused = service.get(sub.id)
    assert paused.paused_reason == "is_archived" and not paused.active
    with store.connect() as db:
        assert q.active_feeds(db) == []  # nobody to notify: the feed is not polled
    assert service.resume(sub.id)
    resumed = service.get(sub.id)
    assert resumed.active and resumed.paused_reason is None
    assert resumed.since >= sub.since  # what happened while paused is not posted
    assert not service.pause(12345, "x") and not service.resume(12345)


def test_subscribing_again_resumes_a_paused_subscription(service, demarches):
    number = demarches[0]["number"]
    sub = service.subscribe(TEAM, "C1", number, created_by="U1").subscription
    service.pause(sub.id, "not_in_channel")
    again = service.subscribe(TEAM, "C1", number, created_by="U1")
    assert again.kind == "merged" and again.subscription.active


def test_since_a_past_date_starts_a_new_feed_then(service, store, demarches):
    number = demarches[0]["number"]
    sub = service.subscribe(TEAM, "C1", number, created_by="U1", since=date(2026, 1, 5))
    assert sub.subscription.since == datetime(2026, 1, 4, 23, 0, tzinfo=UTC)  # midnight, Paris
    with store.connect() as db:
        feed = q.get_feed(db, f"demarche:{number}")
    assert feed is not None
    assert feed.updated_since == sub.subscription.since - FEED_START_MARGIN
