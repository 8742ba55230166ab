"""Fault injection: latency, HTTP 500s, timeouts, rate limit, ambiguous mutations, stats."""

from __future__ import annotations

import concurrent.futures
import time

import httpx
import pytest

from dsbot.backends.ds.documents import get_document
from tests.sandboxes.ds.gql import data, first_demarche, open_groupe, post

DEMARCHE = "query Titre($n: Int!) { demarche(number: $n) { title } }"


def test_latency_is_added_to_graphql_requests_served_in_parallel(sandbox):
    number = first_demarche(sandbox)["number"]
    sandbox.control.faults(latency_ms=1000)
    body = {"query": DEMARCHE, "variables": {"n": number}}
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    limits = httpx.Limits(max_connections=24, max_keepalive_connections=24)
    with httpx.Client(limits=limits, timeout=30) as client:

        def one(_: int) -> float:
            start = time.monotonic()
            response = client.post(sandbox.graphql_url, json=body, headers=headers)
            assert response.status_code == 200
            return time.monotonic() - start

        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
            durations = list(pool.map(one, range(24)))
        elapsed = time.monotonic() - start
    assert min(durations) >= 1.0
    assert elapsed < 10.0  # 24 s if they were served one after the other
    # The control API is never slowed down.
    start = time.monotonic()
    sandbox.control.health()
    assert time.monotonic() - start < 1.2


def test_error_rate_answers_http_500_like_ds(sandbox):
    sandbox.control.faults(error_rate=1.0)
    response = post(sandbox, DEMARCHE, {"n": 1001})
    assert response.status_code == 500
    payload = response.json()
    assert payload["data"] is None
    error = payload["errors"][0]
    assert error["message"] == "Internal Server Error"
    assert error["extensions"]["code"] == "internal_server_error"
    assert len(error["extensions"]["exception_id"]) == 36
    assert sandbox.control.demarches()  # control API unaffected
    sandbox.control.faults(error_rate=0.0)
    assert post(sandbox, DEMARCHE, {"n": 1001}).status_code == 200


def test_timeout_rate_gives_a_timeout_error_with_partial_data(sandbox):
    demarches = sandbox.control.demarches()
    sandbox.control.faults(timeout_rate=1.0)
    query = (
        "query($a: Int!, $b: Int!) { first: demarcheDescriptor(demarche: {number: $a}) { title } "
        "second: demarche(number: $b) { title } }"
    )
    response = post(sandbox, query, {"a": demarches[0]["number"], "b": demarches[1]["number"]})
    assert response.status_code == 200
    payload = response.json()
    assert payload["errors"][0]["message"] == "Timeout on Query.demarcheDescriptor"
    assert payload["errors"][0]["extensions"] == {"code": "timeout"}
    assert payload["errors"][0]["path"] == ["first"]
    assert payload["data"] == {"first": None, "second": {"title": demarches[1]["title"]}}
    alone = post(sandbox, DEMARCHE, {"n": demarches[0]["number"]}).json()
    assert alone["data"] is None
    assert alone["errors"][0]["message"] == "Timeout on Query.demarche"


