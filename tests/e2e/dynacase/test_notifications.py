"""Channel notifications of Dynacase documents, end to end: an admin subscribes a channel with a
signed `/ds` command, documents change in the Dynacase sandbox (through its control API, as in
Dynacase's own interface), and poll cycles (driven here, one `run_cycle` at a time) post one
card per document, kept current, with state changes in its thread, exactly once."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from dsbot.notifications.cycle import Poller
from dsbot.notifications.model import OutboxKind, OutboxStatus
from dsbot.runtime import build_poller
from dsbot.slack.sender import Sender
from dsbot.slack.transport import METADATA_EVENT_TYPE
from dsbot.store import notifications as q
from tests.e2e.dynacase.scene import (
    CHANNEL_ID,
    CLAIRE,
    DynacaseScene,
    action_buttons,
    date_input,
    form_values,
    select,
    text_of,
)
from tests.e2e.scene import wait_until
from tests.fakes.bot import ADMIN_ID

FAMILY = "DEMANDE_SUBVENTION"


@pytest.fixture
def poller(dc: DynacaseScene) -> Poller:
    """The notification engine of the bot under test, on its database and its backends. The
    sender's own pacing is held to Slack's limit in tests/slack/test_sender.py: here cycles
    run back to back."""
    services = dc.bot.services
    dc.slack.post_interval = None
    dc.slack.add_channel(CHANNEL_ID, "general")
    return build_poller(
        services.settings,
        store=services.store,
        ds=services.ds,
        slack=dc.slack.client(),
        texts=services.texts,
        items=services.items,
        pacing=0,
    )


def ask(dc: DynacaseScene, text: str, user: str = ADMIN_ID) -> str:
    """`/ds <text>` through a signed request; the bot's answer."""
    ack, response_url = dc.command(text, user)
    assert ack.status_code == 200
    if ack.content and ack.json().get("text"):
        return str(ack.json()["text"])  # a usage error is answered in the ack itself
    answers = dc.slack.wait_for_response(response_url)
    return str(answers[-1].body.get("text") or text_of(answers[-1].body))


def cards(dc: DynacaseScene) -> list[dict[str, Any]]:
    return dc.slack.top_level(CHANNEL_ID)


def test_a_new_document_then_a_state_change_made_in_dynacase(
    dc: DynacaseScene, poller: Poller
) -> None:
    dc.slack.add_user(CLAIRE, "c.martin@example.org", real_name="Claire Martin")
    refused = ask(dc, f"abonner dynacase {FAMILY}", user=CLAIRE)
    assert refused == dc.bot.services.texts("error.admin_only")
    answer = ask(dc, f"abonner dynacase {FAMILY}")
    assert "suit désormais les documents Dynacase" in answer and FAMILY in answer
    assert FAMILY in ask(dc, "abonnements", user=CLAIRE)
    assert poller.run_cycle().ok
    assert cards(dc) == []  # nothing from before the subscription

    doc = dc.subvention("e_sub_transmis")
    report = poller.run_cycle()
    assert report.ok and report.drain is not None and report.drain.sent == 1
    (card,) = cards(dc)
    shown = text_of(card)
    assert "Fête de quartier des Lices" in shown and "Transmis" in shown
    assert dc.slack.thread(CHANNEL_ID, card["ts"]) == []  # the card says it is new

    # Claire instructs the request in Dynacase's own interface.
    dc.control.set_state(
        doc["initid"],
        "e_sub_instruit",
        user="c.martin",
        comment="Dossier complet, avis favorable.",
        parameters={"sub_avis": "favorable", "sub_date_instruction": "2026-11-02"},
    )
    assert poller.run_cycle().ok
    (updated,) = cards(dc)
    assert updated["ts"] == card["ts"]  # the same message, updated in place
    assert updated.get("edited") and "Instruit" in text_of(updated)
    (event,) = dc.slack.thread(CHANNEL_ID, card["ts"])
    assert "Transmis" in event["text"] and "Instruit" in event["text"]
    assert "Claire" in event["text"] or "c.martin" in event["text"]
    assert "avis favorable" in text_of(event)

    # Exactly once: the next cycles find nothing new.
    for _ in range(2):
        report = poller.run_cycle()
        assert report.ok and report.drain is not None and report.drain.sent == 0
    assert len(cards(dc)) == 1 and len(dc.slack.thread(CHANNEL_ID, card["ts"])) == 1


