"""Stale keep-alive connections are retried for reads (docs/ds-api.md, pitfall 9)."""

from __future__ import annotations

import pytest

from dsbot.backends.ds.client import DSClient
from dsbot.backends.ds.errors import DSTransportError
from dsbot.ratelimit import RateLimiter
from tests.backends.ds.keepalive_server import DroppingServer

GROUPE = {
    "data": {
        "groupeInstructeur": {
            "id": "R3JvdXBlSW5zdHJ1Y3RldXItMQ==",
            "number": 1,
            "label": "défaut",
            "closed": False,
            "instructeurs": [{"id": "SW5zdHJ1Y3RldXItMQ==", "email": "a@example.org"}],
        }
    }
}


@pytest.fixture
def server():
    s = DroppingServer(GROUPE, drops=1)
    yield s
    s.close()


def make_client(url: str, **kw) -> DSClient:
    return DSClient(url, "keepalive-token", limiter=RateLimiter(1000), sleep=lambda s: None, **kw)


def test_read_on_a_dropped_reused_connection_is_retried(server):
    with make_client(server.url) as client:
        first = client.get_groupe(1)
        second = client.get_groupe(1)  # goes out on the kept-alive connection, which is dropped
    assert first == second
    assert first.instructeurs[0].email == "a@example.org"
    assert server.dropped == 1
    assert server.requests == 3
    assert server.connections == 2


def test_without_retries_the_drop_surfaces_as_a_transport_error(server):
    with make_client(server.url, max_read_retries=0) as client:
        client.get_groupe(1)
        with pytest.raises(DSTransportError) as info:
            client.get_groupe(1)
    assert "keepalive-token" not in str(info.value)
    assert server.dropped == 1
