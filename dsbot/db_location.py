"""Where the database may live: checked by `Store.migrate()`, and by the commands before they
load the rest of dsbot (a wrong DSBOT_DB is then said at once, without the half second that
importing Slack's SDK, the wiring and SQLite's helpers costs)."""

from __future__ import annotations

from pathlib import Path


def folder_problem(path: str | Path) -> str | None:
    """Why a database cannot be created or opened at `path` (in French), else None.

    A missing folder is refused rather than created: it is most often a typo in the path,
    and a database created there would silently start empty.
    """
    folder = Path(path).parent
    if not folder.is_dir():
        return f"le dossier {folder} de la base {path} n’existe pas"
    if Path(path).is_dir():
        return f"{path} est un dossier, pas un fichier de base"
    return None
