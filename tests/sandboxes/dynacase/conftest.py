"""Fixtures of the Dynacase sandbox's tests: the sandbox (tests/fakes/dynacase_sandbox.py)."""

from __future__ import annotations

import os

from tests.fakes.dynacase_sandbox import dynacase, dynacase_factory  # noqa: F401

# Real Dynacase credentials from a developer's shell must never reach a test.
for _name in list(os.environ):
    if _name.startswith("DYNACASE_"):
        del os.environ[_name]
