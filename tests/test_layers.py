"""Layers point one way: the backends (clients), the sandboxes, the services and the store know
nothing of Slack; a backend knows nothing of dsbot's services, store or Slack layer, nor of another
backend, nor of the sandboxes, so that adding one is a folder; a sandbox knows nothing of those
layers either, nor of a backend's client; and no module imports itself back through others.
Checked on the source with `ast`, so that an import hidden in a function counts too."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dsbot"
SLACK_FREE = ("services", "notifications", "backends", "sandboxes", "store")
FORBIDDEN = ("dsbot.slack", "slack_sdk", "slack_bolt")


@functools.cache
def imported_modules(tree: ast.AST, package: str) -> tuple[tuple[int, str], ...]:
    """(line, module) of every import in the tree, relative imports made absolute. Cached: the
    checks ask it of the same trees (`parse` caches them) about two thousand times."""
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
    return tuple(found)


@functools.cache
def parse(path: Path) -> ast.AST:
    """The module's tree, parsed once per process: a dozen checks walk the whole package, and
    parsing it again for each was a tenth of the suite's CPU. The trees are only read."""
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


# `backends/port/` is the door every backend and caller shares, not a backend.
BACKENDS = sorted(
    p.name
    for p in (PACKAGE / "backends").iterdir()
    if (p / "__init__.py").exists() and p.name != "port"
)
# What a backend may not import: the layers above it, and the other backends.
ABOVE_BACKENDS = (
    "dsbot.services",
    "dsbot.store",
    "dsbot.notifications",
    "dsbot.slack",
    "dsbot.runtime",
    "dsbot.app_runtime",
    "dsbot.cli",
)
# What a backend may take of those: the notification model, pure data (what changed in an
# item, what an outbox row carries), which a backend's classifier builds (DS's
# `backends/ds/classify.py`). Nothing of the pipeline's I/O (cycle, delivery, lease).
BACKENDS_MAY_TAKE = ("dsbot.notifications.model",)


def above_backend(module: str, others: tuple[str, ...] = ()) -> bool:
    """Whether a backend may not import `module` (`others`: the other backends)."""
    return under(module, (*ABOVE_BACKENDS, *others)) and not under(module, BACKENDS_MAY_TAKE)


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
            if above_backend(module, others)
        ]
    assert offenders == []


def test_the_backend_rule_takes_the_notification_model_and_nothing_else_of_the_pipeline():
    assert not above_backend("dsbot.notifications.model")
    assert not above_backend("dsbot.notifications.model.changes.Change")
    assert above_backend("dsbot.notifications.delivery.engine")
    assert above_backend("dsbot.notifications.cycle")
    assert above_backend("dsbot.services.feed") and above_backend("dsbot.store")
    assert above_backend("dsbot.backends.dynacase.client", ("dsbot.backends.dynacase",))


# The notification model is pure data: the standard library's values, the port, itself. So a
# backend that builds it (BACKENDS_MAY_TAKE) takes no I/O with it.
MODEL_MAY_IMPORT = ("dsbot.backends.port", "dsbot.notifications.model")
PURE_STDLIB = {"__future__", "dataclasses", "datetime", "enum", "json", "typing", "collections"}


def test_the_notification_model_is_pure_data():
    offenders = []
    for path in [PACKAGE / "notifications" / "__init__.py", *modules_of("notifications/model")]:
        relative = path.relative_to(PACKAGE.parent)
        package = ".".join(relative.with_suffix("").parts[:-1])
        for line, module in imported_modules(parse(path), package):
            top = module.split(".")[0]
            allowed = under(module, MODEL_MAY_IMPORT) if top == "dsbot" else top in PURE_STDLIB
            if not allowed:
                offenders.append(f"{relative}:{line} imports {module}")
    assert offenders == []


def test_both_backends_are_checked():
    assert {"ds", "dynacase"} <= set(BACKENDS)


def test_a_backend_imports_no_sandbox():
    """The sandboxes stand in for the backends in tests and demos; the product never needs them."""
    offenders = []
    for path in modules_of("backends"):
        relative = path.relative_to(PACKAGE.parent)
        package = ".".join(relative.with_suffix("").parts[:-1])
        offenders += [
            f"{relative}:{line} imports {module}"
            for line, module in imported_modules(parse(path), package)
            if module == "dsbot.sandboxes" or module.startswith("dsbot.sandboxes.")
        ]
    assert offenders == []


SANDBOXES = sorted(
    p.name for p in (PACKAGE / "sandboxes").iterdir() if (p / "__init__.py").exists()
)
# What a sandbox may not import: the layers above the backends, any backend's code (a fake that
# shares the client's code would hide the client's bugs; a data file such as the DS schema is
# read by path), and the other sandboxes (they share `dsbot.sandboxes.http` only).
NOT_FOR_SANDBOXES = (*ABOVE_BACKENDS, "dsbot.backends")


