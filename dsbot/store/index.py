"""Queries on the local dossier index (migration m006_dossier_index): dossier_index,
dossier_followers, groupe_members and home_tabs. Indexed items are keyed by (backend, ref) since
m009_item_keys; the index holds DS dossiers, whose ref is the number as text.

The feed writes here (in its page transaction); the App Home and the digest only read. Every
function takes an open `Database` and leaves transactions to its caller.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from dsbot.backends.port import DossierState
from dsbot.store.notifications import from_iso, to_iso
from dsbot.store.sql import fetch_rows

OPEN_STATES = (DossierState.EN_CONSTRUCTION.value, DossierState.EN_INSTRUCTION.value)
CLOSED_STATES = (
    DossierState.ACCEPTE.value,
    DossierState.REFUSE.value,
    DossierState.SANS_SUITE.value,
)


@dataclass(frozen=True)
class IndexEntry:
    """One dossier as the index keeps it: light fields, no personal data."""

    number: int
    demarche_number: int
    demarche_title: str
    groupe_number: int
    state: DossierState
    archived: bool
    date_depot: datetime
    state_since: datetime  # when the dossier entered its current state
    date_derniere_modification: datetime
    date_derniere_correction_en_attente: datetime | None = None
    date_expiration: datetime | None = None
    date_previsionnelle_decision: date | None = None
    last_message_from_usager: bool = False
    last_message_at: datetime | None = None
    avis_pending_since: datetime | None = None  # the oldest avis still unanswered, asked on
    followers: tuple[str, ...] = ()  # instructeur ids
    groupe_members: tuple[str, ...] = ()  # instructeur ids of the groupe

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> IndexEntry:
        sva = row["date_previsionnelle_decision"]
        return cls(
            number=int(row["ref"]),
            demarche_number=row["demarche_number"],
            demarche_title=row["demarche_title"],
            groupe_number=row["groupe_number"],
            state=DossierState(row["state"]),
            archived=bool(row["archived"]),
            date_depot=_required(row["date_depot"]),
            state_since=_required(row["state_since"]),
            date_derniere_modification=_required(row["date_derniere_modification"]),
            date_derniere_correction_en_attente=from_iso(
                row["date_derniere_correction_en_attente"]
            ),
            date_expiration=from_iso(row["date_expiration"]),
            date_previsionnelle_decision=date.fromisoformat(sva) if sva else None,
            last_message_from_usager=bool(row["last_message_from_usager"]),
            last_message_at=from_iso(row["last_message_at"]),
            avis_pending_since=from_iso(row.get("avis_pending_since")),
        )


def _required(value: str) -> datetime:
    parsed = from_iso(value)
    assert parsed is not None
    return parsed


def _opt(value: datetime | None) -> str | None:
    return to_iso(value) if value is not None else None


def _rows(
    db: Database, sql: str, params: Sequence[Any] | dict[str, Any] = ()
) -> list[dict[str, Any]]:
    return list(db.query(sql, params if isinstance(params, dict) else list(params)))


# --- writes (the feed) -----------------------------------------------------------------------


def upsert(db: Database, entry: IndexEntry, now: datetime) -> None:
    db.execute(
        """
        INSERT INTO dossier_index (backend, ref, demarche_number, demarche_title,
            groupe_number, state, archived, date_depot, state_since, date_derniere_modification,
            date_derniere_correction_en_attente, date_expiration, date_previsionnelle_decision,
            last_message_from_usager, last_message_at, has_followers, indexed_at,
            avis_pending_since)
        VALUES ('ds', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (backend, ref) DO UPDATE SET
            demarche_number = excluded.demarche_number,
            demarche_title = excluded.demarche_title,
            groupe_number = excluded.groupe_number,
            state = excluded.state,
            archived = excluded.archived,
            date_depot = excluded.date_depot,
            state_since = excluded.state_since,
            date_derniere_modification = excluded.date_derniere_modification,
            date_derniere_correction_en_attente = excluded.date_derniere_correction_en_attente,
            date_expiration = excluded.date_expiration,
            date_previsionnelle_decision = excluded.date_previsionnelle_decision,
            last_message_from_usager = excluded.last_message_from_usager,
            last_message_at = excluded.last_message_at,
            has_followers = excluded.has_followers,
            indexed_at = excluded.indexed_at,
            avis_pending_since = excluded.avis_pending_since
        """,
        [
            str(entry.number),
            entry.demarche_number,
            entry.demarche_title,
            entry.groupe_number,
            entry.state.value,
            int(entry.archived),
            to_iso(entry.date_depot),
            to_iso(entry.state_since),
            to_iso(entry.date_derniere_modification),
            _opt(entry.date_derniere_correction_en_attente),
            _opt(entry.date_expiration),
            entry.date_previsionnelle_decision.isoformat()
            if entry.date_previsionnelle_decision
            else None,
            int(entry.last_message_from_usager),
            _opt(entry.last_message_at),
            int(bool(entry.followers)),
            to_iso(now),
            _opt(entry.avis_pending_since),
        ],
    )
    db.execute(
        "DELETE FROM dossier_followers WHERE backend = 'ds' AND ref = ?", [str(entry.number)]
    )
    for instructeur_id in set(entry.followers):
        db.execute(
            "INSERT INTO dossier_followers (backend, ref, instructeur_id) VALUES ('ds', ?, ?)",
            [str(entry.number), instructeur_id],
        )
    members = set(entry.groupe_members)
    if members and members != _groupe_members(db, entry.groupe_number):
        # A page's dossiers mostly share a few groupes: rewritten only when they changed.
        db.execute("DELETE FROM groupe_members WHERE groupe_number = ?", [entry.groupe_number])
        db.conn.executemany(
            "INSERT INTO groupe_members (groupe_number, instructeur_id) VALUES (?, ?)",
            [(entry.groupe_number, instructeur_id) for instructeur_id in members],
        )


def _groupe_members(db: Database, groupe_number: int) -> set[str]:
    rows = db.conn.execute(
        "SELECT instructeur_id FROM groupe_members WHERE groupe_number = ?", [groupe_number]
    )
    return {row[0] for row in rows}


def update_light(
    db: Database,
    number: int,
    *,
    state: DossierState,
    archived: bool,
    state_since: datetime | None,
    date_derniere_modification: datetime,
    date_derniere_correction_en_attente: datetime | None,
    groupe_number: int | None,
    now: datetime,
) -> bool:
    """Update the light fields of an indexed dossier (from a list page); False when the
    dossier is not indexed yet (its full read will add it)."""
    cursor = db.execute(
        "UPDATE dossier_index SET state = ?, archived = ?,"
        " state_since = COALESCE(?, state_since), date_derniere_modification = ?,"
        " date_derniere_correction_en_attente = ?,"
        " groupe_number = COALESCE(?, groupe_number), indexed_at = ?"
        " WHERE backend = 'ds' AND ref = ?",
        [
            state.value,
            int(archived),
            _opt(state_since),
            to_iso(date_derniere_modification),
            _opt(date_derniere_correction_en_attente),
            groupe_number,
            to_iso(now),
            str(number),
        ],
    )
    return cursor.rowcount == 1


def delete(db: Database, number: int) -> list[str]:
    """Forget a dossier (deleted in DS); returns the instructeurs who could see it."""
    concerned = concerned_instructeurs(db, [number])
    db.execute("DELETE FROM dossier_index WHERE backend = 'ds' AND ref = ?", [str(number)])
    db.execute("DELETE FROM dossier_followers WHERE backend = 'ds' AND ref = ?", [str(number)])
    return concerned


def concerned_instructeurs(db: Database, numbers: Iterable[int]) -> list[str]:
    """Followers and groupe members of these dossiers."""
    refs = [str(n) for n in numbers]
    if not refs:
        return []
    marks = ",".join("?" * len(refs))
    rows = fetch_rows(
        db,
        "SELECT instructeur_id FROM dossier_followers WHERE backend = 'ds'"
        f" AND ref IN ({marks}) UNION SELECT m.instructeur_id FROM groupe_members m"
        " JOIN dossier_index i ON i.groupe_number = m.groupe_number WHERE i.backend = 'ds'"
        f" AND i.ref IN ({marks})",
        refs + refs,
    )
    return sorted(r["instructeur_id"] for r in rows)


# --- reads (the Home) ------------------------------------------------------------------------

_MY_GROUPES = (
    "i.groupe_number IN (SELECT groupe_number FROM groupe_members WHERE instructeur_id = :me"
    " UNION SELECT groupe_number FROM instructeur_directory WHERE instructeur_id = :me)"
)
_FOLLOWED = (
    "i.ref IN (SELECT ref FROM dossier_followers WHERE backend = i.backend"
    " AND instructeur_id = :me)"
)
# Each Home section: its condition on a dossier, and its order (the longest waiting first).
SECTIONS: dict[str, tuple[str, str]] = {
    "a_traiter": (
        "i.archived = 0 AND (i.state = 'en_construction'"
        " OR (i.state = 'en_instruction' AND i.has_followers = 0))",
        "i.state_since, CAST(i.ref AS INTEGER)",
    ),
    "suivis": (_FOLLOWED, "i.date_derniere_modification DESC, CAST(i.ref AS INTEGER)"),
    "en_attente": (
        "i.last_message_from_usager = 1 AND i.archived = 0",
        "i.last_message_at, CAST(i.ref AS INTEGER)",
    ),
}
# State filters of the Home: the states they keep ("" keeps the open ones).
STATE_FILTERS: dict[str, tuple[str, ...]] = {
    "": OPEN_STATES,
    "en_construction": (DossierState.EN_CONSTRUCTION.value,),
    "en_instruction": (DossierState.EN_INSTRUCTION.value,),
    "termine": CLOSED_STATES,
}


def section(
    db: Database,
    name: str,
    *,
    instructeur_id: str | None,
    sees_all: bool,
    state_filter: str,
    limit: int,
) -> tuple[int, list[IndexEntry]]:
    """(how many dossiers the section holds, the first `limit` of them) for this viewer.

    A viewer who sees all (an admin) is not limited to groupes; the followed section always
    needs an instructeur."""
    condition, order = SECTIONS[name]
    states = STATE_FILTERS[state_filter]
    where = [condition, f"i.state IN ({','.join(repr(s) for s in states)})"]
    if not sees_all:
        if instructeur_id is None:
            return 0, []
        where.append(_MY_GROUPES)
    if name == "suivis" and instructeur_id is None:
        return 0, []
    params = {"me": instructeur_id or ""}
    clause = " AND ".join(f"({w})" for w in where)
    total = _rows(db, f"SELECT count(*) AS n FROM dossier_index i WHERE {clause}", params)[0]["n"]
    rows = _rows(
        db,
        f"SELECT * FROM dossier_index i WHERE {clause} ORDER BY {order} LIMIT {int(limit)}",
        params,
    )
    return int(total), [IndexEntry.from_row(r) for r in rows]


def busiest_instructeur(db: Database) -> tuple[str, int] | None:
    """The instructeur whose groupes hold the most indexed dossiers, and how many (the demo
    and the benchmark show their Home)."""
    rows = _rows(
        db,
        "SELECT m.instructeur_id AS id, count(*) AS n FROM groupe_members m"
        " JOIN dossier_index i ON i.groupe_number = m.groupe_number"
        " GROUP BY m.instructeur_id ORDER BY n DESC, m.instructeur_id LIMIT 1",
    )
    return (rows[0]["id"], int(rows[0]["n"])) if rows else None


def freshness(db: Database) -> datetime | None:
    """When the least recently polled feed last succeeded: the index is at least that fresh.
    None when a feed never succeeded (or none exists)."""
    rows = _rows(db, "SELECT last_success_at FROM feeds")
    if not rows or any(r["last_success_at"] is None for r in rows):
        return None
    return min(_required(r["last_success_at"]) for r in rows)


# --- reads (the digest) ----------------------------------------------------------------------


def entries(db: Database, demarche: int, groupe: int | None = None) -> list[IndexEntry]:
    """Every indexed dossier of a démarche (or of one of its groupes), not archived."""
    sql = "SELECT * FROM dossier_index WHERE demarche_number = ? AND archived = 0"
    params: list[Any] = [demarche]
    if groupe is not None:
        sql += " AND groupe_number = ?"
        params.append(groupe)
    rows = _rows(db, sql + " ORDER BY CAST(ref AS INTEGER)", params)
    return [IndexEntry.from_row(r) for r in rows]


# --- home_tabs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeTab:
    team_id: str
    slack_user_id: str
    instructeur_id: str | None
    sees_all: bool
    view_state: dict[str, Any]
    published_at: datetime | None
    dirty_since: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> HomeTab:
        return cls(
            team_id=row["team_id"],
            slack_user_id=row["slack_user_id"],
            instructeur_id=row["instructeur_id"],
            sees_all=bool(row["sees_all"]),
            view_state=json.loads(row["view_state"] or "{}"),
            published_at=from_iso(row["published_at"]),
            dirty_since=from_iso(row["dirty_since"]),
        )


def get_home(db: Database, team_id: str, user_id: str) -> HomeTab | None:
    rows = _rows(
        db, "SELECT * FROM home_tabs WHERE team_id = ? AND slack_user_id = ?", [team_id, user_id]
    )
    return HomeTab.from_row(rows[0]) if rows else None


def save_home(
    db: Database,
    team_id: str,
    user_id: str,
    *,
    instructeur_id: str | None,
    sees_all: bool,
    view_state: dict[str, Any],
    published_at: datetime,
) -> None:
    """Record a publication: the tab is clean as of now."""
    db.execute(
        "INSERT INTO home_tabs (team_id, slack_user_id, instructeur_id, sees_all, view_state,"
        " published_at, dirty_since) VALUES (?, ?, ?, ?, ?, ?, NULL)"
        " ON CONFLICT (team_id, slack_user_id) DO UPDATE SET"
        " instructeur_id = excluded.instructeur_id, sees_all = excluded.sees_all,"
        " view_state = excluded.view_state, published_at = excluded.published_at,"
        " dirty_since = NULL",
        [
            team_id,
            user_id,
            instructeur_id,
            int(sees_all),
            json.dumps(view_state, separators=(",", ":")),
            to_iso(published_at),
        ],
    )


def mark_dirty(db: Database, instructeur_ids: Iterable[str], now: datetime) -> int:
    """The Home tabs of these instructeurs, and of everyone who sees all, are out of date."""
    ids = sorted(set(instructeur_ids))
    marks = ",".join("?" * len(ids))
    who = f"sees_all = 1 OR instructeur_id IN ({marks})" if ids else "sees_all = 1"
    cursor = db.execute(
        f"UPDATE home_tabs SET dirty_since = ? WHERE dirty_since IS NULL AND ({who})",
        [to_iso(now), *ids],
    )
    return cursor.rowcount


def due_homes(db: Database, published_before: datetime) -> list[HomeTab]:
    """Dirty tabs last published before `published_before` (the debounce)."""
    rows = _rows(
        db,
        "SELECT * FROM home_tabs WHERE dirty_since IS NOT NULL AND published_at <= ?"
        " ORDER BY dirty_since",
        [to_iso(published_before)],
    )
    return [HomeTab.from_row(r) for r in rows]