def test_a_state_change_made_from_slack_refreshes_the_card_without_telling_it(
    dc: DynacaseScene, poller: Poller
) -> None:
    assert FAMILY in ask(dc, f"abonner dynacase {FAMILY}")
    assert poller.run_cycle().ok
    doc = dc.subvention("e_sub_transmis")
    assert poller.run_cycle().ok
    (card,) = cards(dc)
    # Claire instructs it from her card in Slack: she saw the result in her modal.
    dc.connect(CLAIRE)
    own_card, _ = dc.card(CLAIRE, doc["initid"])
    opened = dc.click(action_buttons(own_card)["Instruire"], CLAIRE)
    dc.settled_view(opened)
    values = form_values(
        "Complet.", sub_avis=select("favorable"), sub_date_instruction=date_input("2026-11-20")
    )
    assert dc.submit(opened, values, CLAIRE)["response_action"] == "update"
    wait_until(
        lambda: dc.control.document(doc["initid"])["state"]["reference"] == "e_sub_instruit",
        what="the document instruit",
    )
    dc.settled_view(opened, versions=3)  # the action and its audit row are done
    assert poller.run_cycle().ok
    (updated,) = cards(dc)
    assert updated["ts"] == card["ts"] and "Instruit" in text_of(updated)
    assert dc.slack.thread(CHANNEL_ID, card["ts"]) == []  # the bot's own change is not told
    # The next change, made in Dynacase by someone else, is told as usual.
    dc.control.set_state(doc["initid"], "e_sub_refuse", user="p.durand", comment="Hors cadre.")
    assert poller.run_cycle().ok
    (event,) = dc.slack.thread(CHANNEL_ID, card["ts"])
    assert "Refusé" in event["text"]


def test_a_state_filter_keeps_only_the_states_followed(dc: DynacaseScene, poller: Poller) -> None:
    answer = ask(dc, f"abonner dynacase {FAMILY} etat e_sub_instruit")
    assert "`e_sub_instruit`" in answer
    doc = dc.subvention("e_sub_transmis")
    assert poller.run_cycle().ok
    assert cards(dc) == []  # transmis is not followed

    dc.control.set_state(
        doc["initid"],
        "e_sub_instruit",
        user="c.martin",
        parameters={"sub_avis": "favorable", "sub_date_instruction": "2026-11-02"},
    )
    assert poller.run_cycle().ok
    (card,) = cards(dc)
    assert "Instruit" in text_of(card)
    (event,) = dc.slack.thread(CHANNEL_ID, card["ts"])
    assert "Instruit" in event["text"]

    assert "n’est pas un identifiant d’état" in ask(dc, f"abonner dynacase {FAMILY} etat 3x")
    assert "introuvable" in ask(dc, "abonner dynacase PAS_UNE_FAMILLE")


def claim_and_post(dc: DynacaseScene, poller: Poller, row: q.OutboxRow, thread_ts: str | None):
    """What a process killed after posting leaves: the row `sending`, its message in Slack
    with the metadata naming it, the ts never recorded."""
    sender = poller.sender
    assert isinstance(sender, Sender)  # the Slack sender names its database in the metadata
    with q.write(poller.store) as db:
        assert q.claim(db, row.id, datetime.now(UTC), thread_ts)
    kwargs = {"thread_ts": thread_ts} if thread_ts else {}
    dc.slack.client().chat_postMessage(
        channel=CHANNEL_ID,
        text="posted before the crash",
        metadata={
            "event_type": METADATA_EVENT_TYPE,
            "event_payload": {"outbox_id": row.id, "db": sender.instance_id()},
        },
        **kwargs,
    )


def open_rows(poller: Poller, kind: OutboxKind) -> list[q.OutboxRow]:
    with poller.store.connect() as db:
        return [r for r in q.open_rows(db, CHANNEL_ID) if r.kind is kind]