def test_rate_limit_answers_429_in_plain_text_without_retry_after(sandbox):
    minute = sandbox.control.start_of_next_minute(freeze=True)
    sandbox.control.faults(rate_limit_per_minute=3)
    statuses = [post(sandbox, DEMARCHE, {"n": 1001}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = post(sandbox, DEMARCHE, {"n": 1001})
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("text/plain")
    assert limited.text.startswith("Calme toi, cowboy !")
    assert "Calm down, cowboy!" in limited.text
    assert limited.headers["RateLimit-Remaining"] == "0"
    reset = int(limited.headers["RateLimit-Reset"])
    assert reset == minute + 60
    assert "Retry-After" not in limited.headers
    # The limit is per Authorization value.
    sandbox.control.add_token("other-token")
    assert post(sandbox, DEMARCHE, {"n": 1001}, token="other-token").status_code == 200
    sandbox.control.faults(retry_after=True)
    again = post(sandbox, DEMARCHE, {"n": 1001})
    assert again.status_code == 429
    assert int(again.headers["Retry-After"]) == 59
    assert sandbox.control.health() == {"ok": True}
    # The next minute opens a new window, without waiting for it.
    sandbox.control.advance(60)
    assert post(sandbox, DEMARCHE, {"n": 1001}).status_code == 200


def _outcomes(sandbox, count: int) -> list[int]:
    return [post(sandbox, DEMARCHE, {"n": 1001}).status_code for _ in range(count)]


def test_a_seeded_error_rate_gives_the_same_sequence_every_time(sandbox):
    assert sandbox.control.faults(error_rate=0.5, seed=42)["seed"] == 42
    first = _outcomes(sandbox, 16)
    assert set(first) == {200, 500}  # a 50 % rate, really drawn
    sandbox.control.faults(seed=42)
    assert _outcomes(sandbox, 16) == first
    sandbox.control.faults(seed=7)
    assert _outcomes(sandbox, 16) != first


def test_the_draws_start_from_the_sandbox_seed(sandbox_factory):
    sequences = []
    for _ in range(2):
        sandbox = sandbox_factory(seed=5)
        sandbox.control.faults(error_rate=0.5)
        assert sandbox.control.faults()["seed"] == 5
        sequences.append(_outcomes(sandbox, 12))
    assert sequences[0] == sequences[1]


def _passer(sandbox) -> tuple[str, dict, dict]:
    demarche = first_demarche(sandbox)
    groupe = open_groupe(demarche)
    dossier = sandbox.control.create_dossier(demarche["number"], groupe=groupe["number"])
    query = (
        "mutation Passer($i: DossierPasserEnInstructionInput!) { dossierPasserEnInstruction("
        "input: $i) { dossier { state } errors { message } } }"
    )
    values = {"i": {"dossierId": dossier["id"], "instructeurId": groupe["instructeurs"][0]["id"]}}
    return query, values, dossier


def test_an_ambiguous_mutation_is_applied_but_answered_with_a_timeout(sandbox):
    query, values, dossier = _passer(sandbox)
    sandbox.control.faults(ambiguous_mutations=1)
    post(sandbox, DEMARCHE, {"n": 1001})  # queries do not use up the fault
    payload = post(sandbox, query, values).json()
    assert payload["data"] == {"dossierPasserEnInstruction": None}
    assert payload["errors"][0]["message"] == "Timeout on Mutation.dossierPasserEnInstruction"
    assert payload["errors"][0]["extensions"]["code"] == "timeout"
    assert sandbox.control.dossier(dossier["number"])["state"] == "en_instruction"
    retry = post(sandbox, query, values).json()["data"]["dossierPasserEnInstruction"]
    assert retry["errors"] == [{"message": "Le dossier est déjà en instruction"}]
    assert sandbox.control.faults()["ambiguous_mutations"] == 0


def test_an_ambiguous_mutation_can_drop_the_connection(sandbox):
    query, values, dossier = _passer(sandbox)
    sandbox.control.faults(ambiguous_mutations=1, ambiguous_mode="drop")
    with pytest.raises(httpx.TransportError):
        post(sandbox, query, values)
    assert sandbox.control.dossier(dossier["number"])["state"] == "en_instruction"


def test_stats_count_requests_by_operation(sandbox):
    before = sandbox.control.stats()
    for _ in range(3):
        post(sandbox, DEMARCHE, {"n": 1001})
    post(sandbox, "{ demarche(number: 1001) { id } }")
    after = sandbox.control.stats()
    assert after["graphql_requests"] == before["graphql_requests"] + 4
    assert after["by_operation"]["Titre"] == before["by_operation"].get("Titre", 0) + 3
    assert after["by_operation"]["anonymous"] >= 1


def test_bad_fault_settings_are_refused(sandbox):
    for bad in (
        {"error_rate": 2},
        {"latency_ms": -1},
        {"nope": 1},
        {"ambiguous_mode": "x"},
        {"seed": "1"},
        {"seed": True},
    ):
        response = sandbox.control.http.post("/_sandbox/faults", json=bad)
        assert response.status_code == 400, bad
    assert sandbox.control.faults()["error_rate"] == 0.0


def test_timeout_above_full_dossiers_times_out_heavy_pages_only(sandbox):
    page = get_document("demarche_dossiers").text
    number = first_demarche(sandbox)["number"]
    light = data(sandbox, page, {"number": number, "first": 5})
    assert len(light["demarche"]["dossiers"]["nodes"]) == 5
    sandbox.control.faults(timeout_above_full_dossiers=3)
    # A light page of any length still answers, and so do 3 full dossiers.
    assert data(sandbox, page, {"number": number, "first": 5}) == light
    few = data(sandbox, page, {"number": number, "first": 3, "full": True})
    assert all(node["champs"] is not None for node in few["demarche"]["dossiers"]["nodes"])
    # The fourth full dossier times out, like DS's whole-query timeout: partial data.
    response = post(sandbox, page, {"number": number, "first": 5, "full": True})
    assert response.status_code == 200
    payload = response.json()
    assert [e["message"] for e in payload["errors"]] == ["Timeout on Dossier.champs"] * 2
    assert {e["extensions"]["code"] for e in payload["errors"]} == {"timeout"}
    assert (
        payload["data"]["demarche"]["dossiers"]["nodes"][:3] == few["demarche"]["dossiers"]["nodes"]
    )
    response = sandbox.control.http.post(
        "/_sandbox/faults", json={"timeout_above_full_dossiers": -1}
    )
    assert response.status_code == 400
    sandbox.control.faults(timeout_above_full_dossiers=0)
    assert "errors" not in post(sandbox, page, {"number": number, "first": 5, "full": True}).json()
