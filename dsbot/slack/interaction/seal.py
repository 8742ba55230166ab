"""A seal on what the bot writes in a modal's private_metadata, checked when it comes back.

The metadata names the card to refresh (channel and ts, or a response_url): a forged one must
not make the bot chat.update an arbitrary message or POST to an arbitrary URL. The seal also
binds the modal to the person (team and user) it was opened for: a modal's metadata copied into
someone else's submission is refused, whatever it names.

The key is derived from the bot token, the one secret both HTTP and Socket Mode have (the
signing secret does not exist in Socket Mode), so it survives restarts and needs no
configuration; rotating the token only invalidates the modals open at that moment (their
submission is refused with a clear message). A modal sealed in the format before the person was
bound (v1) is recognised and refused as expired, not as forged: its person simply reopens it.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

SEPARATOR = "~"
VERSION = "2"
MAC_CHARS = 32  # 128 bits of HMAC-SHA256
# What a seal adds to the text, at most (`~2.<team>.<user>.<mac>`, Slack ids within 20 chars):
# the text must leave this room under Slack's 3000-character private_metadata.
SEAL_MAX_CHARS = 80


class SealError(ValueError):
    """The metadata cannot be trusted; `text_key` says so to the person in the catalog's words."""

    text_key = "error.bad_payload"


class SealForged(SealError):
    """No seal, or one the bot did not write."""


class SealExpired(SealError):
    """A genuine seal of an older format (a modal opened before an update)."""

    text_key = "error.modal_expired"


class SealNotYours(SealError):
    """A genuine seal, written for another person than the one submitting."""

    text_key = "error.modal_not_yours"


def _safe(value: str) -> str:
    # Slack ids are [A-Z0-9]; anything else would let a crafted id shift the fields.
    if not value.isalnum() and value != "":
        raise SealForged("not a Slack id")
    return value


class Seal:
    def __init__(self, key: bytes, legacy_key: bytes | None = None) -> None:
        self._key = key
        self._legacy_key = legacy_key

    @classmethod
    def from_secret(cls, secret: str) -> Seal:
        key = hmac.new(secret.encode(), b"dsbot private_metadata v2", "sha256").digest()
        legacy = hmac.new(secret.encode(), b"dsbot private_metadata v1", "sha256").digest()
        return cls(key, legacy)

    def _mac(self, text: str, team_id: str, user_id: str) -> str:
        message = "\0".join((VERSION, team_id, user_id, text)).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:MAC_CHARS]

    def close(self, text: str, team_id: str, user_id: str) -> str:
        """`text` with its seal, valid only for (`team_id`, `user_id`)."""
        team_id, user_id = _safe(team_id), _safe(user_id)
        mac = self._mac(text, team_id, user_id)
        return f"{text}{SEPARATOR}{VERSION}.{team_id}.{user_id}.{mac}"

    def open(self, sealed: object, team_id: str, user_id: str) -> str:
        """The text under a valid seal written for this person; a SealError otherwise."""
        if not isinstance(sealed, str):
            raise SealForged("private_metadata is not a text")
        text, sep, tail = sealed.rpartition(SEPARATOR)
        if not sep:
            raise SealForged("private_metadata without a seal")
        fields = tail.split(".")
        if len(fields) != 4 or fields[0] != VERSION:
            if self._legacy(text, tail):
                raise SealExpired("private_metadata sealed before the person was bound")
            raise SealForged("private_metadata without a valid seal")
        _, sealed_team, sealed_user, mac = fields
        expected = self._mac(text, sealed_team, sealed_user)
        if not hmac.compare_digest(mac.encode(), expected.encode()):
            raise SealForged("private_metadata without a valid seal")
        if (sealed_team, sealed_user) != (team_id, user_id):
            raise SealNotYours("private_metadata sealed for another person")
        return text

    def _legacy(self, text: str, mac: str) -> bool:
        if self._legacy_key is None:
            return False
        old = hmac.new(self._legacy_key, text.encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]
        return hmac.compare_digest(mac.encode(), old.encode())


@lru_cache(maxsize=4)
def seal_for(secret: str) -> Seal:
    return Seal.from_secret(secret)
