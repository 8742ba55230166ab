"""The Slack app over real HTTP: signed requests in, the fake Slack and the DS sandbox behind."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from dsbot.app_runtime import start
from dsbot.slack import ids
from tests.fakes.bot import ADMIN_ID, CHANNEL_ID, BotUnderTest, bot_settings

INSTRUCTEUR_USER = "U0INSTR01"
OTHER_USER = "U0OTHER01"


def first_groupe(sandbox):
    demarche = sandbox.control.demarches()[0]
    groupe = next(g for g in demarche["groupes"] if not g["closed"] and g["instructeurs"])
    return demarche, groupe


def dossier_in(sandbox, demarche, groupe, state="en_construction"):
    created = sandbox.control.create_dossier(
        demarche["number"], state=state, groupe=groupe["number"]
    )
    return created["number"]


def link_by_email(bot: BotUnderTest, user_id: str, email: str) -> None:
    bot.fake_slack.add_user(user_id, email)


def final_response(bot: BotUnderTest, response_url: str, count: int = 1) -> dict:
    return bot.fake_slack.wait_for_response(response_url, count=count, timeout=10)[-1].body


def action_ids(blocks: list[dict]) -> set[str]:
    return {
        el.get("action_id")
        for b in blocks
        if b.get("type") == "actions"
        for el in b.get("elements", [])
    }


def all_text(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False)


# --- request verification -----------------------------------------------------------------


def test_bad_signature_is_rejected(bot):
    response, _ = bot.command("aide", user=OTHER_USER, secret="not-the-secret")
    assert response.status_code == 401
    assert bot.fake_slack.calls("users.info") == []


def test_stale_timestamp_is_rejected(bot):
    response, _ = bot.command("aide", user=OTHER_USER, timestamp=int(time.time()) - 600)
    assert response.status_code == 401


def test_healthz_is_ready_once_started(bot):
    response = httpx.get(bot.url + "/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json()["ok"] is True


# --- help and bad input ------------------------------------------------------------------


def test_help_is_the_immediate_answer(bot):
    response, _ = bot.command("aide", user=OTHER_USER)
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    text = all_text(body)
    for sub in ("dossier", "abonner", "moi", "lier", "aide"):
        assert sub in text


def test_unknown_subcommand_answers_help_naming_it(bot):
    response, _ = bot.command("fais-le", user=OTHER_USER)
    text = all_text(response.json())
    assert "fais-le" in text
    assert "abonnements" in text


def test_non_numeric_dossier_gets_a_clear_error(bot):
    before = bot.sandbox.control.stats()["graphql_requests"]
    response, _ = bot.command("dossier abc", user=OTHER_USER)
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "abc" in body["text"]
    # Nothing is started in the background either: tests/slack/listeners/test_commands.py.
    assert bot.sandbox.control.stats()["graphql_requests"] == before


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("9999999999", "« 9999999999 » n’est pas un numéro de dossier"),
        ("2147483648", "« 2147483648 » n’est pas un numéro de dossier"),
        ("dossier 2147483648", "« 2147483648 » n’est pas un numéro de dossier"),
        ("0", "« 0 » n’est pas un numéro de dossier"),
        ("1234 5678", "Usage : `/ds dossier ‹numéro›`"),
    ],
)
def test_impossible_dossier_number_is_answered_without_ds(bot, text, shown):
    # DS numbers are GraphQL Ints: DS would answer a raw "non 32-bit signed integer" error.
    before = bot.sandbox.control.stats()["graphql_requests"]
    response, _ = bot.command(text, user=OTHER_USER)
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert shown in body["text"]
    assert "Commande inconnue" not in body["text"]
    assert bot.sandbox.control.stats()["graphql_requests"] == before


# --- the dossier card --------------------------------------------------------------------


def test_linked_instructeur_gets_card_with_legal_actions(bot):
    demarche, groupe = first_groupe(bot.sandbox)
    number = dossier_in(bot.sandbox, demarche, groupe, "en_instruction")
    link_by_email(bot, INSTRUCTEUR_USER, groupe["instructeurs"][0]["email"].upper())

    started = time.monotonic()
    ack, url = bot.command(f"dossier {number}", user=INSTRUCTEUR_USER)
    assert ack.status_code == 200
    assert time.monotonic() - started < 2.5
    card = final_response(bot, url)
    assert card["replace_original"] is True
    assert card["response_type"] == "ephemeral"
    assert str(number) in card["text"]
    assert {ids.ACTION_ACCEPTER, ids.ACTION_REFUSER, ids.ACTION_CLASSER_SANS_SUITE} <= action_ids(
        card["blocks"]
    )
    assert ids.ACTION_PASSER_EN_INSTRUCTION not in action_ids(card["blocks"])
    link = bot.services.linking.current("T0TEST", INSTRUCTEUR_USER)
    assert link is not None and link.method == "auto"
    assert link.instructeur_id == groupe["instructeurs"][0]["id"]


def test_bare_number_shows_the_card(bot):
    demarche, groupe = first_groupe(bot.sandbox)
    number = dossier_in(bot.sandbox, demarche, groupe)
    link_by_email(bot, INSTRUCTEUR_USER, groupe["instructeurs"][0]["email"])
    ack, url = bot.command(str(number), user=INSTRUCTEUR_USER)
    assert ack.status_code == 200
    card = final_response(bot, url)
    assert str(number) in card["text"]
    assert card["blocks"]


def test_unlinked_user_gets_no_card_and_the_way_to_get_linked(bot):
    demarche, groupe = first_groupe(bot.sandbox)
    number = dossier_in(bot.sandbox, demarche, groupe)
    bot.fake_slack.add_user(OTHER_USER, "inconnu@exemple.fr")
    _, url = bot.command(f"dossier {number}", user=OTHER_USER)
    answer = final_response(bot, url)
    assert not answer.get("blocks")
    assert "/ds lier" in all_text(answer)


def test_instructeur_of_another_groupe_cannot_act(bot):
    demarche = bot.sandbox.control.demarches()[0]
    groupes = [g for g in demarche["groupes"] if not g["closed"] and g["instructeurs"]]
    assert len(groupes) >= 2
    here, elsewhere = groupes[0], groupes[1]
    outsider = next(
        i
        for i in elsewhere["instructeurs"]
        if i["id"] not in {x["id"] for x in here["instructeurs"]}
    )
    number = dossier_in(bot.sandbox, demarche, here)
    bot.fake_slack.add_user(OTHER_USER, outsider["email"])
    _, url = bot.command(f"dossier {number}", user=OTHER_USER)
    answer = final_response(bot, url)
    assert not answer.get("blocks")
    # Linked, but not of the groupe: the answer an unknown number gets too.
    assert bot.services.texts("access.reason_unseen") in all_text(answer)
    assert "introuvable, ou vous ne pouvez pas le voir" in all_text(answer)


def test_unknown_dossier_number(bot):
    bot.fake_slack.add_user(OTHER_USER, "x@exemple.fr")
    _, url = bot.command("dossier 987654", user=OTHER_USER)
    answer = final_response(bot, url)
    t = bot.services.texts
    reason = t("link.reason_no_match", email="?")
    assert answer["text"] == t("dossier.not_for_you", number=987654, reason=reason)
    # An admin, who may see any dossier, is told DS's own words.
    bot.fake_slack.add_user(ADMIN_ID, "admin@exemple.fr")
    _, url = bot.command("dossier 987654", user=ADMIN_ID)
    assert final_response(bot, url)["text"] == t("error.dossier_not_found", number=987654)


def test_dossier_hidden_from_the_token(fake_slack, sandbox, tmp_path):
    demarches = sandbox.control.demarches()
    sandbox.control.add_token("scoped-token", demarches=[demarches[0]["number"]])
    other = demarches[1]
    groupe = next(g for g in other["groupes"] if not g["closed"])
    number = dossier_in(sandbox, other, groupe)
    settings = bot_settings(
        fake_slack, sandbox, str(tmp_path / "b.db"), DS_API_TOKEN="scoped-token"
    )
    runtime = start(settings, http=True, host="127.0.0.1", port=0, poller=False)
    try:
        bot = BotUnderTest(runtime, f"http://127.0.0.1:{runtime.http_port}", fake_slack, sandbox)
        # An admin is told why; anyone else gets the answer of an unknown number.
        fake_slack.add_user(ADMIN_ID, "admin@exemple.fr")
        _, url = bot.command(f"dossier {number}", user=ADMIN_ID)
        answer = final_response(bot, url)
        assert answer["text"] == runtime.services.texts("error.dossier_hidden", number=number)
    finally:
        runtime.stop()


def test_expired_token_is_explained(fake_slack, sandbox, tmp_path):
    sandbox.control.add_token("old-token", expired=True)
    settings = bot_settings(fake_slack, sandbox, str(tmp_path / "b.db"), DS_API_TOKEN="old-token")
    runtime = start(settings, http=True, host="127.0.0.1", port=0, poller=False)
    try:
        bot = BotUnderTest(runtime, f"http://127.0.0.1:{runtime.http_port}", fake_slack, sandbox)
        fake_slack.add_user(OTHER_USER, "x@exemple.fr")
        _, url = bot.command("dossier 1", user=OTHER_USER)
        answer = final_response(bot, url)
        assert answer["text"] == runtime.services.texts("error.ds_token_expired")
        assert "old-token" not in all_text(answer)
    finally:
        runtime.stop()


def test_ds_down_is_explained(bot):
    bot.fake_slack.add_user(OTHER_USER, "x@exemple.fr")
    bot.sandbox.control.faults(error_rate=1.0)
    _, url = bot.command("dossier 1", user=OTHER_USER)
    answer = final_response(bot, url)
    assert answer["text"] == bot.services.texts("error.ds_unavailable")


def test_ds_slow_still_acks_at_once(bot):
    demarche, groupe = first_groupe(bot.sandbox)
    number = dossier_in(bot.sandbox, demarche, groupe)
    bot.fake_slack.add_user(OTHER_USER, "x@exemple.fr")
    bot.sandbox.control.faults(latency_ms=1500)
    started = time.monotonic()
    ack, url = bot.command(f"dossier {number}", user=OTHER_USER)
    assert ack.status_code == 200
    assert time.monotonic() - started < 1.0
    assert str(number) in ack.json()["text"]  # the "loading" answer names the dossier
    # DS recovers: the request in flight ends after its 1.5 s, the next ones are quick.
    bot.sandbox.control.faults(latency_ms=0)
    card = final_response(bot, url)
    assert str(number) in card["text"]


# --- linking -----------------------------------------------------------------------------


def test_moi_explains_missing_link_then_shows_it(bot):
    _, groupe = first_groupe(bot.sandbox)
    bot.fake_slack.add_user(OTHER_USER, "personne@exemple.fr")
    _, url = bot.command("moi", user=OTHER_USER)
    answer = final_response(bot, url)
    assert bot.services.texts("link.reason_no_match") in answer["text"]

    email = groupe["instructeurs"][0]["email"]
    bot.fake_slack.add_user(INSTRUCTEUR_USER, email)
    _, url = bot.command("moi", user=INSTRUCTEUR_USER)
    answer = final_response(bot, url)
    assert email in answer["text"]


def test_admin_links_and_unlinks(bot):
    _, groupe = first_groupe(bot.sandbox)
    email = groupe["instructeurs"][0]["email"]
    bot.fake_slack.add_user(ADMIN_ID, "admin@exemple.fr")
    bot.fake_slack.add_user(OTHER_USER, "autre-adresse@exemple.fr")

    _, url = bot.command(f"lier <@{OTHER_USER}|autre> <mailto:{email}|{email}>", user=ADMIN_ID)
    answer = final_response(bot, url)
    assert email in answer["text"]
    link = bot.services.linking.current("T0TEST", OTHER_USER)
    assert link.method == "admin" and link.instructeur_id == groupe["instructeurs"][0]["id"]

    _, url = bot.command(f"delier <@{OTHER_USER}|autre>", user=ADMIN_ID)
    final_response(bot, url)
    status = bot.services.linking.resolve("T0TEST", OTHER_USER)
    assert status.link is None and status.reason == "link.reason_unlinked"


def test_workspace_admin_is_admin_too(bot):
    _, groupe = first_groupe(bot.sandbox)
    bot.fake_slack.add_user("U0WSADMIN", "chef@exemple.fr", is_admin=True)
    bot.fake_slack.add_user(OTHER_USER, "autre@exemple.fr")
    email = groupe["instructeurs"][0]["email"]
    _, url = bot.command(f"lier <@{OTHER_USER}> {email}", user="U0WSADMIN")
    final_response(bot, url)
    assert bot.services.linking.current("T0TEST", OTHER_USER).email == email.lower()


def test_non_admin_is_refused_and_nothing_changes(bot):
    _, groupe = first_groupe(bot.sandbox)
    bot.fake_slack.add_user(OTHER_USER, "autre@exemple.fr")
    email = groupe["instructeurs"][0]["email"]
    _, url = bot.command(f"lier <@{OTHER_USER}> {email}", user=OTHER_USER)
    answer = final_response(bot, url)
    assert answer["text"] == bot.services.texts("error.admin_only")
    assert bot.services.linking.current("T0TEST", OTHER_USER) is None


def test_linking_to_a_non_instructeur_email_is_refused(bot):
    bot.fake_slack.add_user(ADMIN_ID, "admin@exemple.fr")
    _, url = bot.command(f"lier <@{OTHER_USER}> personne@nulle-part.fr", user=ADMIN_ID)
    answer = final_response(bot, url)
    assert answer["text"] == bot.services.texts(
        "link.not_instructeur", email="personne@nulle-part.fr"
    )
    assert bot.services.linking.current("T0TEST", OTHER_USER) is None


CHANGER_GROUPE = """
mutation Move($input: DossierChangerGroupeInstructeurInput!) {
  dossierChangerGroupeInstructeur(input: $input) { errors { message } }
}"""


def test_instructeur_loses_access_at_once_when_dossier_leaves_their_groupe(bot):
    demarche = bot.sandbox.control.demarches()[0]
    groupes = [g for g in demarche["groupes"] if not g["closed"] and g["instructeurs"]]
    here, other = groupes[0], groupes[1]
    instructeur = next(
        i for i in here["instructeurs"] if i["id"] not in {x["id"] for x in other["instructeurs"]}
    )
    number = dossier_in(bot.sandbox, demarche, here)
    bot.fake_slack.add_user(INSTRUCTEUR_USER, instructeur["email"])
    _, url = bot.command(f"dossier {number}", user=INSTRUCTEUR_USER)
    assert ids.ACTION_PASSER_EN_INSTRUCTION in action_ids(final_response(bot, url)["blocks"])

    # An administrator moves the dossier in DS: no cache may keep the old rights.
    answer = httpx.post(
        bot.sandbox.graphql_url,
        json={
            "query": CHANGER_GROUPE,
            "variables": {
                "input": {
                    "dossierId": bot.sandbox.control.dossier(number)["id"],
                    "groupeInstructeurId": other["id"],
                }
            },
        },
        headers={"Authorization": "Bearer sandbox-token"},
    ).json()
    assert answer["data"]["dossierChangerGroupeInstructeur"]["errors"] in (None, [])
    _, url = bot.command(f"dossier {number}", user=INSTRUCTEUR_USER)
    # Neither the actions nor the content: the dossier is no longer theirs to see.
    assert not final_response(bot, url).get("blocks")


# --- sharing -----------------------------------------------------------------------------


def test_share_posts_the_card_in_the_channel(bot):
    demarche, groupe = first_groupe(bot.sandbox)
    number = dossier_in(bot.sandbox, demarche, groupe)
    link_by_email(bot, INSTRUCTEUR_USER, groupe["instructeurs"][0]["email"])
    bot.fake_slack.add_channel(CHANNEL_ID, "general")
    ack, _, _ = bot.click(ids.ACTION_PARTAGER, ids.encode_ref(number), user=INSTRUCTEUR_USER)
    assert ack.status_code == 200
    call = bot.fake_slack.wait_for("chat.postMessage", timeout=10)[0]
    assert call.params["channel"] == CHANNEL_ID
    assert str(number) in call.params["text"]


@pytest.mark.parametrize("user", [INSTRUCTEUR_USER])
def test_secrets_never_reach_slack(bot, user):
    bot.fake_slack.add_user(user, "x@exemple.fr")
    bot.sandbox.control.faults(error_rate=1.0)
    _, url = bot.command("dossier 5", user=user)
    answer = final_response(bot, url)
    dumped = all_text(answer)
    assert "sandbox-token" not in dumped and "xoxb-" not in dumped


@pytest.mark.parametrize("typed", ["<!channel>", "&lt;!channel&gt;"])  # raw, or as Slack escapes it
def test_typed_input_is_echoed_inert(bot, typed):
    response, _ = bot.command(f"dossier {typed}", user=OTHER_USER)
    text = response.json()["text"]
    assert "<!channel>" not in text
    assert "« &lt;!channel&gt; »" in text
