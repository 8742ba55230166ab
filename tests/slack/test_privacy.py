"""Who may see a dossier: a linked instructeur of its groupe, or an admin; never a guest.

Over real HTTP, with the fake Slack and the DS sandbox behind the bot.
"""

from __future__ import annotations

import json

from dsbot.slack import ids
from dsbot.slack.interaction.throttle import UserRateLimit
from tests.fakes.bot import ADMIN_ID, CHANNEL_ID, BotUnderTest

INSTRUCTEUR = "U0PRIV001"
OUTSIDER = "U0PRIV002"
OTHER_GROUPE = "U0PRIV003"
GUEST = "U0PRIV004"


def setup(bot: BotUnderTest) -> tuple[int, str]:
    """A dossier of a groupe, its instructeur and an instructeur of another groupe as users;
    returns the dossier number and its usager's e-mail (content nobody else may see)."""
    demarche = bot.sandbox.control.demarches()[0]
    groupes = [g for g in demarche["groupes"] if not g["closed"] and g["instructeurs"]]
    home, other = groupes[0], groupes[1]
    home_emails = {i["email"] for i in home["instructeurs"]}
    number = bot.sandbox.control.create_dossier(
        demarche["number"], state="en_instruction", groupe=home["number"]
    )["number"]
    bot.fake_slack.add_user(INSTRUCTEUR, home["instructeurs"][0]["email"])
    bot.fake_slack.add_user(OUTSIDER, "personne@exemple.fr")
    bot.fake_slack.add_user(
        OTHER_GROUPE,
        next(i["email"] for i in other["instructeurs"] if i["email"] not in home_emails),
    )
    # A guest whose e-mail is even an instructeur's of the groupe.
    bot.fake_slack.add_user(GUEST, home["instructeurs"][0]["email"], is_restricted=True)
    dossier = bot.services.ds.get_dossier(number)
    assert dossier.usager_email
    return number, dossier.usager_email


def answer(bot: BotUnderTest, text: str, user: str) -> dict:
    ack, url = bot.command(text, user=user)
    assert ack.status_code == 200
    return bot.fake_slack.wait_for_response(url, count=1, timeout=10)[-1].body


def dump(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_instructeur_of_the_groupe_sees_the_card(bot):
    number, email = setup(bot)
    card = answer(bot, f"dossier {number}", INSTRUCTEUR)
    assert email in dump(card)
    assert any(b.get("block_id") == ids.BLOCK_CARD_FACTS for b in card["blocks"])


def test_unlinked_user_gets_how_to_link_and_no_content(bot):
    number, email = setup(bot)
    message = answer(bot, f"dossier {number}", OUTSIDER)
    text = dump(message)
    assert email not in text
    assert not message.get("blocks")
    assert "/ds lier" in text and str(number) in text


def test_instructeur_of_another_groupe_sees_no_content(bot):
    number, email = setup(bot)
    message = answer(bot, f"dossier {number}", OTHER_GROUPE)
    assert email not in dump(message)
    assert not message.get("blocks")


def test_guest_never_sees_content_even_with_an_instructeur_email(bot):
    number, email = setup(bot)
    message = answer(bot, f"dossier {number}", GUEST)
    assert email not in dump(message)
    assert "invités" in message["text"]


def test_admin_sees_content_without_actions(bot):
    number, email = setup(bot)
    bot.fake_slack.add_user(ADMIN_ID, "admin@exemple.fr")
    card = answer(bot, f"dossier {number}", ADMIN_ID)
    assert email in dump(card)
    buttons = {el.get("action_id") for b in card["blocks"] for el in b.get("elements", []) if el}
    assert ids.ACTION_ACCEPTER not in buttons
    assert ids.ACTION_PARTAGER not in buttons


def test_share_by_someone_not_of_the_groupe_posts_nothing(bot):
    number, email = setup(bot)
    for user in (OUTSIDER, OTHER_GROUPE, GUEST):
        ack, url, _ = bot.click(ids.ACTION_PARTAGER, ids.encode_ref(number), user=user)
        assert ack.status_code == 200
        refusal = bot.fake_slack.wait_for_response(url, count=1, timeout=10)[-1].body
        assert email not in dump(refusal)
        assert "instructeur" in refusal["text"]
    assert bot.fake_slack.calls("chat.postMessage") == []


def test_share_by_the_groupe_instructeur_posts_the_card(bot):
    number, _ = setup(bot)
    ack, url, _ = bot.click(ids.ACTION_PARTAGER, ids.encode_ref(number), user=INSTRUCTEUR)
    assert ack.status_code == 200
    bot.fake_slack.wait_for_response(url, count=1, timeout=10)
    posted = bot.fake_slack.calls("chat.postMessage")
    assert [c.params["channel"] for c in posted] == [CHANNEL_ID]


def test_dossier_requests_are_limited_per_user(bot):
    """The 31st `/ds dossier` of a minute is refused at once, without reading DS."""
    setup(bot)
    for _ in range(30):
        ack, _ = bot.command("dossier 1", user=GUEST)
        assert "Trop de dossiers" not in ack.json()["text"]
    ack, _ = bot.command("dossier 1", user=GUEST)
    assert "30 par minute" in ack.json()["text"]
    # Another user is not affected.
    ack, _ = bot.command("dossier 1", user=OUTSIDER)
    assert "Trop de dossiers" not in ack.json()["text"]


def test_rate_limit_window_slides_with_the_clock():
    now = [1000.0]
    limit = UserRateLimit(limit=3, window=60.0, clock=lambda: now[0])
    assert [limit.allow("T", "U") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("T", "V")
    now[0] += 59.9
    assert not limit.allow("T", "U")
    now[0] += 0.2
    assert limit.allow("T", "U")
