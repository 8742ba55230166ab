"""The daily digest and `/ds resume`, end to end: the index filled by the real feed from the
DS sandbox, the digest queued by the poller's cycle at its time (the clock is moved, never
slept on) and posted in the fake Slack once per channel and day, with no DS request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from dsbot.notifications.model import ItemRef
from dsbot.runtime import build_poller
from dsbot.services.digest import DigestScheduler
from dsbot.store.notifications import set_parent_ts
from tests.e2e.scene import ALICE, CLARA, Scene, wait_until
from tests.e2e.test_home import index_demarche
from tests.fakes.bot import CHANNEL_ID, TEAM_ID

# Friday 4 January 2030: 08:05 UTC is 09:05 in Paris.
FRIDAY_0905 = datetime(2030, 1, 4, 8, 5, tzinfo=UTC)


def channel_digests(scene: Scene) -> list[dict]:
    return [
        m
        for m in scene.slack.top_level(CHANNEL_ID)
        if "Résumé du" in json.dumps(m["blocks"], ensure_ascii=False)
    ]


def test_one_digest_per_channel_and_day_without_ds(scene: Scene, monkeypatch) -> None:
    # The card and the digest go to one channel back to back: Slack's pacing is not what this
    # test is about (tests/slack/test_sender.py is).
    monkeypatch.setattr(scene.slack, "post_interval", None)
    index_demarche(scene)
    settings = scene.bot.runtime.settings
    clock = [FRIDAY_0905 - timedelta(hours=1)]
    before = scene.control.stats()["graphql_requests"]

    def engine():
        # A new poller each time: a restart of the process.
        poller = build_poller(
            settings,
            store=scene.bot.services.store,
            ds=scene.bot.services.ds,
            slack=scene.slack.client(),
            pacing=0,
            clock=lambda: clock[0],
        )
        # Feeds are not due (just polled): only the digest and the outbox run.
        with scene.bot.services.store.connect() as db:
            db.execute(
                "UPDATE feeds SET next_poll_at = ?", [(clock[0] + timedelta(days=9)).isoformat()]
            )
        return poller

    assert engine().run_cycle().digests == 0  # 08:05 in Paris: not yet
    assert channel_digests(scene) == []
    clock[0] = FRIDAY_0905
    store = scene.bot.services.store
    ((_, _, preview),) = DigestScheduler(
        store, digest_time=settings.digest_time, clock=lambda: clock[0]
    ).preview(channel=CHANNEL_ID)
    carded = preview.line_numbers[0]
    card_ts = scene.channel_card(carded)
    with store.connect() as db:
        set_parent_ts(db, TEAM_ID, CHANNEL_ID, ItemRef.ds(carded), card_ts, clock[0])
    assert engine().run_cycle().digests == 1
    (digest,) = channel_digests(scene)
    body = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "Résumé du 04/01/2030" in body
    assert f"(démarche {scene.demarche})" in body
    assert "En construction :" in body
    # Cards of the channel are linked by their permalink.
    # A dossier with a card in the channel links to it; the others to their DS page.
    assert f"/procedures/{scene.demarche}/dossiers/" in body
    assert f"/archives/{CHANNEL_ID}/p{card_ts.replace('.', '')}|n° {carded}>" in body
    # Later the same day, and after a restart: nothing more.
    clock[0] = FRIDAY_0905 + timedelta(hours=3)
    assert engine().run_cycle().digests == 0
    assert len(channel_digests(scene)) == 1
    # Saturday: none.
    clock[0] = FRIDAY_0905 + timedelta(days=1)
    assert engine().run_cycle().digests == 0
    assert len(channel_digests(scene)) == 1
    assert scene.control.stats()["graphql_requests"] == before


def test_ds_resume_is_ephemeral_and_reads_the_index(scene: Scene) -> None:
    index_demarche(scene)
    before = scene.control.stats()["graphql_requests"]
    ack, response_url = scene.bot.command("resume", user=ALICE)
    assert ack.status_code == 200
    (answer,) = scene.slack.wait_for_response(response_url)
    body = json.dumps(answer.body, ensure_ascii=False)
    assert answer.body["response_type"] == "ephemeral"
    assert "Résumé" in body and f"(démarche {scene.demarche})" in body
    assert scene.control.stats()["graphql_requests"] == before
    # A démarche the channel does not follow, and the English alias with a bad argument.
    _, url = scene.bot.command("resume 999", user=CLARA)
    (none,) = scene.slack.wait_for_response(url)
    assert "abonné à aucune démarche 999" in none.body["text"]
    bad, _ = scene.bot.command("summary x", user=ALICE)
    assert "/ds resume" in bad.json()["text"]


def test_dsbot_digest_command(scene: Scene, tmp_path) -> None:
    index_demarche(scene)
    settings = scene.bot.runtime.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DS_", "DSBOT_"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": settings.slack_bot_token or "",
            "SLACK_API_URL": settings.slack_api_url,
            "DS_API_URL": settings.ds_api_url,
            "DS_API_TOKEN": settings.ds_api_token or "",
            "DSBOT_DB": settings.db_path,
        }
    )

    def dsbot_digest(*options: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "dsbot.cli", "digest", "--channel", CHANNEL_ID, *options],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    dry = dsbot_digest("--dry-run")
    assert f"# {CHANNEL_ID}" in dry and "Résumé du" in dry
    assert channel_digests(scene) == []
    assert f"résumé du jour mis en file pour {CHANNEL_ID}" in dsbot_digest()
    wait_until(lambda: len(channel_digests(scene)) == 1, what="the digest in the channel")
    assert "résumé du jour déjà envoyé" in dsbot_digest()
    assert len(channel_digests(scene)) == 1
