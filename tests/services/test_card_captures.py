"""Cards are rendered from what the feed read: however long a drain lasts, delivering costs no
DS request (counted by the sandbox over real HTTP), and a capture shows what a fresh read
would."""

from __future__ import annotations

from datetime import UTC, datetime

from dsbot.backends.ds.card_capture import MAX_CAPTURE_BYTES, capture_text, restore
from dsbot.backends.ds.views import dossier_detail
from dsbot.texts import get_texts
from tests.services.feed_harness import NotifyHarness

C1 = "C0ONE"
FR = get_texts("fr")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def requests(h: NotifyHarness) -> int:
    return int(h.control.stats()["graphql_requests"])


def test_a_drain_longer_than_the_cache_reads_ds_no_more(tmp_path):
    with NotifyHarness(tmp_path, dossiers=30) as h:
        # A capture is exactly what a fresh read shows, for dossiers of every kind.
        listed = h.ds.feed_page(demarche=h.demarche, updated_since=EPOCH, page_size=30)
        for dossier in h.ds.get_dossiers([s.number for s in listed.dossiers]).values():
            text = capture_text(dossier)
            assert len(text.encode()) < MAX_CAPTURE_BYTES
            restored = restore(text)
            assert dossier_detail(restored, FR, "https://ds") == dossier_detail(
                dossier, FR, "https://ds"
            )

        h.subscribe(C1)
        h.cycle()
        monotonic = [1000.0]
        assert h.poller.cache is not None
        h.poller.cache.monotonic = lambda: monotonic[0]
        numbers = [h.create_dossier() for _ in range(3)]
        h.advance()
        report = h.poller.run_cycle(deliver=False)  # the feed reads; the drain comes later
        assert sum(f.enqueued for f in report.feeds) == 3
        # What the feed read is not kept in memory: memory follows a page, not the démarche.
        assert len(h.poller.cache) == 0
        monotonic[0] += 120  # the feed's 60 s cache has expired when the cards go
        before = requests(h)
        assert h.poller.sender.drain().sent == 3
        assert requests(h) == before
        assert set(h.cards(C1)) == set(numbers)

        # A message: the card is updated and the thread told, from the feed's read again.
        h.message(numbers[0], "Voici la pièce demandée")
        h.advance()
        h.poller.run_cycle(deliver=False)
        monotonic[0] += 120
        before = requests(h)
        assert h.poller.sender.drain().sent == 2
        assert requests(h) == before
        assert "Voici la pièce demandée" in str(h.cards(C1)[numbers[0]]["blocks"])

        # Trashed: the card says the dossier is gone, without asking DS whether it is.
        h.control.trash(numbers[1], by="usager")
        h.advance()
        h.poller.run_cycle(deliver=False)
        monotonic[0] += 120
        before = requests(h)
        assert h.poller.sender.drain().sent >= 1
        assert requests(h) == before
        assert str(numbers[1]) in h.cards(C1)[numbers[1]]["text"]
        assert "actions" not in str(h.cards(C1)[numbers[1]]["blocks"])
