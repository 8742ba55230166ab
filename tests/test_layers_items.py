"""The generic item path names no backend: a third backend is a folder plus a registration.

The modules that bring items of any backend to Slack (its /ds words, the feed processor,
subscriptions, credentials, the item service, listeners and builders) say nothing of Dynacase,
and import of the backends only the port, the error root and the registry; no product file
names the test-only backend (tests/thirdbackend/). `grep -i dynacase` does the same by hand.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.test_layers import imported_modules, parse

ROOT = Path(__file__).resolve().parents[1]
GENERIC = (
    "dsbot/services/item_feed.py",
    "dsbot/services/item_subscriptions.py",
    "dsbot/services/items.py",
    "dsbot/services/credentials.py",
    "dsbot/slack/commands/backend_subcommands.py",
    "dsbot/slack/presentation/backend_texts.py",
    "dsbot/slack/commands/items.py",
    "dsbot/slack/listeners/items.py",
    "dsbot/slack/presentation/blocks/item.py",
    "dsbot/slack/presentation/blocks/action_form.py",
    "dsbot/slack/presentation/blocks/help.py",
    "dsbot/slack/commands/grammar.py",
    "dsbot/slack/commands/table.py",
    "dsbot/slack/commands/subcommands.py",
)
PUBLIC = {"dsbot.backends.port", "dsbot.backends.errors", "dsbot.backends.registry"}


def backend_internals(tree: ast.AST, package: str) -> list[str]:
    return [
        module
        for _, module in imported_modules(tree, package)
        if module.startswith("dsbot.backends.")
        and not any(module == p or module.startswith(f"{p}.") for p in PUBLIC)
    ]


def package_of(relative: str) -> str:
    return ".".join(Path(relative).with_suffix("").parts[:-1])


@pytest.mark.parametrize("relative", GENERIC)
def test_a_generic_module_names_no_backend(relative: str) -> None:
    text = (ROOT / relative).read_text(encoding="utf-8")
    named = [n for n, line in enumerate(text.splitlines(), 1) if "dynacase" in line.lower()]
    assert named == [], f"{relative} names Dynacase on lines {named}"
    assert backend_internals(parse(ROOT / relative), package_of(relative)) == []


def test_the_check_sees_a_backend_named_and_its_folder_imported() -> None:
    tree = ast.parse("from dsbot.backends.dynacase.client import DynacaseClient\n")
    assert backend_internals(tree, "dsbot.services") == [
        "dsbot.backends.dynacase.client",
        "dsbot.backends.dynacase.client.DynacaseClient",
    ]
    tree = ast.parse("from ..backends import port\nfrom dsbot.backends.errors import X\n")
    assert backend_internals(tree, "dsbot.services") == []


def test_every_generic_module_exists() -> None:
    assert [p for p in GENERIC if not (ROOT / p).is_file()] == []


def test_no_product_file_names_the_test_backend() -> None:
    pattern = re.compile(r"thirdbackend|ledger", re.IGNORECASE)
    named = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "dsbot").rglob("*.py"))
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert named == []
