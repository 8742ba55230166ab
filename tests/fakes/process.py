"""Running dsbot as a real process in tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.fakes.slack_api import BOT_TOKEN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dsbot_env(fake_slack, sandbox, tmp_path, **extra: str) -> dict[str, str]:
    """The environment of a dsbot process wired to the fakes (nothing from the caller's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DS_", "DSBOT_"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake_slack.api_url,
            "DS_API_URL": sandbox.graphql_url,
            "DS_API_TOKEN": "sandbox-token",
            "DSBOT_DB": str(tmp_path / "run.db"),
            "DSBOT_POLL_INTERVAL": "3600",
            **extra,
        }
    )
    return env


def wait_healthy(
    port: int,
    proc: subprocess.Popen,
    timeout: float = 20,
    *,
    host: str = "127.0.0.1",
    path: str = "/healthz",
) -> None:
    """Until `path` answers 200 (`/livez`: the process is up, whatever its readiness)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        try:
            if httpx.get(f"http://{host}:{port}{path}", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"dsbot never answered 200 on {path}")


def stop(proc: subprocess.Popen) -> int:
    """SIGTERM, as Docker and systemd do; the exit code of a clean stop is 0."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()


def run_until_quiet(start: Callable[[], subprocess.Popen], slack: Any, cycles: int) -> None:
    """Clean `dsbot poll --once` cycles (`start` launches one) until one makes no Slack call:
    what killed cycles left is then finished. Fails after `cycles` busy ones."""
    for _ in range(cycles):
        calls = len(slack.calls())
        child = start()
        _, err = child.communicate(timeout=60)
        assert child.returncode == 0, err.decode()
        if len(slack.calls()) == calls:
            return
    raise AssertionError(f"still sending after {cycles} clean cycles")


def cards_and_replies(
    messages: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A channel's top-level messages (its cards) and its thread replies."""
    cards = [m for m in messages if m.get("thread_ts") in (None, m["ts"])]
    replies = [m for m in messages if m.get("thread_ts") not in (None, m["ts"])]
    return cards, replies
