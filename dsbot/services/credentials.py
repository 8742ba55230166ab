"""People's own backend tokens, encrypted at rest with `DSBOT_SECRET_KEY`.

A backend that acts per person (its tokens made on its server) gets each person's own token
once. It is encrypted with Fernet (AES-128-CBC and HMAC-SHA256, from the
`cryptography` package), decrypted only to make a request, and never logged or shown again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken

from dsbot.store import Store
from dsbot.store import credentials as q

KEY_HINT = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class SecretKeyError(Exception):
    """DSBOT_SECRET_KEY is missing or unusable. The message is one line and says the fix."""


def fernet_from_key(key: str | None) -> Fernet:
    if not key:
        raise SecretKeyError(f"DSBOT_SECRET_KEY is not set: generate one with {KEY_HINT}")
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError):
        raise SecretKeyError(
            f"DSBOT_SECRET_KEY is not a Fernet key (32 bytes, url-safe base64): {KEY_HINT}"
        ) from None


class CredentialVault:
    """Stores, reads and forgets one credential per (team, Slack user, backend).

    The key is checked when the vault is first used, not at start-up: a DS-only install needs
    no key, and an install of a per-person backend without one gets a one-line error where it
    matters.
    """

    def __init__(
        self,
        store: Store,
        secret_key: str | None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self._key = secret_key
        self.clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return "CredentialVault(key=***)"

    def _fernet(self) -> Fernet:
        return fernet_from_key(self._key)

    def check_key(self) -> None:
        """Raises SecretKeyError when the key is missing or malformed."""
        self._fernet()

    def put(self, team_id: str, user_id: str, backend: str, credential: str) -> None:
        secret = self._fernet().encrypt(credential.encode()).decode()
        with self.store.connect() as db:
            q.put_secret(db, team_id, user_id, backend, secret, self.clock().isoformat())

    def get(self, team_id: str, user_id: str, backend: str) -> str | None:
        """The credential in clear, or None when the person has none (or it was encrypted
        with another key: they must connect again)."""
        with self.store.connect() as db:
            secret = q.get_secret(db, team_id, user_id, backend)
        if secret is None:
            return None
        try:
            return self._fernet().decrypt(secret.encode()).decode()
        except InvalidToken:
            return None

    def has(self, team_id: str, user_id: str, backend: str) -> bool:
        with self.store.connect() as db:
            return q.get_secret(db, team_id, user_id, backend) is not None

    def remove(self, team_id: str, user_id: str, backend: str) -> bool:
        with self.store.connect() as db:
            return q.delete_secret(db, team_id, user_id, backend)
