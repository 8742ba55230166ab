"""The sandbox's data: one SQLite database (in memory, or a file with `--db`).

- `meta`: seed, generation parameters, counters.
- `world`: the reference data (démarches with revisions, groupes, instructeurs, labels) as
  JSON; small, also kept in memory.
- `dossiers`: one row per dossier with the columns that lists, filters and sort keys need, and
  `details`: the JSON of everything else, NULL until the first change (until then it is derived
  from the seed, see `dossier_content`).
- `blobs`: direct uploads (metadata and bytes). `tokens`: tokens added at run time.

Sorted indexes per démarche and per groupe on (depose_at, number) and (updated_at, number) make
every page a range scan, whatever the size.

Not thread-safe by itself: callers hold `lock` (one request at a time touches the data; slow
parts such as injected latency happen outside it).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from typing import Any

from dsbot.sandboxes.ds import dossier_content
from dsbot.sandboxes.ds.generator import DOSSIER_COLUMNS, World, visibility

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS world (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dossiers (
    number INTEGER PRIMARY KEY,
    demarche INTEGER NOT NULL,
    groupe INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    state TEXT NOT NULL,
    archived INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    depose_at INTEGER NOT NULL,
    en_instruction_at INTEGER,
    processed_at INTEGER,
    updated_at INTEGER NOT NULL,
    champs_at INTEGER NOT NULL,
    annotations_at INTEGER NOT NULL,
    correction_at INTEGER,
    hidden_user_at INTEGER,
    hidden_admin_at INTEGER,
    deleted_at INTEGER,
    deleted_reason TEXT,
    visible INTEGER NOT NULL,
    pending_at INTEGER,
    details TEXT
);
CREATE TABLE IF NOT EXISTS blobs (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    dossier INTEGER NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    byte_size INTEGER NOT NULL,
    checksum TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    data BLOB
);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

INDEXES = """
CREATE INDEX IF NOT EXISTS d_dem_depose ON dossiers (demarche, visible, depose_at, number);
CREATE INDEX IF NOT EXISTS d_dem_updated ON dossiers (demarche, visible, updated_at, number);
CREATE INDEX IF NOT EXISTS d_grp_depose ON dossiers (groupe, visible, depose_at, number);
CREATE INDEX IF NOT EXISTS d_grp_updated ON dossiers (groupe, visible, updated_at, number);
CREATE INDEX IF NOT EXISTS d_dem_deleted ON dossiers (demarche, deleted_at, number)
    WHERE deleted_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS d_grp_deleted ON dossiers (groupe, deleted_at, number)
    WHERE deleted_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS d_dem_pending ON dossiers (demarche, pending_at, number)
    WHERE pending_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS d_grp_pending ON dossiers (groupe, pending_at, number)
    WHERE pending_at IS NOT NULL;
