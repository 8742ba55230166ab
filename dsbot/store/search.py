"""The search index of DS dossiers (migration m011_privacy_and_search): an FTS5 table, one row
per indexed dossier (rowid = its number), with the demandeur's name, e-mail and SIRET, the
labels and the démarche's title. Accents and case are ignored (`unicode61 remove_diacritics 2`).

It holds personal data: `delete` removes a dossier's row, and `optimize` merges the index's
segments so that the removed tokens leave the file too (FTS5 keeps them in older segments
until a merge; secure_delete then zeroes the pages freed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlite_utils import Database

from dsbot.store.index import IndexEntry

MAX_RESULTS = 20
_TOKEN = re.compile(r"\w+")
# The columns words are looked for in (not `groupe`, which holds the visibility filter).
_COLUMNS = "{number demandeur email siret labels demarche_title}"


@dataclass(frozen=True)
class SearchFields:
    """What a dossier is found by, besides its number."""

    demandeur: str = ""
    email: str = ""
    siret: str = ""
    labels: str = ""
    demarche_title: str = ""


def upsert(db: Database, number: int, groupe: int, fields: SearchFields) -> None:
    db.execute("DELETE FROM dossier_search WHERE rowid = ?", [number])
    db.execute(
        "INSERT INTO dossier_search (rowid, number, demandeur, email, siret, labels,"
        " demarche_title, groupe) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            number,
            str(number),
            fields.demandeur,
            fields.email,
            fields.siret,
            fields.labels,
            fields.demarche_title,
            f"g{groupe}",
        ],
    )


def move(db: Database, number: int, groupe: int) -> None:
    """The dossier changed groupe (read from a list page, without its full read)."""
    db.execute(
        "UPDATE dossier_search SET groupe = ? WHERE rowid = ? AND groupe != ?",
        [f"g{groupe}", number, f"g{groupe}"],
    )


def delete(db: Database, number: int) -> int:
    return db.execute("DELETE FROM dossier_search WHERE rowid = ?", [number]).rowcount


def optimize(db: Database) -> None:
    """Merge every segment into one: tokens of deleted rows leave the index."""
    db.execute("INSERT INTO dossier_search (dossier_search) VALUES ('optimize')")


def match_expression(text: str) -> str | None:
    """The FTS5 query of what a person typed: every word, as a prefix, in any searched column
    (a one-letter word whole: as a prefix it would match half the index). Digits typed in
    groups ("123 456 789 00012") are one SIRET; an e-mail address is one phrase. None: nothing
    to search."""
    stripped = text.strip()
    if re.fullmatch(r"[\d\s]+", stripped):
        words = ["".join(stripped.split())]
    else:
        words = _TOKEN.findall(stripped)
    words = [w for w in words if w][:12]
    if not words:
        return None
    if "@" in stripped and len(words) > 1:
        return f'email : "{" ".join(words)}"*'
    return " AND ".join(f'{_COLUMNS} : "{w}"{"*" if len(w) > 1 else ""}' for w in words)


def search(
    db: Database,
    text: str,
    *,
    instructeur_id: str | None,
    sees_all: bool,
    limit: int = MAX_RESULTS,
) -> list[IndexEntry]:
    """The dossiers matching `text` that this person may see (the groupes of their instructeur,
    every dossier for an admin), newest first, at most `limit`."""
    expression = match_expression(text)
    if expression is None or (instructeur_id is None and not sees_all):
        return []
    if not sees_all:
        groupes = [
            r[0]
            for r in db.execute(
                "SELECT groupe_number FROM groupe_members WHERE instructeur_id = ? UNION"
                " SELECT groupe_number FROM instructeur_directory WHERE instructeur_id = ?",
                [instructeur_id, instructeur_id],
            ).fetchall()
        ]
        if not groupes:
            return []
        # The person's groupes inside the match: FTS5 intersects them with the words.
        mine = " OR ".join(f"g{int(g)}" for g in groupes)
        expression = f"({expression}) AND groupe : ({mine})"
    # FTS5 walks its matches newest first (rowid DESC) and stops at the limit; the index's
    # own groupe is checked again, so that a stale search row never shows a dossier
    # (bench/bench_search.py).
    visible = (
        ""
        if sees_all
        else " AND i.groupe_number IN (SELECT groupe_number FROM groupe_members WHERE"
        " instructeur_id = :me UNION SELECT groupe_number FROM instructeur_directory"
        " WHERE instructeur_id = :me)"
    )
    rows = db.query(
        "SELECT i.* FROM dossier_search s CROSS JOIN dossier_index i ON i.backend = 'ds'"
        f" AND i.ref = CAST(s.rowid AS TEXT) WHERE dossier_search MATCH :q{visible}"
        " ORDER BY s.rowid DESC LIMIT :limit",
        {"q": expression, "me": instructeur_id or "", "limit": int(limit)},
    )
    return [IndexEntry.from_row(r) for r in rows]
