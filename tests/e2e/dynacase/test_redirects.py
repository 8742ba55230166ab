"""A Dynacase server whose own base URL names another host than the one dsbot was given, as the
real module builds `Location` (docs/dynacase-api.md §4.1): connecting works, and a redirect to
another server is refused with a clear sentence, without sending it the token."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from tests.backends.dynacase.test_redirects import Recorder
from tests.e2e.dynacase.scene import CLAIRE, DynacaseScene, text_of
from tests.fakes.dynacase_sandbox import start_dynacase, stop_dynacase
from tests.fakes.serving import serve


@pytest.fixture
def foreign() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def own_base(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "foreign":
        server = request.getfixturevalue("foreign")
        return {"own_base_url": f"http://127.0.0.1:{server.server_address[1]}"}
    return {"own_host": "localhost"}  # the sandbox listens on 127.0.0.1


@pytest.fixture
def dynacase(own_base: dict[str, str]):
    yield from serve(lambda: start_dynacase(**own_base), stop_dynacase)


def past_revision_of(dc: DynacaseScene, initid: int) -> int:
    """A revision id of the document that is no longer its latest (the module redirects it)."""
    history = dc.control.document(initid)
    ids = [r["id"] for r in history.get("revisions", [])]
    assert len(ids) >= 2, history
    return sorted(ids)[-2]


@pytest.mark.parametrize("own_base", ["localhost"], indirect=True)
def test_connecting_works_when_the_server_names_another_host_of_itself(
    dc: DynacaseScene,
) -> None:
    doc = dc.subvention("e_sub_instruit")
    assert "connecté" in text_of(dc.connect(CLAIRE))
    card, _ = dc.card(CLAIRE, past_revision_of(dc, doc["initid"]))
    assert "Fête de quartier" in text_of(card)


@pytest.mark.parametrize("own_base", ["foreign"], indirect=True)
def test_a_redirect_to_another_server_is_refused_clearly_and_no_token_leaves(
    dc: DynacaseScene, foreign: ThreadingHTTPServer
) -> None:
    doc = dc.subvention("e_sub_instruit")
    token = dc.token(CLAIRE)
    assert "connecté" in text_of(dc.connect(CLAIRE, token=token))
    card, _ = dc.card(CLAIRE, past_revision_of(dc, doc["initid"]))
    shown = text_of(card)
    assert "redirection (HTTP 307)" in shown and "DYNACASE_API_URL" in shown
    assert f"127.0.0.1:{foreign.server_address[1]}" in shown
    assert foreign.seen == []  # type: ignore[attr-defined]
    assert token not in shown
