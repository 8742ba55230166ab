"""Link previews end to end: signed `link_shared` events to the bot over HTTP, the DS sandbox
read as the sharer, `chat.unfurl` checked and recorded by the fake Slack."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dsbot.slack import ids
from tests.e2e.scene import ALICE, BRUNO, CLARA, TEAM_ID, Scene, wait_until
from tests.fakes.bot import CHANNEL_ID

LOGGER = "dsbot.slack.listeners.unfurl"


@pytest.fixture
def stage(scene: Scene, caplog: pytest.LogCaptureFixture) -> Scene:
    # Many messages in one channel: Slack's posting pace is not what these tests are about.
    scene.slack.post_interval = None
    caplog.set_level(logging.INFO, logger=LOGGER)
    return scene


def dossier_url(scene: Scene, number: int, *, usager: bool = False) -> str:
    base = scene.bot.services.settings.ds_web_base
    if usager:
        return f"{base}/dossiers/{number}"
    return f"{base}/procedures/{scene.demarche}/dossiers/{number}"


def share(scene: Scene, *urls: str, user: str = ALICE, channel: str = CHANNEL_ID) -> str:
    """Post a message with the links, then send the link_shared event Slack sends; its ts."""
    text = "Voir " + " et ".join(f"<{u}>" for u in urls)
    ts = scene.slack.client().chat_postMessage(channel=channel, text=text)["ts"]
    event = {
        "type": "link_shared",
        "channel": channel,
        "user": user,
        "message_ts": ts,
        "unfurl_id": f"Uf{ts.replace('.', '')}",
        "source": "conversations_history",
        "event_ts": ts,
        "links": [{"domain": u.split("/")[2].split(":")[0], "url": u} for u in urls],
    }
    body = {
        "token": "legacy-unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0TEST",
        "type": "event_callback",
        "event_id": f"Ev{ts.replace('.', '')}",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": TEAM_ID, "user_id": "U0BOT", "is_bot": True}],
    }
    answer = scene.bot.post(json.dumps(body).encode(), "application/json")
    assert answer.status_code == 200, answer.text
    return ts


def decided(caplog: pytest.LogCaptureFixture, count: int) -> list[str]:
    """The listener's decisions logged so far (one per event), once there are `count`."""

    def lines() -> list[str]:
        return [
            r.getMessage()
            for r in list(caplog.records)
            if r.name == LOGGER and r.getMessage().startswith(("unfurl.decided", "unfurl.no_"))
        ]

    return wait_until(lambda: len(found := lines()) >= count and found, what="decisions")


def unfurl_of(scene: Scene, ts: str) -> dict[str, Any]:
    calls = [u for u in scene.slack.unfurls() if u.get("ts") == ts]
    assert len(calls) == 1, calls
    return calls[0]["unfurls"]


def test_a_linked_instructeur_gets_a_compact_preview(stage: Scene, caplog) -> None:
    number = stage.dossier("en_instruction")
    url = dossier_url(stage, number)
    ts = share(stage, url)

    wait_until(lambda: stage.slack.unfurls(), what="chat.unfurl")
    previews = unfurl_of(stage, ts)
    assert list(previews) == [url]
    shown = json.dumps(previews[url], ensure_ascii=False)
    dossier = stage.bot.services.ds.get_dossier(number)
    assert f"n° {number}" in shown
    assert dossier.demarche.title in shown
    assert dossier.groupe_instructeur.label in shown
    assert "En instruction" in shown
    assert [b["block_id"] for b in previews[url]["blocks"]] == [
        ids.BLOCK_UNFURL_SUMMARY,
        ids.BLOCK_UNFURL_DATES,
    ]
    # Nothing personal: no demandeur, no e-mail (usager, followers, instructeurs), no message.
    demandeur = dossier.demandeur
    names = [getattr(demandeur, n, "") for n in ("nom", "prenom", "raison_sociale")]
    for secret in [n for n in names if n and n.strip()] + [dossier.usager_email or "@"]:
        assert secret not in shown
    assert "@" not in shown
    for message in dossier.messages:
        assert message.body[:30] not in shown
    assert decided(caplog, 1) == [f'unfurl.decided given={number} held_back=""']


def test_the_usager_url_is_previewed_too(stage: Scene, caplog) -> None:
    number = stage.dossier("en_construction")
    url = dossier_url(stage, number, usager=True)
    ts = share(stage, url)
    wait_until(lambda: stage.slack.unfurls(), what="chat.unfurl")
    assert "En construction" in json.dumps(unfurl_of(stage, ts)[url], ensure_ascii=False)


