"""The App Home, end to end: `app_home_opened` and clicks signed like Slack's, sent to the bot
over HTTP; the Home published through the fake Slack's views.publish; the index filled by the
real feed from the DS sandbox, and read without a single DS request."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from dsbot.notifications.cycle import Poller
from dsbot.runtime import build_poller
from dsbot.slack import ids
from tests.e2e.scene import ALICE, BRUNO, CLARA, TEAM_ID, Scene, wait_until
from tests.fakes.bot import ADMIN_ID, CHANNEL_ID

GUEST = "U0GUEST01"


def poller(scene: Scene, clock=None) -> Poller:
    bot = scene.bot
    options: dict[str, Any] = {"clock": clock} if clock else {}
    return build_poller(
        bot.runtime.settings,
        store=bot.services.store,
        ds=bot.services.ds,
        slack=bot.fake_slack.client(),
        pacing=0,
        **options,
    )


def index_demarche(scene: Scene) -> Poller:
    """Subscribe the channel since long ago and run one cycle: the feed reads every dossier."""
    scene.bot.services.subscriptions.subscribe(
        TEAM_ID, CHANNEL_ID, scene.demarche, created_by=ADMIN_ID, since=date(2000, 1, 1)
    )
    engine = poller(scene)
    engine.digests = None  # today's digest is the business of the digest tests
    report = engine.run_cycle()
    assert report.ok
    return engine


def open_home(scene: Scene, user: str) -> float:
    """Send app_home_opened; returns when it was sent (time.monotonic)."""
    body = {
        "token": "legacy-unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0TEST",
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
    }
    sent = time.monotonic()
    answer = scene.bot.post(json.dumps(body).encode(), "application/json")
    assert answer.status_code == 200
    return sent


def published(scene: Scene, user: str, count: int = 1) -> dict[str, Any]:
    def done() -> Any:
        calls = [c for c in scene.slack.calls("views.publish") if c.params.get("user_id") == user]
        return calls[count - 1] if len(calls) >= count else None

    call = wait_until(done, what=f"views.publish #{count} for {user}")
    assert call.ok, call
    return scene.slack.home_view(user)


def home_click(scene: Scene, user: str, view: dict[str, Any], action: dict[str, Any]) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": f"{time.time():.6f}.{user}.trigger",
        "container": {"type": "view", "view_id": view["id"]},
        "view": {**view, "type": "home"},
        "actions": [{"action_ts": f"{time.time():.6f}", **action}],
    }
    assert scene.bot.interact(payload).status_code == 200


def section_numbers(view: dict[str, Any], section: str) -> list[int]:
    prefix = f"home_{section}_"
    return [
        int(b["block_id"][len(prefix) :])
        for b in view["blocks"]
        if (b.get("block_id") or "").startswith(prefix) and b["block_id"][len(prefix) :].isdigit()
    ]


def groupes_of(scene: Scene, email: str) -> set[int]:
    return {
        g["number"]
        for d in scene.control.demarches()
        for g in d["groupes"]
        if email in {i["email"] for i in g["instructeurs"]}
    }


def text(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


@pytest.fixture
def indexed(scene: Scene) -> Scene:
    # Enough dossiers en construction in Alice's groupe for a second page.
    for _ in range(12):
        scene.dossier("en_construction")
    index_demarche(scene)
    return scene


def test_home_of_a_linked_instructeur_from_the_index_without_ds(indexed: Scene) -> None:
    scene = indexed
    before = scene.control.stats()["graphql_requests"]
    sent = open_home(scene, ALICE)
    view = published(scene, ALICE)
    elapsed = time.monotonic() - sent
    assert elapsed < 1.0
    assert scene.control.stats()["graphql_requests"] == before
    body = text(view)
    for title in ("À traiter (", "Mes dossiers suivis (", "En attente d’une réponse ("):
        assert title in body
    assert "actualisée le" in body
    a_traiter = section_numbers(view, "a_traiter")
    assert len(a_traiter) == 10
    # Only dossiers of Alice's groupes, each in a state « À traiter » allows.
    alices = groupes_of(scene, scene.alice_email)
    for number in a_traiter:
        dossier = scene.ds(number)
        assert dossier["groupe"] in alices
        assert dossier["state"] in ("en_construction", "en_instruction")
    # No demandeur, no e-mail on the Home.
    assert "@" not in body.replace(f"<@{ALICE}>", "")

    # « Voir plus » publishes ten more lines; the filter keeps one state.
    more = next(
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.ACTION_HOME_MORE
    )
    home_click(
        scene,
        ALICE,
        view,
        {
            "type": "button",
            "action_id": more["action_id"],
            "block_id": "home_more_a_traiter",
            "value": more["value"],
        },
    )
    view = published(scene, ALICE, 2)
    assert len(section_numbers(view, "a_traiter")) > 10
    home_click(
        scene,
        ALICE,
        view,
        {
            "type": "static_select",
            "action_id": ids.ACTION_HOME_FILTER,
            "block_id": ids.BLOCK_HOME_FILTER,
            "selected_option": {
                "value": "en_instruction",
                "text": {"type": "plain_text", "text": "En instruction"},
            },
        },
    )
    view = published(scene, ALICE, 3)
    for number in section_numbers(view, "a_traiter"):
        assert scene.ds(number)["state"] == "en_instruction"
    assert scene.control.stats()["graphql_requests"] == before


def test_people_who_may_not_see_dossiers(indexed: Scene) -> None:
    scene = indexed
    scene.slack.add_user(GUEST, scene.alice_email.replace("@", "+guest@"), is_restricted=True)
    open_home(scene, CLARA)
    open_home(scene, GUEST)
    unlinked = published(scene, CLARA)
    assert "/ds lier" in text(unlinked) and not section_numbers(unlinked, "a_traiter")
    guest = published(scene, GUEST)
    assert "invités" in text(guest) and not section_numbers(guest, "a_traiter")


def test_bruno_sees_his_groupe_not_alices(indexed: Scene) -> None:
    scene = indexed
    open_home(scene, ALICE)
    open_home(scene, BRUNO)
    alice = set(section_numbers(published(scene, ALICE), "a_traiter"))
    bruno = set(section_numbers(published(scene, BRUNO), "a_traiter"))
    assert alice and bruno and not alice & bruno


def test_open_posts_the_card_in_the_users_messages(indexed: Scene) -> None:
    scene = indexed
    open_home(scene, ALICE)
    view = published(scene, ALICE)
    number = section_numbers(view, "a_traiter")[0]
    home_click(
        scene,
        ALICE,
        view,
        {
            "type": "button",
            "action_id": ids.ACTION_HOME_OPEN,
            "block_id": f"home_a_traiter_{number}",
            "value": ids.encode_ref(number),
        },
    )
    call = wait_until(
        lambda: next(
            (c for c in scene.slack.calls("chat.postMessage") if c.params["channel"] == ALICE),
            None,
        ),
        what="the card in Alice's messages",
    )
    assert call.ok and f"n° {number}" in json.dumps(call.params, ensure_ascii=False)
    # Clara (not linked) gets a reason, not the card.
    home_click(
        scene,
        CLARA,
        view,
        {
            "type": "button",
            "action_id": ids.ACTION_HOME_OPEN,
            "block_id": f"home_a_traiter_{number}",
            "value": ids.encode_ref(number),
        },
    )
    refused = wait_until(
        lambda: next(
            (c for c in scene.slack.calls("chat.postMessage") if c.params["channel"] == CLARA),
            None,
        ),
        what="a refusal for Clara",
    )
    assert "n’a pas pu être ouvert" in refused.params["text"]
    assert "blocks" not in refused.params


def test_the_home_follows_the_feed_debounced(indexed: Scene) -> None:
    scene = indexed
    open_home(scene, ALICE)
    published(scene, ALICE)
    number = scene.dossier("en_instruction")
    scene.control.add_message(number, "Bonjour, où en est mon dossier ?")
    now = datetime.now(UTC)
    clock = [now]
    engine = poller(scene, clock=lambda: clock[0])
    # Changed, but published a moment ago: it waits (debounce).
    assert engine.run_cycle().homes == 0
    clock[0] = now + timedelta(seconds=31)
    report = engine.run_cycle()
    assert report.homes == 1
    view = published(scene, ALICE, 2)
    assert number in section_numbers(view, "en_attente")
    # Nothing changed since: no new publication.
    clock[0] = now + timedelta(seconds=90)
    assert engine.run_cycle().homes == 0


def test_clicks_that_are_not_ours_publish_the_default_home(indexed: Scene) -> None:
    scene = indexed
    open_home(scene, ALICE)
    view = published(scene, ALICE)
    forged = {**view, "private_metadata": '{"f": "<!channel>", "n": {"a_traiter": "all"}}'}
    home_click(
        scene,
        ALICE,
        forged,
        {
            "type": "button",
            "action_id": ids.ACTION_HOME_MORE,
            "block_id": "home_more_x",
            "value": "everything",
        },
    )
    again = published(scene, ALICE, 2)
    assert len(section_numbers(again, "a_traiter")) == 10
    home_click(
        scene,
        ALICE,
        {**view, "private_metadata": "not json"},
        {
            "type": "static_select",
            "action_id": ids.ACTION_HOME_FILTER,
            "block_id": ids.BLOCK_HOME_FILTER,
            "selected_option": {"value": "DROP"},
        },
    )
    filtered = published(scene, ALICE, 3)
    assert section_numbers(filtered, "a_traiter") == section_numbers(view, "a_traiter")
    # An « Ouvrir » that names no dossier posts nothing.
    posted = len(scene.slack.calls("chat.postMessage"))
    home_click(
        scene,
        ALICE,
        view,
        {
            "type": "button",
            "action_id": ids.ACTION_HOME_OPEN,
            "block_id": "home_x",
            "value": '{"d": -1}',
        },
    )
    # Something observable after it, rather than a sleep: the next opening's publication.
    open_home(scene, ALICE)
    published(scene, ALICE, 4)
    assert len(scene.slack.calls("chat.postMessage")) == posted


def _fold(text: str) -> str:
    """What someone types in a hurry: no accents, lower case."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _search(scene: Scene, user: str, text: str) -> tuple[str, list[int]]:
    """`/ds cherche <text>` as `user`: the answer's text and the numbers it offers to open."""
    ack, url = scene.bot.command(f"cherche {text}", user=user)
    assert ack.status_code == 200
    (answer,) = scene.slack.wait_for_response(url)
    assert answer.body.get("response_type") == "ephemeral"
    numbers = [
        ids.decode_ref(b["accessory"]["value"])
        for b in answer.body.get("blocks") or []
        if b.get("accessory", {}).get("action_id") == ids.ACTION_SEARCH_OPEN
    ]
    return answer.body["text"], numbers


