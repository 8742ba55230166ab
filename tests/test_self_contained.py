"""The repository stands on its own: a fresh clone has everything its code, tests and docs use.

Nothing may read or cite documents that live outside the repository (a sibling folder of
notes that only the first developers had); the reasons behind the code are in `docs/`.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# Built from pieces so that this file does not contain what it forbids.
_UP = ".."
_DIR = "shared"
FORBIDDEN = (
    f"{_UP}/{_DIR}",
    *(f"{_DIR}/{name}" for name in ("ds", "slack", "INTERFACE", "STYLE", "dynacase")),
)
# The file names of those outside notes, once cited as "<name> §4" or "<name> 6".
FORBIDDEN_CITATIONS = re.compile(
    r"\b(?:API" + r"-NOTES|PIT" + r"FALLS|INTER" + r"FACE\.md|STY" + r"LE\.md)\b"
)

SKIPPED_DIRS = {
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    "build",
    "dist",
}


def repository_files() -> list[Path]:
    """Tracked files, or every file of the tree when this is not a git checkout (an archive)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        out = b""
    if out:
        return [REPO_ROOT / name for name in out.decode().split("\0") if name]
    return [
        path
        for path in REPO_ROOT.rglob("*")
        if path.is_file()
        and not any(
            part in SKIPPED_DIRS or part.endswith(".egg-info")
            for part in path.relative_to(REPO_ROOT).parts
        )
    ]


def text_of(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def test_the_file_listing_sees_the_code_tests_and_docs() -> None:
    names = {p.relative_to(REPO_ROOT).as_posix() for p in repository_files()}
    assert {"README.md", "pyproject.toml", "dsbot/cli.py", "tests/test_self_contained.py"} <= names
    assert any(name.startswith("docs/") for name in names)


def test_no_file_reads_or_cites_the_outside_notes() -> None:
    offenders = []
    for path in repository_files():
        if not path.is_file():  # deleted in the work tree but still tracked
            continue
        for number, line in enumerate(text_of(path).splitlines(), start=1):
            if any(needle in line for needle in FORBIDDEN) or FORBIDDEN_CITATIONS.search(line):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "cite docs/ instead:\n" + "\n".join(offenders)


def test_the_guard_recognises_what_it_forbids() -> None:
    assert f"see {_UP}/{_DIR}/ds/x.md".count(FORBIDDEN[0]) == 1
    assert FORBIDDEN_CITATIONS.search("(API" + "-NOTES §4)")
    assert FORBIDDEN_CITATIONS.search("PIT" + "FALLS 6")
    assert not FORBIDDEN_CITATIONS.search('(docs/ds-api.md, "Pagination")')
    assert not any(needle in "shared_limiter, a shared fragment" for needle in FORBIDDEN)


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


DOCUMENTS = [
    "README.md",
    *sorted(p.relative_to(REPO_ROOT).as_posix() for p in REPO_ROOT.glob("docs/*.md")),
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_relative_links_of_the_documentation_resolve(document: str) -> None:
    source = REPO_ROOT / document
    targets = [t for t in LINK.findall(text_of(source)) if "://" not in t and ":" not in t]
    missing = [t for t in targets if not (source.parent / t).exists()]
    assert missing == []


def test_docs_hold_the_documents_the_code_cites() -> None:
    cited = set()
    for path in repository_files():
        if path.suffix in {".py", ".graphql", ".md"} and path.is_file():
            cited.update(re.findall(r"docs/[\w.-]+\.md", text_of(path)))
    assert cited, "the code cites its reasons in docs/"
    assert sorted(c for c in cited if not (REPO_ROOT / c).is_file()) == []


def test_every_third_party_import_of_the_package_is_declared() -> None:
    """A dependency that only arrives through another one (click via sqlite-utils) can vanish."""
    declared = {
        re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower().replace("_", "-")
        for spec in tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
            "dependencies"
        ]
    }
    distributions = packages_distributions()
    imported = set()
    for path in (REPO_ROOT / "dsbot").rglob("*.py"):
        for match in re.finditer(r"^\s*(?:from|import)\s+(\w+)", text_of(path), re.M):
            imported.add(match.group(1))
    undeclared = {
        module: dists
        for module in imported - {"dsbot"}
        if (dists := distributions.get(module))
        and not {d.lower().replace("_", "-") for d in dists} & declared
    }
    assert "click" in declared
    assert undeclared == {}


def test_the_files_that_packaging_names_exist() -> None:
    assert (REPO_ROOT / "LICENSE").is_file()
    assert "MIT License" in (REPO_ROOT / "LICENSE").read_text()
    allowed = [
        line[1:].rstrip("/")
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    assert allowed and all((REPO_ROOT / name).exists() for name in allowed)


def test_the_tests_that_docs_name_exist() -> None:
    """docs/ ties each fact to the tests that pin it; a renamed test must not leave a dead tie."""
    sources = "\n".join(text_of(p) for p in (REPO_ROOT / "tests").rglob("*.py"))
    dead = []
    for doc in sorted((REPO_ROOT / "docs").glob("*.md")):
        text = text_of(doc)
        dead += [
            f"{doc.name}: {p}"
            for p in re.findall(r"`(tests/[\w/*.-]+)`", text)
            if not list(REPO_ROOT.glob(p))
        ]
        dead += [
            f"{doc.name}: {n}"
            for n in re.findall(r"`(test_\w+)`", text)
            if f"def {n}(" not in sources
        ]
    assert dead == []
