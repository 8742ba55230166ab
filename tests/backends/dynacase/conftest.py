"""Fixtures of the Dynacase backend's tests: the sandbox (tests/fakes/dynacase_sandbox.py)
and clients of it."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest

from dsbot.backends.dynacase.client import DynacaseClient
from dsbot.ratelimit import RateLimiter
from tests.fakes.dynacase_sandbox import dynacase, dynacase_factory  # noqa: F401

# Real Dynacase credentials from a developer's shell must never reach a test.
for _name in list(os.environ):
    if _name.startswith("DYNACASE_"):
        del os.environ[_name]


class Sleeps(list):
    """A `sleep` that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(dynacase, sleeps) -> Iterator[DynacaseClient]:  # noqa: F811
    """A client with admin's token (the reads token), no real waiting, a private limiter."""
    with DynacaseClient(
        dynacase.api_url,
        dynacase.token,
        sleep=sleeps,
        rng=random.Random(1),
        limiter=RateLimiter(1000),
        timeout=10,
    ) as c:
        yield c
