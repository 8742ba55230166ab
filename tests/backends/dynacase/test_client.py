"""The Dynacase client against the sandbox, over real HTTP. Each test cites the section of
docs/dynacase-api.md it relies on."""

from __future__ import annotations

import logging
import random
from datetime import date

import httpx
import pytest

from dsbot.backends.dynacase.client import DynacaseClient, client_from_settings
from dsbot.backends.dynacase.errors import (
    DynacaseBadRequest,
    DynacaseConnectError,
    DynacaseInvalidTransition,
    DynacaseNotAuthenticated,
    DynacaseNotFound,
    DynacaseNoWorkflow,
    DynacaseRateLimited,
    DynacaseRefusal,
    DynacaseServerError,
    DynacaseTransitionRefused,
)
from dsbot.backends.dynacase.models import (
    Document,
    DocumentPage,
    HistoryRevision,
    NextState,
    StateChange,
    TransitionForm,
)
from dsbot.config import Settings
from dsbot.ratelimit import RateLimiter
from tests.fakes.process import free_port

SUBV = "DEMANDE_SUBVENTION"


def new_subvention(sandbox, state: str | None = None, **attributes) -> int:
    initid = sandbox.control.create_document(SUBV, "Subvention de test", **attributes)["initid"]
    if state:
        sandbox.control.set_state(initid, state)
    return initid


@pytest.fixture
def as_user(client, dynacase):
    return lambda login: client.as_user(dynacase.token_of(login))


# --- reads ----------------------------------------------------------------------------------


def test_list_documents_newest_change_first(client, dynacase):
    # docs/dynacase-api.md §5.2, §5.3
    page = client.list_documents(SUBV)
    assert isinstance(page, DocumentPage)
    assert page.slice == 10 and page.length == 10 and not page.is_last
    assert page.order_by == "revdate desc, id desc"
    dates = [d.revdate for d in page.documents]
    known = [d for d in dates if d]
    assert known == dates and dates == sorted(known, reverse=True)
    first = page.documents[0]
    assert first.family == SUBV and first.status == "alive" and first.state is not None


def test_iter_documents_pages_until_a_short_page(client, dynacase):
    # docs/dynacase-api.md §5.4
    total = next(f for f in dynacase.control.families() if f["name"] == SUBV)["documents_count"]
    documents = list(client.iter_documents(SUBV, page_size=7))
    assert len(documents) == total
    assert len({d.initid for d in documents}) == total


def test_changed_since_stops_at_the_first_older_document(client, dynacase):
    # docs/dynacase-api.md §5.4
    every = list(client.iter_documents(SUBV))
    bound = every[4].revdate
    expected = [d.initid for d in every if d.revdate >= bound]
    assert [d.initid for d in client.changed_since(SUBV, bound)] == expected


def test_get_document_with_attributes(client, dynacase):
    # docs/dynacase-api.md §4.2, §4.3
    initid = new_subvention(dynacase, sub_montant=2500, sub_date_depot="2026-03-05")
    document = client.get_document(initid)
    assert isinstance(document, Document)
    assert document.initid == initid and document.family_title == "Demande de subvention"
    assert document.state is not None and document.state.label == "Brouillon"
    assert document.attributes["sub_montant"].value == 2500
    assert document.text("sub_date_depot") == "05/03/2026"
    assert document.text("missing") == ""
    assert client.get_document(document.name).initid == initid  # by logical name


def test_document_without_workflow_has_no_state(client, dynacase):
    # docs/dynacase-api.md §4.2
    initid = dynacase.control.create_document("COURRIER_ENTRANT", "Lettre")["initid"]
    document = client.get_document(initid)
    assert document.state is None and document.name is None


def test_an_old_revision_id_is_followed_to_the_document(client, dynacase):
    # docs/dynacase-api.md §4.1
    initid = new_subvention(dynacase, "e_sub_transmis")
    revision_id = dynacase.control.document(initid)["id"]
    document = client.get_document(revision_id)
    assert document.initid == initid and document.id == revision_id
    assert client.stats.redirects == 1


def test_unknown_document_is_not_found(client):
    # docs/dynacase-api.md §4.1
    with pytest.raises(DynacaseNotFound) as info:
        client.get_document(999_999)
    assert info.value.code == "CRUD0200" and info.value.http_status == 404
    assert info.value.content_text == 'Document "999999" not found'


def test_etag_reuse_saves_bytes_and_counts_a_304(client, dynacase):
    # docs/dynacase-api.md §8, §11
    initid = new_subvention(dynacase)
    first = client.get_document(initid)
    bytes_after_first = client.stats.bytes_received
    again = client.get_document(initid)
    assert again == first
    assert client.stats.not_modified == 1
    assert client.stats.bytes_received == bytes_after_first  # a 304 has no body
    assert dynacase.control.stats()["not_modified"] == 1
    # A change makes a new ETag: the next read gets the new content.
    dynacase.control.set_state(initid, "e_sub_transmis")
    assert client.get_document(initid).state.id == "e_sub_transmis"
    assert client.stats.not_modified == 1


