"""The change feed end to end over real HTTP: DS sandbox → feed → outbox → fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dsbot.notifications.model import Change, CorrectionRequested, MessageReceived, StateChanged
from dsbot.services.outbox import silence_own_actions
from dsbot.store import notifications as q
from tests.services.feed_harness import NotifyHarness

C1 = "C0ONE"
C2 = "C0TWO"


def reads(stats: dict[str, int]) -> int:
    """Requests that read full dossiers (one by one, or in batches)."""
    return stats.get("DsbotGetDossier", 0) + stats.get("DsbotGetDossiers", 0)


@pytest.fixture
def h(tmp_path):
    with NotifyHarness(tmp_path) as harness:
        yield harness


def test_new_dossiers_are_each_notified_exactly_once(h):
    h.subscribe(C1)
    h.cycle()
    numbers = [h.create_dossier() for _ in range(3)]
    report = h.cycle()
    assert report.ok and report.drain.sent == 3
    cards = h.cards(C1)
    assert sorted(cards) == sorted(numbers)
    for number in numbers:
        assert f"Dossier n° {number} (En construction)" in cards[number]["text"]
        assert h.thread(C1, number) == []  # the card itself announces the deposit
    before = h.stats()
    report = h.cycle()
    assert report.drain.sent == 0 and len(h.slack.calls("chat.postMessage")) == 3
    after = h.stats()
    # An idle cycle costs one request: the (empty) page, its deletions asked with it (issue 21).
    assert after["DsbotDemarcheDossiers"] - before["DsbotDemarcheDossiers"] == 1
    assert after.get("DsbotDemarcheDeleted", 0) - before.get("DsbotDemarcheDeleted", 0) == 0
    assert sum(after.values()) - sum(before.values()) == 1
    assert reads(after) == reads(before)


def test_usager_message_goes_to_the_dossier_thread(h):
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    h.message(number, "Voici l’attestation demandée")
    h.cycle()
    (reply,) = h.thread(C1, number)
    assert "Nouveau message" in reply["text"] and "attestation" in reply["text"]
    assert not reply["reply_broadcast"]
    h.cycle()
    assert len(h.thread(C1, number)) == 1


def test_state_change_updates_the_card_and_is_broadcast(h):
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    agent = h.demarches[0]["groupes"][0]["instructeurs"][0]["email"]
    h.control.set_state(number, "en_instruction", instructeur=agent)
    h.cycle()
    card = h.cards(C1)[number]
    assert "(En instruction)" in card["text"] and card.get("edited")
    (event,) = h.thread(C1, number)
    assert event["reply_broadcast"] is True
    assert "passé en instruction" in event["text"] and agent in event["text"]
    assert len(h.slack.top_level(C1)) == 2  # the card and the broadcast reply


def test_two_state_changes_between_cycles_are_two_events(h):
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    h.control.set_state(number, "accepte")  # en_construction → en_instruction → accepte
    h.cycle()
    texts = [m["text"] for m in h.thread(C1, number)]
    assert len(texts) == 2
    assert "passé en instruction" in texts[0] and "accepté" in texts[1]


def test_usager_edit_correction_and_noise(h):
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    h.control.touch(number)
    h.cycle()
    (edit,) = h.thread(C1, number)
    assert "modifié par l’usager" in edit["text"]


def test_deletion_turns_the_card_into_a_tombstone(h):
    # A dossier deleted for good leaves with its personal data (tests/services/test_privacy.py):
    # its card says so, and nothing else is posted.
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    ts = h.cards(C1)[number]["ts"]
    h.control.delete(number)
    h.cycle()
    (card,) = h.slack.messages(C1)
    assert card["ts"] == ts and card["text"] == f"🗑️ Dossier n° {number} supprimé dans DS"
    h.cycle()
    assert len(h.slack.messages(C1)) == 1


def test_trash_is_shown(h):
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    h.control.trash(number, by="usager")
    h.cycle()
    (event,) = h.thread(C1, number)
    assert "corbeille" in event["text"]
    h.cycle()
    assert len(h.thread(C1, number)) == 1


def test_a_subscription_does_not_post_history(h):
    old = h.generated_dossiers(5)
    h.message(old[0], "avant l’abonnement")
    h.control.set_state(old[1], "en_instruction") if h.control.dossier(old[1])[
        "state"
    ] == "en_construction" else h.control.touch(old[1])
    new_before = h.create_dossier()
    h.advance()
    h.subscribe(C1)
    report = h.cycle()
    assert report.ok
    assert h.slack.calls("chat.postMessage") == []
    # The feed saw those changes (within its start margin) and only recorded them.
    assert report.feeds[0].fetched >= 3
    h.advance()
    h.message(old[0], "après l’abonnement")
    h.cycle()
    cards = h.cards(C1)
    assert list(cards) == [old[0]]
    (reply,) = h.thread(C1, old[0])
    assert "après l’abonnement" in reply["text"]
    assert new_before not in cards


def test_two_channels_on_one_demarche_share_one_feed(h):
    h.subscribe(C1)
    h.subscribe(C2, states=["en_construction"])
    with h.store.connect() as db:
        assert [f.key for f in q.active_feeds(db)] == [f"demarche:{h.demarche}"]
    h.cycle()
    before = h.stats()
    number = h.create_dossier()
    h.cycle()
    after = h.stats()
    assert list(h.cards(C1)) == [number] and list(h.cards(C2)) == [number]
    # One listing and one read of the dossier for both channels (the card render reuses it).
    assert after["DsbotDemarcheDossiers"] - before["DsbotDemarcheDossiers"] == 1
    assert reads(after) - reads(before) == 1


def test_state_filter(h):
    h.subscribe(C1, states=["en_instruction"])
    number = h.create_dossier()
    h.cycle()
    assert h.cards(C1) == {}
    h.message(number, "toujours en construction")
    h.cycle()
    assert h.cards(C1) == {}
    h.control.set_state(number, "en_instruction")
    h.cycle()
    assert list(h.cards(C1)) == [number]
    (event,) = h.thread(C1, number)
    assert "passé en instruction" in event["text"]


def test_groupe_subscription_only_sees_its_groupe(h):
    groupes = [g["number"] for g in h.demarches[0]["groupes"] if not g["closed"]]
    h.subscribe(C1, groupe=groupes[1])
    with h.store.connect() as db:
        assert [f.key for f in q.active_feeds(db)] == [f"groupe:{groupes[1]}"]
    h.cycle()
    mine = h.create_dossier(groupe=groupes[1])
    h.create_dossier(groupe=groupes[0])
    h.cycle()
    assert list(h.cards(C1)) == [mine]


def test_changes_made_by_the_bot_update_the_card_without_an_event(h):
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    h.control.set_state(number, "en_instruction")
    with q.write(h.store) as db:
        db.execute(
            "INSERT INTO audit (at, team_id, slack_user_id, instructeur_id, dossier_number,"
            " action, result) VALUES (?, 'T0TEST', 'U0AGENT', 'SW5z', ?, ?, 'ok')",
            [q.to_iso(datetime.now(UTC)), number, "dossier_passer_en_instruction"],
        )
    h.cycle()
    assert "(En instruction)" in h.cards(C1)[number]["text"]
    assert h.thread(C1, number) == []


def test_unsubscribe_forgets_the_feed_and_a_new_subscription_starts_from_now(h):
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    assert h.subscriptions.unsubscribe("T0TEST", C1, h.demarche)
    with h.store.connect() as db:
        assert q.get_feed(db, f"demarche:{h.demarche}") is None
    h.message(number, "pendant la pause")
    h.advance()
    h.subscribe(C1)
    h.cycle()
    assert h.thread(C1, number) == []


def test_the_stored_cursor_only_moves_forward(h):
    h.subscribe(C1)
    h.cycle()
    h.create_dossier()
    h.cycle()
    cursor = h.feed().end_cursor
    assert cursor
    h.cycle()  # an empty page (no endCursor) must not erase it
    assert h.feed().end_cursor == cursor


def test_own_actions_are_matched_by_what_they_do_and_when():
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

    def state(to: str, when: datetime = at) -> Change:
        return Change(when, f"s:{to}", StateChanged(to_state=to), broadcast=True)

    correction = Change(at, "c", CorrectionRequested())
    message = Change(at, "m", MessageReceived())
    own = [("dossier_repondre", at + timedelta(seconds=3)), ("accepter", at)]
    changes = [state("en_construction"), correction, message, state("accepte"), state("refuse")]
    result = silence_own_actions(changes, own)
    assert [c.announce for c in result] == [False, False, True, False, True]
    # Too far apart in time: someone else did it in DS.
    late = silence_own_actions([state("accepte", at + timedelta(minutes=10))], own)
    assert late[0].announce


def test_an_avis_given_is_told_an_avis_asked_is_not(h):
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    h.control.request("POST", f"/_sandbox/dossiers/{number}/avis", {"question": "Conforme ?"})
    h.cycle()
    assert h.thread(C1, number) == []  # asked by an instructeur: the card only
    assert h.cards(C1)[number].get("edited")
    h.control.request(
        "POST",
        f"/_sandbox/dossiers/{number}/avis",
        {"question": "Et le budget ?", "reponse": "Favorable", "expert": "expert@cerema.fr"},
    )
    h.cycle()
    (event,) = h.thread(C1, number)
    assert "avis rendu" in event["text"] and "Favorable" in event["text"]
    assert "expert@cerema.fr" in event["text"]


def test_deletions_come_with_the_first_page_and_beyond_a_page_are_read_on_their_own(tmp_path):
    # Issue 21: an idle cycle costs one request, its deletions asked with its page; more
    # deletions than a page holds are read on their own, all of them.
    with NotifyHarness(tmp_path, page_size=3) as h:
        h.subscribe(C1)
        numbers = [h.create_dossier() for _ in range(6)]
        h.cycle()
        h.cycle()
        for number in numbers[:2]:
            h.control.trash(number, by="usager")
        before = h.stats()
        h.cycle()
        after = h.stats()
        assert after.get("DsbotDemarcheDeleted", 0) == before.get("DsbotDemarcheDeleted", 0)
        assert all("corbeille" in h.thread(C1, n)[0]["text"] for n in numbers[:2])
        for number in numbers[2:]:  # four in the trash: more than a page of 3
            h.control.trash(number, by="usager")
        before = h.stats()
        h.cycle()
        after = h.stats()
        assert after.get("DsbotDemarcheDeleted", 0) - before.get("DsbotDemarcheDeleted", 0) >= 1
        assert all("corbeille" in h.thread(C1, n)[0]["text"] for n in numbers[2:])
