"""What a viewer's App Home shows, read from the local index (never from DS).

The Slack layer (`dsbot.slack.interaction.home`) decides who the viewer is and publishes; this
module only answers "which dossiers, in which section" for an instructeur (their groupes) or for an
admin (every tracked dossier).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dsbot.store import Store
from dsbot.store import index as q
from dsbot.store.index import IndexEntry

SECTION_NAMES = ("a_traiter", "suivis", "en_attente")
PAGE = 10
# A Home tab holds at most 100 blocks (docs/slack.md, "Block Kit limits"): one block per line,
# three sections, and a few blocks around them.
MAX_LINES_PER_SECTION = 25


@dataclass(frozen=True)
class HomeState:
    """What the viewer chose: a state filter and how many lines of each section to show.
    Travels in the view's private_metadata and the buttons' values: checked, not trusted."""

    state_filter: str = ""
    limits: dict[str, int] = field(default_factory=dict)

    def limit(self, section: str) -> int:
        return self.limits.get(section, PAGE)

    def more(self, section: str) -> HomeState:
        limits = dict(self.limits)
        limits[section] = min(self.limit(section) + PAGE, MAX_LINES_PER_SECTION)
        return HomeState(self.state_filter, limits)

    def filtered(self, state_filter: str) -> HomeState:
        """A new filter starts again from the first page."""
        return HomeState(state_filter if state_filter in q.STATE_FILTERS else "", {})

    def to_json(self) -> dict[str, Any]:
        return {"f": self.state_filter, "n": self.limits}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"))

    @classmethod
    def from_json(cls, data: Any) -> HomeState:
        if not isinstance(data, dict):
            return cls()
        state_filter = data.get("f") if data.get("f") in q.STATE_FILTERS else ""
        limits: dict[str, int] = {}
        raw = data.get("n")
        if not isinstance(raw, dict):
            raw = {}
        for name in SECTION_NAMES:
            value = raw.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                limits[name] = max(PAGE, min(value, MAX_LINES_PER_SECTION))
        return cls(str(state_filter), limits)

    @classmethod
    def loads(cls, text: str | None) -> HomeState:
        try:
            return cls.from_json(json.loads(text or "{}"))
        except (TypeError, ValueError):
            return cls()


@dataclass(frozen=True)
class HomeSection:
    name: str
    total: int
    entries: tuple[IndexEntry, ...]

    @property
    def has_more(self) -> bool:
        return self.total > len(self.entries)


@dataclass(frozen=True)
class HomeData:
    sections: tuple[HomeSection, ...]
    fresh_at: datetime | None
    state: HomeState
    sees_all: bool
    # The person's personal notifications, per topic (`Topic` → `Mode` values); empty: not shown.
    notifications: tuple[tuple[str, str], ...] = ()


def load_home(
    store: Store, *, instructeur_id: str | None, sees_all: bool, state: HomeState
) -> HomeData:
    with store.connect() as db:
        sections = []
        for name in SECTION_NAMES:
            total, entries = q.section(
                db,
                name,
                instructeur_id=instructeur_id,
                sees_all=sees_all,
                state_filter=state.state_filter,
                limit=state.limit(name),
            )
            sections.append(HomeSection(name, total, tuple(entries)))
        fresh_at = q.freshness(db)
    return HomeData(tuple(sections), fresh_at, state, sees_all)
