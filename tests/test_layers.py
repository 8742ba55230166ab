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


# --- outside the backends: the port, its error root and the registry ------------------------------

# What code outside `dsbot/backends/` may import of it (the sandboxes are `dsbot.sandboxes`).
PUBLIC = ("dsbot.backends.port", "dsbot.backends.errors", "dsbot.backends.registry")
# The files that still import a backend's internals (DS's client and models, mostly): a ratchet.
# A file not listed may not start; a listed file that no longer does must leave the list, so
# that it only shrinks as services and Slack builders move onto the port.
STILL_INTERNAL = {
    "dsbot/app_runtime.py",
    "dsbot/check.py",
    "dsbot/cli.py",
    "dsbot/demo/run.py",
    "dsbot/demo/scenario.py",
    "dsbot/runtime.py",
    "dsbot/services/access.py",
    "dsbot/services/actions.py",
    "dsbot/services/classify.py",
    "dsbot/services/digest.py",
    "dsbot/services/directory.py",
    "dsbot/services/dynacase_feed.py",
    "dsbot/services/feed.py",
    "dsbot/services/index.py",
    "dsbot/services/item_subscriptions.py",
    "dsbot/services/linking.py",
    "dsbot/services/outbox.py",
    "dsbot/services/poller.py",
    "dsbot/services/subscriptions.py",
    "dsbot/slack/blocks/card.py",
    "dsbot/slack/blocks/common.py",
    "dsbot/slack/blocks/digest.py",
    "dsbot/slack/blocks/edits.py",
    "dsbot/slack/blocks/events.py",
    "dsbot/slack/blocks/modals.py",
    "dsbot/slack/blocks/unfurl.py",
    "dsbot/slack/command_grammar.py",
    "dsbot/slack/digest.py",
    "dsbot/slack/files.py",
    "dsbot/slack/listeners/annotations.py",
    "dsbot/slack/listeners/decisions.py",
    "dsbot/slack/listeners/labels.py",
    "dsbot/slack/outcomes.py",
    "dsbot/slack/sender.py",
    "dsbot/slack/services.py",
    "dsbot/store/index.py",
    "dsbot/store/links.py",
    "dsbot/store/payloads.py",
}
BACKEND_ROOTS = {"DSError", "DynacaseError"}


def outside_the_backends() -> list[tuple[str, ast.AST, str]]:
    """(path relative to the repository, tree, package) of every module outside dsbot/backends."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        if relative.parts[1] != "backends":
            package = ".".join(relative.with_suffix("").parts[:-1])
            found.append((relative.as_posix(), parse(path), package))
    return found


def is_internal(module: str) -> bool:
    """A module of a backend's folder (not the port, the error root or the registry)."""
    if not module.startswith("dsbot.backends."):
        return False
    return not any(module == name or module.startswith(name + ".") for name in PUBLIC)


def test_outside_the_backends_only_the_port_errors_and_registry_are_imported():
    importing = {
        relative
        for relative, tree, package in outside_the_backends()
        if any(is_internal(module) for _, module in imported_modules(tree, package))
    }
    assert sorted(importing - STILL_INTERNAL) == [], "import the port, errors or registry"
    assert sorted(STILL_INTERNAL - importing) == [], "no longer imports internals: unlist it"


def test_the_ratchet_tells_internals_from_the_public_modules():
    assert is_internal("dsbot.backends.ds.client") and is_internal("dsbot.backends.dynacase")
    assert not is_internal("dsbot.backends.port") and not is_internal("dsbot.backends.errors")
    assert not is_internal("dsbot.backends.registry") and not is_internal("dsbot.backends")
    assert not is_internal("dsbot.sandboxes.ds") and is_internal("dsbot.backends.portal")


def names_in(node: ast.AST | None) -> set[str]:
    """The class names an except clause, isinstance() or a class's bases name (`e.DSError`,
    tuples and `A | B` included)."""
    if node is None:
        return set()
    return {
        n.id if isinstance(n, ast.Name) else n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Name | ast.Attribute)
    }


def backend_root_uses(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler):
            found += [(node.lineno, f"except {n}") for n in names_in(node.type) & BACKEND_ROOTS]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("isinstance", "issubclass")
            and len(node.args) == 2
        ):
            names = names_in(node.args[1]) & BACKEND_ROOTS
            found += [(node.lineno, f"isinstance {n}") for n in names]
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                found += [(node.lineno, f"subclass of {n}") for n in names_in(base) & BACKEND_ROOTS]
    return sorted(found)


def test_no_branch_on_a_backends_error_root_outside_the_backends():
    offenders = [
        f"{relative}:{line} {what}"
        for relative, tree, _ in outside_the_backends()
        for line, what in backend_root_uses(tree)
    ]
    assert offenders == [], "catch the root's branches (dsbot.backends.errors) instead"


def test_the_error_check_sees_every_form():
    source = (
        "try:\n    pass\nexcept e.DSError:\n    pass\n"
        "try:\n    pass\nexcept (KeyError, DynacaseError) as exc:\n    pass\n"
        "isinstance(x, DSError | OSError)\n"
        "class Mine(errors.DynacaseError):\n    pass\n"
        "try:\n    pass\nexcept BackendError:\n    pass\n"
    )
    assert [what for _, what in backend_root_uses(ast.parse(source))] == [
        "except DSError",
        "except DynacaseError",
        "isinstance DSError",
        "subclass of DynacaseError",
    ]