def sandbox_offenders(tree: ast.AST, sandbox: str) -> list[tuple[int, str]]:
    """(line, module) of what the tree, a module of that sandbox, may not import."""
    others = tuple(f"dsbot.sandboxes.{name}" for name in SANDBOXES if name != sandbox)
    forbidden = (*NOT_FOR_SANDBOXES, *others)
    return [
        (line, module)
        for line, module in imported_modules(tree, f"dsbot.sandboxes.{sandbox}")
        if any(module == n or module.startswith(n + ".") for n in forbidden)
    ]


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_a_sandbox_imports_no_layer_above_no_backend_and_no_other_sandbox(sandbox):
    offenders = []
    for path in modules_of(f"sandboxes/{sandbox}"):
        relative = path.relative_to(PACKAGE.parent)
        offenders += [
            f"{relative}:{line} imports {module}"
            for line, module in sandbox_offenders(parse(path), sandbox)
        ]
    assert offenders == []


def test_the_sandbox_check_sees_a_client_a_service_and_the_other_sandbox():
    source = (
        "from dsbot.backends.ds.client import DSClient\n"
        "def f():\n"
        "    from dsbot.services import feed\n"
        "from ..dynacase import world\n"
        "from dsbot.sandboxes.http import Response\n"
        "from dsbot.sandboxes.ds import store\n"
    )
    assert sorted({m for _, m in sandbox_offenders(ast.parse(source), "ds")}) == [
        "dsbot.backends.ds.client",
        "dsbot.backends.ds.client.DSClient",
        "dsbot.sandboxes.dynacase",
        "dsbot.sandboxes.dynacase.world",
        "dsbot.services",
        "dsbot.services.feed",
    ]