def test_etag_cache_is_per_token(client, dynacase, as_user):
    # docs/dynacase-api.md §8
    initid = new_subvention(dynacase, "e_sub_transmis")
    admin_states = client.next_states(initid)
    claire_states = as_user("c.martin").next_states(initid)
    assert len(admin_states) == 5 and len(claire_states) == 2
    assert client.stats.not_modified == 0


def test_next_states_per_user(client, dynacase, as_user):
    # docs/dynacase-api.md §6.2
    initid = new_subvention(dynacase, "e_sub_transmis")
    claire = as_user("c.martin").next_states(initid)
    assert all(isinstance(s, NextState) for s in claire)
    assert [(s.state.id, s.transition.id, s.can_take) for s in claire] == [
        ("e_sub_brouillon", "t_sub_renvoyer", True),
        ("e_sub_instruit", "t_sub_instruire", True),
    ]
    assert as_user("l.petit").next_states(initid) == []
    every = {s.state.id: s for s in as_user("c.martin").next_states(initid, all_states=True)}
    assert every["e_sub_refuse"].transition.authorized is False
    assert not every["e_sub_refuse"].can_take
    assert every["e_sub_transmis"].transition is None


def test_m0_error_makes_a_state_not_takeable(client, dynacase, as_user):
    # docs/dynacase-api.md §6.2
    initid = new_subvention(dynacase, "e_sub_instruit", sub_montant=90_000)
    states = {s.state.id: s for s in as_user("p.durand").next_states(initid)}
    assert states["e_sub_accorde"].transition.error
    assert not states["e_sub_accorde"].can_take and states["e_sub_refuse"].can_take


def test_transition_form(client, dynacase):
    # docs/dynacase-api.md §6.5
    initid = new_subvention(dynacase, "e_sub_instruit")
    form = client.transition_form(initid, "t_sub_refuser")
    assert isinstance(form, TransitionForm)
    assert form.end_state is not None
    assert form.ask_comment is True and form.end_state.id == "e_sub_refuse"
    motif, when = form.ask_attributes
    assert (motif.id, motif.type, motif.needed) == ("sub_motif_refus", "enum", True)
    assert [i.key for i in motif.enum_items] == ["hors_criteres", "incomplet", "budget_epuise"]
    assert (when.id, when.type) == ("sub_date_decision", "date")
    assert client.transition_form(initid, "t_sub_transmettre").end_state is None
    with pytest.raises(DynacaseNotFound) as info:
        client.transition_form(initid, "t_nope")
    assert info.value.code == "CRUD0229"


def test_history(client, dynacase):
    # docs/dynacase-api.md §7
    initid = new_subvention(dynacase)
    dynacase.control.set_state(initid, "e_sub_transmis", comment="Reçu", user="s.bernard")
    history = client.history(initid)
    assert all(isinstance(h, HistoryRevision) for h in history)
    assert [h.revision for h in history] == [1, 0]
    change, comment = history[1].entries
    assert change.is_state_change and change.uname == "Sophie Bernard"
    assert comment.comment == "Reçu" and comment.level == "info" and comment.at is not None
    assert [h.revision for h in client.history(initid, revisions=1)] == [1]


# --- the state change -----------------------------------------------------------------------


def test_change_state_returns_the_new_revision_read_by_initid(client, dynacase, as_user):
    # docs/dynacase-api.md §6.6, §6.8
    initid = new_subvention(dynacase, "e_sub_transmis")
    before = client.get_document(initid)
    change = as_user("c.martin").change_state(
        before.id,
        "e_sub_instruit",
        comment="Complet",
        parameters={"sub_avis": "favorable", "sub_date_instruction": date(2026, 3, 5)},
    )
    assert isinstance(change, StateChange)
    assert change.state.id == "e_sub_instruit" and change.state.is_current is True
    assert change.previous_id == before.id
    assert change.document.id != before.id and change.document.initid == initid
    assert change.document.revision == before.revision + 1
    assert change.document.state is not None
    assert change.document.state.id == "e_sub_instruit"
    assert change.messages[0].type == "notice"
    assert not change.recovered
    entries = client.history(initid)[1].entries
    assert "-Date d'instruction : 2026-03-05" in entries[0].comment  # the raw value


