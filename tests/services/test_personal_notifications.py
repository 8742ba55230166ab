"""Personal notifications in process: the real poller (feed, outbox, delivery engine) against
the DS sandbox and the fake Slack over HTTP, on the sandbox's clock (moved, never slept for).

An instructeur linked to a Slack user who follows a dossier in DS gets its events in one direct
message (conversations.open, then chat.postMessage to the DM); a colleague who does not follow
it gets nothing; their own actions never come back to them; `quotidien` makes one message a
day; a crash between the claim and the record sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import time as clock_time
from typing import Any

import pytest

from dsbot.backends.port import ItemPerson
from dsbot.notifications.model import Change, Mode, OutboxKind, OutboxStatus, StateChanged, Topic
from dsbot.services import personal
from dsbot.services.digest import next_digest_moment
from dsbot.slack.transport import METADATA_EVENT_TYPE
from dsbot.store import audit
from dsbot.store import notifications as q
from dsbot.store import personal as pq
from dsbot.store.links import LinkRow, save_link
from tests.fakes.slack_api import TEAM_ID
from tests.services.feed_harness import ADMIN, NotifyHarness

FOLLOWER = "U0FOLLOWER"
COLLEAGUE = "U0COLLEAGUE"
CHANNEL = "C0PERSO"
WINDOW = 300  # DSBOT_NOTIFICATIONS_WINDOW's default


@pytest.fixture
def h(tmp_path):
    with NotifyHarness(tmp_path, dossiers=2, seed=11) as harness:
        harness.slack.scopes.append("im:history")
        yield harness


def instructeurs(h: NotifyHarness) -> list[dict[str, Any]]:
    groupe = next(g for g in h.demarches[0]["groupes"] if not g["closed"])
    found: list[dict[str, Any]] = groupe["instructeurs"]
    assert len(found) >= 2, "the seed gives the groupe two instructeurs"
    return found


def link(h: NotifyHarness, user: str, instructeur: dict[str, Any]) -> None:
    h.slack.add_user(user, instructeur["email"])
    with q.write(h.store) as db:
        save_link(
            db,
            LinkRow(TEAM_ID, user, instructeur["id"], instructeur["email"], "admin", ADMIN, "x"),
        )


def dms(h: NotifyHarness, user: str) -> list[dict[str, Any]]:
    return h.slack.messages(h.slack.dm_channel(user))


def settle(h: NotifyHarness) -> None:
    """Cycles until nothing new and nothing due: rows gathering a person's events may wait."""
    for _ in range(10):
        report = h.cycle()
        now = h.ds_now()
        due = [r for r in h.open_rows() if r.next_attempt_at <= now]
        if report.ok and not any(f.enqueued for f in report.feeds) and not due:
            return
    raise AssertionError("the engine did not settle")


