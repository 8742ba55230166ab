"""`dsbot backup FILE`: a consistent copy of DSBOT_DB, taken while the bot runs.

SQLite's online backup API (`sqlite3.Connection.backup`) copies every page in one step, inside
one read transaction: the copy is the database as it was at one instant, whatever the bot
commits meanwhile (in WAL mode, readers and the writer do not wait for each other). The copy
is written beside FILE under a temporary name, checked (`PRAGMA integrity_check`), switched to
a single file (journal mode DELETE: no `-wal` beside it), then renamed onto FILE, so that FILE is
never half written. An existing FILE is only replaced with `force`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The bot may hold the write lock for a moment: the copy waits that long for a read.
BUSY_TIMEOUT_SECONDS = 30.0


class BackupRefused(Exception):
    """Why there is no copy: one French line (the CLI adds `Erreur : `)."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int  # bytes
    tables: int


def _target(source: Path, target: Path, force: bool) -> None:
    if target.is_dir():
        raise BackupRefused(f"{target} est un dossier : donnez un nom de fichier")
    if not target.parent.is_dir():
        raise BackupRefused(f"le dossier {target.parent} n’existe pas")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupRefused(f"{target} est la base elle-même : choisissez un autre fichier")
    if target.exists() and not force:
        raise BackupRefused(f"{target} existe déjà : --force pour le remplacer")


def backup(db_path: str, target_path: str, *, force: bool = False) -> BackupReport:
    """Copy the database at `db_path` into `target_path`; BackupRefused says why not."""
    source, target = Path(db_path), Path(target_path)
    if not source.is_file():
        raise BackupRefused(f"DSBOT_DB : la base {source} n’existe pas, rien à copier")
    _target(source, target, force)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise BackupRefused(f"impossible d’écrire dans {target.parent} ({exc.strerror})") from None
    os.close(fd)
    try:
        tables = _copy(source, Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return BackupReport(target, target.stat().st_size, tables)


def _copy(source: Path, copy: Path) -> int:
    """The online backup of `source` into `copy`, checked; returns its number of tables."""
    try:
        # Not `mode=ro`: in WAL mode a reader may have to create the -shm beside the database
        # (a bot stopped cleanly leaves none). Nothing is written through this connection.
        src = sqlite3.connect(source)
    except sqlite3.Error as exc:
        raise BackupRefused(f"DSBOT_DB : la base {source} ne s’ouvre pas ({exc})") from None
    try:
        src.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        dst = sqlite3.connect(copy)
        try:
            try:
                src.backup(dst)  # every page in one step: one read transaction, one instant
            except sqlite3.Error as exc:
                raise BackupRefused(f"la copie de {source} a échoué ({exc})") from None
            dst.execute("PRAGMA journal_mode = DELETE")
            [(verdict,)] = dst.execute("PRAGMA integrity_check").fetchall()
            if verdict != "ok":
                raise BackupRefused(f"la copie de {source} est incohérente ({verdict})")
            [(tables,)] = dst.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchall()
        finally:
            dst.close()
    finally:
        src.close()
    return int(tables)