def test_refusal_keeps_code_and_content_text(client, dynacase, as_user):
    # docs/dynacase-api.md §6.6
    initid = new_subvention(dynacase, "e_sub_transmis")
    with pytest.raises(DynacaseTransitionRefused) as info:
        as_user("c.martin").change_state(initid, "e_sub_refuse", comment="Non")
    error = info.value
    assert isinstance(error, DynacaseRefusal)
    assert error.code == "CRUD0230" and error.code_number == "0230" and error.http_status == 403
    assert error.content_text == (
        "pas de privilège t_sub_refuser pour le document Cycle des demandes de subvention [1052]"
    )
    assert error.exception_message is not None
    assert error.exception_message.startswith("Cannot use transition")
    assert client.get_document(initid).state.id == "e_sub_transmis"


def test_no_workflow_refusal(client, dynacase):
    # docs/dynacase-api.md §6.1
    initid = dynacase.control.create_document("COURRIER_ENTRANT", "Lettre")["initid"]
    with pytest.raises(DynacaseNoWorkflow) as info:
        client.change_state(initid, "e_sub_transmis")
    assert info.value.code == "CRUD0227" and isinstance(info.value, DynacaseRefusal)
    with pytest.raises(DynacaseNoWorkflow):
        client.next_states(initid)


def test_take_transition_and_invalid_transition(client, dynacase, as_user):
    # docs/dynacase-api.md §6.7
    initid = new_subvention(dynacase)
    with pytest.raises(DynacaseInvalidTransition) as info:
        as_user("p.durand").take_transition(initid, "t_sub_accorder")
    assert info.value.code == "CRUD0235" and info.value.http_status == 404
    change = as_user("s.bernard").take_transition(initid, "t_sub_transmettre")
    assert change.document.state.id == "e_sub_transmis"


def test_not_authenticated(dynacase):
    # docs/dynacase-api.md §3.2
    bad = DynacaseClient(dynacase.api_url, "wrong-token", limiter=RateLimiter(10))
    with bad, pytest.raises(DynacaseNotAuthenticated) as info:
        bad.list_documents(SUBV)
    assert info.value.http_status == 403 and info.value.code is None


# --- retries, rate limit, secrets -------------------------------------------------------------


def test_reads_are_retried_with_backoff(client, dynacase, sleeps):
    # docs/dynacase-api.md §11
    dynacase.control.faults(fail_next=2)
    page = client.list_documents(SUBV)
    assert page.length == 10
    assert len(sleeps) == 2 and all(s >= 0 for s in sleeps)
    assert client.stats.retries == 2


def test_reads_give_up_after_the_retry_budget(client, dynacase, sleeps):
    # docs/dynacase-api.md §11
    dynacase.control.faults(fail_next=10, fail_status=503)
    with pytest.raises(DynacaseServerError) as info:
        client.list_documents(SUBV)
    assert info.value.http_status == 503 and info.value.content_text == "Maintenance in progress"
    assert len(sleeps) == client.policy.max_read_retries


def test_a_state_change_is_never_resent(client, dynacase, sleeps, as_user):
    # docs/dynacase-api.md §6.8, §11
    initid = new_subvention(dynacase, "e_sub_transmis")
    changes_before = dynacase.control.stats()["state_changes"]
    dynacase.control.faults(fail_next=3, fail_method="POST")
    with pytest.raises(DynacaseServerError) as info:
        as_user("c.martin").change_state(initid, "e_sub_instruit")
    assert info.value.http_status == 500
    stats = dynacase.control.stats()
    assert stats["by_status"]["500"] == 1  # sent once, not retried
    assert stats["state_changes"] == changes_before and sleeps == []
    assert dynacase.control.faults()["fail_next"] == 2
    assert dynacase.control.document(initid)["state"]["reference"] == "e_sub_transmis"


def test_a_lost_answer_is_recovered_by_reading_again(client, dynacase, as_user):
    # docs/dynacase-api.md §6.8, §11
    initid = new_subvention(dynacase, "e_sub_transmis")
    changes_before = dynacase.control.stats()["state_changes"]
    dynacase.control.faults(fail_next=1, fail_method="POST", fail_after=True)
    change = as_user("c.martin").change_state(initid, "e_sub_instruit")
    assert change.recovered is True
    assert change.document.state.id == "e_sub_instruit" and change.document.revision == 2
    assert dynacase.control.stats()["state_changes"] == changes_before + 1  # made once


def test_client_rate_limit_refuses_without_sending(dynacase):
    # docs/dynacase-api.md §9, §11
    now = [0.0]
    limiter = RateLimiter(1, 60.0, clock=lambda: now[0], sleep=lambda s: None)
    with DynacaseClient(dynacase.api_url, dynacase.token, limiter=limiter) as dc:
        dc.policy = dc._transport.policy = type(dc.policy)(max_read_retries=0, max_wait=1.0)
        dc.list_documents(SUBV)
        with pytest.raises(DynacaseRateLimited) as info:
            dc.list_documents(SUBV)
    assert info.value.retry_after is not None
    assert info.value.retry_after > 1.0
    assert dynacase.control.stats()["api_requests"] == 1


