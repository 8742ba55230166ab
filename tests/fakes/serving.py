"""Fixture plumbing shared by the fake servers: one started for a test, or a factory whose
servers are all stopped at teardown (each stopped even when another fails to stop)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

S = TypeVar("S")


def serve(start: Callable[[], S], stop: Callable[[S], None]) -> Iterator[S]:
    server = start()
    try:
        yield server
    finally:
        stop(server)


def serve_many(start: Callable[..., S], stop: Callable[[S], None]) -> Iterator[Callable[..., S]]:
    started: list[S] = []

    def make(**kwargs: Any) -> S:
        server = start(**kwargs)
        started.append(server)
        return server

    try:
        yield make
    finally:
        for server in reversed(started):
            stop(server)
