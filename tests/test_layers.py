"""Layers point one way: the backends (clients and sandboxes), the services and the store know
nothing of Slack; a backend knows nothing of dsbot's services, store or Slack layer, nor of another
backend, so that adding one is a folder. Checked on the source with `ast`, so that an import
hidden in a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dsbot"
SLACK_FREE = ("services", "backends", "store")
FORBIDDEN = ("dsbot.slack", "slack_sdk", "slack_bolt")


def imported_modules(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """(line, module) of every import in the tree, relative imports made absolute."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            # `from dsbot import slack` imports dsbot.slack as well.
            found += [(node.lineno, module)]
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def parse(path: Path) -> ast.AST:
    source = path.read_text(encoding="utf-8")
    try:
        return ast.parse(source, filename=str(path))
    except SystemError:
        # CPython 3.11 counts the AST builder's recursion depth in a way that another thread
        # compiling at the same moment (a test's leftover worker importing a module) can upset:
        # "AST constructor recursion depth mismatch". The source is fine; parse it again.
        return ast.parse(source, filename=str(path))


def is_forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN)


def modules_of(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", SLACK_FREE)
def test_layer_imports_nothing_of_slack(layer):
    files = modules_of(layer)
    assert files, f"dsbot/{layer} has no module"
    offenders = []
    for path in files:
        relative = path.relative_to(PACKAGE.parent)
        package = ".".join(relative.with_suffix("").parts[:-1])
        tree = parse(path)
        offenders += [
            f"{relative}:{line} imports {module}"
            for line, module in imported_modules(tree, package)
            if is_forbidden(module)
        ]
    assert offenders == []


def test_the_check_sees_imports_inside_functions_and_relative_ones():
    source = (
        "def f():\n"
        "    from slack_sdk import WebClient\n"
        "from ..slack import sender\n"
        "from dsbot import slack\n"
        "import slack_bolt.app\n"
    )
    found = imported_modules(ast.parse(source), "dsbot.services")
    assert sorted(m for _, m in found if is_forbidden(m)) == [
        "dsbot.slack",
        "dsbot.slack",
        "dsbot.slack.sender",
        "slack_bolt.app",
        "slack_sdk",
        "slack_sdk.WebClient",
    ]
    assert not is_forbidden("dsbot.slackish") and not is_forbidden("slack_sdkx")


BACKENDS = sorted(p.name for p in (PACKAGE / "backends").iterdir() if (p / "__init__.py").exists())
# What a backend may not import: the layers above it, and the other backends.
ABOVE_BACKENDS = (
    "dsbot.services",
    "dsbot.store",
    "dsbot.slack",
    "dsbot.runtime",
    "dsbot.app_runtime",
    "dsbot.cli",
)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_backend_imports_no_layer_above_it_and_no_other_backend(backend):
    others = tuple(f"dsbot.backends.{name}" for name in BACKENDS if name != backend)
    offenders = []
    for path in modules_of(f"backends/{backend}"):
        relative = path.relative_to(PACKAGE.parent)
        package = ".".join(relative.with_suffix("").parts[:-1])
        tree = parse(path)
        offenders += [
            f"{relative}:{line} imports {module}"
            for line, module in imported_modules(tree, package)
            if any(module == n or module.startswith(n + ".") for n in (*ABOVE_BACKENDS, *others))
        ]
    assert offenders == []


def test_both_backends_are_checked():
    assert {"ds", "dynacase"} <= set(BACKENDS)