def test_no_token_in_errors_or_logs(dynacase, caplog):
    # docs/dynacase-api.md §3.1, §11
    secret = "s3cret-dcpopen-token-value"
    caplog.set_level(logging.DEBUG)
    with DynacaseClient(
        dynacase.api_url, secret, limiter=RateLimiter(10), sleep=lambda s: None
    ) as dc:
        with pytest.raises(DynacaseNotAuthenticated) as refused:
            dc.get_document(1)
        assert secret not in repr(dc)
    dead = f"http://127.0.0.1:{free_port()}/api/v1/"
    with (
        DynacaseClient(
            dead, secret, limiter=RateLimiter(10), sleep=lambda s: None, rng=random.Random(1)
        ) as dc,
        pytest.raises(DynacaseConnectError) as unreachable,
    ):
        dc.list_documents(SUBV)
    for text in (str(refused.value), str(unreachable.value), caplog.text):
        assert secret not in text
    assert "DcpOpen" not in caplog.text


def test_base_url_and_token_are_checked():
    # docs/dynacase-api.md §1.1
    with pytest.raises(ValueError, match="/api/v1/"):
        DynacaseClient("https://ged.example.fr/api/v1", "t")
    with pytest.raises(ValueError, match="token"):
        DynacaseClient("https://ged.example.fr/api/v1/", "")


def test_bad_references_and_parameters_are_clear_errors(client, dynacase, as_user):
    # docs/dynacase-api.md §6.6, §10.6
    with pytest.raises(ValueError, match="empty"):
        client.get_document(" ")
    initid = new_subvention(dynacase, "e_sub_transmis")
    with pytest.raises(DynacaseBadRequest) as info:
        as_user("c.martin").change_state(
            initid, "e_sub_instruit", parameters={"sub_date_instruction": "demain"}
        )
    assert info.value.http_status == 400 and "Date d'instruction" in info.value.content_text
    assert client.get_document(initid).state.id == "e_sub_transmis"  # nothing changed


def test_client_from_settings(dynacase):
    # docs/dynacase-api.md §11
    assert client_from_settings(Settings.from_mapping({})) is None
    settings = Settings.from_mapping(
        {"DYNACASE_API_URL": dynacase.api_url, "DYNACASE_TOKEN": dynacase.token}
    )
    configured = client_from_settings(settings, limiter=RateLimiter(10))
    assert configured is not None
    with configured as dc:
        assert dc.list_documents("DEMANDE_CONGE").length > 0


def test_follows_redirects_with_httpx():
    # docs/dynacase-api.md §4.1: a 307 keeps the method and the body; httpx does so.
    seen: list[tuple[str, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.content))
        if request.url.path.endswith("/2002/workflows/states/e_b"):
            return httpx.Response(307, headers={"Location": "/api/v1/documents/2001/x"})
        return httpx.Response(201, json={"success": True, "messages": [], "data": {"ok": 1}})

    with DynacaseClient(
        "http://dc.test/api/v1/",
        "t0ken",
        transport=httpx.MockTransport(handler),
        limiter=RateLimiter(10),
    ) as dc:
        answer = dc._transport.post("documents/2002/workflows/states/e_b", {"comment": "c"})
    assert answer.data == {"ok": 1}
    assert [m for m, _ in seen] == ["POST", "POST"] and seen[0][1] == seen[1][1]


# --- /metrics -------------------------------------------------------------------------------


def test_requests_are_told_to_the_observer_by_route_and_outcome(dynacase, sleeps):
    from dsbot.backends.dynacase.transport import route
    from dsbot.metrics import Metrics
    from tests.test_metrics import samples, value

    metrics = Metrics()
    initid = new_subvention(dynacase)
    with DynacaseClient(
        dynacase.api_url, dynacase.token, sleep=sleeps, limiter=RateLimiter(1000), observer=metrics
    ) as observed:
        observed.get_document(initid)
        with pytest.raises(DynacaseNotFound):
            observed.get_document(999_999)
        observed.as_user(dynacase.token_of("admin")).history(initid)
    found = samples(metrics.exposition())
    counted = "dsbot_backend_requests_total"
    assert value(found, counted, operation="GET documents/:ref", outcome="ok") == 1
    assert value(found, counted, operation="GET documents/:ref", outcome="not_found") == 1
    # A person's client (as_user) is counted too; ids never become labels.
    assert value(found, counted, operation="GET documents/:ref/history/", backend="dynacase") == 1
    assert route("POST", f"documents/{initid}/workflows/states/e_sub_valide") == (
        "POST documents/:ref/workflows/states/:ref"
    )
