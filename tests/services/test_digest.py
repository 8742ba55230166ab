"""The daily digest: its contents from the index, and its schedule (Paris time, weekdays,
once per channel and day), with the clock moved by the test."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import pytest

from dsbot.backends.ds.models import Avis, DossierState
from dsbot.notifications.model import Digest
from dsbot.services import index
from dsbot.services.digest import DigestScheduler, channel_digest, dedupe_key
from dsbot.store import Store
from dsbot.store import notifications as nq
from dsbot.store.notifications import write
from tests.fakes.db_template import premigrated
from tests.services.test_index import ALICE, NOW, dossier, message

# Friday 27 November 2026, 08:05 UTC = 09:05 in Paris.
FRIDAY_0905 = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)
WEEK_AGO = NOW - timedelta(days=7)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(premigrated(tmp_path / "dsbot.db"))
    s.migrate()
    with write(s) as db:
        for channel in ("C1", "C2"):
            db.execute(
                "INSERT INTO subscriptions (team_id, channel_id, backend, ref, created_by,"
                " created_at, since) VALUES ('T1', ?, 'ds', '100', 'UADMIN', ?, ?)",
                [channel, WEEK_AGO.isoformat(), WEEK_AGO.isoformat()],
            )
        for d in (
            dossier(1, days_old=20),  # en construction, not taken for 20 days
            dossier(2, days_old=0),  # new
            replace(
                dossier(3, DossierState.EN_INSTRUCTION, days_old=10, followers=(ALICE,)),
                date_previsionnelle_decision=date(2026, 11, 30),
            ),
            dossier(4, messages=(message("usager@example.org", 3),)),
            replace(
                dossier(5, DossierState.ACCEPTE, days_old=30),
                date_expiration=NOW + timedelta(days=2),
            ),
            replace(
                dossier(6, DossierState.EN_INSTRUCTION, days_old=2),
                date_derniere_correction_en_attente=NOW - timedelta(days=9),
            ),
        ):
            index.record(db, d, NOW)
    return s


def digest_of(store: Store) -> Digest:
    with store.connect() as db:
        subs = nq.channel_subscriptions(db, "T1", "C1")
        return channel_digest(
            db, subs, now=NOW, since=NOW - timedelta(days=1), reminder_days=7, day=None
        )


def lines(digest: Digest, category: str) -> list[tuple[int, str | None]]:
    _, found = digest.demarches[0].categories[category]
    return [(line.number, line.reason) for line in found]


def test_the_digest_lists_what_needs_someone(store):
    digest = digest_of(store)
    (part,) = digest.demarches
    assert part.title == "Subventions"
    assert part.counts == {"en_construction": 3, "en_instruction": 2, "accepte": 1}
    assert lines(digest, "new") == [(2, None)]
    assert lines(digest, "waiting") == [(1, "not_taken"), (3, "no_activity"), (6, "correction")]
    assert lines(digest, "unanswered") == [(4, None)]
    assert [x.number for x in part.categories["sva_due"][1]] == [3]
    assert [x.number for x in part.categories["expiring"][1]] == [5]
    # The payload survives its JSON round trip through the outbox.
    assert Digest.from_json(digest.to_json()) == digest


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (FRIDAY_0905, date(2026, 11, 27)),
        (FRIDAY_0905 - timedelta(minutes=10), None),  # 08:55 in Paris
        (FRIDAY_0905 + timedelta(days=1), None),  # Saturday
        (FRIDAY_0905 + timedelta(days=3), date(2026, 11, 30)),  # Monday
        # Summer time: 07:05 UTC is 09:05 in Paris in July.
        (datetime(2026, 7, 1, 7, 5, tzinfo=UTC), date(2026, 7, 1)),
    ],
)
def test_digest_time_is_paris_time_on_weekdays(store, now, due):
    scheduler = DigestScheduler(store, digest_time=clock_time(9, 0), clock=Clock(now))
    assert scheduler.due_day(now) == due


def test_no_digest_time_means_no_digest(store):
    scheduler = DigestScheduler(store, digest_time=None, clock=Clock(FRIDAY_0905))
    assert scheduler.run_if_due() == 0


def digest_rows(store: Store) -> list[nq.OutboxRow]:
    with store.connect() as db:
        return [r for r in nq.open_rows(db) if r.kind == "digest"]


def test_once_per_channel_and_day_across_restarts_and_processes(store):
    clock = Clock(FRIDAY_0905 - timedelta(minutes=10))
    first = DigestScheduler(store, digest_time=clock_time(9, 0), clock=clock)
    assert first.run_if_due() == 0  # not yet time
    clock.now = FRIDAY_0905
    assert first.run_if_due() == 2
    assert first.run_if_due() == 0
    # A restart: a new scheduler on the same database.
    restarted = DigestScheduler(store, digest_time=clock_time(9, 0), clock=clock)
    assert restarted.run_if_due() == 0
    # Another process that missed the day's mark still cannot queue a second one.
    with write(store) as db:
        db.execute("DELETE FROM poller_state WHERE key = 'digest_done'")
    assert restarted.run_if_due() == 0
    rows = digest_rows(store)
    assert sorted(r.dedupe_key for r in rows) == [
        dedupe_key("T1", "C1", date(2026, 11, 27)),
        dedupe_key("T1", "C2", date(2026, 11, 27)),
    ]
    # Monday brings the next one; "new" then counts from Friday's digest.
    clock.now = FRIDAY_0905 + timedelta(days=3)
    assert restarted.run_if_due() == 2
    digests = [r.payload for r in digest_rows(store) if isinstance(r.payload, Digest)]
    monday = [d for d in digests if d.day == date(2026, 11, 30)]
    assert len(monday) == 2


def test_a_channel_subscribed_after_the_digest_time_waits_for_the_next_day(store):
    with write(store) as db:
        db.execute(
            "INSERT INTO subscriptions (team_id, channel_id, backend, ref, created_by,"
            " created_at, since) VALUES ('T1', 'C3', 'ds', '100', 'UADMIN', ?, ?)",
            [(FRIDAY_0905 + timedelta(hours=5)).isoformat(), FRIDAY_0905.isoformat()],
        )
    clock = Clock(FRIDAY_0905 + timedelta(hours=6))
    scheduler = DigestScheduler(store, digest_time=clock_time(9, 0), clock=clock)
    assert scheduler.run_if_due() == 2
    assert "C3" not in {r.channel_id for r in digest_rows(store)}
    clock.now = FRIDAY_0905 + timedelta(days=3)
    assert scheduler.run_if_due() == 3
    # Asked for explicitly (dsbot digest), it comes at once.
    scheduler.enqueue(date(2026, 12, 1), clock.now, channel="C3")
    assert len([r for r in digest_rows(store) if r.channel_id == "C3"]) == 2


def test_summary_now_for_one_demarche(store):
    scheduler = DigestScheduler(store, digest_time=clock_time(9, 0), clock=Clock(NOW))
    assert [d.demarche_number for d in scheduler.summary("T1", "C1").demarches] == [100]
    assert scheduler.summary("T1", "C1", demarche=999).demarches == ()
    assert scheduler.summary("T1", "C-none").demarches == ()


def avis(days_ago: int, answered: bool = False) -> Avis:
    asked = NOW - timedelta(days=days_ago)
    return Avis(
        id=f"A{days_ago}{answered}",
        question="Le projet est-il conforme au PLU ?",
        reponse="Oui" if answered else None,
        date_question=asked,
        date_reponse=asked + timedelta(days=1) if answered else None,
        claimant_email="instructeur@gironde.gouv.fr",
        expert_email="expert@cerema.fr",
    )


def test_avis_pending_longer_than_the_reminder_delay_are_listed(store):
    # Recent activity on each: only the avis makes them wait.
    with write(store) as db:
        for number, asked in ((7, (avis(10),)), (8, (avis(10, answered=True),)), (9, (avis(3),))):
            d = replace(dossier(number, DossierState.EN_INSTRUCTION, days_old=1), avis=asked)
            index.record(db, d, NOW)
    waiting = lines(digest_of(store), "waiting")
    assert (7, "avis") in waiting
    assert not [n for n, _ in waiting if n in (8, 9)]
