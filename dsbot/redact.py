"""Keeps secrets out of logs, error messages and Slack messages."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Slack tokens have recognisable prefixes; DS tokens do not, so they are redacted by value.
SLACK_TOKEN_RE = re.compile(r"\bx(?:ox[abpre]|app)-[A-Za-z0-9-]+")
BEARER_RE = re.compile(r"(?i)(bearer\s+(?:token=)?)[^\s\"']+")
REDACTED = "***"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret and token-looking string replaced by ***."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, REDACTED)
    text = SLACK_TOKEN_RE.sub(REDACTED, text)
    return BEARER_RE.sub(lambda m: m.group(1) + REDACTED, text)
