"""The `Followers` capability: who hears of an item's events in person. Beside the other
capabilities (`capabilities.py`), in its own module because it names `ItemPerson`, a view type
whose module imports the capabilities."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from dsbot.backends.port.views import ItemPerson


@runtime_checkable
class Followers(Protocol):
    """Who hears of an item's events in person, from a read of it the caller already holds (no
    request): those who follow it (DS: the dossier's `instructeurs`, whether the follow was
    made in DS or from Slack), and those who instruct where a new item lands (DS: its groupe).
    A backend without followers but with an assignee or an author names them instead; one
    with neither does not implement this, and personal notifications are absent for it."""

    def followers(self, read: Any) -> tuple[ItemPerson, ...]: ...

    def members(self, read: Any) -> tuple[ItemPerson, ...]: ...
