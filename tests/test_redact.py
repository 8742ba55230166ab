"""No token in a log line, whatever path it takes there."""

from __future__ import annotations

import io
import logging

from dsbot.logs import TextFormatter
from dsbot.redact import redact


def test_known_secrets_and_token_shapes_are_redacted():
    text = "ds=abcdef123456 slack=xoxb-1-2-abc app=xapp-1-A-2-z hdr=Bearer token=zzzyyyxxx"
    cleaned = redact(text, ["abcdef123456"])
    for secret in ("abcdef123456", "xoxb-1-2-abc", "xapp-1-A-2-z", "zzzyyyxxx"):
        assert secret not in cleaned
    assert cleaned.count("***") == 4


def test_the_formatter_redacts_arguments_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter(["ds-secret-value"]))
    logger = logging.getLogger("dsbot.test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling DS with %s", "ds-secret-value")
        try:
            raise RuntimeError("token was xoxb-999-leak")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "ds-secret-value" not in output
    assert "xoxb-999-leak" not in output
    assert "calling DS with ***" in output
    assert "RuntimeError" in output  # the traceback itself is kept