def test_exactly_once_after_a_crash(dc: DynacaseScene, poller: Poller) -> None:
    ask(dc, f"abonner dynacase {FAMILY}")
    doc = dc.subvention("e_sub_transmis")
    poller.run_cycle(deliver=False)  # polled and queued; the crash comes while sending
    (parent,) = open_rows(poller, OutboxKind.PARENT)
    claim_and_post(dc, poller, parent, None)
    report = poller.run_cycle()
    assert report.drain is not None and report.drain.recovered == 1
    (card,) = cards(dc)
    assert card["text"] == "posted before the crash"  # found, not posted again

    dc.control.set_state(
        doc["initid"],
        "e_sub_instruit",
        user="c.martin",
        parameters={"sub_avis": "favorable", "sub_date_instruction": "2026-11-02"},
    )
    poller.run_cycle(deliver=False)
    (thread,) = open_rows(poller, OutboxKind.THREAD)
    claim_and_post(dc, poller, thread, card["ts"])
    report = poller.run_cycle()
    assert report.drain is not None and report.drain.recovered == 1
    assert len(dc.slack.thread(CHANNEL_ID, card["ts"])) == 1
    (updated,) = cards(dc)
    assert "Instruit" in text_of(updated)  # the card's update went through after recovery
    with poller.store.connect() as db:
        statuses = {r["status"] for r in db.query("SELECT status FROM outbox")}
    assert statuses == {OutboxStatus.SENT.value}


def test_unsubscribe(dc: DynacaseScene, poller: Poller) -> None:
    ask(dc, f"abonner dynacase {FAMILY}")
    doc = dc.subvention("e_sub_transmis")
    assert poller.run_cycle().ok
    assert len(cards(dc)) == 1
    assert "ne suit plus" in ask(dc, f"desabonner dynacase {FAMILY}")
    assert "ne suivait pas" in ask(dc, f"desabonner dynacase {FAMILY}")
    assert FAMILY not in ask(dc, "abonnements")
    dc.control.set_state(
        doc["initid"],
        "e_sub_instruit",
        user="c.martin",
        parameters={"sub_avis": "favorable", "sub_date_instruction": "2026-11-02"},
    )
    report = poller.run_cycle()
    assert report.feeds == [] and report.drain is not None and report.drain.sent == 0
    (card,) = cards(dc)
    assert dc.slack.thread(CHANNEL_ID, card["ts"]) == []


def test_dynacase_down_backs_off_alerts_ops_and_loses_nothing(dc: DynacaseScene) -> None:
    from datetime import timedelta

    from dsbot.backends.dynacase.backend import DynacaseBackend
    from dsbot.backends.dynacase.client import DynacaseClient
    from dsbot.backends.port import BackendName
    from dsbot.services.items import ItemService

    services = dc.bot.services
    dc.slack.post_interval = None
    dc.slack.add_channel(CHANNEL_ID, "general")
    dc.slack.add_channel("C0OPS", "ops")
    now = [datetime.now(UTC)]
    # The client gives up at once (its own retries would wait): the poller's backoff is tested.
    client = DynacaseClient(dc.dynacase.api_url, dc.dynacase.token, max_read_retries=0)
    items = ItemService(
        services.store,
        {BackendName.DYNACASE: DynacaseBackend(client)},
        services.items.vault,
        services.items.audit,
        (),
    )
    poller = build_poller(
        dataclasses.replace(services.settings, ops_channel="C0OPS"),
        store=services.store,
        ds=services.ds,
        slack=dc.slack.client(),
        texts=services.texts,
        items=items,
        pacing=0,
        clock=lambda: now[0],
        alert_after=2,
    )
    ask(dc, f"abonner dynacase {FAMILY}")
    doc = dc.subvention("e_sub_transmis")
    assert poller.run_cycle().ok and len(cards(dc)) == 1

    dc.control.faults(fail_next=1000, fail_status=503)
    dc.control.set_state(
        doc["initid"],
        "e_sub_instruit",
        user="c.martin",
        parameters={"sub_avis": "favorable", "sub_date_instruction": "2026-11-02"},
    )
    failed = poller.run_cycle()
    assert not failed.ok and failed.alerts == []
    with services.store.connect() as db:
        (feed,) = q.active_feeds(db)
    assert feed.failures == 1 and feed.next_poll_at is not None and feed.next_poll_at > now[0]
    assert poller.run_cycle().backing_off == [feed.key]  # not asked again before its time

    now[0] = feed.next_poll_at + timedelta(seconds=1)
    assert poller.run_cycle().alerts == ["notify.ops.dynacase_down"]
    (alert,) = dc.slack.top_level("C0OPS")
    assert "Dynacase ne répond plus" in alert["text"]

    dc.control.faults(fail_next=0)
    now[0] += timedelta(hours=1)
    back = poller.run_cycle()
    assert back.ok and back.alerts == ["notify.ops.dynacase_recovered"]
    (card,) = cards(dc)
    assert "Instruit" in text_of(card)  # nothing lost: the change made meanwhile arrives
    assert len(dc.slack.thread(CHANNEL_ID, card["ts"])) == 1
    client.close()
