"""The bot under test: the real app in HTTP mode on an ephemeral port, wired to the DS sandbox
and the fake Slack, receiving requests signed like Slack's."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from dsbot.app_runtime import Runtime, start
from dsbot.backends.ds.client import DSClient
from dsbot.config import Settings
from tests.fakes.db_template import premigrated
from tests.fakes.slack_api import BOT_TOKEN

SIGNING_SECRET = "test-signing-secret-0123456789"
TEAM_ID = "T0TEST"
ADMIN_ID = "U0ADMIN01"
CHANNEL_ID = "C0GENERAL"


def sign(body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


@dataclass
class BotUnderTest:
    runtime: Runtime
    url: str
    fake_slack: Any
    sandbox: Any

    @property
    def services(self):
        return self.runtime.services

    def __post_init__(self) -> None:
        # One pooled client: building one per request costs ~20 ms (SSL context), which would
        # hide the bot's own latency in measurements.
        self.http = httpx.Client(timeout=10, limits=httpx.Limits(max_connections=64))

    def post(self, body: bytes, content_type: str, **sign_kw: Any) -> httpx.Response:
        headers = {"Content-Type": content_type, **sign(body, **sign_kw)}
        return self.http.post(self.url + "/slack/events", content=body, headers=headers)

    def command(
        self, text: str, *, user: str, channel: str = CHANNEL_ID, **sign_kw: Any
    ) -> tuple[httpx.Response, str]:
        """Send `/ds <text>`; returns the HTTP answer (the ack) and the response_url used."""
        response_url = self.fake_slack.response_url(channel=channel, user=user)
        form = {
            "token": "legacy-unused",
            "team_id": TEAM_ID,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/ds",
            "text": text,
            "api_app_id": "A0TEST",
            "response_url": response_url,
            "trigger_id": f"{int(time.time())}.{user}.trigger",
        }
        body = urllib.parse.urlencode(form).encode()
        return self.post(body, "application/x-www-form-urlencoded", **sign_kw), response_url

    def interact(self, payload: dict[str, Any], **sign_kw: Any) -> httpx.Response:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded", **sign_kw)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str,
        channel: str = CHANNEL_ID,
        message_ts: str | None = None,
        ephemeral: bool = True,
    ) -> tuple[httpx.Response, str, str]:
        """Click a button of a card; returns (ack, response_url, trigger_id)."""
        response_url = self.fake_slack.response_url(
            channel=channel, message_ts=message_ts, user=user
        )
        trigger_id = f"{time.time():.6f}.{user}.trigger"
        container: dict[str, Any] = {
            "type": "message",
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        }
        if message_ts:
            container["message_ts"] = message_ts
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A0TEST",
            "trigger_id": trigger_id,
            "response_url": response_url,
            "container": container,
            "channel": {"id": channel, "name": "general"},
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "dossier_actions",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if message_ts:
            payload["message"] = {"ts": message_ts, "type": "message", "text": "", "blocks": []}
        return self.interact(payload), response_url, trigger_id

    def submit_view(
        self,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        *,
        user: str,
        private_metadata: str = "",
        view_id: str = "V0TEST",
    ) -> httpx.Response:
        """Submit a modal; `values` is view.state.values (block_id → action_id → value)."""
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A0TEST",
            "trigger_id": f"{time.time():.6f}.{user}.trigger",
            "view": {
                "id": view_id,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": values},
                "hash": "h",
            },
        }
        return self.interact(payload)


def bot_settings(fake_slack: Any, sandbox: Any, db_path: str, **extra: str) -> Settings:
    demarches = ",".join(str(d["number"]) for d in sandbox.control.demarches())
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DS_API_URL": sandbox.graphql_url,
        "DS_API_TOKEN": "sandbox-token",
        "DSBOT_DB": db_path,
        "DSBOT_ADMINS": ADMIN_ID,
        "DSBOT_DEMARCHES": demarches,
        "DSBOT_POLL_INTERVAL": "3600",
        "DSBOT_HEALTH_PORT": "0",
        **extra,
    }
    return Settings.from_mapping(env)


@pytest.fixture
def bot(fake_slack, sandbox, tmp_path) -> Iterator[BotUnderTest]:
    settings = bot_settings(fake_slack, sandbox, str(premigrated(tmp_path / "bot.db")))
    # The real client, retrying as in production but without sleeping between attempts (the
    # backoff itself is tested in tests/backends/ds): a DS failure reaches the user at once.
    ds = DSClient(sandbox.graphql_url, "sandbox-token", sleep=lambda _: None, rng=random.Random(0))
    runtime = start(settings, http=True, host="127.0.0.1", port=0, poller=False, ds=ds)
    under_test = BotUnderTest(runtime, f"http://127.0.0.1:{runtime.http_port}", fake_slack, sandbox)
    # Tests count DS requests: let the start-up directory warm-up finish first.
    if runtime.warmup is not None:
        runtime.warmup.result(timeout=30)
    try:
        yield under_test
    finally:
        under_test.http.close()
        runtime.stop()
        ds.close()
