"""Shared fixtures. The fakes run as real servers on ephemeral loopback ports."""

from __future__ import annotations

import os

import pytest

from tests.fakes.bot import bot  # noqa: F401
from tests.fakes.ds_sandbox import sandbox, sandbox_factory  # noqa: F401
from tests.fakes.slack_api import fake_slack, slack_client  # noqa: F401

# Real credentials from a developer's shell or .env must never reach a test.
for _name in list(os.environ):
    if _name.startswith(("SLACK_", "DS_", "DSBOT_")):
        del os.environ[_name]


@pytest.fixture
def store(tmp_path):
    from dsbot.store import Store

    s = Store(tmp_path / "dsbot.db")
    s.migrate()
    return s
