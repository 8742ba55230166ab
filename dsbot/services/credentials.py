"""People's own backend tokens, encrypted at rest with `DSBOT_SECRET_KEY`.

A backend that acts per person (its tokens made on its server) gets each person's own token
once. It is encrypted with AES-256-GCM (an authenticated cipher, from the `cryptography`
package) under a key derived from `DSBOT_SECRET_KEY` (HKDF-SHA256), with the row's team,
person and backend as associated data: a ciphertext copied to another person's row, or to
another backend's, does not decrypt there. It is decrypted only to make a request, and never
logged or shown again.

Stored secrets: `v2:` + url-safe base64 of the 12-byte nonce and the ciphertext with its tag.
Rows written before (Fernet, `gAAAA…`, bound to nothing) are re-encrypted in the new format
by `migrate()` at start-up, and by `get()` when one is read first.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dsbot.logs import get_logger
from dsbot.store import Store
from dsbot.store import credentials as q

log = get_logger(__name__)

FORMAT = "v2:"
NONCE_BYTES = 12
OLD_FORMAT = "gAAAA"  # every Fernet token starts so (version byte and a timestamp)

KEY_HINT = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class SecretKeyError(Exception):
    """DSBOT_SECRET_KEY is missing or unusable. The message is one line and says the fix."""


class CredentialUnreadable(SecretKeyError):
    """A stored secret that does not decrypt for its own row: copied from another person's
    row (or another backend's), or altered. The person connects again; shown to them."""


UNREADABLE = (
    "Le jeton enregistré pour vous ne peut pas être déchiffré pour votre compte (copié depuis"
    " un autre compte, modifié dans la base, ou chiffré avec une autre DSBOT_SECRET_KEY) : il"
    " est ignoré. Reconnectez-vous avec `/ds connecter`."
)


def associated_data(team_id: str, user_id: str, backend: str) -> bytes:
    """What a ciphertext is bound to: its row. Unit separators keep the fields apart."""
    return "\x1f".join(("dsbot-credential", team_id, user_id, backend)).encode()


def aead_from_key(key: str | None) -> AESGCM:
    """AES-256-GCM under a key derived from DSBOT_SECRET_KEY (validated as before)."""
    fernet_from_key(key)
    assert key is not None
    raw = base64.urlsafe_b64decode(key.encode())
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"dsbot backend credentials v2"
    ).derive(raw)
    return AESGCM(derived)


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

    def encrypt(self, team_id: str, user_id: str, backend: str, credential: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        data = associated_data(team_id, user_id, backend)
        sealed = aead_from_key(self._key).encrypt(nonce, credential.encode(), data)
        return FORMAT + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, team_id: str, user_id: str, backend: str, secret: str) -> str:
        """The credential of this row; CredentialUnreadable when `secret` is not this row's."""
        try:
            blob = base64.urlsafe_b64decode(secret[len(FORMAT) :].encode())
            data = associated_data(team_id, user_id, backend)
            clear = aead_from_key(self._key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], data)
        except (InvalidTag, ValueError):
            raise CredentialUnreadable(UNREADABLE) from None
        return clear.decode()

    def put(self, team_id: str, user_id: str, backend: str, credential: str) -> None:
        secret = self.encrypt(team_id, user_id, backend, credential)
        with self.store.connect() as db:
            q.put_secret(db, team_id, user_id, backend, secret, self.clock().isoformat())

    def get(self, team_id: str, user_id: str, backend: str) -> str | None:
        """The credential in clear, or None when the person has none (or an old-format one
        encrypted with another key: they must connect again). CredentialUnreadable when the
        row holds a secret that is not its own (copied from another row)."""
        with self.store.connect() as db:
            secret = q.get_secret(db, team_id, user_id, backend)
        if secret is None:
            return None
        if not secret.startswith(FORMAT):
            return self._upgrade(team_id, user_id, backend, secret)
        try:
            return self.decrypt(team_id, user_id, backend, secret)
        except CredentialUnreadable:
            log.warning("credentials.unreadable", backend=backend, user=user_id)
            raise

    def _upgrade(self, team_id: str, user_id: str, backend: str, old: str) -> str | None:
        """An old-format (Fernet) secret, re-encrypted bound to its row; None if unreadable."""
        try:
            credential = self._fernet().decrypt(old.encode()).decode()
        except InvalidToken:
            return None
        new = self.encrypt(team_id, user_id, backend, credential)
        with self.store.connect() as db:
            q.replace_secret(db, team_id, user_id, backend, old, new)
        return credential

    def migrate(self) -> int:
        """Re-encrypt every old-format row bound to its row (start-up); how many were. Rows
        another key encrypted are left (their person connects again)."""
        with self.store.connect() as db:
            rows = q.secrets_with_prefix(db, OLD_FORMAT)
        done = sum(self._upgrade(*row) is not None for row in rows)
        if rows:
            log.info("credentials.migrated", migrated=done, rows=len(rows))
        return done

    def has(self, team_id: str, user_id: str, backend: str) -> bool:
        with self.store.connect() as db:
            return q.get_secret(db, team_id, user_id, backend) is not None

    def remove(self, team_id: str, user_id: str, backend: str) -> bool:
        with self.store.connect() as db:
            return q.delete_secret(db, team_id, user_id, backend)