"""

CORE = ", ".join(DOSSIER_COLUMNS)
SORT_COLUMNS = {"depose_at", "updated_at", "deleted_at", "pending_at"}
SCOPES = {"demarche", "groupe"}
_CACHE_SIZE = 2048


class Store:
    def __init__(self, path: str | None = None) -> None:
        self.path = path or ":memory:"
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if path:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        self.world = World({}, {}, {}, {})
        self.seed = 0
        self._details_cache: OrderedDict[int, dict[str, Any]] = OrderedDict()

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # --- meta and world ------------------------------------------------------------------

    def meta(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
        )

    def is_initialized(self) -> bool:
        return self.meta("seed") is not None

    def initialize(
        self, seed: int, world: World, rows: list[tuple[Any, ...]], params: dict[str, Any]
    ) -> None:
        """Writes a freshly generated world in one transaction."""
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                self.world = world
                self.seed = seed
                self.set_meta("seed", seed)
                self.set_meta("params", params)
                self._save_world()
                marks = ", ".join("?" * len(DOSSIER_COLUMNS))
                self.conn.executemany(f"INSERT INTO dossiers ({CORE}) VALUES ({marks})", rows)  # nosec: column names are constants
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.executescript(INDEXES)

    def load(self) -> None:
        """Reads a world saved by an earlier run (`--db`)."""
        with self.lock:
            self.conn.executescript(INDEXES)
            self.seed = self.meta("seed")
            data = {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM world")}
            self.world = World(
                {int(k): v for k, v in data["demarches"].items()},
                {int(k): v for k, v in data["groupes"].items()},
                {int(k): v for k, v in data["instructeurs"].items()},
                {int(k): v for k, v in data["labels"].items()},
            )

    def _save_world(self) -> None:
        for name in ("demarches", "groupes", "instructeurs", "labels"):
            self.conn.execute(
                "INSERT OR REPLACE INTO world (key, value) VALUES (?, ?)",
                (name, json.dumps(getattr(self.world, name))),
            )

    def save_world(self) -> None:
        with self.lock:
            self._save_world()

    def next_id(self, name: str, start: int) -> int:
        """A fresh id for `name` (blobs...), persisted."""
        with self.lock:
            value: int = self.meta(f"next_{name}", start)
            self.set_meta(f"next_{name}", value + 1)
            return value

    # --- dossiers ------------------------------------------------------------------------

    def dossier(self, number: int) -> dict[str, Any] | None:
        """The core row (no details) or None."""
        cur = self.conn.execute(f"SELECT {CORE} FROM dossiers WHERE number = ?", (number,))
        row = cur.fetchone()
        return None if row is None else dict(zip(DOSSIER_COLUMNS, row, strict=True))

    def details(self, row: dict[str, Any]) -> dict[str, Any]:
        """The dossier's details: saved ones, or derived from the seed (then cached)."""
        number = row["number"]
        cached = self._details_cache.get(number)
        if cached is not None:
            self._details_cache.move_to_end(number)
            return cached
        saved = self.conn.execute(
            "SELECT details FROM dossiers WHERE number = ?", (number,)
        ).fetchone()
        details: dict[str, Any]
        if saved is not None and saved[0] is not None:
            details = json.loads(saved[0])
        else:
            w = self.world
            details = dossier_content.build(
                self.seed, row, w.demarches[row["demarche"]], w.groupes, w.instructeurs
            )
        self._details_cache[number] = details
        if len(self._details_cache) > _CACHE_SIZE:
            self._details_cache.popitem(last=False)
        return details

    def saved_details(self, number: int) -> dict[str, Any] | None:
        """The details if something ever changed the dossier (cheap: never generates them)."""
        cached = self._details_cache.get(number)
        if cached is not None:
            return cached
        saved = self.conn.execute(
            "SELECT details FROM dossiers WHERE number = ?", (number,)
        ).fetchone()
        return json.loads(saved[0]) if saved is not None and saved[0] is not None else None

    def save_dossier(
        self, row: dict[str, Any], details: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Writes the row (visibility recomputed) and, when given, its details."""
        visible, pending_at = visibility(
            row["state"], row["hidden_user_at"], row["hidden_admin_at"], row["deleted_at"]
        )
        row["visible"], row["pending_at"] = visible, pending_at
        columns = [c for c in DOSSIER_COLUMNS if c != "number"]
        values = [row[c] for c in columns]
        sets = ", ".join(f"{c} = ?" for c in columns)
        if details is not None:
            sets += ", details = ?"
            values.append(json.dumps(details, ensure_ascii=False))
            self._details_cache[row["number"]] = details
        self.conn.execute(f"UPDATE dossiers SET {sets} WHERE number = ?", (*values, row["number"]))
        return row

    def insert_dossier(self, row: dict[str, Any]) -> None:
        marks = ", ".join("?" * len(DOSSIER_COLUMNS))
        visible, pending_at = visibility(
            row["state"], row["hidden_user_at"], row["hidden_admin_at"], row["deleted_at"]
        )
        row["visible"], row["pending_at"] = visible, pending_at
        self.conn.execute(
            f"INSERT INTO dossiers ({CORE}) VALUES ({marks})", [row[c] for c in DOSSIER_COLUMNS]
        )

    def next_dossier_number(self) -> int:
        value = self.conn.execute("SELECT MAX(number) FROM dossiers").fetchone()[0]
        return (value or 10000) + 1

    def count_dossiers(self, demarche: int) -> int:
        """Dossiers listed by the API for that démarche."""
        count: int = self.conn.execute(
            "SELECT COUNT(*) FROM dossiers WHERE demarche = ? AND visible = 1", (demarche,)
        ).fetchone()[0]
        return count

    def page(
        self,
        *,
        scope: str,
        scope_id: int,
        sort: str,
        listing: str = "dossiers",
        since: tuple[str, int] | None = None,
        state: str | None = None,
        archived: bool | None = None,
        revisions: list[int] | None = None,
        after: tuple[int, int] | None = None,
        before: tuple[int, int] | None = None,
        limit: int = 101,
        inverted: bool = False,
    ) -> list[dict[str, Any]]:
        """One keyset page of core rows.

        `listing` is "dossiers" (visible ones), "deleted" or "pending"; `sort` the sort column;
        `since` a (column, µs) inclusive lower bound; `after`/`before` a decoded cursor.
        """
        assert scope in SCOPES and sort in SORT_COLUMNS
        where = [f"{scope} = ?"]
        params: list[Any] = [scope_id]
        if listing == "dossiers":
            where.append("visible = 1")
        elif listing == "deleted":
            where.append("deleted_at IS NOT NULL")
        else:
            where.append("pending_at IS NOT NULL")
        if since is not None and after is not None and since[0] == sort:
            # One lower bound only, or SQLite may range-scan from `since` and filter the
            # cursor row by row (a full scan per page on a long walk).
            if after[0] >= since[1]:
                since = None
            else:
                after = None
        if since is not None:
            column, value = since
            if column == "hidden":
                where.append("(hidden_user_at >= ? OR hidden_admin_at >= ?)")
                params += [value, value]
            else:
                assert column in SORT_COLUMNS
                where.append(f"{column} >= ?")
                params.append(value)
        if state is not None:
            where.append("state = ?")
            params.append(state)
        if archived is not None:
            where.append("archived = ?")
            params.append(1 if archived else 0)
        if revisions is not None:
            where.append(f"revision IN ({', '.join('?' * len(revisions))})")
            params += revisions
        if before is not None:
            where.append(f"{sort} <= ? AND ({sort}, number) < (?, ?)")
            params += [before[0], *before]
        elif after is not None:
            where.append(f"({sort}, number) > (?, ?)")
            params += after
        direction = "DESC" if inverted else "ASC"
        sql = (
            f"SELECT {CORE} FROM dossiers WHERE {' AND '.join(where)} "
            f"ORDER BY {sort} {direction}, number {direction} LIMIT ?"
        )
        params.append(limit)
        return [dict(zip(DOSSIER_COLUMNS, r, strict=True)) for r in self.conn.execute(sql, params)]

    # --- blobs ---------------------------------------------------------------------------

    def create_blob(self, blob: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO blobs (id, key, dossier, filename, content_type, byte_size, checksum,"
            " created_at, data) VALUES (:id, :key, :dossier, :filename, :content_type,"
            " :byte_size, :checksum, :created_at, NULL)",
            blob,
        )

    def blob(self, *, blob_id: int | None = None, key: str | None = None) -> dict[str, Any] | None:
        column, value = ("id", blob_id) if blob_id is not None else ("key", key)
        cur = self.conn.execute(
            "SELECT id, key, dossier, filename, content_type, byte_size, checksum, created_at,"
            f" data FROM blobs WHERE {column} = ?",
            (value,),
        )
        row = cur.fetchone()
        if row is None:
            return None
        names = (
            "id",
            "key",
            "dossier",
            "filename",
            "content_type",
            "byte_size",
            "checksum",
            "created_at",
            "data",
        )
        return dict(zip(names, row, strict=True))

    def store_blob_data(self, blob_id: int, data: bytes) -> None:
        self.conn.execute("UPDATE blobs SET data = ? WHERE id = ?", (data, blob_id))

    # --- tokens --------------------------------------------------------------------------

    def saved_tokens(self) -> dict[str, dict[str, Any]]:
        return {t: json.loads(v) for t, v in self.conn.execute("SELECT token, value FROM tokens")}

    def save_token(self, token: str, value: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO tokens (token, value) VALUES (?, ?)", (token, json.dumps(value))
        )
