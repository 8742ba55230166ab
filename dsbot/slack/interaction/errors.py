"""The error every interaction check raises on a payload that is not what Slack sends."""

from __future__ import annotations


class PayloadError(ValueError):
    """A field of the payload is not what Slack sends for the bot's own blocks."""
