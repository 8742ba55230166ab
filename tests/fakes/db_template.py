"""A database already migrated, copied for each test instead of migrated again.

Applying every migration costs tens of milliseconds (WAL, DDL, one commit each); thousands of
tests each starting a bot or a store paid it again. The first caller of a process migrates a
template with the real `Store.migrate()`; later ones copy that file. `Store.migrate()` on the
copy then finds nothing pending (tests/store/test_migrations.py covers the upgrade path itself).

The template lives in the folder `use_folder` names: the test session gives one of pytest's
own temporary folders (tests/conftest.py), which pytest prunes like every `tmp_path`. Outside a
session, a temporary folder removed when the process exits.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path

from dsbot.store import Store

_lock = threading.Lock()
_template: Path | None = None
_folder: Path | None = None


def use_folder(folder: Path) -> None:
    """Where the template is made (a folder that outlives every test of the process)."""
    global _folder
    _folder = folder


def _new_folder() -> Path:
    if _folder is not None:
        return _folder
    folder = Path(tempfile.mkdtemp(prefix="dsbot-db-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def premigrated(path: str | Path) -> Path:
    """Put a migrated, empty dsbot database at `path` (which must not exist yet)."""
    global _template
    with _lock:
        if _template is None:
            template = _new_folder() / "template.db"
            store = Store(str(template))
            store.migrate()
            # One self-contained file: fold the WAL back in before copying it around.
            with store.connect() as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _template = template
    target = Path(path)
    shutil.copyfile(_template, target)
    return target
