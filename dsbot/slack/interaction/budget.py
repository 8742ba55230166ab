"""One per-person read budget for every path that reads a backend for someone: `/ds dossier`,
`/ds document`, the card's buttons and menu, the modals that read the item, the message
shortcut, unfurls, the App Home, Dynacase items. One person cannot enumerate dossiers nor spend
the shared DS and Dynacase rate limits (docs/ds-api.md, "Rate limit") by switching paths.

One budget per app (AppServices.read_budget): two apps in one process (tests) do not share it.
"""

from __future__ import annotations

from dsbot.logs import get_logger
from dsbot.slack.interaction.throttle import UserRateLimit

log = get_logger(__name__)


class ReadBudget:
    def __init__(self, limit: UserRateLimit | None = None) -> None:
        self._limit = limit or UserRateLimit()

    @property
    def limit(self) -> int:
        return self._limit.limit

    def spend(self, team_id: str, user_id: str, path: str) -> bool:
        """Count one read for the person; False (nothing counted) when their budget is spent."""
        if self._limit.allow(team_id, user_id):
            return True
        log.warning("budget.spent", user=user_id, path=path)
        return False
