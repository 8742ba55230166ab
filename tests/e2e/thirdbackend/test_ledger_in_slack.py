"""A third backend is a folder: Ledger, defined entirely under `tests/` and registered in the
registry by a fixture, reaches Slack through the real listeners (the HTTP app, the fake
Slack), the real poller and outbox, with no product file naming it."""

from __future__ import annotations

from typing import Any

import pytest

from dsbot.notifications.cycle import Poller
from dsbot.runtime import build_poller
from dsbot.slack import ids
from dsbot.slack.commands.subcommands import parse
from tests.e2e.dynacase.scene import action_buttons, form_values, text_of
from tests.e2e.thirdbackend.conftest import ALICE, BOB, LedgerScene
from tests.fakes.bot import ADMIN_ID, CHANNEL_ID
from tests.thirdbackend.server import Performed

SCOPE = "PERMIS"


@pytest.fixture
def poller(lg: LedgerScene) -> Poller:
    services = lg.bot.services
    lg.slack.post_interval = None
    lg.slack.add_channel(CHANNEL_ID, "general")
    return build_poller(
        services.settings,
        store=services.store,
        ds=services.ds,
        slack=lg.slack.client(),
        texts=services.texts,
        items=services.items,
        pacing=0,
    )


def ask(lg: LedgerScene, text: str, user: str = ADMIN_ID) -> str:
    ack, response_url = lg.command(text, user)
    assert ack.status_code == 200
    if ack.content and ack.json().get("text"):
        return ack.json()["text"]
    return lg.slack.wait_for_response(response_url)[-1].body["text"]


def cards(lg: LedgerScene) -> list[dict[str, Any]]:
    return lg.slack.top_level(CHANNEL_ID)


def test_its_words_come_from_its_spec_and_leave_with_it(registered) -> None:
    from dsbot.backends import registry
    from dsbot.slack.commands import grammar as g

    assert parse("fiche 7001") == g.ShowItem("ledger", "7001")
    assert parse("connecter ledger") == g.Connect("ledger")
    assert parse("abonner ledger PERMIS") == g.SubscribeFamily("ledger", "PERMIS")
    assert parse("fiche x.y") == g.Invalid("fiche", "error.show_ref.ledger", {"value": "x.y"})
    registry.unregister("ledger")
    try:
        assert parse("fiche 7001") == g.Help(unknown="fiche")
        assert isinstance(parse("connecter ledger"), g.Invalid)
    finally:
        from tests.thirdbackend import plugin

        registry.register(plugin.SPEC)


def test_show_its_card_then_act_in_a_modal_as_the_person(lg: LedgerScene) -> None:
    ref = lg.ledger.create("Permis de pêche de Jeanne")
    # Not connected: told how, with its own words.
    prompt, _ = lg.card(BOB, ref)
    assert "/ds connecter ledger" in prompt["text"]

    assert "connecté" in text_of(lg.connect(ALICE))
    card, _ = lg.card(ALICE, ref)
    assert "Permis de pêche de Jeanne" in text_of(card) and "Déposée" in text_of(card)
    button = action_buttons(card)["Instruire"]

    opened = lg.click(button, ALICE)
    form = lg.settled_view(opened)
    assert "Instruite" in text_of(form)  # the target state, told before acting
    answer = lg.submit(opened, form_values("Pièces vérifiées"), ALICE)
    assert answer["response_action"] == "update"
    done = lg.settled_view(opened, 3)
    assert "Instruite" in text_of(done)
    # Ledger recorded the action as alice, the person who submitted, with her comment.
    assert lg.ledger.performed == [Performed(ref, "instruire", "alice", "Pièces vérifiées")]
    (row,) = [r for r in lg.audit() if r["action"] == "instruire"]
    assert row["backend"] == "ledger" and row["result"] == "ok"


def test_a_person_ledger_refuses_cannot_act(lg: LedgerScene) -> None:
    ref = lg.ledger.create("Permis de Paul")
    lg.connect(BOB)
    card, _ = lg.card(BOB, ref)
    assert action_buttons(card) == {}  # bob may take no action: none is offered
    assert lg.ledger.performed == []


def test_channel_notifications_are_posted_exactly_once(lg: LedgerScene, poller: Poller) -> None:
    lg.ledger.create("Fiche d’avant l’abonnement")
    assert "suit désormais le registre Ledger" in ask(lg, f"abonner ledger {SCOPE}")
    assert "introuvable" in ask(lg, "abonner ledger INCONNU")
    assert poller.run_cycle().ok and cards(lg) == []

    ref = lg.ledger.create("Permis de Léa")
    report = poller.run_cycle()
    assert report.ok and report.drain is not None and report.drain.sent == 1
    (card,) = cards(lg)
    assert "Permis de Léa" in text_of(card) and "Déposée" in text_of(card)

    lg.ledger.move(ref, "instruire", who="camille", comment="Dossier complet")
    assert poller.run_cycle().ok
    (updated,) = cards(lg)
    assert updated["ts"] == card["ts"] and "Instruite" in text_of(updated)
    (event,) = lg.slack.thread(CHANNEL_ID, card["ts"])
    assert "Instruite" in event["text"] and "camille" in event["text"]
    assert "Dossier complet" in text_of(event)

    # Nothing changed: nothing more, however many cycles.
    for _ in range(2):
        report = poller.run_cycle()
        assert report.ok and report.drain is not None and report.drain.sent == 0
    assert len(cards(lg)) == 1 and len(lg.slack.thread(CHANNEL_ID, card["ts"])) == 1
    assert SCOPE in ask(lg, "abonnements")
    assert "ne suit plus" in ask(lg, f"desabonner ledger {SCOPE}")

    # Shared with another organisation since: subscribing again needs `confirmer`, as for DS.
    lg.slack.update_channel(CHANNEL_ID, is_ext_shared=True, is_shared=True)
    assert ask(lg, f"abonner ledger {SCOPE}").startswith("🔒 Abonnement refusé")
    confirmed = ask(lg, f"abonner ledger {SCOPE} confirmer")
    assert "suit désormais le registre Ledger" in confirmed and "Abonnement confirmé" in confirmed


def test_help_lists_its_words_while_it_is_configured(lg: LedgerScene) -> None:
    ack, _ = lg.command("aide", BOB)
    shown = text_of(ack.json())
    assert "/ds fiche" in shown and "/ds abonner ledger" in shown
    assert ids.COMMAND_DS in shown
