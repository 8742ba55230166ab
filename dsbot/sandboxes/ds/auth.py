"""API tokens and how DS reads them (docs/ds-api.md, "Authentication").

A token can be read-only, expired, used from a "forbidden network", or scoped to some
démarches; the control API adds such tokens (`POST /_sandbox/tokens`).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Token:
    value: str
    read_only: bool = False
    expired: bool = False
    forbidden_network: bool = False
    demarches: tuple[int, ...] | None = None  # None: every démarche of the administrateur

    @property
    def write_access(self) -> bool:
        return not self.read_only

    def can_see(self, demarche_number: int) -> bool:
        return self.demarches is None or demarche_number in self.demarches

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("value")
        data["demarches"] = None if self.demarches is None else list(self.demarches)
        return data


ANONYMOUS = Token("", read_only=True, demarches=())


def bearer_token(header: str | None) -> str | None:
    """The token in an Authorization header, read like Rails' authenticate_with_http_token.

    Accepts `Bearer <t>`, `Bearer token=<t>`, `Token token=<t>` (optionally quoted).
    """
    if not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    if scheme not in ("Bearer", "Token") or not rest.strip():
        return None
    first = rest.strip().split(",")[0].split(";")[0].strip()
    if "=" in first:
        key, _, value = first.partition("=")
        if key.strip() != "token":
            return None
        first = value.strip()
    if len(first) >= 2 and first[0] == first[-1] == '"':
        first = first[1:-1]
    return first or None


class Tokens:
    """The accepted tokens (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, Token] = {}

    def add(self, token: Token) -> None:
        with self._lock:
            self._tokens[token.value] = token

    def get(self, value: str | None) -> Token | None:
        if not value:
            return None
        with self._lock:
            return self._tokens.get(value)

    @staticmethod
    def from_json(value: str, data: dict[str, Any]) -> Token:
        demarches = data.get("demarches")
        return Token(
            value=value,
            read_only=bool(data.get("read_only", False)),
            expired=bool(data.get("expired", False)),
            forbidden_network=bool(data.get("forbidden_network", False)),
            demarches=None if demarches is None else tuple(int(n) for n in demarches),
        )