def followed_dossier(
    h: NotifyHarness, *, colleague_wants_new: bool = False
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """A new dossier of a subscribed démarche (its card posted), followed in DS by the first
    instructeur of its groupe (linked to FOLLOWER); the second one (COLLEAGUE) does not."""
    follower, colleague = instructeurs(h)[:2]
    link(h, FOLLOWER, follower)
    link(h, COLLEAGUE, colleague)
    if colleague_wants_new:
        personal.set_modes(h.store, TEAM_ID, COLLEAGUE, {Topic.NOUVEAUX: Mode.INSTANT})
    h.subscribe(CHANNEL)
    number = h.create_dossier()
    h.advance(1)
    settle(h)
    h.ds.bascule_suivi(h.ds.get_dossier(number), follower["id"])
    h.advance(1)
    settle(h)
    return number, follower, colleague


def test_a_follower_gets_one_dm_per_dossier_and_burst_and_nothing_of_their_own(h):
    number, follower, colleague = followed_dossier(h, colleague_wants_new=True)
    h.advance(WINDOW)
    h.settle()
    # The colleague asked for the new dossiers of their groupe: this one, once.
    (new,) = dms(h, COLLEAGUE)
    assert f"n° {number}" in new["text"] and dms(h, FOLLOWER) == []

    # Two messages of the usager a minute apart: gathered, then one DM after the window.
    h.message(number, "Voici le RIB demandé.")
    h.advance(60)
    h.cycle()
    h.message(number, "Et l’attestation.")
    h.advance(1)
    h.cycle()
    assert dms(h, FOLLOWER) == []  # still gathering
    h.advance(WINDOW)
    h.cycle()
    (dm,) = dms(h, FOLLOWER)
    assert h.slack.calls("conversations.open")
    assert dm["text"].count(f"n° {number}") == 2  # both events, one message
    button = dm["blocks"][1]["accessory"]
    assert button["action_id"] == "home_open_dossier" and str(number) in button["value"]
    assert len(dms(h, COLLEAGUE)) == 1  # a member of the groupe who does not follow it

    # Their own reply (DS: a message from the instructeur) and their own state change in DS
    # are not news to them; a colleague's state change is, once they ask for it.
    personal.set_modes(h.store, TEAM_ID, FOLLOWER, {Topic.ETATS: Mode.INSTANT})
    h.ds.envoyer_message(h.ds.get_dossier(number), follower["id"], "Merci, c’est complet.")
    h.control.set_state(number, "en_instruction", instructeur=follower["email"])
    h.advance(WINDOW + 1)
    h.settle()
    assert len(dms(h, FOLLOWER)) == 1
    h.control.set_state(number, "accepte", instructeur=colleague["email"])
    h.advance(1)
    h.cycle()
    h.advance(WINDOW)
    h.settle()
    assert len(dms(h, FOLLOWER)) == 2 and "accept" in dms(h, FOLLOWER)[-1]["text"].lower()
    assert len(dms(h, COLLEAGUE)) == 1


def test_quotidien_gathers_the_day_into_one_dm(h):
    number, _, _ = followed_dossier(h)
    personal.set_modes(h.store, TEAM_ID, FOLLOWER, {Topic.MESSAGES: Mode.DAILY})
    h.message(number, "Premier message.")
    h.advance(WINDOW + 1)
    h.cycle()
    h.message(number, "Second message.")
    h.advance(WINDOW + 1)
    settle(h)
    assert dms(h, FOLLOWER) == []  # not before the day's moment

    moment = next_digest_moment(h.ds_now(), clock_time(9, 0))
    h.advance((moment - h.ds_now()).total_seconds() + 1)
    settle(h)
    (daily,) = dms(h, FOLLOWER)
    assert daily["text"].startswith("Votre journée") and daily["text"].count(f"n° {number}") == 2

    # The next event waits for the next day.
    h.message(number, "Un troisième.")
    h.advance(WINDOW + 1)
    settle(h)
    assert len(dms(h, FOLLOWER)) == 1
    h.advance((next_digest_moment(h.ds_now(), clock_time(9, 0)) - h.ds_now()).total_seconds())
    settle(h)
    assert len(dms(h, FOLLOWER)) == 2


def test_a_crash_between_claim_and_record_sends_nothing_twice(h):
    """Killed after the claim, once with the DM already in Slack (found in the DM's history,
    not posted again), once before it (posted once, after the restart)."""
    number, _, _ = followed_dossier(h)
    for posted, body in ((True, "Le justificatif."), (False, "Le RIB.")):
        h.message(number, body)
        h.advance(1)
        h.cycle()
        h.advance(WINDOW + 1)
        with h.store.connect() as db:
            (row,) = [r for r in q.open_rows(db) if r.kind is OutboxKind.PERSONAL]
        # What a process killed after the claim leaves: the row `sending`, the DM maybe posted.
        with q.write(h.store) as db:
            assert q.claim(db, row.id, datetime.now(UTC))
        if posted:
            h.slack.client().chat_postMessage(
                channel=h.slack.dm_channel(FOLLOWER),
                text="envoyé avant la panne",
                metadata={
                    "event_type": METADATA_EVENT_TYPE,
                    "event_payload": {"outbox_id": row.id, "db": h.poller.sender.instance_id()},
                },
            )
        h.settle()
        dm = dms(h, FOLLOWER)[-1]
        assert (dm["text"] == "envoyé avant la panne") is posted
        with h.store.connect() as db:
            done = q.outbox_row(db, row.id)
        assert done is not None and done.status is OutboxStatus.SENT and done.sent_ts == dm["ts"]
    assert len(dms(h, FOLLOWER)) == 2  # one per row, neither twice


def test_an_action_made_from_slack_is_silenced_for_its_author_only(store):
    """No DS here: the planner alone, with the audit saying who clicked."""
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with q.write(store) as db:
        for user, instructeur in (("U0ONE", "I1"), ("U0TWO", "I2")):
            save_link(db, LinkRow(TEAM_ID, user, instructeur, f"{user}@x.fr", "auto", user, "x"))
            pq.set_preferences(db, TEAM_ID, user, {Topic.ETATS: Mode.INSTANT}, at)
        audit.insert_audit(
            db,
            audit.AuditRow(
                at.isoformat(),
                TEAM_ID,
                "U0ONE",
                "I1",
                5,
                "dossier_passer_en_instruction",
                None,
                None,
                None,
                "ok",
                None,
            ),
        )
    change = Change(
        at, "traitement:1", StateChanged(from_state="en_construction", to_state="en_instruction")
    )
    followers = (ItemPerson("I1", "U0ONE@x.fr"), ItemPerson("I2", "U0TWO@x.fr"))
    dossier = personal.PersonalDossier(5, "Subventions", followers, ())
    with q.write(store) as db:
        assert personal.plan_personal(db, dossier, [change], at, personal.default_timing()) == 1
        (row,) = q.open_rows(db)
    assert row.channel_id == "U0TWO" and row.kind is OutboxKind.PERSONAL
    assert row.next_attempt_at == at + personal.PERSONAL_WINDOW
