"""Dynacase documents in Slack, end to end: signed Slack requests to the bot over HTTP, the
Dynacase sandbox recording who changed what, people acting with their own tokens."""

from __future__ import annotations

import json
import logging
import sqlite3
import time

import pytest

from dsbot.slack import ids
from tests.e2e.dynacase.scene import (
    CHANNEL_ID,
    CLAIRE,
    LUCAS,
    NOBODY,
    PAUL,
    DynacaseScene,
    Opened,
    action_buttons,
    buttons,
    date_input,
    form_values,
    number_input,
    select,
    text_of,
)
from tests.e2e.scene import wait_until


def test_card_shows_only_the_transitions_the_connected_person_may_take(dc: DynacaseScene) -> None:
    doc = dc.subvention("e_sub_transmis")
    for user in (CLAIRE, PAUL, LUCAS):
        assert "connecté" in text_of(dc.connect(user))

    card, _ = dc.card(CLAIRE, doc["name"])
    assert card["replace_original"] is True and card["response_type"] == "ephemeral"
    shown = text_of(card)
    assert "Fête de quartier des Lices" in shown
    assert "Demande de subvention" in shown  # the family
    assert "Transmis" in shown and "Contrôle de recevabilité" in shown  # state and activity
    assert "🔵" in shown  # the state's colour (#A8E5FF)
    assert "Sophie Bernard" in shown  # recent history
    assert "Brouillon vers Transmis" in shown
    assert set(action_buttons(card)) == {"Instruire", "Renvoyer au demandeur"}
    link = next(b for b in buttons(card) if b["action_id"] == ids.ACTION_ITEM_OPEN)
    assert link["url"].endswith(f"id={doc['initid']}")

    paul_card, _ = dc.card(PAUL, doc["initid"])
    assert set(action_buttons(paul_card)) == {"Refuser"}
    lucas_card, _ = dc.card(LUCAS, doc["initid"])
    assert action_buttons(lucas_card) == {}
    assert "Aucune transition ne vous est ouverte" in text_of(lucas_card)


def test_a_transition_with_a_comment_and_parameters_as_the_connected_person(
    dc: DynacaseScene,
) -> None:
    doc = dc.subvention("e_sub_transmis")
    dc.connect(CLAIRE)
    card, _ = dc.card(CLAIRE, doc["initid"])
    opened = dc.click(action_buttons(card)["Instruire"], CLAIRE)

    form = dc.settled_view(opened)
    assert form["callback_id"] == ids.VIEW_ITEM_ACTION
    inputs = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert inputs[ids.BLOCK_ITEM_COMMENT]["type"] == "plain_text_input"
    avis = inputs[ids.BLOCK_ITEM_INPUT_PREFIX + "sub_avis"]
    assert avis["type"] == "static_select"
    assert [o["value"] for o in avis["options"]] == ["favorable", "reserve", "defavorable"]
    assert inputs[ids.BLOCK_ITEM_INPUT_PREFIX + "sub_date_instruction"]["type"] == "datepicker"

    answer = dc.submit(
        opened,
        form_values(
            "Dossier complet, avis favorable.",
            sub_avis=select("reserve"),
            sub_date_instruction=date_input("2026-11-20"),
        ),
        CLAIRE,
    )
    assert answer["response_action"] == "update"

    after = wait_until(
        lambda: (
            (d := dc.control.document(doc["initid"]))["state"]["reference"] == "e_sub_instruit"
            and d
        ),
        what="the document instruit",
    )
    entries = [e for r in after["revisions"] for e in r["history"]]
    assert {"uname": "Claire Martin", "comment": "Dossier complet, avis favorable."}.items() <= (
        next(e for e in entries if e["level"] == "info").items()
    )
    change = next(e for e in entries if "Transmis vers Instruit" in e["comment"])
    assert change["uname"] == "Claire Martin"
    # WDoc::changeState writes each parameter's raw value: the enumerate's key, the ISO date.
    assert "-Avis de l'instructeur : reserve" in change["comment"]
    assert "-Date d'instruction : 2026-11-20" in change["comment"]

    done = dc.settled_view(opened, versions=3)
    assert "Instruit" in text_of(done) and "effectué" in text_of(done)
    # The ephemeral card was replaced: new state, who acted, and Claire's next transitions.
    replaced = wait_until(
        lambda: [r.body for r in dc.slack.responses(opened.response_url) if r.body.get("blocks")],
        what="card refreshed",
    )[-1]
    assert replaced["replace_original"] is True
    assert "Instruit" in text_of(replaced) and f"<@{CLAIRE}>" in text_of(replaced)
    assert action_buttons(replaced) == {}  # Accorder and Refuser are Paul's

    row = wait_until(lambda: [r for r in dc.audit() if r["result"] == "ok"], what="audit")[0]
    assert row["backend"] == "dynacase" and row["dossier_number"] == doc["initid"]
    assert row["action"] == "t_sub_instruire" and row["slack_user_id"] == CLAIRE
    assert row["instructeur_id"] == "Claire Martin"
    assert row["motivation_length"] == len("Dossier complet, avis favorable.")


