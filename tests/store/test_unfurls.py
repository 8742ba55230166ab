"""One link preview per URL and channel in a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dsbot.store import Store
from dsbot.store.unfurls import claim_unfurl, release_unfurl
from tests.fakes.db_template import premigrated

T0 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=30)
URL = "https://demarche.numerique.gouv.fr/dossiers/1234"


def test_claims_within_the_window(tmp_path):
    store = Store(premigrated(tmp_path / "dsbot.db"))
    store.migrate()
    with store.connect() as db:
        assert claim_unfurl(db, "T1", "C1", URL, T0, WINDOW)
        assert not claim_unfurl(db, "T1", "C1", URL, T0 + timedelta(minutes=29), WINDOW)
        # Another channel, another team: their own previews.
        assert claim_unfurl(db, "T1", "C2", URL, T0, WINDOW)
        assert claim_unfurl(db, "T2", "C1", URL, T0, WINDOW)
        assert claim_unfurl(db, "T1", "C1", URL, T0 + timedelta(minutes=30), WINDOW)
        # The window restarts from the last preview.
        assert not claim_unfurl(db, "T1", "C1", URL, T0 + timedelta(minutes=59), WINDOW)


def test_a_released_claim_can_be_made_again(tmp_path):
    store = Store(premigrated(tmp_path / "dsbot.db"))
    store.migrate()
    with store.connect() as db:
        assert claim_unfurl(db, "T1", "C1", URL, T0, WINDOW)
        release_unfurl(db, "T1", "C1", URL)
        assert claim_unfurl(db, "T1", "C1", URL, T0 + timedelta(minutes=1), WINDOW)
