"""Slack user profiles over `users.info`, cached briefly (Tier 4, but every click needs one)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient

from dsbot.services.linking import SlackProfile

PROFILE_TTL_SECONDS = 300.0


class SlackUserDirectory:
    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = PROFILE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[str, tuple[float, SlackProfile]] = {}
        self._lock = threading.Lock()

    def profile(self, user_id: str) -> SlackProfile:
        with self._lock:
            hit = self._cache.get(user_id)
        if hit and self.clock() - hit[0] < self.ttl:
            return hit[1]
        user = self.client.users_info(user=user_id)["user"]
        profile = user.get("profile") or {}
        result = SlackProfile(
            user_id=user_id,
            email=profile.get("email"),
            # Slack only exposes e-mails it has verified; an explicit False is honoured.
            email_confirmed=user.get("is_email_confirmed", True) is not False,
            is_admin=bool(user.get("is_admin")),
            is_owner=bool(user.get("is_owner") or user.get("is_primary_owner")),
            is_bot=bool(user.get("is_bot")),
            is_restricted=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
        )
        with self._lock:
            self._cache[user_id] = (self.clock(), result)
        return result
