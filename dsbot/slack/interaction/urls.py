"""Which response_url the bot may POST to: Slack's own hosts only (or the configured Slack API's
origin, the fake of the tests). A payload's URL is checked before anything is sent to it, on
every path: a forged one gets nothing, not even the refusal."""

from __future__ import annotations

from typing import Any

from dsbot.slack.interaction.errors import PayloadError
from dsbot.slack.interaction.hosts import slack_url
from dsbot.slack.services import AppServices


def api_base(services: AppServices) -> str | None:
    """The Slack API the bot talks to: its origin is Slack's too (the fake, in tests)."""
    base = getattr(services.slack, "base_url", None)
    return base if isinstance(base, str) else None


def reply_url(body: Any, api_base_url: str | None) -> str | None:
    """The payload's response_url if it is Slack's; PayloadError if it points anywhere else."""
    url = body.get("response_url") if isinstance(body, dict) else None
    if url is None:
        return None
    if not isinstance(url, str) or not slack_url(url, api_base_url):
        raise PayloadError("response_url is not Slack's")
    return url


def checked_reply_url(services: AppServices, body: Any) -> str | None:
    return reply_url(body, api_base(services))
