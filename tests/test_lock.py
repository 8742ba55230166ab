"""Reproducible installs: the locks pin every dependency pyproject declares, with hashes, and
CI, the README and the Dockerfile install from them (issue 18, part 6)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.test_dockerfile import parse_dockerfile

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, Version]:
    """Name → exact version of every requirement of a lock; every one carries a hash."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    found: dict[str, Version] = {}
    for entry in entries:
        if not entry.strip() or entry.lstrip().startswith("#"):
            continue
        match = PIN.match(entry)
        assert match, f"{lock}: not an exact pin: {entry.splitlines()[0]}"
        assert "--hash=sha256:" in entry, f"{lock}: {match[1]} has no hash"
        found[normalize(match[1])] = Version(match[2])
    return found


def declared(extra: str | None) -> list[Requirement]:
    requirements = [Requirement(r) for r in PROJECT["dependencies"]]
    if extra:
        requirements += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return requirements


@pytest.mark.parametrize(
    ("lock", "extra"), [("requirements.lock", None), ("requirements-test.lock", "test")]
)
def test_the_lock_pins_every_declared_dependency_within_its_bounds(lock, extra):
    locked = pins(lock)
    for requirement in declared(extra):
        name = normalize(requirement.name)
        assert name in locked, f"{lock} misses {name}: run the command at its top again"
        assert requirement.specifier.contains(locked[name]), (lock, name, locked[name])


def test_the_runtime_lock_holds_no_test_tool():
    test_tools = {normalize(Requirement(r).name) for r in PROJECT["optional-dependencies"]["test"]}
    assert test_tools.isdisjoint(pins("requirements.lock"))


def test_the_test_lock_agrees_with_the_runtime_lock():
    runtime, test = pins("requirements.lock"), pins("requirements-test.lock")
    assert {name: test.get(name) for name in runtime} == runtime


def test_test_tools_are_bounded_above():
    # A new ruff or mypy brings new checks: CI must not fail on a release with no change of ours.
    for requirement in declared("test")[len(PROJECT["dependencies"]) :]:
        assert any(s.operator in ("<", "<=", "==", "~=") for s in requirement.specifier), (
            requirement
        )


def test_tzdata_is_declared():
    # zoneinfo needs it where the system has no time zone database (python:slim).
    assert "tzdata" in {normalize(Requirement(r).name) for r in PROJECT["dependencies"]}


def test_the_dockerfile_installs_the_lock_then_dsbot_without_resolving():
    instructions = parse_dockerfile((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    [base] = [i.args for i in instructions if i.keyword == "FROM"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", base), "base image tag not pinned"
    runs = [i.args for i in instructions if i.keyword == "RUN"]
    lock = next(n for n, r in enumerate(runs) if "--require-hashes -r requirements.lock" in r)
    package = next(n for n, r in enumerate(runs) if re.search(r"pip install .*--no-deps \.", r))
    assert lock < package
    assert not any(re.search(r"pip install(?!.*--no-deps)(?!.*-r )", r) for r in runs)
    dockerignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "!requirements.lock" in dockerignore


def test_ci_installs_the_test_lock_then_dsbot_without_resolving():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    installs = [line for line in ci if line.startswith(".venv/bin/pip install")]
    assert installs == [
        ".venv/bin/pip install --quiet --require-hashes -r requirements-test.lock",
        ".venv/bin/pip install --quiet --no-deps -e .",
    ]
