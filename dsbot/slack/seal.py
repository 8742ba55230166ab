"""A seal on what the bot writes in a modal's private_metadata, checked when it comes back.

The metadata names the card to refresh (channel and ts, or a response_url): a forged one must
not make the bot chat.update an arbitrary message or POST to an arbitrary URL. The key is
derived from the bot token, the one secret both HTTP and Socket Mode have (the signing secret
does not exist in Socket Mode), so it survives restarts and needs no configuration; rotating
the token only invalidates the modals open at that moment (their submission is refused with a
clear message).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

SEPARATOR = "~"
MAC_CHARS = 32  # 128 bits of HMAC-SHA256


class Seal:
    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def from_secret(cls, secret: str) -> Seal:
        return cls(hmac.new(secret.encode(), b"dsbot private_metadata v1", "sha256").digest())

    def _mac(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]

    def close(self, text: str) -> str:
        """`text` with its seal."""
        return f"{text}{SEPARATOR}{self._mac(text)}"

    def open(self, sealed: object) -> str:
        """The text under a valid seal; ValueError when the seal is missing or wrong."""
        if not isinstance(sealed, str):
            raise ValueError("private_metadata is not a text")
        text, sep, mac = sealed.rpartition(SEPARATOR)
        if not sep or not hmac.compare_digest(mac.encode(), self._mac(text).encode()):
            raise ValueError("private_metadata without a valid seal")
        return text


@lru_cache(maxsize=4)
def seal_for(secret: str) -> Seal:
    return Seal.from_secret(secret)
