"""Finding dossiers without their number (`/ds cherche`, the Home's search box): in the local
index (`dsbot.store.search`, SQLite FTS5), among the dossiers the person may see; no DS request.
What the index holds is personal data, erased with the dossier (docs/privacy.md)."""

from __future__ import annotations

from dsbot.store import Store
from dsbot.store import search as q
from dsbot.store.index import IndexEntry

MAX_RESULTS = q.MAX_RESULTS


def find(
    store: Store, text: str, *, instructeur_id: str | None, sees_all: bool
) -> list[IndexEntry]:
    """At most MAX_RESULTS dossiers matching `text` (accents and case ignored, each word a
    prefix) in the groupes of `instructeur_id`, or anywhere for someone who `sees_all`."""
    with store.connect() as db:
        return q.search(db, text, instructeur_id=instructeur_id, sees_all=sees_all)
