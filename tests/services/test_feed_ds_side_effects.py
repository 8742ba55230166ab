"""The feed against what DS does besides the change asked for: its notice from its contact
address on every instructeur transition, corrections resolved by passer en instruction and
asked again, dates kept when a dossier goes back. DS sandbox → feed → outbox → fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dsbot.backends.ds.models import DS_CONTACT_EMAIL
from dsbot.store import notifications as q
from tests.sandboxes.ds.gql import data
from tests.services.feed_harness import NotifyHarness

C1 = "C0ONE"

SEND = """
mutation($i: DossierEnvoyerMessageInput!) {
  dossierEnvoyerMessage(input: $i) { message { id } errors { message } }
}
"""


@pytest.fixture
def h(tmp_path):
    with NotifyHarness(tmp_path) as harness:
        yield harness


def _agent(h: NotifyHarness, number: int) -> dict:
    groupe = h.control.dossier(number)["groupe"]
    demarche = h.demarches[0]
    return next(g for g in demarche["groupes"] if g["number"] == groupe)["instructeurs"][0]


def _ask_correction(h: NotifyHarness, number: int, body: str) -> None:
    values = {
        "dossierId": h.control.dossier(number)["id"],
        "instructeurId": _agent(h, number)["id"],
        "body": body,
        "correction": "incomplete",
    }
    sent = data(h.sandbox, SEND, {"i": values})["dossierEnvoyerMessage"]
    assert sent["errors"] is None


def _texts(h: NotifyHarness, number: int) -> list[str]:
    return [m["text"] for m in h.thread(C1, number)]


def test_ds_notice_after_the_bots_own_action_is_not_announced(h):
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    agent = _agent(h, number)["email"]
    h.control.set_state(number, "en_instruction", instructeur=agent)
    with q.write(h.store) as db:
        db.execute(
            "INSERT INTO audit (at, team_id, slack_user_id, instructeur_id, dossier_number,"
            " action, result) VALUES (?, 'T0TEST', 'U0AGENT', 'SW5z', ?, ?, 'ok')",
            [q.to_iso(datetime.now(UTC)), number, "dossier_passer_en_instruction"],
        )
    # DS wrote its notice in the messagerie: the feed reads it, and must not take it for the
    # usager's message.
    senders = [m["email"] for m in h.control.dossier(number)["messages"]]
    assert senders[-1] == DS_CONTACT_EMAIL
    h.cycle()
    assert "(En instruction)" in h.cards(C1)[number]["text"]
    assert h.thread(C1, number) == []
    # The usager's own message after it is still told.
    h.message(number, "Voici le justificatif demandé.")
    h.cycle()
    (reply,) = _texts(h, number)
    assert "Nouveau message" in reply and "justificatif" in reply


def test_a_correction_resolved_by_passer_en_instruction_then_asked_again_is_told_twice(h):
    h.subscribe(C1)
    number = h.create_dossier()
    h.cycle()
    _ask_correction(h, number, "Il manque le RIB.")
    h.cycle()
    assert ["Correction demandée" in t for t in _texts(h, number)] == [True]
    assert "correction" in str(h.cards(C1)[number].get("blocks")).lower()
    h.control.set_state(number, "en_instruction", instructeur=_agent(h, number)["email"])
    h.cycle()
    card = h.cards(C1)[number]
    assert "(En instruction)" in card["text"]
    # DS resolved it (the card's menu still offers to ask for another one).
    assert "en attente de sa réponse" not in str(card.get("blocks"))
    h.advance()  # DS dates to the second: the second correction is a later one
    _ask_correction(h, number, "Le RIB est illisible.")  # en instruction: back en construction
    h.cycle()
    texts = _texts(h, number)
    assert sum("Correction demandée" in t for t in texts) == 2
    assert "(En construction)" in h.cards(C1)[number]["text"]


def test_a_dossier_back_en_construction_has_no_instruction_date_on_its_card(h):
    h.subscribe(C1)
    number = h.create_dossier(state="en_instruction")
    h.cycle()
    dates = str(h.cards(C1)[number].get("blocks"))
    assert "Passage en instruction" in dates
    h.control.set_state(number, "en_construction")
    h.cycle()
    card = h.cards(C1)[number]
    assert "(En construction)" in card["text"]
    assert "Passage en instruction" not in str(card.get("blocks"))
