"""Keeps secrets out of logs, error messages and Slack messages."""

from __future__ import annotations

import logging
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


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the final message of every record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(level: int = logging.INFO, secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once, with redaction on its handler."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
