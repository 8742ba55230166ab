"""Full dossier reads in batches: one request for up to 20 changed dossiers."""

from __future__ import annotations

import pytest

from dsbot.backends.ds.client import BATCH_SIZE
from dsbot.backends.ds.documents import QUERIES_DIR, load_documents
from dsbot.services.feed import FeedProcessor
from dsbot.services.subscriptions import utc_now
from tests.services.feed_harness import NotifyHarness

C1 = "C0ONE"


def test_batch_reads_select_exactly_what_a_single_read_selects():
    # One shared fragment: the two documents cannot drift apart.
    documents = load_documents(QUERIES_DIR)
    assert "DsbotDossierDetails" in documents["get_dossier"].fragments
    assert "DsbotDossierDetails" in documents["get_dossiers"].fragments
    slots = (QUERIES_DIR / "get_dossiers.graphql").read_text().count("...DsbotDossierDetails")
    assert slots == BATCH_SIZE


@pytest.fixture
def h(tmp_path):
    with NotifyHarness(tmp_path) as harness:
        harness.subscribe(C1)
        harness.cycle()
        yield harness


def test_changed_dossiers_are_read_twenty_at_a_time(h):
    numbers = [h.create_dossier() for _ in range(45)]
    before = h.stats()
    report = h.cycle()
    after = h.stats()
    assert report.ok and report.feeds[0].fetched == 45
    assert after["DsbotGetDossiers"] - before.get("DsbotGetDossiers", 0) == 3
    assert after.get("DsbotGetDossier", 0) == before.get("DsbotGetDossier", 0)
    assert after["DsbotDemarcheDossiers"] - before["DsbotDemarcheDossiers"] == 1
    # 45 new dossiers at once are more than a channel wants one by one: one summary.
    assert report.drain.collapsed == 1
    (summary,) = h.slack.top_level(C1)
    assert "45" in summary["text"]
    assert all(str(n) in str(summary["blocks"]) for n in numbers[:20])


def test_a_dossier_gone_between_listing_and_reading_is_left_out(h):
    kept = [h.create_dossier() for _ in range(2)]
    gone = h.create_dossier()
    h.control.delete(gone)
    processor = FeedProcessor(h.store, h.ds, clock=utc_now)
    before = h.stats()
    found = processor.read_dossiers([kept[0], gone, kept[1]])
    after = h.stats()
    assert sorted(found) == sorted(kept)
    assert all(dossier.number == number for number, (_, dossier) in found.items())
    # DS fails the whole batch for the missing one: the three are then read one by one.
    assert after["DsbotGetDossiers"] - before.get("DsbotGetDossiers", 0) == 1
    assert after["DsbotGetDossier"] - before.get("DsbotGetDossier", 0) == 3