def test_a_number_parameter_and_the_decision_recorded(dc: DynacaseScene) -> None:
    doc = dc.subvention("e_sub_instruit", montant=30_000)
    dc.connect(PAUL)
    card, _ = dc.card(PAUL, doc["initid"])
    assert set(action_buttons(card)) == {"Accorder", "Refuser"}
    opened = dc.click(action_buttons(card)["Accorder"], PAUL)
    form = dc.settled_view(opened)
    montant = next(
        b["element"]
        for b in form["blocks"]
        if b.get("block_id") == ids.BLOCK_ITEM_INPUT_PREFIX + "sub_montant_accorde"
    )
    assert montant["type"] == "number_input" and montant["is_decimal_allowed"] is True

    values = form_values(
        "Accord du service.",
        sub_montant_accorde=number_input("25000.50"),
        sub_date_decision=date_input("2026-11-25"),
    )
    dc.submit(opened, values, PAUL)
    after = wait_until(
        lambda: (
            (d := dc.control.document(doc["initid"]))["state"]["reference"] == "e_sub_accorde" and d
        ),
        what="accordé",
    )
    change = next(
        e
        for r in after["revisions"]
        for e in r["history"]
        if "Instruit vers Accordé" in e["comment"]
    )
    assert (
        change["uname"] == "Paul Durand" and "-Montant accordé (€) : 25000.5" in change["comment"]
    )


def test_a_refusal_is_shown_in_the_modal_in_dynacases_words(dc: DynacaseScene) -> None:
    doc = dc.subvention("e_sub_instruit", montant=30_000)
    dc.connect(PAUL)
    card, _ = dc.card(PAUL, doc["initid"])
    opened = dc.click(action_buttons(card)["Accorder"], PAUL)
    dc.settled_view(opened)
    # Meanwhile, someone refuses the request in Dynacase's own interface.
    dc.control.set_state(
        doc["initid"],
        "e_sub_refuse",
        user="p.durand",
        parameters={"sub_motif_refus": "budget_epuise", "sub_date_decision": "2026-11-26"},
    )
    changes = dc.control.stats()["state_changes"]

    dc.submit(
        opened,
        form_values(
            "Accord.",
            sub_montant_accorde=number_input("20000"),
            sub_date_decision=date_input("2026-11-27"),
        ),
        PAUL,
    )
    shown = text_of(dc.settled_view(opened, versions=3))
    # Untranslated in the core's French catalog: the server says it in English.
    assert "is not known or is not allowed from Refusé" in shown
    assert "Dynacase" in shown or "pas possible" in shown
    assert dc.control.stats()["state_changes"] == changes
    assert dc.control.document(doc["initid"])["state"]["reference"] == "e_sub_refuse"
    row = wait_until(lambda: [r for r in dc.audit() if r["result"] == "refused"], what="audit")[0]
    assert row["backend"] == "dynacase" and row["action"] == "t_sub_accorder"
    assert "Refusé" in row["error"]


def test_a_pre_condition_refusal_on_a_channel_card_is_dynacases_reason(dc: DynacaseScene) -> None:
    doc = dc.subvention("e_sub_instruit", montant=80_000)
    dc.connect(PAUL)
    card, _ = dc.card(PAUL, doc["initid"])
    # Above the 50 000 € delegation, Accorder is not offered to Paul...
    assert set(action_buttons(card)) == {"Refuser"}
    # ...but a card shared in the channel offers every transition; the click checks again.
    share = next(b for b in buttons(card) if b["action_id"] == ids.ACTION_ITEM_SHARE)
    dc.bot.click(share["action_id"], share["value"], user=PAUL)
    posted = wait_until(
        lambda: [m for m in dc.slack.messages(CHANNEL_ID) if "Lices" in text_of(m)],
        what="shared card",
    )[0]
    assert f"<@{PAUL}>" in text_of(posted)
    shared = action_buttons(posted)
    assert {"Accorder", "Refuser"} <= set(shared)

    opened = dc.click(shared["Accorder"], PAUL, message_ts=posted["ts"])
    shown = text_of(dc.settled_view(opened))
    assert "plafond de délégation (50 000 €)" in shown
    assert not [b for b in dc.slack.view(opened.view_id)["blocks"] if b["type"] == "input"]


