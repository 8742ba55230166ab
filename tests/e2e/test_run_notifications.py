"""Channel notifications with `dsbot run` as a real process: subscribed by a signed /ds command,
fed by the sandbox, delivered to the fake Slack."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest

from dsbot.backends.ds.client import DSClient
from tests.fakes.bot import ADMIN_ID, SIGNING_SECRET, TEAM_ID, sign
from tests.fakes.process import dsbot_env, free_port, stop, wait_healthy

CHANNEL = "C0NOTIFS"
FOLLOWER = "U0FOLLOWER"
COLLEAGUE = "U0COLLEAGUE"
PRIVATE = "C0PRIVATE"


class RunningBot:
    def __init__(self, port: int, fake_slack) -> None:
        self.url = f"http://127.0.0.1:{port}/slack/events"
        self.fake_slack = fake_slack

    def command(self, text: str, user: str, channel: str = CHANNEL) -> str:
        """Send /ds <text>; returns the final text answered (ack or response_url)."""
        response_url = self.fake_slack.response_url(channel=channel, user=user)
        form = {
            "team_id": TEAM_ID,
            "channel_id": channel,
            "user_id": user,
            "command": "/ds",
            "text": text,
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
        body = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        ack = httpx.post(self.url, content=body, headers=headers, timeout=10)
        assert ack.status_code == 200
        if ack.content:
            return ack.json()["text"]
        return self.fake_slack.wait_for_response(response_url, timeout=15)[-1].body["text"]


def wait_until(predicate, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    pause = 0.005  # short first, then up to 100 ms
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
    raise AssertionError(f"timed out waiting for {what}")


def wait_cycles(sandbox, count: int = 2) -> None:
    """Waits until the bot has listed the feed `count` more times after the one in progress:
    later cycles are observed, not slept for."""

    def listed() -> int:
        return sandbox.control.stats()["by_operation"].get("DsbotDemarcheDossiers", 0)

    start = listed()
    wait_until(lambda: listed() >= start + count + 1, what=f"{count} more poll cycles")


def parents(fake_slack, channel: str = CHANNEL) -> list[dict]:
    return [m for m in fake_slack.messages(channel) if m.get("thread_ts") in (None, m["ts"])]


def thread(fake_slack, parent_ts: str, channel: str = CHANNEL) -> list[dict]:
    return [
        m
        for m in fake_slack.messages(channel)
        if m.get("thread_ts") == parent_ts and m["ts"] != parent_ts
    ]


def parent_of(fake_slack, number: int) -> dict:
    return next(p for p in parents(fake_slack) if p["text"].startswith(f"Dossier n° {number} "))


@pytest.fixture
def running(fake_slack, sandbox, tmp_path) -> Iterator[RunningBot]:
    fake_slack.add_user(ADMIN_ID, "admin@exemple.fr")
    fake_slack.add_user("U0NOBODY", "personne@exemple.fr")
    fake_slack.add_channel(CHANNEL, "instruction")
    fake_slack.add_channel(PRIVATE, "prive", is_private=True, is_member=False)
    port = free_port()
    env = dsbot_env(
        fake_slack,
        sandbox,
        tmp_path,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DSBOT_ADMINS=ADMIN_ID,
        DSBOT_POLL_INTERVAL="0.5",
        DSBOT_HEALTH_PORT="0",
        DSBOT_NOTIFICATIONS_WINDOW="0",  # a person's DM goes at the next drain
        # Its instructeurs are linked by their Slack e-mail from the start.
        DSBOT_DEMARCHES=str(sandbox.control.demarches()[0]["number"]),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsbot.cli", "run", "--http", "--port", str(port)],
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        wait_healthy(port, proc)
        yield RunningBot(port, fake_slack)
    finally:
        assert stop(proc) == 0


def test_subscription_commands_and_their_checks(running, sandbox):
    demarche = sandbox.control.demarches()[0]["number"]
    assert "administrateurs" in running.command(f"abonner {demarche}", user="U0NOBODY")
    answer = running.command(f"abonner {demarche}", user=ADMIN_ID, channel=PRIVATE)
    assert "/invite" in answer
    assert "suit désormais" in running.command(f"abonner {demarche}", user=ADMIN_ID)
    merged = running.command(f"abonner {demarche} etat en_instruction", user=ADMIN_ID)
    assert "fusionnés" in merged
    listing = running.command("abonnements", user="U0NOBODY")
    assert str(demarche) in listing and f"<@{ADMIN_ID}>" in listing
    assert "n’est plus abonné" in running.command(f"desabonner {demarche}", user=ADMIN_ID)
    assert "aucune démarche" in running.command("abonnements", user="U0NOBODY")
    unknown = running.command("abonner 999999", user=ADMIN_ID)
    assert unknown.startswith("La démarche 999999 est introuvable")
    groupes = sandbox.control.demarches()[1]["groupes"]
    wrong = running.command(f"abonner {demarche} groupe {groupes[0]['number']}", user=ADMIN_ID)
    assert "n’appartient pas à la démarche" in wrong


def dms(fake_slack, user: str) -> list[dict]:
    return fake_slack.messages(fake_slack.dm_channel(user))


def test_dossiers_are_notified_once_and_kept_current(running, sandbox, fake_slack):
    """Channel notifications, and in the same process personal ones: linked by their Slack
    e-mail, the follower of a dossier gets one DM for the usager's message, none for their own
    reply; a colleague of the groupe who does not follow it gets none."""
    demarche = sandbox.control.demarches()[0]
    groupe = next(g for g in demarche["groupes"] if not g["closed"])
    follower, colleague = groupe["instructeurs"][:2]
    fake_slack.add_user(FOLLOWER, follower["email"])
    fake_slack.add_user(COLLEAGUE, colleague["email"])
    for user in (FOLLOWER, COLLEAGUE):
        answer = running.command("notifications", user=user)
        assert "Messages de l’usager : *instantané*" in answer and "aucun instructeur" not in answer
    assert "suit désormais" in running.command(f"abonner {demarche['number']}", user=ADMIN_ID)
    numbers = [sandbox.control.create_dossier(demarche["number"])["number"] for _ in range(3)]

    wait_until(lambda: len(parents(fake_slack)) >= 3, what="three cards")
    assert sorted(int(p["text"].split()[2]) for p in parents(fake_slack)) == sorted(numbers)

    # A usager's message goes to its dossier's thread, and to its follower's DMs.
    ds = DSClient(sandbox.graphql_url, "sandbox-token")
    try:
        ds.bascule_suivi(ds.get_dossier(numbers[0]), follower["id"])  # followed in DS
        first = parent_of(fake_slack, numbers[0])
        sandbox.control.add_message(numbers[0], "Bonjour, voici la pièce manquante.")
        wait_until(lambda: thread(fake_slack, first["ts"]), what="the message in the thread")
        assert "pièce manquante" in str(thread(fake_slack, first["ts"]))
        (dm,) = wait_until(lambda: dms(fake_slack, FOLLOWER), what="the follower's DM")
        assert f"n° {numbers[0]}" in dm["text"]
        ds.envoyer_message(ds.get_dossier(numbers[0]), follower["id"], "Merci, bien reçu.")
    finally:
        ds.close()

    # A state change made in DS's web interface updates the card in place, and is broadcast.
    second = parent_of(fake_slack, numbers[1])
    sandbox.control.set_state(numbers[1], "en_instruction")
    wait_until(
        lambda: "En instruction" in str(parent_of(fake_slack, numbers[1])["blocks"]),
        what="the card updated in place",
    )
    assert parent_of(fake_slack, numbers[1])["ts"] == second["ts"]
    broadcast = wait_until(
        lambda: [m for m in thread(fake_slack, second["ts"]) if m.get("reply_broadcast")],
        what="the broadcast state change",
    )
    assert broadcast

    # A deletion replaces the card by a tombstone (its personal data leaves with it).
    third = parent_of(fake_slack, numbers[2])
    sandbox.control.delete(numbers[2])
    tombstone = f"🗑️ Dossier n° {numbers[2]} supprimé dans DS"
    wait_until(
        lambda: fake_slack.message(CHANNEL, third["ts"])["text"] == tombstone,
        what="the deletion tombstone",
    )
    assert thread(fake_slack, third["ts"]) == []

    # Later cycles repeat nothing; the follower's own reply is not news to them.
    wait_cycles(sandbox)
    assert len(parents(fake_slack)) == 3
    assert len(thread(fake_slack, first["ts"])) == 1
    assert len(dms(fake_slack, FOLLOWER)) == 1 and dms(fake_slack, COLLEAGUE) == []


def test_backfill_posts_one_summary_not_the_whole_history(running, sandbox, fake_slack):
    demarche = sandbox.control.demarches()[0]
    answer = running.command(f"abonner {demarche['number']} depuis 2000-01-01", user=ADMIN_ID)
    assert "depuis le 2000-01-01 sont résumés en un seul message" in answer
    summary = wait_until(lambda: parents(fake_slack), what="the backfill summary")
    wait_cycles(sandbox)  # later cycles add nothing
    assert len(parents(fake_slack)) == 1
    assert str(demarche["dossiers_count"]) in summary[0]["text"]


def test_sigterm_during_a_drain_stops_within_5_s_and_a_restart_sends_nothing_twice(
    fake_slack, sandbox, tmp_path
):
    fake_slack.add_user(ADMIN_ID, "admin@exemple.fr")
    fake_slack.add_channel(CHANNEL, "instruction")
    port = free_port()
    env = dsbot_env(
        fake_slack,
        sandbox,
        tmp_path,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DSBOT_ADMINS=ADMIN_ID,
        DSBOT_POLL_INTERVAL="0.5",
        DSBOT_HEALTH_PORT="0",
    )
    command = [sys.executable, "-m", "dsbot.cli", "run", "--http", "--port", str(port)]

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
        wait_healthy(port, proc)
        return proc

    proc = start()
    try:
        demarche = sandbox.control.demarches()[0]["number"]
        assert "suit désormais" in RunningBot(port, fake_slack).command(
            f"abonner {demarche}", user=ADMIN_ID
        )
        numbers = [sandbox.control.create_dossier(demarche)["number"] for _ in range(4)]
        # Slack takes one post a second in a channel: four cards are a drain of four seconds.
        wait_until(lambda: parents(fake_slack), what="the first card")
        proc.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        assert proc.wait(timeout=5) == 0
        assert time.monotonic() - stopped_at < 5.0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(parents(fake_slack)) < 4  # it did stop in the middle of the drain
    proc = start()
    try:
        wait_until(lambda: len(parents(fake_slack)) >= 4, what="the remaining cards")
    finally:
        assert stop(proc) == 0
    cards = [int(p["text"].split()[2]) for p in parents(fake_slack)]
    assert sorted(cards) == sorted(numbers)  # each once
