"""The migrated template database of the tests leaves nothing behind in /tmp."""

from __future__ import annotations

import atexit
from collections.abc import Callable
from typing import Any

from tests.fakes import db_template


def test_the_template_lives_in_pytests_own_temporary_folders(store, tmp_path_factory):
    template = db_template._template
    assert template is not None and template.exists()
    assert template.is_relative_to(tmp_path_factory.getbasetemp())


def test_outside_a_test_session_the_template_folder_is_removed_at_exit(monkeypatch):
    at_exit: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(db_template, "_folder", None)
    monkeypatch.setattr(atexit, "register", lambda f, *a, **k: at_exit.append((f, a, k)))
    folder = db_template._new_folder()
    (folder / "template.db").write_bytes(b"")
    assert folder.name.startswith("dsbot-db-template-")
    ((remove, args, kwargs),) = at_exit
    remove(*args, **kwargs)
    assert not folder.exists()