def test_without_a_token_a_person_is_told_how_to_connect(dc: DynacaseScene) -> None:
    doc = dc.subvention()
    card, _ = dc.card(NOBODY, doc["initid"])
    shown = text_of(card)
    assert "/ds connecter dynacase" in shown
    assert "Fête de quartier" not in shown  # no content without a token
    assert [b["action_id"] for b in buttons(card)] == [ids.ACTION_ITEM_CONNECT]

    # A button of a card shared by someone else explains it too, in the modal.
    dc.connect(CLAIRE)
    claire_card, _ = dc.card(CLAIRE, doc["initid"])
    opened = dc.click(action_buttons(claire_card)["Instruire"], NOBODY)
    assert "/ds connecter dynacase" in text_of(dc.settled_view(opened))


def test_a_slack_guest_neither_connects_nor_sees_content(dc: DynacaseScene) -> None:
    guest = "U0GUEST01"
    dc.slack.add_user(guest, "invite@partenaire.example", is_restricted=True)
    opened_before = len(dc.slack.calls("views.open"))
    ack, response_url = dc.command("connecter dynacase", guest)
    assert ack.status_code == 200
    said = dc.slack.wait_for_response(response_url)[0].body["text"]
    assert "Les invités de l’espace Slack ne peuvent ni voir" in said
    assert len(dc.slack.calls("views.open")) == opened_before  # no modal to paste a token in

    # Even a token stored before they became a guest opens nothing.
    dc.bot.services.items.vault.put("T0TEST", guest, "dynacase", dc.token(CLAIRE))
    doc = dc.subvention()
    card, _ = dc.card(guest, doc["initid"])
    assert "Les invités de l’espace Slack" in text_of(card)
    assert "Fête de quartier" not in text_of(card)
    assert buttons(card) == []


def test_an_admin_without_a_token_reads_but_must_connect_to_act(dc: DynacaseScene) -> None:
    from tests.fakes.bot import ADMIN_ID

    doc = dc.subvention()
    card, _ = dc.card(ADMIN_ID, doc["initid"])
    assert "Fête de quartier des Lices" in text_of(card)
    assert action_buttons(card) == {}
    assert ids.ACTION_ITEM_CONNECT in [b["action_id"] for b in buttons(card)]


def test_connect_then_disconnect(dc: DynacaseScene) -> None:
    doc = dc.subvention()
    refused = dc.connect(CLAIRE, token="not-a-token")
    assert "n’accepte pas ce jeton" in text_of(refused)
    assert not dc.bot.services.items.vault.has("T0TEST", CLAIRE, "dynacase")

    assert "connecté" in text_of(dc.connect(CLAIRE))
    card, _ = dc.card(CLAIRE, doc["initid"])
    assert action_buttons(card)

    ack, response_url = dc.bot.command("deconnecter dynacase", user=CLAIRE)
    assert ack.status_code == 200
    said = dc.slack.wait_for_response(response_url)[0].body["text"]
    assert "effacé" in said
    card, _ = dc.card(CLAIRE, doc["initid"])
    assert "/ds connecter dynacase" in text_of(card) and not action_buttons(card)


