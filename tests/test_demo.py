"""`dsbot demo`, the README's main command, as a real process with no credentials."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

DEMO = [sys.executable, "-m", "dsbot.cli", "demo"]


def demo_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DS_", "DSBOT_"))}
    env["HOME"] = str(tmp_path)
    return env


def test_demo_shows_the_feed_live(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "dsbot.cli", "demo", "--cycles", "9", "--interval", "0"],
        env=demo_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "/ds dossier" in out  # the card an instructeur gets
    # A dossier link pasted in the channel, and its compact preview.
    assert "aperçu du lien (chat.unfurl)" in out and "Ouvrir dans DS" in out
    assert out.count("▶ Dans DS") == 9
    # Each kind of change reaches "Slack": new parents, updates in place, thread replies.
    assert "nouveau message" in out
    assert "mis à jour (chat.update)" in out
    assert "↳ dans le fil" in out
    assert "Nouveau message de" in out  # the usager's message, in the thread
    assert "✅ Accepté" in out and "❌ Refusé" in out
    assert "supprimé" in out
    assert "Fin de la démo : 9 événements" in out
    # The Home of an instructeur and the channel's digest, both read from the local index.
    assert "Onglet Accueil" in out and "À traiter (" in out and "[ Ouvrir ]" in out
    assert "Résumé quotidien de #instruction-demo" in out and "En construction :" in out
    # Nothing is left behind: the demo works in a temporary directory.
    assert list(tmp_path.glob("*.db")) == []


def test_demo_follows_a_dynacase_family_too(tmp_path):
    done = subprocess.run(
        [*DEMO, "--dynacase", "--cycles", "4", "--interval", "0"],
        env=demo_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("▶ Dans DS") == 4 and out.count("▶ Dans Dynacase") == 4
    assert "DEMANDE_SUBVENTION" in out
    # The request's card, then updated in place, and its state changes in the thread,
    # with who made them in Dynacase and their comment.
    assert "Fête de quartier n° 1" in out and "🟢 Accordé" in out
    assert "est passé de Transmis à Instruit par Claire Martin" in out
    assert "est passé de Instruit à Accordé par Paul Durand" in out
    assert "Accordé en commission." in out
    # The closing line counts each system's events apart.
    assert "Fin de la démo : 4 événements dans DS, 4 dans Dynacase, " in out


def test_demo_stops_cleanly_on_ctrl_c(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsbot.cli", "demo", "--interval", "0.2"],
        env=demo_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        seen = ""
        while "▶ Dans DS" not in seen and time.monotonic() < deadline:
            assert proc.stdout is not None
            seen += proc.stdout.readline()
        assert "▶ Dans DS" in seen
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "Fin de la démo" in out


@pytest.mark.parametrize("channel", [None])
def test_demo_with_slack_token_needs_a_channel(tmp_path, channel):
    env = demo_env(tmp_path) | {"SLACK_BOT_TOKEN": "xoxb-real-looking-token"}
    done = subprocess.run(
        [sys.executable, "-m", "dsbot.cli", "demo", "--cycles", "1"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "--channel" in done.stderr
    assert "xoxb-real-looking-token" not in done.stderr


def test_demo_posts_to_slack_when_tokens_are_set(tmp_path, fake_slack):
    from tests.fakes.slack_api import BOT_TOKEN

    fake_slack.add_channel("C0REALDEMO", "demo-dsbot")
    env = demo_env(tmp_path) | {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake_slack.api_url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dsbot.cli",
            "demo",
            "--cycles",
            "4",
            "--interval",
            "0",
            "--channel",
            "C0REALDEMO",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # Two dossiers deposited in the first four steps; the state change of the fourth step is
    # broadcast to the channel too, but it is a reply in the thread, not a parent.
    parents = [
        m for m in fake_slack.messages("C0REALDEMO") if m.get("thread_ts") in (None, m["ts"])
    ]
    assert len(parents) == 2
    assert all(p["text"].startswith("Dossier n°") for p in parents)
    replies = [
        m for m in fake_slack.messages("C0REALDEMO") if m.get("thread_ts") not in (None, m["ts"])
    ]
    assert replies, "the usager's message goes to its dossier's thread"
    assert "nouveau message" in done.stdout  # still rendered in the terminal too