@pytest.mark.parametrize("outsider", [BRUNO, CLARA])
def test_no_preview_when_the_sharer_may_not_see_the_dossier(stage: Scene, caplog, outsider):
    number = stage.dossier("en_instruction")
    share(stage, dossier_url(stage, number), user=outsider)
    assert decided(caplog, 1) == [f'unfurl.decided given="" held_back={number}']
    assert stage.slack.unfurls() == []
    assert stage.slack.calls("chat.unfurl") == []
    # Held back for the outsider, the link still gets its preview when a colleague shares it.
    ts = share(stage, dossier_url(stage, number), user=ALICE)
    decided(caplog, 2)
    assert list(unfurl_of(stage, ts)) == [dossier_url(stage, number)]


def test_a_guest_gets_no_preview(stage: Scene, caplog) -> None:
    number = stage.dossier("en_instruction")
    stage.slack.add_user("U0GUEST01", stage.alice_email, real_name="Invité", is_restricted=True)
    share(stage, dossier_url(stage, number), user="U0GUEST01")
    assert decided(caplog, 1) == ["unfurl.no_target"]
    assert stage.slack.calls("chat.unfurl") == []


def test_one_preview_per_link_and_channel_every_30_minutes(stage: Scene, caplog) -> None:
    number = stage.dossier("en_instruction")
    url = dossier_url(stage, number)
    first = share(stage, url)
    decided(caplog, 1)
    share(stage, url)
    assert decided(caplog, 2)[1] == f'unfurl.decided given="" held_back={number}'
    assert [u["ts"] for u in stage.slack.unfurls()] == [first]

    # Another channel has its own preview.
    elsewhere = share(stage, url, channel="C0OTHER01")
    decided(caplog, 3)
    assert [u["ts"] for u in stage.slack.unfurls()] == [first, elsewhere]

    # 31 minutes later (the stored time moved back instead of waiting): previewed again.
    past = (datetime.now(UTC) - timedelta(minutes=31)).isoformat()
    with stage.bot.services.store.connect() as db:
        db.execute("UPDATE unfurls SET unfurled_at = ?", [past])
    again = share(stage, url)
    decided(caplog, 4)
    assert [u["ts"] for u in stage.slack.unfurls()] == [first, elsewhere, again]


def test_no_preview_for_a_message_with_three_links(stage: Scene, caplog) -> None:
    numbers = [stage.dossier("en_instruction") for _ in range(3)]
    share(stage, *(dossier_url(stage, n) for n in numbers))
    assert decided(caplog, 1) == ["unfurl.no_dossier_link links=3"]
    assert stage.slack.calls("chat.unfurl") == []
    # Two links are still previewed, in one call.
    ts = share(stage, *(dossier_url(stage, n) for n in numbers[:2]))
    decided(caplog, 2)
    assert sorted(unfurl_of(stage, ts)) == sorted(dossier_url(stage, n) for n in numbers[:2])


def test_no_preview_for_another_host_or_page(stage: Scene, caplog) -> None:
    number = stage.dossier("en_instruction")
    requests_before = stage.control.stats()["graphql_requests"]
    share(stage, f"https://ds.example.org/procedures/{stage.demarche}/dossiers/{number}")
    share(stage, f"{stage.bot.services.settings.ds_web_base}/procedures/{stage.demarche}")
    assert decided(caplog, 2) == ["unfurl.no_dossier_link links=1"] * 2
    assert stage.slack.calls("chat.unfurl") == []
    assert stage.control.stats()["graphql_requests"] == requests_before


def test_an_unknown_dossier_gets_no_preview(stage: Scene, caplog) -> None:
    share(stage, dossier_url(stage, 999_999))
    assert decided(caplog, 1) == ['unfurl.decided given="" held_back=999999']
    assert stage.slack.calls("chat.unfurl") == []


def test_a_link_in_the_composer_is_previewed_by_unfurl_id(stage: Scene, caplog) -> None:
    number = stage.dossier("en_instruction")
    url = dossier_url(stage, number)
    event = {
        "type": "link_shared",
        "channel": "COMPOSER",
        "user": ALICE,
        "message_ts": "U0ALICE01-909b5454-75f8-4ac4-b325-1b40e230bbd8",
        "unfurl_id": "C123456.7890123.abcdef",
        "source": "composer",
        "links": [{"domain": "127.0.0.1", "url": url}],
    }
    body = {
        "team_id": TEAM_ID,
        "api_app_id": "A0TEST",
        "type": "event_callback",
        "event_id": "Ev0COMPOSER",
        "event_time": int(time.time()),
        "event": event,
    }
    assert stage.bot.post(json.dumps(body).encode(), "application/json").status_code == 200
    decided(caplog, 1)
    [given] = stage.slack.unfurls()
    assert given["unfurl_id"] == "C123456.7890123.abcdef" and given["source"] == "composer"
    assert list(given["unfurls"]) == [url]