def test_the_token_is_encrypted_at_rest_and_never_shown_or_logged(
    dc: DynacaseScene, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = dc.token(CLAIRE)
    doc = dc.subvention()
    dc.connect(CLAIRE, token=token)
    card, _ = dc.card(CLAIRE, doc["initid"])
    opened = dc.click(action_buttons(card)["Instruire"], CLAIRE)
    dc.settled_view(opened)

    with sqlite3.connect(dc.bot.services.settings.db_path) as db:
        rows = db.execute("SELECT * FROM backend_credentials").fetchall()
        dump = "\n".join(db.iterdump())
    assert len(rows) == 1 and token not in dump
    assert rows[0][3].startswith("v2:")  # AES-GCM, bound to its row

    everything_slack_saw = json.dumps(
        [c.params for c in dc.slack.calls()]
        + [r.body for r in dc.slack.responses()]
        + dc.slack.views(),
        ensure_ascii=False,
    )
    # The token went to Slack only inside the submission (from the person); the bot never
    # sent it back: not in a view, a message, or a response.
    assert token not in everything_slack_saw
    assert token not in caplog.text


@pytest.mark.parametrize("secret_key", [None, "not-a-fernet-key"])
def test_a_missing_or_bad_secret_key_is_a_one_line_error(
    dc: DynacaseScene, secret_key: str | None
) -> None:
    ack, response_url = dc.command("connecter dynacase", CLAIRE)
    assert ack.status_code == 200
    said = dc.slack.wait_for_response(response_url)[0].body["text"]
    assert "DSBOT_SECRET_KEY" in said and "\n" not in said
    assert not dc.slack.calls("views.open")

    doc = dc.subvention()
    card, _ = dc.card(CLAIRE, doc["initid"])
    assert "DSBOT_SECRET_KEY is not" in text_of(card)
    assert "Fête de quartier" not in text_of(card)


def test_bad_input_gets_a_clear_answer(dc: DynacaseScene) -> None:
    for text, expected in (
        ("doc", "Usage : `/ds document"),
        ("doc a.b", "ni un numéro de document ni un nom logique"),
        ("connecter ds", "Usage : `/ds connecter dynacase`"),
    ):
        ack, _ = dc.bot.command(text, user=CLAIRE)
        assert expected in ack.json()["text"], text
    dc.connect(CLAIRE)
    ack, response_url = dc.bot.command("doc 999999", user=CLAIRE)
    assert "introuvable" in dc.slack.wait_for_response(response_url)[0].body["text"]


def test_the_modal_opens_with_the_clicks_trigger_before_any_dynacase_call(
    dc: DynacaseScene,
) -> None:
    doc = dc.subvention("e_sub_transmis")
    dc.connect(CLAIRE)
    card, _ = dc.card(CLAIRE, doc["initid"])
    # Dynacase now takes 3 s per request: had the bot asked it anything before opening the
    # modal, views.open would come 3 s after the click, past the trigger's life.
    dc.control.faults(latency_ms=3000)
    try:
        button = action_buttons(card)["Instruire"]
        before = len(dc.slack.calls("views.open"))
        clicked_at = time.monotonic()
        ack, _, trigger_id = dc.bot.click(button["action_id"], button["value"], user=CLAIRE)
        assert ack.status_code == 200 and ack.elapsed.total_seconds() < 1.0
        call = dc.slack.wait_for("views.open", before + 1)[before]
        assert call.params["trigger_id"] == trigger_id
        assert call.at - clicked_at < 2.5
        assert "Préparation" in text_of(call.params["view"])
    finally:
        dc.control.faults(latency_ms=0)
    # Then the job fills it with the transition's form.
    form = dc.settled_view(Opened(call.response["view"]["id"], ""))
    assert any(b["type"] == "input" for b in form["blocks"])


def test_the_connect_button_opens_the_private_modal(dc: DynacaseScene) -> None:
    doc = dc.subvention()
    card, _ = dc.card(NOBODY, doc["initid"])
    [connect] = buttons(card)
    dc.bot.click(connect["action_id"], connect["value"], user=NOBODY)
    view = dc.slack.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == ids.VIEW_BACKEND_CONNECT
    assert not dc.slack.messages(CHANNEL_ID)  # nothing about tokens in the channel


def test_a_shared_card_is_updated_in_the_channel_after_a_transition(dc: DynacaseScene) -> None:
    doc = dc.subvention("e_sub_transmis")
    dc.connect(CLAIRE)
    dc.connect(PAUL)
    card, _ = dc.card(CLAIRE, doc["initid"])
    share = next(b for b in buttons(card) if b["action_id"] == ids.ACTION_ITEM_SHARE)
    dc.bot.click(share["action_id"], share["value"], user=CLAIRE)
    posted = wait_until(
        lambda: [m for m in dc.slack.messages(CHANNEL_ID) if "Lices" in text_of(m)],
        what="shared card",
    )[0]
    # Paul refuses from the channel card, as himself.
    opened = dc.click(action_buttons(posted)["Refuser"], PAUL, message_ts=posted["ts"])
    dc.settled_view(opened)
    values = form_values(
        "Hors critères.",
        sub_motif_refus=select("hors_criteres"),
        sub_date_decision=date_input("2026-11-26"),
    )
    dc.submit(opened, values, PAUL)
    update = dc.slack.wait_for("chat.update")[0]
    assert update.params["ts"] == posted["ts"]
    updated = dc.slack.message(CHANNEL_ID, posted["ts"])
    assert "Refusé" in text_of(updated) and f"« Refuser » par <@{PAUL}>" in text_of(updated)
    assert action_buttons(updated) == {}  # Refusé is an end state
    doc_now = dc.control.document(doc["initid"])
    assert doc_now["state"]["reference"] == "e_sub_refuse"


def test_help_lists_the_dynacase_commands(dc: DynacaseScene) -> None:
    ack, _ = dc.bot.command("aide", user=CLAIRE)
    text = json.dumps(ack.json(), ensure_ascii=False)
    assert "/ds document" in text and "/ds connecter dynacase" in text
