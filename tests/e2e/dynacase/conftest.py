"""Fixtures of the Dynacase-in-Slack tests: the bot with both backends, and the scene."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dsbot.app_runtime import start
from tests.e2e.dynacase.scene import SECRET_KEY, DynacaseScene
from tests.fakes.bot import BotUnderTest, bot_settings
from tests.fakes.dynacase_sandbox import dynacase  # noqa: F401  (fixture)


@pytest.fixture
def secret_key() -> str | None:
    """DSBOT_SECRET_KEY of the bot; a test parametrizes it to run without one."""
    return SECRET_KEY


@pytest.fixture
def dynacase_bot(
    fake_slack,
    sandbox,
    dynacase,  # noqa: F811
    tmp_path,
    secret_key: str | None,
) -> Iterator[BotUnderTest]:
    extra = {"DYNACASE_API_URL": dynacase.api_url, "DYNACASE_TOKEN": dynacase.token}
    if secret_key is not None:
        extra["DSBOT_SECRET_KEY"] = secret_key
    settings = bot_settings(fake_slack, sandbox, str(tmp_path / "bot.db"), **extra)
    runtime = start(settings, http=True, host="127.0.0.1", port=0, poller=False)
    under_test = BotUnderTest(runtime, f"http://127.0.0.1:{runtime.http_port}", fake_slack, sandbox)
    if runtime.warmup is not None:
        runtime.warmup.result(timeout=30)
    try:
        yield under_test
    finally:
        under_test.http.close()
        runtime.stop()


@pytest.fixture
def dc(dynacase_bot: BotUnderTest, dynacase) -> DynacaseScene:  # noqa: F811
    # Members of the workspace (not guests): the guest rule asks Slack who each person is.
    from tests.e2e.dynacase.scene import CLAIRE, LUCAS, NOBODY, PAUL
    from tests.fakes.bot import ADMIN_ID

    for user in (CLAIRE, PAUL, LUCAS, NOBODY, ADMIN_ID):
        dynacase_bot.fake_slack.add_user(user, f"{user.lower()}@exemple.fr")
    return DynacaseScene(dynacase_bot, dynacase)
