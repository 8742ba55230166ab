"""The door of `/slack/events`: what an unauthenticated client can make the bot do.

Before Bolt sees a request, this WSGI middleware
- refuses a body larger than MAX_BODY_BYTES with 413, from Content-Length before reading a byte,
  and while reading when there is none (Slack's payloads weigh a few KB);
- verifies Slack's signature on the raw bytes and answers 401 before anything parses them (a
  non-numeric timestamp, binary or deeply nested JSON included);
- answers 400 to a signed body that does not parse the way Bolt parses it.
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


def parses(body: bytes, content_type: str | None) -> bool:
    """Whether Bolt can read this body as a payload object it can route without failing
    (it would answer 500 otherwise)."""
    try:
        data = parse_body(body.decode("utf-8"), content_type)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(data, dict) and routable(data)


def _optional(data: dict[str, Any], key: str, *kinds: type) -> bool:
    return key not in data or data[key] is None or isinstance(data[key], kinds)


def routable(data: dict[str, Any]) -> bool:
    """The shape Bolt's routing and context extraction navigate without checking it: objects
    where it expects objects, strings where it compares strings. The fields' values are checked
    later by the listeners (dsbot.slack.interaction.payloads)."""
    objects = ("team", "channel", "container", "message", "enterprise", "event", "view")
    if not all(_optional(data, key, dict) for key in objects):
        return False
    texts = ("type", "callback_id", "action_id", "block_id", "command", "text", "user_id")
    if not all(_optional(data, key, str) for key in texts):
        return False
    if not _optional(data, "user", dict, str):
        return False
    kind = data.get("type")
    if kind in ("view_submission", "view_closed"):
        view = data.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("callback_id", ""), str):
            return False
        if not _optional(view, "state", dict) or not _optional(view, "private_metadata", str):
            return False
    if kind in ("block_actions", "interactive_message"):
        actions = data.get("actions")
        if not isinstance(actions, list) or not all(
            isinstance(a, dict)
            and isinstance(a.get("action_id", a.get("name", "")), str)
            and _optional(a, "block_id", str)
            for a in actions
        ):
            return False
    return kind != "event_callback" or isinstance(data.get("event"), dict)


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
        if not parses(body, environ.get("CONTENT_TYPE")):
            log.warning("http.refused", peer=peer, reason="not_a_slack_payload", bytes=len(body))
            return _answer(start_response, "400 Bad Request", "malformed payload")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return app(environ, start_response)

    return wsgi
