"""The feed keeps the local index: every dossier it reads in full, and every deletion."""

from __future__ import annotations

import pytest

from dsbot.store import index as iq
from tests.services.feed_harness import NotifyHarness

C1 = "C0ONE"


@pytest.fixture
def h(tmp_path):
    with NotifyHarness(tmp_path) as harness:
        yield harness


def indexed(h: NotifyHarness) -> dict[int, iq.IndexEntry]:
    with h.store.connect() as db:
        return {e.number: e for e in iq.entries(db, h.demarche)}


def test_the_feed_indexes_what_it_reads_and_forgets_deletions(h):
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    entry = indexed(h)[number]
    dossier = h.control.dossier(number)
    assert entry.state.value == dossier["state"] and entry.groupe_number == dossier["groupe"]
    assert entry.last_message_from_usager is False
    h.message(number, "Bonjour, une question sur mon dossier.")
    h.cycle()
    assert indexed(h)[number].last_message_from_usager is True
    h.control.delete(number)
    h.cycle()
    assert number not in indexed(h)