def test_search_finds_visible_dossiers_only_without_ds(indexed: Scene) -> None:
    scene = indexed
    scene.slack.add_user(ADMIN_ID, "admin@example.org")
    alices = groupes_of(scene, scene.alice_email)
    with scene.bot.services.store.connect() as db:
        rows = db.execute(
            "SELECT CAST(ref AS INTEGER), groupe_number FROM dossier_index"
        ).fetchall()
    mine = next(
        n for n, g in rows if g in alices and scene.bot.services.ds.get_dossier(n).usager_email
    )
    other = next(
        n for n, g in rows if g not in alices and scene.bot.services.ds.get_dossier(n).usager_email
    )
    demandeur = scene.bot.services.ds.get_dossier(mine).demandeur
    name = f"{demandeur.prenom} {demandeur.nom}" if hasattr(demandeur, "nom") else demandeur.siret
    other_email = scene.bot.services.ds.get_dossier(other).usager_email
    assert other_email
    before = scene.control.stats()["graphql_requests"]

    # Accents and case ignored, words as prefixes; Alice's own groupes only.
    text, found = _search(scene, ALICE, _fold(name)[:-1])
    assert mine in found and len(found) <= 20
    assert all(scene.ds(n)["groupe"] in alices for n in found)
    _, found = _search(scene, ALICE, other_email)
    assert other not in found
    _, found = _search(scene, ALICE, str(mine))
    assert found == [mine]
    # An admin sees every dossier; someone not linked, none.
    _, found = _search(scene, ADMIN_ID, other_email.upper())
    assert other in found
    text, found = _search(scene, CLARA, other_email)
    assert found == [] and "liez" in text
    # The Home's search box: the same answer under the box, the query never stored.
    open_home(scene, ALICE)
    view = published(scene, ALICE)
    home_click(
        scene,
        ALICE,
        view,
        {
            "type": "plain_text_input",
            "action_id": ids.ACTION_HOME_SEARCH,
            "block_id": ids.BLOCK_HOME_SEARCH,
            "value": str(mine),
        },
    )
    view = published(scene, ALICE, 2)
    assert f"search_{mine}" in [b.get("block_id") for b in view["blocks"]]
    with scene.bot.services.store.connect() as db:
        (state,) = db.execute(
            "SELECT view_state FROM home_tabs WHERE slack_user_id = ?", [ALICE]
        ).fetchone()
    assert str(mine) not in state
    assert scene.control.stats()["graphql_requests"] == before
    # « Ouvrir » on a result: the card, where the search was typed, for Alice only.
    ack, url, _ = scene.bot.click(ids.ACTION_SEARCH_OPEN, ids.encode_ref(mine), user=ALICE)
    assert ack.status_code == 200
    (card,) = scene.slack.wait_for_response(url)
    assert card.body["text"].startswith(f"Dossier n° {mine}")
    assert card.body.get("response_type") == "ephemeral"


