"""Fixtures of the third-backend tests: Ledger's server, its registration in the registry for
the test (and forgotten after), and the bot with Ledger as its only backend besides DS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dsbot.app_runtime import start
from dsbot.backends import registry
from dsbot.slack import ids
from tests.e2e.dynacase.scene import SECRET_KEY, DynacaseScene
from tests.e2e.scene import wait_until
from tests.fakes.bot import BotUnderTest, bot_settings
from tests.thirdbackend.adapter import NAME
from tests.thirdbackend.server import LedgerServer

ALICE = "U0ALICE01"  # alice in Ledger: may act
BOB = "U0BOB0001"  # bob: reads only
TOKENS = {ALICE: "ledger-alice", BOB: "ledger-bob"}


@pytest.fixture
def ledger() -> Iterator[LedgerServer]:
    server = LedgerServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def registered(ledger: LedgerServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Imported here, not at collection: importing the plugin registers Ledger, and no other
    # test may see it.
    from tests.thirdbackend import plugin

    monkeypatch.setenv(plugin.URL_ENV, ledger.url)
    registry.register(plugin.SPEC)
    try:
        yield
    finally:
        registry.unregister(NAME)


@pytest.fixture
def ledger_bot(fake_slack, sandbox, tmp_path, registered) -> Iterator[BotUnderTest]:
    settings = bot_settings(
        fake_slack, sandbox, str(tmp_path / "bot.db"), DSBOT_SECRET_KEY=SECRET_KEY
    )
    runtime = start(settings, http=True, host="127.0.0.1", port=0, poller=False)
    under_test = BotUnderTest(runtime, f"http://127.0.0.1:{runtime.http_port}", fake_slack, sandbox)
    if runtime.warmup is not None:
        runtime.warmup.result(timeout=30)
    try:
        yield under_test
    finally:
        under_test.http.close()
        runtime.stop()


class LedgerScene(DynacaseScene):
    """The Dynacase scene's commands, clicks and modals, with Ledger's words; `ledger` is the
    server's register."""

    @property
    def ledger(self) -> Any:
        return self.dynacase.ledger

    def connect(self, user: str, token: str | None = None) -> dict[str, Any]:
        before = len(self.slack.calls("views.open"))
        ack, _ = self.command(f"connecter {NAME}", user)
        assert ack.status_code == 200
        view = self.slack.wait_for("views.open", before + 1)[before].response["view"]
        values = {
            ids.BLOCK_CONNECT_CREDENTIAL: {
                ids.ACTION_CONNECT_CREDENTIAL_INPUT: {
                    "type": "plain_text_input",
                    "value": token if token is not None else TOKENS[user],
                }
            }
        }
        answer = self.bot.submit_view(
            view["callback_id"],
            values,
            user=user,
            private_metadata=view["private_metadata"],
            view_id=view["id"],
        )
        assert answer.status_code == 200
        return wait_until(
            lambda: (v := self.slack.view_versions(view["id"]))[1:] and v[-1],
            what="connection answer",
        )

    def card(self, user: str, ref: str | int) -> tuple[dict[str, Any], str]:
        ack, response_url = self.command(f"fiche {ref}", user)
        assert ack.status_code == 200
        body = self.slack.wait_for_response(response_url)[-1].body
        return body, response_url


@pytest.fixture
def lg(ledger_bot: BotUnderTest, ledger: LedgerServer) -> LedgerScene:
    # Members of the workspace (not guests): the guest rule asks Slack who each person is.
    for user in (ALICE, BOB):
        ledger_bot.fake_slack.add_user(user, f"{user.lower()}@exemple.fr")
    return LedgerScene(ledger_bot, ledger)
