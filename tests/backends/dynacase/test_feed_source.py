"""Dynacase's changes as the port's `FeedSource`, against the Dynacase sandbox over HTTP: each
revision after the cursor is reported once, even several in the same second."""

from __future__ import annotations

import pytest

from dsbot.backends.dynacase.feed_source import DynacaseFeed
from dsbot.backends.dynacase.models import parse_date
from dsbot.backends.errors import BackendNotFound
from dsbot.backends.port import FeedSource

SUBV = "DEMANDE_SUBVENTION"


def test_changes_after_the_cursor_are_reported_once(client, dynacase) -> None:
    feed = DynacaseFeed(client, page_size=3)
    assert isinstance(feed, FeedSource)
    newest = client.list_documents(SUBV).documents[0]
    since = parse_date(newest.revdate)
    assert since is not None
    first = feed.changes(SUBV, feed.start(SUBV, since))
    assert str(newest.initid) in [c.ref for c in first.changes]
    assert all(c.modified_at is not None and c.modified_at >= since for c in first.changes)
    assert feed.changes(SUBV, first.cursor).changes == ()

    # Two new documents, most likely in the same second as each other: both come, once.
    a = dynacase.control.create_document(SUBV, "Subvention A")["initid"]
    second = feed.changes(SUBV, first.cursor)
    b = dynacase.control.create_document(SUBV, "Subvention B")["initid"]
    third = feed.changes(SUBV, second.cursor)
    reported = [c.ref for c in second.changes] + [c.ref for c in third.changes]
    assert sorted(reported) == sorted([str(a), str(b)])
    assert feed.changes(SUBV, third.cursor).changes == ()


def test_a_state_change_is_a_change_with_the_new_state(client, dynacase) -> None:
    feed = DynacaseFeed(client)
    initid = dynacase.control.create_document(SUBV, "Subvention C")["initid"]
    since = parse_date(client.get_document(initid).revdate)
    assert since is not None
    start = feed.changes(SUBV, feed.start(SUBV, since))
    assert [c.ref for c in start.changes] == [str(initid)]
    dynacase.control.set_state(initid, "e_sub_transmis")
    [change] = feed.changes(SUBV, start.cursor).changes
    assert change.ref == str(initid)
    assert change.state is not None and change.state.id == "e_sub_transmis"


def test_an_unknown_family_is_not_found(client) -> None:
    feed = DynacaseFeed(client)
    since = parse_date("2026-01-01 00:00:00")
    assert since is not None
    with pytest.raises(BackendNotFound):
        feed.changes("NO_SUCH_FAMILY", feed.start("NO_SUCH_FAMILY", since))