def notify_selects(view: dict[str, Any]) -> dict[str, str]:
    """Each personal notification topic's select in the Home, with its current choice."""
    prefix = f"{ids.BLOCK_HOME_NOTIFY}_"
    return {
        b["block_id"][len(prefix) :]: b["accessory"]["initial_option"]["value"]
        for b in view["blocks"]
        if (b.get("block_id") or "").startswith(prefix)
    }


def test_personal_notifications_are_shown_and_set_in_the_home(scene: Scene) -> None:
    open_home(scene, ALICE)
    view = published(scene, ALICE)
    selects = notify_selects(view)
    assert selects["messages"] == "messages:instantane"  # the defaults
    assert selects["corrections"] == "corrections:instantane"
    assert selects["avis"] == "avis:aucune" and len(selects) == 6

    choice = {"value": "avis:quotidien", "text": {"type": "plain_text", "text": "quotidien"}}
    home_click(
        scene,
        ALICE,
        view,
        {
            "type": "static_select",
            "action_id": ids.ACTION_HOME_NOTIFY,
            "block_id": f"{ids.BLOCK_HOME_NOTIFY}_avis",
            "selected_option": choice,
        },
    )
    again = published(scene, ALICE, 2)
    assert notify_selects(again)["avis"] == "avis:quotidien"
    # The command says the same, and sets every topic at once.
    ack, response_url = scene.bot.command("notifications aucune", user=ALICE)
    assert ack.status_code == 200
    answer = scene.slack.wait_for_response(response_url)[-1].body["text"]
    assert "Avis rendus : *aucune*" in answer and "*instantané*" not in answer
