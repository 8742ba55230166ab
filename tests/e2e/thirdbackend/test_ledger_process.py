"""Ledger's notifications with `dsbot` as a real process killed with SIGKILL: the backend is
registered inside the child by `DSBOT_BACKEND_MODULES=tests.thirdbackend.plugin` (the product
names no test module), and `dsbot poll --once` cycles are killed at work while entries change.
After clean cycles, Slack shows every entry once and every state change once, in order."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsbot.backends.port import BackendName
from dsbot.backends.registry import PLUGINS_ENV
from dsbot.services.item_subscriptions import ItemSubscriptionService
from dsbot.slack.transport.scopes import BOT_SCOPES
from dsbot.store import Store
from tests.fakes.process import cards_and_replies, run_until_quiet
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.thirdbackend.adapter import NAME, LedgerClient, LedgerFeed
from tests.thirdbackend.server import BOT_TOKEN, LedgerServer

CHANNEL = "C0LEDGER"
KILLS = 3
ROUNDS = 5
CLEAN_CYCLES = 6
ROOT = Path(__file__).resolve().parents[3]  # the repository: the child imports `tests.…`
NEXT = {"depose": "instruire", "instruite": "accorder"}
LABELS = {"instruire": "Instruite", "accorder": "Accordée"}


@pytest.fixture
def slack():
    with FakeSlack(
        scopes=[*BOT_SCOPES, "channels:history", "groups:history"], post_interval=None
    ) as fake:
        fake.add_channel(CHANNEL, "permis")
        # Widens the window where a message is in Slack but not yet recorded by the child.
        fake.set_latency("chat.postMessage", 0.03)
        fake.set_latency("chat.update", 0.03)
        yield fake


def child_env(sandbox, slack: FakeSlack, ledger: LedgerServer, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DS_", "DSBOT_"))}
    env.update(slack.env())
    env.update(
        {
            "DS_API_URL": sandbox.graphql_url,
            "DS_API_TOKEN": "sandbox-token",
            "DSBOT_DB": str(db),
            PLUGINS_ENV: "tests.thirdbackend.plugin",
            "LEDGER_URL": ledger.url,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        }
    )
    return env


def start_cycle(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dsbot.cli", "poll", "--once", "--pacing", "0"],
        env=env,
        cwd=cwd,  # no stray .env
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _at_work(child: subprocess.Popen, ledger: LedgerServer, before: int) -> bool:
    """Waits until the cycle has asked Ledger something; False if it ended first."""
    deadline = time.monotonic() + 20
    while ledger.ledger.requests == before:
        if child.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the cycle never reached Ledger"
        time.sleep(0.01)
    return True


def test_a_plugin_backend_is_notified_exactly_once_across_kill_9(
    sandbox, slack, tmp_path, ledger, registered
):
    rng = random.Random(int(os.environ.get("DSBOT_CRASH_SEED", "1")))
    db = tmp_path / "dsbot.db"
    store = Store(db)
    store.migrate()
    feeds = {BackendName(NAME): LedgerFeed(LedgerClient(ledger.url, BOT_TOKEN))}
    ItemSubscriptionService(store, feeds).subscribe(
        TEAM_ID, CHANNEL, BackendName(NAME), "PERMIS", created_by="U0ADMIN"
    )
    env = child_env(sandbox, slack, ledger, db)
    register = ledger.ledger

    created: list[str] = []
    moves: dict[str, list[str]] = {}
    unread: set[str] = set()
    kills = rounds = 0
    give_up = time.monotonic() + 120
    while kills < KILLS or rounds < ROUNDS:
        assert time.monotonic() < give_up, f"only {kills} cycles killed at work in 120 s"
        rounds += 1
        for _ in range(rng.randint(1, 3)):
            # An entry changed since the last cycle that ran to its end may not have been read
            # yet: a second move now would meet the feed as one change (a feed tells states,
            # not every step between two reads), so only entries read since move again.
            movable = [r for r in created if register.entries[r].state in NEXT and r not in unread]
            if rng.random() < 0.5 or not movable:
                ref = register.create(f"Permis n° {len(created) + 1}")
                created.append(ref)
                moves[ref] = []
            else:
                ref = rng.choice(movable)
                action = NEXT[register.entries[ref].state]
                register.move(ref, action)
                moves[ref].append(LABELS[action])
            unread.add(ref)
        before = register.requests
        child = start_cycle(env, tmp_path)
        if rng.random() < 0.8 and _at_work(child, ledger, before):
            time.sleep(rng.uniform(0.0, 0.2))
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                kills += 1
        if child.wait(timeout=30) == 0:
            unread.clear()

    run_until_quiet(lambda: start_cycle(env, tmp_path), slack, CLEAN_CYCLES)

    cards, replies = cards_and_replies(slack.messages(CHANNEL))
    by_ts = {m["ts"]: _ref(m["text"]) for m in cards}
    # One card per entry.
    assert sorted(by_ts.values()) == sorted(created)
    # Every state change once, in Ledger's order, in its entry's thread.
    for ref in created:
        shown = [_state(r["text"]) for r in replies if by_ts.get(r["thread_ts"]) == ref]
        assert shown == moves[ref], ref


def _ref(text: str) -> str:
    # "Fiche Ledger 7001 (Déposée) · Permis n° 1"
    return text.split("Fiche Ledger ", 1)[1].split(" ", 1)[0]


def _state(text: str) -> str:
    # "… est passé de *Déposée* à *Instruite* …"
    found = re.search(r" à \*([^*]+)\*", text)
    assert found is not None, text
    return found.group(1)
