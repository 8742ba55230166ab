"""The Slack side of delivery that calls Slack: post, update, find a message by its metadata."""

from __future__ import annotations

from dsbot.slack.transport.web import METADATA_EVENT_TYPE, SlackTransport

__all__ = ["METADATA_EVENT_TYPE", "SlackTransport"]
