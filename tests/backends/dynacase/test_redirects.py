"""Redirects and identifiers as the real HTTP API module answers them (docs/dynacase-api.md
§4.1): the sandbox answers like the module, and the client keeps the token only on the
same server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from dsbot.backends.dynacase.client import PROBE_NAME, DynacaseClient
from dsbot.backends.dynacase.errors import (
    DynacaseNotAuthenticated,
    DynacaseNotFound,
    DynacaseRedirectRefused,
    error_for,
)
from dsbot.backends.dynacase.redirects import RedirectPolicy
from dsbot.ratelimit import RateLimiter
from dsbot.sandboxes.http import PromptStopServer
from tests.fakes.dynacase_sandbox import api

SUBV = "DEMANDE_SUBVENTION"


class Recorder(BaseHTTPRequestHandler):
    """Another server on loopback: records every request it gets, answers 200."""

    seen: list[dict[str, str]]

    def do_GET(self) -> None:
        self.server.seen.append({"path": self.path, **dict(self.headers)})  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"success": true, "messages": [], "data": {}}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def foreign() -> Iterator[PromptStopServer]:
    server = PromptStopServer(("127.0.0.1", 0), Recorder)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def make_client(sandbox, token: str | None = None) -> DynacaseClient:
    return DynacaseClient(
        sandbox.api_url,
        token or sandbox.token,
        sleep=lambda s: None,
        limiter=RateLimiter(10_000, 60.0),
    )


def past_revision(sandbox) -> tuple[int, int]:
    """(initid, the id of a revision that is no longer the latest)."""
    initid = sandbox.control.create_document(SUBV, "Subvention de test")["initid"]
    sandbox.control.set_state(initid, "e_sub_transmis")
    with make_client(sandbox) as client:
        # Not the first revision: its id is the initid, never redirected.
        past = client.get_document(initid, attributes=False).id
    sandbox.control.set_state(initid, "e_sub_instruit")
    assert past != initid
    return initid, past


# --- the sandbox answers as the module ---------------------------------------------------------


def test_documents_0_redirects_to_itself_forever_as_the_module_does(dynacase_factory) -> None:
    sandbox = dynacase_factory(own_host="localhost")
    with api(sandbox) as http:
        first = http.get("documents/0", params={"fields": "document.properties"})
        again = http.get(first.headers["Location"])
    own = f"http://localhost:{sandbox.port}/api/v1/documents/0.json"
    for answer in (first, again):
        assert answer.status_code == 307 and answer.reason_phrase == "This is a revision"
        assert answer.headers["Location"] == own + "?fields=document.properties"
        body = answer.json()
        assert body["success"] is False and body["messages"][0]["code"] == "CRUD0222"
        assert body["messages"][0]["uri"] == own


def test_a_malformed_logical_name_is_a_400_and_an_unknown_one_a_404(dynacase) -> None:
    with api(dynacase) as http:
        malformed = http.get("documents/not-a-name")
        unknown = http.get(f"documents/{PROBE_NAME}")
    assert malformed.status_code == 400
    assert malformed.json()["messages"][0]["code"] == "APIDM0101"
    assert unknown.status_code == 404
    assert unknown.json()["messages"][0]["code"] == "CRUD0200"


# --- the client --------------------------------------------------------------------------------


def test_the_token_probe_is_answered_plainly(dynacase) -> None:
    with make_client(dynacase) as client:
        client.probe_token()  # a valid token: no error, and no redirect followed
        assert client.stats.redirects == 0 and client.stats.requests == 1
    with make_client(dynacase, "not-a-token") as client, pytest.raises(DynacaseNotAuthenticated):
        client.probe_token()


def test_identifiers_the_module_refuses_or_loops_on_are_not_found_without_a_request(
    dynacase,
) -> None:
    with make_client(dynacase) as client:
        for ref in ("0", "-3", "not-a-name", "x", "é_accent"):
            with pytest.raises(DynacaseNotFound):
                client.get_document(ref)
        assert client.stats.requests == 0
        # Had one been sent, the module's own 400 is "not found" too.
        with pytest.raises(DynacaseNotFound):
            client._transport.get("documents/not-a-name")
    assert isinstance(error_for(400, "APIDM0101", "syntax"), DynacaseNotFound)


def test_a_redirect_to_another_host_of_the_same_server_keeps_the_token(dynacase_factory) -> None:
    sandbox = dynacase_factory(own_host="localhost")  # bound on 127.0.0.1
    initid, old_id = past_revision(sandbox)
    with make_client(sandbox) as client:
        document = client.get_document(old_id)
        client.probe_token()
    assert document.initid == initid and document.state is not None
    assert document.state.id == "e_sub_instruit"
    assert client.stats.redirects == 1


def test_a_redirect_to_another_server_is_refused_and_gets_no_token(
    dynacase_factory, foreign
) -> None:
    elsewhere = f"http://127.0.0.1:{foreign.server_address[1]}"
    sandbox = dynacase_factory(own_base_url=elsewhere)
    _, old_id = past_revision(sandbox)
    with make_client(sandbox) as client, pytest.raises(DynacaseRedirectRefused) as info:
        client.get_document(old_id)
    assert info.value.http_status == 307 and info.value.location.startswith(elsewhere)
    assert not info.value.retryable
    assert foreign.seen == []  # not a single request, so no token, reached it
    assert sandbox.token not in str(info.value)


def test_a_redirect_loop_is_refused_at_once(dynacase) -> None:
    with make_client(dynacase) as client, pytest.raises(DynacaseRedirectRefused) as info:
        client._transport.get("documents/0")
    assert "loop" in info.value.message
    assert client.stats.requests == 1 and client.stats.retries == 0


# --- the rule ----------------------------------------------------------------------------------


def resolver(table: dict[str, set[str]]):
    return lambda host: frozenset(table.get(host, set()))


@pytest.mark.parametrize(
    ("target", "allowed"),
    [
        ("http://ged.local:8080/api/v1/documents/1.json", True),
        ("http://ged-alias:8080/api/v1/documents/1.json", True),  # same address
        ("https://ged.local/api/v1/documents/1.json", True),  # upgrade to https
        ("http://evil.example:8080/api/v1/documents/1.json", False),
        ("http://ged.local:9000/api/v1/documents/1.json", False),
        ("http://ged.local:8080/other/documents/1.json", False),
        ("http://user:pw@ged.local:8080/api/v1/documents/1.json", False),
        ("ftp://ged.local:8080/api/v1/documents/1.json", False),
    ],
)
def test_the_redirect_rule(target: str, allowed: bool) -> None:
    policy = RedirectPolicy(
        "http://ged.local:8080/api/v1/",
        resolver(
            {"ged.local": {"10.0.0.5"}, "ged-alias": {"10.0.0.5"}, "evil.example": {"6.6.6.6"}}
        ),
    )
    assert (policy.refusal(httpx.URL(target)) is None) is allowed


def test_https_never_goes_down_to_http() -> None:
    policy = RedirectPolicy("https://ged.local/api/v1/", resolver({"ged.local": {"10.0.0.5"}}))
    assert policy.refusal(httpx.URL("http://ged.local/api/v1/documents/1.json"))
    assert policy.refusal(httpx.URL("https://ged.local/api/v1/documents/1.json")) is None
