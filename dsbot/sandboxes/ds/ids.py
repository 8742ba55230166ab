"""DS identifiers: Relay global ids and keyset cursors.

See docs/ds-api.md, "Endpoint and identifiers" and "Pagination".
"""

from __future__ import annotations

import base64
import binascii

from dsbot.sandboxes.ds.clock import cursor_time, parse_iso


def gid(class_name: str, db_id: int | str) -> str:
    """`base64("<Class>-<id>")`, e.g. `Dossier-42` → `RG9zc2llci00Mg==`."""
    return base64.b64encode(f"{class_name}-{db_id}".encode()).decode()


def decode_gid(value: object) -> tuple[str, str] | None:
    """`("Dossier", "42")` for a well-formed global id, else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        text = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    class_name, sep, db_id = text.partition("-")
    if not sep or not class_name or not db_id:
        return None
    return class_name, db_id


def decode_int_gid(value: object, class_name: str) -> int | None:
    """The integer id inside a global id of that class, else None."""
    decoded = decode_gid(value)
    if decoded is None or decoded[0] != class_name or not decoded[1].isdigit():
        return None
    return int(decoded[1])


def encode_cursor(sort_us: int, db_id: int) -> str:
    text = f"{cursor_time(sort_us)};{db_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    """(sort key in µs, id). Raises ValueError for anything that is not one of our cursors."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        stamp, _, db_id = text.partition(";")
        return parse_iso(stamp), int(db_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise ValueError(f"invalid cursor {cursor!r}") from exc


def ruby_urlsafe_decode(text: str) -> bytes | None:
    """Ruby's `Base64.urlsafe_decode64` (graphql-ruby's cursor and id decoder): padding added
    when missing, then a strict decode; None where Ruby raises ArgumentError."""
    if not text.endswith("=") and len(text) % 4:
        text = text.ljust((len(text) + 3) & ~3, "=")
    try:
        return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None


def ruby_inspect(text: str) -> str:
    """Ruby's String#inspect for what a client may send: quotes, backslashes, controls."""
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x1b": "\\e"}
    shown = "".join(escapes.get(c, c if c.isprintable() else f"\\u{ord(c):04X}") for c in text)
    return f'"{shown}"'
