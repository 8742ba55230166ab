"""Deciding and replying from Slack, end to end: signed requests to the bot over HTTP, the fake
Slack serving files behind the bot token, the DS sandbox recording what the instructeur did."""

from __future__ import annotations

import json
import threading
import time

from dsbot.notifications.model import ItemRef
from dsbot.slack import ids
from dsbot.slack.interaction.seal import seal_for
from tests.e2e.scene import (
    ALICE,
    CHANNEL_ID,
    CLARA,
    TEAM_ID,
    Scene,
    checkbox_values,
    decision_values,
    md5_b64,
    reply_values,
    wait_until,
)


def last_traitement(dossier: dict) -> dict:
    return dossier["traitements"][-1]


def card_text(message: dict) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def test_modal_opens_with_the_clicks_trigger_before_any_ds_call(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    requests_before = scene.control.stats()["graphql_requests"]
    # DS takes 1.5 s per request: a modal waiting for DS would miss Slack's 3 seconds.
    scene.control.faults(latency_ms=1500)
    # Slack answers views.open after 1 s, so the test can look while the call is in flight.
    scene.slack.set_latency("views.open", 1.0)
    try:
        ack, _, trigger_id = scene.bot.click(
            ids.ACTION_ACCEPTER, ids.encode_ref(number), user=ALICE
        )
        assert ack.status_code == 200 and ack.elapsed.total_seconds() < 1.0
        time.sleep(0.5)
        # views.open is on its way and DS has not been asked anything yet.
        assert scene.control.stats()["graphql_requests"] == requests_before
        call = scene.slack.wait_for("views.open")[0]
        assert call.ok and call.params["trigger_id"] == trigger_id
        view = call.params["view"]
        assert view["callback_id"] == ids.VIEW_ACCEPTER
        sealed = seal_for(scene.bot.services.settings.slack_bot_token)
        opened = sealed.open(view["private_metadata"], TEAM_ID, ALICE)
        assert json.loads(opened)["number"] == number
    finally:
        scene.slack.set_latency("views.open", 0)
        scene.control.faults(latency_ms=0)


def test_accept_with_a_pdf_as_the_linked_instructeur(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    ts = scene.channel_card(number)
    file, content = scene.pdf(name="arrêté de subvention.pdf")
    opened = scene.click(ids.ACTION_ACCEPTER, number, message_ts=ts)

    answer = scene.submit(opened, decision_values("Dossier complet et conforme.", file))
    assert answer.get("response_action") is None

    dossier = wait_until(
        lambda: (d := scene.ds(number))["state"] == "accepte" and d, what="dossier accepte"
    )
    assert dossier["motivation"] == "Dossier complet et conforme."
    assert dossier["justificatif"]["filename"] == "arrêté de subvention.pdf"
    assert dossier["justificatif"]["checksum"] == md5_b64(content)
    assert dossier["justificatif"]["byteSize"] == len(content)
    assert last_traitement(dossier)["emailAgentTraitant"] == scene.alice_email
    assert scene.ops("DsbotAccepter") == 1
    # The file came from Slack with the bot token.
    assert [d.authorized for d in scene.slack.downloads()] == [True]

    # The card in the channel shows the new state, who acted and when.
    update = scene.slack.wait_for("chat.update")[0]
    assert update.params["channel"] == CHANNEL_ID and update.params["ts"] == ts
    card = scene.slack.message(CHANNEL_ID, ts)
    assert f"Accepté par <@{ALICE}>" in card_text(card)
    assert "<!date^" in card_text(card)

    row = wait_until(lambda: [r for r in scene.audit() if r["result"] == "ok"], what="audit")[0]
    assert row["action"] == "accepter" and row["dossier_number"] == number
    assert row["slack_user_id"] == ALICE and row["instructeur_id"]
    assert row["file_name"] == "arrêté de subvention.pdf"
    assert row["file_checksum"] == md5_b64(content)
    assert row["motivation_length"] == len("Dossier complet et conforme.")


def test_refuse_needs_a_motivation_then_works(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_REFUSER, number)

    answer = scene.submit(opened, decision_values("   "))
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [ids.BLOCK_MOTIVATION]
    assert "obligatoire" in answer["errors"][ids.BLOCK_MOTIVATION]
    assert scene.ops("DsbotRefuser") == 0

    answer = scene.submit(opened, decision_values("Pièces manquantes malgré deux relances."))
    assert answer == {}
    dossier = wait_until(lambda: (d := scene.ds(number))["state"] == "refuse" and d)
    assert dossier["motivation"] == "Pièces manquantes malgré deux relances."
    assert last_traitement(dossier)["emailAgentTraitant"] == scene.alice_email
    # The ephemeral card was replaced through the click's response_url.
    replaced = scene.slack.wait_for_response(opened.response_url)[0].body
    assert replaced["replace_original"] is True
    assert f"Refusé par <@{ALICE}>" in json.dumps(replaced["blocks"], ensure_ascii=False)


def test_classer_sans_suite_without_notification(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_CLASSER_SANS_SUITE, number)
    assert scene.submit(opened, decision_values("Demande retirée.", silent=True)) == {}
    wait_until(lambda: scene.ds(number)["state"] == "sans_suite")
    assert scene.ops("DsbotClasserSansSuite") == 1


def test_reply_with_an_attachment_reaches_the_dossier(scene: Scene) -> None:
    number = scene.dossier("en_construction")
    file, content = scene.pdf(name="modèle d’attestation.pdf")
    opened = scene.click(ids.ACTION_REPONDRE, number)

    body = "Bonjour, merci de compléter l’attestation jointe."
    assert scene.submit(opened, reply_values(body, file)) == {}

    message = wait_until(
        lambda: [m for m in scene.ds(number)["messages"] if m["body"] == body], what="message"
    )[0]
    assert message["email"] == scene.alice_email
    [attachment] = message["attachments"]
    assert attachment["filename"] == "modèle d’attestation.pdf"
    assert attachment["checksum"] == md5_b64(content)
    assert scene.ds(number)["state"] == "en_construction"


def test_decision_on_en_construction_offers_to_pass_en_instruction_first(scene: Scene) -> None:
    number = scene.dossier("en_construction")
    opened = scene.click(ids.ACTION_ACCEPTER, number)

    # Once DS is read, the modal says so plainly and asks for an explicit confirmation.
    updated = scene.wait_for_view_update(opened)
    shown = json.dumps(updated["blocks"], ensure_ascii=False)
    assert "en construction" in shown and "Passer d’abord le dossier en instruction" in shown

    answer = scene.submit(opened, decision_values("OK"))
    assert list(answer["errors"]) == [ids.BLOCK_INSTRUCTION_FIRST]
    assert scene.ops("DsbotPasserEnInstruction") == scene.ops("DsbotAccepter") == 0

    first = checkbox_values(
        ids.BLOCK_INSTRUCTION_FIRST, ids.ACTION_INSTRUCTION_FIRST_INPUT, "instruction_first"
    )
    assert scene.submit(opened, decision_values("OK", **first)) == {}
    dossier = wait_until(lambda: (d := scene.ds(number))["state"] == "accepte" and d)
    events = [t["state"] for t in dossier["traitements"]]
    assert events[-2:] == ["en_instruction", "accepte"]
    assert {t["emailAgentTraitant"] for t in dossier["traitements"][-2:]} == {scene.alice_email}


def test_passer_en_instruction_then_archive_a_decided_dossier(scene: Scene) -> None:
    number = scene.dossier("en_construction")
    ts = scene.channel_card(number)
    opened = scene.click(ids.ACTION_PASSER_EN_INSTRUCTION, number, message_ts=ts)
    assert scene.submit(opened, {}) == {}
    wait_until(lambda: scene.ds(number)["state"] == "en_instruction")

    decided = scene.dossier("accepte")
    opened = scene.click(ids.ACTION_ARCHIVER, decided)
    assert scene.submit(opened, {}) == {}
    wait_until(lambda: scene.ds(decided)["archived"], what="archived")


def test_double_submit_runs_one_mutation(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_ACCEPTER, number)
    barrier = threading.Barrier(2)
    answers: list[dict] = []

    def submit() -> None:
        barrier.wait()
        answers.append(scene.submit(opened, decision_values("Conforme.")))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [{}, {}]
    wait_until(lambda: scene.ds(number)["state"] == "accepte")
    rows = wait_until(lambda: len(r := scene.audit()) == 2 and r, what="two audit rows")
    assert sorted(r["result"] for r in rows) == ["duplicate", "ok"]
    assert scene.ops("DsbotAccepter") == 1
    # A third submit, later, is still the same action: nothing is sent again.
    scene.submit(opened, decision_values("Conforme."))
    wait_until(lambda: len(scene.audit()) == 3)
    assert scene.ops("DsbotAccepter") == 1


def test_double_click_opens_one_modal(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    scene.click(ids.ACTION_ACCEPTER, number)
    ack, _, _ = scene.bot.click(ids.ACTION_ACCEPTER, ids.encode_ref(number), user=ALICE)
    assert ack.status_code == 200
    scene.slack.wait_for("views.open", 1)
    assert len(scene.slack.calls("views.open")) == 1


def test_ds_timeout_after_the_mutation_applied_is_reported_as_success(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_REFUSER, number)
    scene.control.faults(ambiguous_mutations=1)
    assert scene.submit(opened, decision_values("Hors délai.")) == {}

    replaced = scene.slack.wait_for_response(opened.response_url)[0].body
    assert f"Refusé par <@{ALICE}>" in json.dumps(replaced["blocks"], ensure_ascii=False)
    assert scene.ds(number)["state"] == "refuse"
    assert scene.ops("DsbotRefuser") == 1
    row = wait_until(lambda: scene.audit())[0]
    assert row["result"] == "ok" and row["recovered"] is True


def test_ds_error_is_shown_in_ds_words_and_changes_nothing(scene: Scene) -> None:
    number = scene.dossier("accepte")
    archive = scene.click(ids.ACTION_ARCHIVER, number)
    assert scene.submit(archive, {}) == {}
    wait_until(lambda: scene.ds(number)["archived"])

    # DS refuses messages on an archived dossier; the bot lets DS say why.
    opened = scene.click(ids.ACTION_REPONDRE, number)
    assert scene.submit(opened, reply_values("Bonjour")) == {}
    [notice] = scene.notices(opened)
    assert "« Répondre » n’a pas abouti, le dossier n° " in notice
    assert "Il n’est pas possible d’envoyer un message sur un dossier" in notice
    assert scene.ds(number)["messages"] == [] or all(
        m["body"] != "Bonjour" for m in scene.ds(number)["messages"]
    )
    row = next(r for r in scene.audit() if r["action"] == "repondre")
    assert row["result"] == "error" and "Il n’est pas possible" in row["error"]


def test_repasser_en_instruction_reopens_a_decision(scene: Scene) -> None:
    number = scene.dossier("refuse")
    opened = scene.click(ids.ACTION_REPASSER_EN_INSTRUCTION, number)
    assert scene.submit(opened, {}) == {}
    dossier = wait_until(lambda: (d := scene.ds(number))["state"] == "en_instruction" and d)
    assert last_traitement(dossier)["emailAgentTraitant"] == scene.alice_email


def test_notification_thread_gets_a_note(scene: Scene) -> None:
    from datetime import UTC, datetime

    from dsbot.store import notifications

    number = scene.dossier("en_instruction")
    # The notifications engine posted this dossier's card in another channel.
    parent = scene.slack.client().chat_postMessage(channel="C0FOLLOW", text="Dossier")["ts"]
    with scene.bot.services.store.connect() as db:
        notifications.set_parent_ts(
            db, TEAM_ID, "C0FOLLOW", ItemRef.ds(number), parent, datetime.now(UTC)
        )

    opened = scene.click(ids.ACTION_ACCEPTER, number)
    assert scene.submit(opened, decision_values(None)) == {}
    [note] = wait_until(lambda: scene.slack.thread("C0FOLLOW", parent), what="thread note")
    assert f"Accepté par <@{ALICE}>" in note["text"]


def test_audit_is_exported_as_csv_and_json_lines(scene: Scene) -> None:
    import csv
    import io

    from click.testing import CliRunner

    from dsbot.cli import cli

    accepted = scene.dossier("en_instruction")
    file, content = scene.pdf(name="décision.pdf")
    opened = scene.click(ids.ACTION_ACCEPTER, accepted)
    scene.submit(opened, decision_values("Conforme aux critères.", file))
    refused = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_REFUSER, refused, user=CLARA)
    scene.submit(opened, decision_values("Non."), user=CLARA)
    wait_until(lambda: len(scene.audit()) == 2, what="two audit rows")

    env = {"DSBOT_DB": scene.bot.services.store.path}
    result = CliRunner().invoke(cli, ["audit", "--format", "csv"], env=env)
    assert result.exit_code == 0, result.output
    rows = {int(r["dossier_number"]): r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows[accepted]["result"] == "ok" and rows[accepted]["slack_user_id"] == ALICE
    assert rows[accepted]["file_name"] == "décision.pdf"
    assert rows[accepted]["file_checksum"] == md5_b64(content)
    assert rows[accepted]["motivation_length"] == str(len("Conforme aux critères."))
    assert rows[refused]["result"] == "refused" and rows[refused]["slack_user_id"] == CLARA

    today = rows[accepted]["at"][:10]
    result = CliRunner().invoke(
        cli, ["audit", "--since", today, "--until", today, "--format", "jsonl"], env=env
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {line["dossier_number"] for line in lines} == {accepted, refused}
    assert {line["action"] for line in lines} == {"accepter", "refuser"}


def test_expired_trigger_says_to_click_again(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    scene.slack.fail("views.open", "expired_trigger_id")
    requests_before = scene.control.stats()["graphql_requests"]
    ack, response_url, _ = scene.bot.click(ids.ACTION_ACCEPTER, ids.encode_ref(number), user=ALICE)
    assert ack.status_code == 200
    [answer] = scene.slack.wait_for_response(response_url)
    assert "expired_trigger_id" in answer.body["text"]
    assert "Cliquez à nouveau" in answer.body["text"]
    assert scene.control.stats()["graphql_requests"] == requests_before
    # The failed click does not hold back the next one.
    assert scene.click(ids.ACTION_ACCEPTER, number).view_id
