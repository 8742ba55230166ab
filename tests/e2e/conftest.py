"""Fixtures of the end-to-end action tests (the `bot`, `sandbox` and `fake_slack` fixtures come
from tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.e2e.scene import ALICE, BRUNO, CLARA, Scene
from tests.fakes.bot import BotUnderTest


@pytest.fixture
def scene(bot: BotUnderTest) -> Scene:
    """Alice, an instructeur of the dossiers' groupe; Bruno, of another groupe; Clara, unknown
    to DS. Each is a Slack user whose e-mail links them automatically."""
    # Let the bot's start-up reads of DS (directory warm-up) finish: tests count DS requests.
    warmup = getattr(bot.runtime, "warmup", None)
    if warmup is not None:
        warmup.result(timeout=30)
    control = bot.sandbox.control
    demarche = control.demarches()[0]
    groupes = [g for g in demarche["groupes"] if not g["closed"] and g["instructeurs"]]
    home, other = groupes[0], groupes[1]
    home_emails = {i["email"] for i in home["instructeurs"]}
    alice = home["instructeurs"][0]["email"]
    bruno = next(i["email"] for i in other["instructeurs"] if i["email"] not in home_emails)
    bot.fake_slack.add_user(ALICE, alice, real_name="Alice")
    bot.fake_slack.add_user(BRUNO, bruno, real_name="Bruno")
    bot.fake_slack.add_user(CLARA, "clara@example.org", real_name="Clara")
    return Scene(bot, demarche["number"], home["number"], alice, bruno)
