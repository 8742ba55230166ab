"""The door of `/slack/events`: what an unauthenticated client can make the bot do.

Before Bolt sees a request, this WSGI middleware
- refuses a body larger than MAX_BODY_BYTES with 413, from Content-Length before reading a byte,
  and while reading when there is none (Slack's payloads weigh a few KB);
- verifies Slack's signature on the raw bytes and answers 401 before anything parses them (a
  non-numeric timestamp, binary or deeply nested JSON included);
- answers 400 to a signed body that does not parse the way Bolt parses it, or whose payload is
  not of Slack's shapes (dsbot.slack.transport.shapes), and to one Bolt still fails to route.
It logs sizes and reasons, never a body: Bolt's own logging of bad requests is never reached.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from dsbot.logs import get_logger
from dsbot.slack.transport.shapes import problem

log = get_logger(__name__)

# Slack's largest payloads (a view submission with long texts) stay well under 100 KB.
MAX_BODY_BYTES = 512 * 1024
READ_CHUNK = 64 * 1024

StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class BodyTooLarge(Exception):
    pass


def _answer(start_response: StartResponse, status: str, message: str) -> list[bytes]:
    body = json.dumps({"error": message}).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request body, at most `limit` bytes; BodyTooLarge past it (ValueError if unreadable)."""
    declared = environ.get("CONTENT_LENGTH") or ""
    stream = environ.get("wsgi.input")
    if declared:
        if not declared.isdigit():
            raise ValueError("bad Content-Length")
        if int(declared) > limit:
            raise BodyTooLarge
        return stream.read(int(declared)) if stream is not None and int(declared) else b""
    if stream is None:
        return b""
    chunks: list[bytes] = []
    received = 0
    while True:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        received += len(chunk)
        if received > limit:
            raise BodyTooLarge
        chunks.append(chunk)


def signed(verifier: SignatureVerifier, body: bytes, environ: dict[str, Any]) -> bool:
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE")
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    try:
        return verifier.is_valid(body, timestamp, signature)
    except (ValueError, UnicodeDecodeError):
        return False


def payload_problem(body: bytes, content_type: str | None) -> str | None:
    """Why Bolt cannot read this body as a payload it routes without failing (it would answer
    500), or None: a body that does not parse the way Bolt parses it, or a payload of another
    shape than Slack's (dsbot.slack.transport.shapes)."""
    try:
        data = parse_body(body.decode("utf-8"), content_type)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "not a payload"
    return problem(data)


def guard(app: Wsgi, signing_secret: str, *, max_body: int = MAX_BODY_BYTES) -> Wsgi:
    """`app` behind the size limit and Slack's signature check."""
    verifier = SignatureVerifier(signing_secret)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        peer = environ.get("REMOTE_ADDR", "?")
        try:
            body = read_body(environ, max_body)
        except BodyTooLarge:
            log.warning("http.refused", peer=peer, reason="body_too_large", max_bytes=max_body)
            return _answer(start_response, "413 Payload Too Large", "body too large")
        except (ValueError, OSError):
            return _answer(start_response, "400 Bad Request", "unreadable body")
        if not signing_secret or not signed(verifier, body, environ):
            log.warning("http.refused", peer=peer, reason="bad_signature")
            return _answer(start_response, "401 Unauthorized", "invalid request")
        found = payload_problem(body, environ.get("CONTENT_TYPE"))
        if found is not None:
            # The field's path only: never a value (it may be personal).
            log.warning("http.refused", peer=peer, reason=found, bytes=len(body))
            return _answer(start_response, "400 Bad Request", "malformed payload")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        try:
            return app(environ, start_response)
        except Exception as exc:  # Bolt failed to read a payload of a shape not foreseen here
            log.error("http.unroutable", error=type(exc).__name__)
            return _answer(start_response, "400 Bad Request", "malformed payload")

    return wsgi