def test_both_sandboxes_are_checked():
    assert {"ds", "dynacase"} <= set(SANDBOXES)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of dsbot → the modules of dsbot its source imports (`from p import m` counts
    as importing the module p.m when there is one, else p)."""
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = {module for _, module in imported_modules(parse(path), package)}
        graph[name] = {m for m in imported if m in paths and m != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's), each sorted: the
    modules that import each other, directly or through others."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def test_no_import_cycle():
    assert import_cycles(import_graph()) == []


def test_the_cycle_finder_sees_a_cycle_through_others_and_a_function_level_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": {"f"}}
    assert import_cycles(graph) == [["a", "b", "c"], ["d", "e"]]
    source = "def f():\n    from dsbot.sandboxes.ds import server\n"
    found = {m for _, m in imported_modules(ast.parse(source), "dsbot.sandboxes.ds")}
    assert "dsbot.sandboxes.ds.server" in found


# --- outside the backends: the port, its error root and the registry ------------------------------

# What code outside `dsbot/backends/` may import of it (the sandboxes are `dsbot.sandboxes`).
PUBLIC = ("dsbot.backends.port", "dsbot.backends.errors", "dsbot.backends.registry")
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
    assert sorted(importing) == [], "import the port, errors or registry"


def test_no_product_file_outside_the_backends_names_a_backends_module():
    """The issue's proof by hand, `grep -rl "backends\\.\\(ds\\|dynacase\\)" dsbot`, kept: not
    even a string or a comment outside the backends and the sandboxes names their modules
    (a string could be imported with importlib; the registry's `KNOWN` is the one door)."""
    pattern = re.compile(r"backends\.(ds|dynacase)")
    named = [
        relative
        for relative in (p.relative_to(PACKAGE.parent).as_posix() for p in PACKAGE.rglob("*.py"))
        if not relative.startswith(("dsbot/backends/", "dsbot/sandboxes/"))
        and pattern.search((PACKAGE.parent / relative).read_text(encoding="utf-8"))
    ]
    assert sorted(named) == []


def test_the_rule_tells_internals_from_the_public_modules():
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


# --- no branch on a backend's name outside the backends -----------------------------------------

# The names of the backends the product knows, as strings and as `BackendName` members.
BACKEND_NAMES = {"ds", "dynacase"}
BACKEND_MEMBERS = {"DS", "DYNACASE"}
# Where comparing with a backend's name is the point, not a branch on a backend's behaviour:
# `dsbot sandbox --backend` picks which fake to serve (a sandbox is not a backend), and
# `ItemRef.ds_number` is the key's DS dossier number (None for any other backend's item), for
# the code that still speaks to DS by number.
NAMED_ON_PURPOSE = {"dsbot/cli.py", "dsbot/notifications/model/items.py"}


def names_a_backend(node: ast.AST) -> bool:
    """`"ds"`, `BackendName.DYNACASE`, `BackendName.DS.value`, or a tuple/list/set holding one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in BACKEND_NAMES
    if isinstance(node, ast.Attribute):
        if node.attr == "value":
            return names_a_backend(node.value)
        return node.attr in BACKEND_MEMBERS and names_in(node.value) == {"BackendName"}
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(names_a_backend(e) for e in node.elts)
    return False


def backend_name_branches(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, source) of every comparison (`==`, `is`, `in`…) or `case` with a backend's name."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            names_a_backend(side) for side in (node.left, *node.comparators)
        ):
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.MatchValue) and names_a_backend(node.value):
            found.append((node.lineno, f"case {ast.unparse(node.value)}"))
    return sorted(found)


def test_no_branch_on_a_backends_name_outside_the_backends():
    """What differs between backends is asked of the registry or a capability, never decided
    by comparing a backend's name (`if backend == "ds"`, `is BackendName.DYNACASE`)."""
    offenders = [
        f"{relative}:{line} {source}"
        for relative, tree, _ in outside_the_backends()
        if relative not in NAMED_ON_PURPOSE and not relative.startswith("dsbot/sandboxes/")
        for line, source in backend_name_branches(tree)
    ]
    assert offenders == [], "ask the registry's spec or a capability instead"


def test_the_name_check_sees_strings_members_values_containers_and_cases():
    source = (
        "if backend == 'ds':\n    pass\n"
        "x = spec.name != 'dynacase'\n"
        "y = self.backend is BackendName.DS\n"
        "z = name in (BackendName.DYNACASE.value, 'other')\n"
        "match backend:\n    case 'ds':\n        pass\n"
        "ok = backend == BackendName('ledger') or scope == 'demarche' or e.DS == 1\n"
    )
    assert [line for line, _ in backend_name_branches(ast.parse(source))] == [1, 3, 4, 5, 7]
    for path in NAMED_ON_PURPOSE:
        assert backend_name_branches(parse(PACKAGE.parent / path)), f"{path}: unlist it"


def test_renderers_import_no_backend_client_and_the_transport_no_backend():
    """Renderers are pure: what a card needs is read before, by the delivery engine's prepare
    step. The transport only posts, updates and finds messages."""
    offenders = []
    for layer, forbidden in (
        ("slack/rendering", lambda m: m.startswith("dsbot.backends.") and ".client" in m),
        ("slack/transport", lambda m: m == "dsbot.backends" or m.startswith("dsbot.backends.")),
    ):
        files = modules_of(layer)
        assert files, f"dsbot/{layer} has no module"
        for path in files:
            relative = path.relative_to(PACKAGE.parent)
            package = ".".join(relative.with_suffix("").parts[:-1])
            offenders += [
                f"{relative}:{line} imports {module}"
                for line, module in imported_modules(parse(path), package)
                if forbidden(module)
            ]
    assert offenders == []


# --- the Slack layer in wings (docs/architecture.md) ---------------------------------------------


def imported_names(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every import: `from m import a` gives `m.a` only, so that a rule
    can admit one name of a module and not the rest of it."""
    modules = imported_modules(tree, package)
    return [
        (line, name)
        for line, name in modules
        if not any(
            other.startswith(name + ".") and other_line == line for other_line, other in modules
        )
    ]


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


# Presentation is pure Block Kit builders: data in, blocks out. Nothing of Bolt, of a Slack call,
# of the listeners, the transport or the renderers' wiring, and none of the services' or the
# store's I/O. What it may take of those is listed with the reason.
NOT_FOR_PRESENTATION = (
    "slack_bolt",
    "slack_sdk",
    "httpx",
    "dsbot.slack.app",
    "dsbot.slack.listeners",
    "dsbot.slack.transport",
    "dsbot.slack.rendering",
    "dsbot.slack.interaction",
    "dsbot.slack.services",
    "dsbot.slack.middleware",
    "dsbot.slack.jobs",
    "dsbot.slack.sender",
    "dsbot.slack.commands.handlers",
    "dsbot.slack.commands.subcommands",
    "dsbot.slack.commands.backend_subcommands",
    "dsbot.slack.commands.items",
    "dsbot.services",
    "dsbot.store",
    "dsbot.backends.ds.client",
    "dsbot.backends.dynacase.client",
)
PRESENTATION_MAY_TAKE = (
    "slack_sdk.models",  # Block Kit's own classes: building, no call
    "dsbot.slack.interaction.seal",  # sealing a modal's metadata is a pure function of it
    "dsbot.slack.interaction.item_refs",  # the typed values an item's button carries
    "dsbot.services.home.MAX_LINES_PER_SECTION",  # the Home's data types, built by the service
    "dsbot.services.home.HomeData",
    "dsbot.services.home.HomeSection",
    "dsbot.services.home.HomeState",
    "dsbot.store.index.IndexEntry",  # a row's plain values
    "dsbot.store.DatabaseUnavailable",  # an error to put in words
)
# The transport posts, updates and finds messages: it takes the message's type, nothing else of
# what builds it, and nothing of who calls it.
NOT_FOR_TRANSPORT = (
    "dsbot.slack.presentation",
    "dsbot.slack.listeners",
    "dsbot.slack.interaction",
    "dsbot.slack.commands",
    "dsbot.slack.rendering",
    "dsbot.slack.app",
    "dsbot.slack.sender",
)
TRANSPORT_MAY_TAKE = ("dsbot.slack.presentation.blocks.common.SlackMessage",)


def slack_offenders(folder: str, forbidden: tuple[str, ...], allowed: tuple[str, ...]) -> list:
    files = modules_of(f"slack/{folder}")
    assert files, f"dsbot/slack/{folder} has no module"
    offenders = []
    for path in files:
        relative = path.relative_to(PACKAGE.parent)
        package = ".".join(relative.with_suffix("").parts[:-1])
        offenders += [
            f"{relative}:{line} imports {name}"
            for line, name in imported_names(parse(path), package)
            if under(name, forbidden) and not under(name, allowed)
        ]
    return offenders


def test_presentation_builds_blocks_and_calls_nothing():
    assert slack_offenders("presentation", NOT_FOR_PRESENTATION, PRESENTATION_MAY_TAKE) == []


def test_the_transport_knows_nothing_of_what_builds_or_calls_it():
    assert slack_offenders("transport", NOT_FOR_TRANSPORT, TRANSPORT_MAY_TAKE) == []


def listener_feature(module: str) -> str | None:
    """The feature a module of `dsbot.slack.listeners` belongs to: its module, or its folder."""
    parts = module.split(".")
    return parts[3] if parts[:3] == ["dsbot", "slack", "listeners"] and len(parts) > 3 else None


def test_no_listener_imports_another():
    """Each feature registers itself; what two share lives in `dsbot.slack.interaction`."""
    offenders = []
    for path in modules_of("slack/listeners"):
        relative = path.relative_to(PACKAGE.parent)
        if relative.name == "__init__.py" and relative.parent.name == "listeners":
            continue  # the list of features, which registers each
        package = ".".join(relative.with_suffix("").parts[:-1])
        own = listener_feature(module_name(path))
        offenders += [
            f"{relative}:{line} imports {name}"
            for line, name in imported_names(parse(path), package)
            if listener_feature(name) not in (None, own)
        ]
    assert offenders == []


def test_the_slack_rules_see_what_they_forbid():
    source = (
        "from slack_sdk.models.blocks import SectionBlock\n"
        "from slack_sdk import WebClient\n"
        "from dsbot.slack.interaction import seal, outcomes\n"
        "from dsbot.store import DatabaseUnavailable, Store\n"
        "from ..listeners import more\n"
        "def f():\n"
        "    from dsbot.slack.presentation.blocks.common import SlackMessage, escape\n"
    )
    names = imported_names(ast.parse(source), "dsbot.slack.presentation")
    caught = sorted(
        n
        for _, n in names
        if under(n, NOT_FOR_PRESENTATION) and not under(n, PRESENTATION_MAY_TAKE)
    )
    assert caught == [
        "dsbot.slack.interaction.outcomes",
        "dsbot.slack.listeners.more",
        "dsbot.store.Store",
        "slack_sdk.WebClient",
    ]
    in_transport = [
        n for _, n in names if under(n, NOT_FOR_TRANSPORT) and not under(n, TRANSPORT_MAY_TAKE)
    ]
    assert "dsbot.slack.presentation.blocks.common.escape" in in_transport
    assert "dsbot.slack.presentation.blocks.common.SlackMessage" not in in_transport
    assert listener_feature("dsbot.slack.listeners.items") == "items"
    assert listener_feature("dsbot.slack.listeners.commands.grammar") == "commands"
    assert listener_feature("dsbot.slack.listeners") is None
    assert listener_feature("dsbot.slack.interaction.menu") is None


def test_every_listener_feature_is_registered():
    """A listener module nobody registers would be dead code that looks alive."""
    from dsbot.slack.listeners import FEATURES

    features = {p.stem if p.suffix else p.name for p in (PACKAGE / "slack" / "listeners").iterdir()}
    features -= {"__init__", "__pycache__"}
    assert {f.__name__.rsplit(".", 1)[1] for f in FEATURES} == features
