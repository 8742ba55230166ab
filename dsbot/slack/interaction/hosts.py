"""Which URLs are Slack's: where the bot token may go, and where a response_url may point."""

from __future__ import annotations

from urllib.parse import urlsplit

SLACK_DOMAIN = "slack.com"


def slack_url(url: str, api_base_url: str | None) -> bool:
    """Whether `url` is one of Slack's hosts over HTTPS (files.slack.com, hooks.slack.com...), or
    on the origin of the configured Slack API (SLACK_API_URL: the fake of the tests)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and (host == SLACK_DOMAIN or host.endswith("." + SLACK_DOMAIN)):
        return True
    if api_base_url:
        base = urlsplit(api_base_url)
        return (parts.scheme, parts.netloc.lower()) == (base.scheme, base.netloc.lower())
    return False
