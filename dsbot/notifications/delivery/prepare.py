"""The prepare step: what a message needs of a backend, read by the engine BEFORE rendering,
so that renderers stay pure functions that read nothing.

A DS dossier's card is rendered from what the feed captured when it read the dossier
(`card_captures`, DS's spec `capture`/`restore`): however long the drain, the sender reads DS
again only for a card nothing captured (a row of an older dsbot, a capture pruned), through
the DS reader the feed caches (`RecentDossiers.get`). Another backend's item is read fresh
through the port
(`Backend.reader()`: `get_item` and the actions leaving its state, read with the bot's token;
each click is checked again with the clicker's own). A thread event needs only who is who
(a linked instructeur as a Slack mention), from the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dsbot.backends import registry
from dsbot.backends.errors import BackendNotFound, BackendRefused
from dsbot.backends.port import Backend, BackendName, Item, ItemAction
from dsbot.notifications.model import ItemRef, ParentPayload
from dsbot.store import Store
from dsbot.store import notifications as q


@dataclass(frozen=True)
class DossierCard:
    """A DS dossier as DS's reader gives it: the renderer turns it into the port's `ItemDetail`
    through the registry (`dsbot.slack.presentation.views.dossier_detail`), so nothing here
    reads its model."""

    dossier: Any


@dataclass(frozen=True)
class ItemCard:
    item: Item
    actions: list[ItemAction]


@dataclass(frozen=True)
class GoneCard:
    """The item is no longer visible: its card says so."""

    item: ItemRef


@dataclass(frozen=True)
class Mentions:
    """`of(email)`: a linked instructeur's Slack user id, anyone else's email."""

    of: Callable[[str], str]


Card = DossierCard | ItemCard


class Preparer:
    """Reads what the cards need. `fetch_dossier` may be None when DS is not read (tests of
    other kinds); `backends` are the port's backends whose items have cards. `captures`
    False: every dossier card is read from DS (what dsbot did before the captures)."""

    def __init__(
        self,
        store: Store,
        fetch_dossier: Callable[[int], Any] | None,
        backends: Mapping[BackendName, Backend] | None = None,
        *,
        captures: bool = True,
    ) -> None:
        self.store = store
        self.fetch_dossier = fetch_dossier
        self.backends = dict(backends or {})
        self.restore = registry.get(BackendName.DS).restore if captures else None

    @staticmethod
    def gone_errors(payload: ParentPayload) -> tuple[type[Exception], ...]:
        """The errors that mean the item is no longer visible: a refusal too for a backend's
        item (Dynacase refuses what one may not see), only "not found" for a dossier."""
        if payload.item is not None:
            return (BackendNotFound, BackendRefused)
        return (BackendNotFound,)

    def card(self, item: ItemRef, payload: ParentPayload) -> Card:
        """What the card shows: a dossier as the feed captured it, else a read of the card's
        item (raises the port's errors)."""
        if payload.item is not None:
            reader = self.backends[BackendName(payload.item.backend)].reader()
            found = reader.get_item(payload.item.ref)
            return ItemCard(found, reader.available_actions(payload.item.ref, for_anyone=True))
        captured = self.captured(item)
        if captured is not None:
            return captured
        number = item.ds_number
        assert number is not None and self.fetch_dossier is not None
        return DossierCard(self.fetch_dossier(number))

    def captured(self, item: ItemRef) -> DossierCard | None:
        """The dossier as the feed last captured it, None when nothing was; BackendNotFound
        when the feed saw it go."""
        if self.restore is None:
            return None
        with self.store.connect() as db:
            found = q.card_capture(db, item)
        if found is None:
            return None
        if found.card is None:
            raise BackendNotFound(f"dossier {item.ref} is gone", code="gone")
        return DossierCard(self.restore(found.card))

    def mentions(self, team_id: str) -> Mentions:
        def of(email: str) -> str:
            with self.store.connect() as db:
                return q.linked_slack_user(db, team_id, email) or email

        return Mentions(of)
