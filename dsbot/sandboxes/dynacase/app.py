"""What a request can reach: the sandbox's app, its tokens and its request counters.

Its own module, below the API, the control API and the HTTP handler that take it, so that none
of them imports the server that builds it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dsbot.sandboxes.dynacase.faults import Faults
from dsbot.sandboxes.dynacase.store import PARIS, Store
from dsbot.sandboxes.dynacase.world import ADMIN_LOGIN, USERS, User, user_by_login


class Tokens:
    """`DcpOpen` tokens → users. Each user has one derived from the seed; extras are admin's."""

    def __init__(self, seed: int, admin_tokens: tuple[str, ...]) -> None:
        self._by_login = {
            u.login: hashlib.sha256(f"dcpopen:{seed}:{u.login}".encode()).hexdigest()[:32]
            for u in USERS
        }
        self._users: dict[str, str] = {token: login for login, token in self._by_login.items()}
        for token in admin_tokens:
            self._users[token] = ADMIN_LOGIN

    def token_of(self, login: str) -> str:
        return self._by_login[login]

    def user(self, token: str) -> User | None:
        login = self._users.get(token)
        return user_by_login(login) if login else None


@dataclass
class Stats:
    api_requests: int = 0
    not_modified: int = 0
    state_changes: int = 0
    by_route: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count_route(self, name: str) -> None:
        with self.lock:
            self.by_route[name] += 1

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {
                "api_requests": self.api_requests,
                "not_modified": self.not_modified,
                "state_changes": self.state_changes,
                "by_route": dict(self.by_route),
                "by_status": {str(k): v for k, v in self.by_status.items()},
            }


@dataclass
class DynacaseApp:
    store: Store
    tokens: Tokens
    base_url: str = ""
    # The base URL the server gives itself (Dynacase's CORE_URLINDEX): `Location` and `uri`
    # are built on it, and it may name another host or scheme than the one requests reach.
    own_base_url: str = ""
    verbose: bool = False
    stats: Stats = field(default_factory=Stats)
    faults: Faults = field(default_factory=Faults)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(PARIS))
    api: Any = None

    def now(self) -> datetime:
        return self.clock()
