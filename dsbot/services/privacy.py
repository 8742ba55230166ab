"""A dossier's personal data leaves with it (docs/privacy.md).

Three things erase a dossier the same way: DS deleting it for good (the feed, in its deletion
transaction), the retention delay (`DSBOT_RETENTION_DAYS`, a step of the poller's cycle), and
an erasure request (`dsbot purge --dossier N`). Each queues a tombstone for every Slack message
the bot posted about it and deletes or reduces its rows (`dsbot.store.privacy.erase_item`);
then `compact` makes sure the erased bytes leave the file and its WAL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlite_utils import Database

from dsbot.notifications.model import ItemRef
from dsbot.store import Store, search
from dsbot.store import index as q_index
from dsbot.store.audit import AuditRow, insert_audit
from dsbot.store.privacy import Removed, closed_before, erase_item
from dsbot.store.sql import to_iso, write
from dsbot.store.subscriptions import DS_FEED_SCOPES

__all__ = ["Removed", "compact", "describe", "erase_dossier", "purge", "retention_pass"]


def erase_dossier(
    db: Database, number: int, reason: str, now: datetime, *, gone_state: str | None = None
) -> Removed:
    """Erase a DS dossier in the caller's transaction; the Homes that showed it are marked out
    of date."""
    concerned = q_index.concerned_instructeurs(db, [number])
    removed = erase_item(
        db, ItemRef.ds(number), reason, now, gone_state=gone_state, feed_scopes=DS_FEED_SCOPES
    )
    q_index.mark_dirty(db, concerned, now)
    return removed


def compact(store: Store) -> None:
    """After erasures: the search index merged (deleted tokens leave its segments), then the
    WAL checkpointed and truncated. Outside any transaction."""
    with write(store) as db:
        search.optimize(db)
    store.compact()


def retention_pass(store: Store, now: datetime, days: int) -> list[int]:
    """Erase the dossiers closed more than `days` days ago; returns their numbers."""
    with write(store) as db:
        numbers = closed_before(db, now - timedelta(days=days))
        for number in numbers:
            erase_dossier(db, number, "retention", now)
    return numbers


def purge(store: Store, number: int, clock: Callable[[], datetime], *, by: str) -> Removed:
    """An erasure request for dossier `number` (dsbot purge): erased, audited (number, action,
    person, time), then compacted."""
    now = clock()
    with write(store) as db:
        removed = erase_dossier(db, number, "request", now)
        insert_audit(
            db,
            AuditRow(
                at=to_iso(now),
                team_id="",
                slack_user_id="",
                instructeur_id=by,
                dossier_number=number,
                action="purge",
                motivation_length=None,
                file_name=None,
                file_checksum=None,
                result="ok",
                error=None,
            ),
        )
    compact(store)
    return removed


def describe(number: int, removed: Removed) -> str:
    """What a purge removed, for the operator (French)."""
    if not removed.total:
        return f"Dossier n° {number} : dsbot n’en conservait rien ; rien à effacer."
    # (count, singular, plural): real plurals, never « (s) ».
    parts = [
        (
            removed.messages,
            "message Slack remplacé par une mention d’effacement",
            "messages Slack remplacés par une mention d’effacement",
        ),
        (removed.outbox, "message en file ou envoyé effacé", "messages en file ou envoyés effacés"),
        (removed.index, "entrée d’index effacée", "entrées d’index effacées"),
        (removed.search, "entrée de recherche effacée", "entrées de recherche effacées"),
        (removed.snapshots, "état du flux effacé", "états du flux effacés"),
        (
            removed.audit,
            "ligne d’audit réduite au numéro, à l’action, à la personne et à l’heure",
            "lignes d’audit réduites au numéro, à l’action, à la personne et à l’heure",
        ),
        (removed.previews, "aperçu de lien oublié", "aperçus de lien oubliés"),
        (
            removed.captures,
            "fiche gardée pour l’envoi effacée",
            "fiches gardées pour l’envoi effacées",
        ),
    ]
    done = "; ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)
    note = " (au prochain cycle de dsbot)" if removed.messages else ""
    return f"Dossier n° {number} : {done}{note}."
