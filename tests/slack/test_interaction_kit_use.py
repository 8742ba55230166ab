"""Issue 16: the listeners share one interaction kit and do not import each other. Checked on
the source (`ast` for imports, so that an import hidden in a function counts too)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from tests.test_layers import PACKAGE, imported_modules, parse

SLACK = PACKAGE / "slack"
LISTENERS = sorted(p for p in (SLACK / "listeners").glob("*.py") if p.name != "__init__.py")
KIT = SLACK / "interaction"


def module_of(path: Path) -> str:
    return ".".join(("dsbot", *path.relative_to(PACKAGE).with_suffix("").parts))


def slack_modules() -> list[Path]:
    return sorted(SLACK.rglob("*.py"))


@pytest.mark.parametrize("path", LISTENERS, ids=lambda p: p.stem)
def test_no_listener_imports_another_listener(path: Path) -> None:
    package = module_of(path).rsplit(".", 1)[0]
    imports = imported_modules(parse(path), package)
    others = [
        (line, m)
        for line, m in imports
        if m.startswith("dsbot.slack.listeners.") and m != module_of(path)
    ]
    assert others == []


@pytest.mark.parametrize("path", LISTENERS, ids=lambda p: p.stem)
def test_each_listener_keeps_its_register(path: Path) -> None:
    assert callable(getattr(importlib.import_module(module_of(path)), "register", None))


def test_only_the_listener_package_and_the_app_import_listeners() -> None:
    """What listeners share lives in plain modules: nothing else pulls a listener in, and
    nothing in the Slack layer imports the app factory (the app → listeners → app cycle)."""
    allowed = {SLACK / "app.py", SLACK / "listeners" / "__init__.py"}
    found = []
    for path in slack_modules():
        package = module_of(path).rsplit(".", 1)[0]
        for line, module in imported_modules(parse(path), package):
            into_listeners = module.startswith("dsbot.slack.listeners")
            if (
                into_listeners and path not in allowed and SLACK / "listeners" not in path.parents
            ) or (module == "dsbot.slack.app" and path != SLACK / "app.py"):
                found.append(f"{path.relative_to(PACKAGE)}:{line} {module}")
    assert found == []


# Calls only the kit makes: an unsealed modal, or an unchecked response_url, cannot be written
# by a listener on its own.
KIT_ONLY = re.compile(r"\.views_open\(|\.views_update\(|\.get\(\s*[\"']response_url[\"']")
# The Home tab is not a modal: its metadata is only the state of its filters, for its owner.
METADATA_READ = re.compile(r"[\"']private_metadata[\"']\s*\)")


def test_modals_and_response_urls_go_through_the_kit() -> None:
    found = []
    for path in slack_modules():
        if KIT in path.parents:
            continue
        source = path.read_text(encoding="utf-8")
        for number, text in enumerate(source.splitlines(), 1):
            if KIT_ONLY.search(text):
                found.append(f"{path.relative_to(PACKAGE)}:{number}")
            if METADATA_READ.search(text) and path != SLACK / "listeners" / "home.py":
                found.append(f"{path.relative_to(PACKAGE)}:{number}")
    assert found == []
