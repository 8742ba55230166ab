"""Exactly once under `kill -9`: the real poll cycle runs in a child process
(`dsbot poll --once`, pointed at the DS sandbox and the fake Slack by its
environment) and is killed with SIGKILL at random moments, many times, while dossiers change
in DS. After a last few clean cycles, Slack must show every change exactly once."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dsbot.backends.ds.client import DSClient
from dsbot.services.subscriptions import SubscriptionService
from dsbot.slack.transport.scopes import BOT_SCOPES
from dsbot.store import Store
from tests.fakes.process import cards_and_replies, run_until_quiet
from tests.fakes.slack_api import TEAM_ID, FakeSlack

CHANNEL = "C0CRASH"
KILLS = 5  # cycles killed while at work
ROUNDS = 6  # rounds of DS changes, each followed by a cycle (killed or not)
CLEAN_CYCLES = 6  # at most, once DS is quiet
STATE_WORDS = {
    "passé en instruction": "en_instruction",
    "repassé en construction": "en_construction",
    "accepté": "accepte",
    "refusé": "refuse",
    "classé sans suite": "sans_suite",
}


@pytest.fixture
def slack():
    # The cycles run at `--pacing 0` to crash as often as possible: no per-channel posting
    # limit here (tests/slack/test_sender.py holds the sender to Slack's).
    with FakeSlack(
        scopes=[*BOT_SCOPES, "channels:history", "groups:history"], post_interval=None
    ) as fake:
        fake.add_channel(CHANNEL, "instruction")
        # A little latency widens the window where the message is in Slack but the child has
        # not recorded it yet: the case recovery exists for.
        fake.set_latency("chat.postMessage", 0.03)
        fake.set_latency("chat.update", 0.03)
        yield fake


def child_env(sandbox, slack: FakeSlack, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DS_", "DSBOT_"))}
    env.update(slack.env())
    env.update(
        {"DS_API_URL": sandbox.graphql_url, "DS_API_TOKEN": "sandbox-token", "DSBOT_DB": str(db)}
    )
    return env


def start_cycle(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dsbot.cli",
            "poll",
            "--once",
            "--pacing",
            "0",
            "--page-size",
            "3",
        ],
        env=env,
        cwd=cwd,  # no stray .env
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_every_change_is_delivered_exactly_once_across_kill_9(sandbox, slack, tmp_path):
    # Seeded (DSBOT_CRASH_SEED picks another sequence of changes and kill delays).
    rng = random.Random(int(os.environ.get("DSBOT_CRASH_SEED", "1")))
    control = sandbox.control
    demarche = control.demarches()[0]["number"]
    db = tmp_path / "dsbot.db"
    store = Store(db)
    store.migrate()
    with DSClient(sandbox.graphql_url, "sandbox-token") as ds:
        SubscriptionService(store, ds).subscribe(TEAM_ID, CHANNEL, demarche, created_by="U0ADMIN")
    env = child_env(sandbox, slack, db)

    created: list[int] = []
    bodies: list[str] = []
    kills = rounds = 0
    give_up = time.monotonic() + 120
    while kills < KILLS or rounds < ROUNDS:
        assert time.monotonic() < give_up, f"only {kills} cycles killed at work in 120 s"
        rounds += 1
        for _ in range(rng.randint(1, 4)):
            action = rng.random()
            if action < 0.35 or not created:
                created.append(control.create_dossier(demarche)["number"])
            elif action < 0.7:
                body = f"message {len(bodies)}"
                control.add_message(rng.choice(created), body)
                bodies.append(body)
            else:
                target = rng.choice(["en_instruction", "accepte", "refuse"])
                # Not every state is reachable from every other: DS would refuse those too.
                with contextlib.suppress(httpx.HTTPStatusError):
                    control.set_state(rng.choice(created), target)
        before = graphql_requests(sandbox)
        child = start_cycle(env, tmp_path)
        if rng.random() < 0.8 and _at_work(child, sandbox, before):
            # A random moment of the cycle's work (its start-up is not worth killing).
            time.sleep(rng.uniform(0.0, 0.3))
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                kills += 1
        child.wait(timeout=30)

    # DS is quiet now: clean cycles finish what the killed ones left, until one has nothing
    # left to do.
    run_until_quiet(lambda: start_cycle(env, tmp_path), slack, CLEAN_CYCLES)

    cards, replies = cards_and_replies(slack.messages(CHANNEL))
    # One card per dossier, each dossier's.
    card_numbers = sorted(_card_number(m["text"]) for m in cards)
    assert card_numbers == sorted(created)
    by_ts = {m["ts"]: _card_number(m["text"]) for m in cards}
    # Every usager message exactly once.
    texts = [r["text"] for r in replies]
    for body in bodies:
        assert sum(t.endswith(f": {body}") for t in texts) == 1, body
    # Every state change exactly once, in DS's order, in its dossier's thread.
    for number in created:
        expected = [t["state"] for t in control.dossier(number)["traitements"][1:]]
        shown = [
            _state(r["text"])
            for r in replies
            if r["reply_broadcast"] and by_ts.get(r["thread_ts"]) == number
        ]
        assert shown == expected, number


def graphql_requests(sandbox) -> int:
    # Read in this process, where the sandbox runs: over HTTP, the watch below cost as much CPU
    # as the cycles it watches.
    return sandbox.app.stats.snapshot()["graphql_requests"]


def _at_work(child: subprocess.Popen, sandbox, before: int) -> bool:
    """Waits until the cycle has sent DS its first request; False if it ended first."""
    deadline = time.monotonic() + 20
    while graphql_requests(sandbox) == before:
        if child.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the cycle never reached DS"
        time.sleep(0.01)
    return True


def _card_number(text: str) -> int:
    # "Dossier n° 10031 (En instruction) · <démarche>"
    return int(text.split("n° ", 1)[1].split(" ", 1)[0])


def _state(text: str) -> str:
    (state,) = [s for words, s in STATE_WORDS.items() if words in text]
    return state
