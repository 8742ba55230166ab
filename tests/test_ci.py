"""`.ci/run` runs exactly the README's test command (after `ruff check .`)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = readme.index("# 2. lancer les tests")
    command = readme[start + 1]
    # The README's one line: create the venv, install the lock then dsbot, then the tests.
    *install, tests = command.split(" && ")
    assert tests.startswith(".venv/bin/python -m pytest"), command
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert ci[-1] == tests
    assert ci.index(".venv/bin/ruff check .") < ci.index(tests)
    # CI installs exactly as the README says, in the same order, before checking anything.
    pips = [step for step in install if step.startswith(".venv/bin/pip ")]
    assert pips == [
        ".venv/bin/pip install --quiet --require-hashes -r requirements-test.lock",
        ".venv/bin/pip install --quiet --no-deps -e .",
    ]
    assert [ci.index(step) for step in pips] == sorted(ci.index(step) for step in pips)
    assert ci.index(pips[-1]) < ci.index(".venv/bin/ruff check .")
