"""The sandbox's control API, its data (seeded, French, users with different rights) and its
command line. Each test cites the section of docs/dynacase-api.md it pins."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest
from click.testing import CliRunner

from dsbot.cli import cli
from tests.fakes.dynacase_sandbox import api
from tests.fakes.process import free_port


def test_health_and_families(dynacase):
    # docs/dynacase-api.md §10.2, §10.4
    assert dynacase.control.health() == {"ok": True}
    families = {f["name"]: f for f in dynacase.control.families()}
    assert set(families) == {"DEMANDE_SUBVENTION", "DEMANDE_CONGE", "COURRIER_ENTRANT"}
    assert families["COURRIER_ENTRANT"]["workflow"] is None
    workflow = families["DEMANDE_SUBVENTION"]["workflow"]
    labels = [s["label"] for s in workflow["states"]]
    assert labels == ["Brouillon", "Transmis", "Instruit", "Accordé", "Refusé"]
    refuse = next(t for t in workflow["transitions"] if t["id"] == "t_sub_refuser")
    assert refuse["from"] == ["e_sub_transmis", "e_sub_instruit"] and refuse["to"] == "e_sub_refuse"
    assert refuse["parameters"] == ["sub_motif_refus", "sub_date_decision"]
    assert refuse["allowed"] == ["p.durand"]
    # Every family holds documents, and every workflow's document counts add up.
    assert all(f["documents_count"] > 0 for f in families.values())


def test_users_have_different_rights(dynacase):
    # docs/dynacase-api.md §10.3
    users = {u["login"]: u for u in dynacase.control.users()}
    assert users["admin"]["id"] == 1
    assert "t_sub_instruire" in users["c.martin"]["transitions"]
    assert "t_sub_accorder" not in users["c.martin"]["transitions"]
    assert users["l.petit"]["transitions"] == []
    every = {t for u in users.values() for t in u["transitions"]}
    assert set(users["admin"]["transitions"]) == every


def test_tokens_per_login(dynacase):
    # docs/dynacase-api.md §10.3
    token = dynacase.control.token("p.durand")
    assert token == dynacase.token_of("p.durand")
    assert token != dynacase.control.token("c.martin")
    with pytest.raises(httpx.HTTPStatusError) as info:
        dynacase.control.token("nobody")
    assert info.value.response.status_code == 404


def test_create_read_and_change_a_document(dynacase):
    # docs/dynacase-api.md §10.4
    created = dynacase.control.create_document("DEMANDE_CONGE", "Congés de printemps")
    assert set(created) == {"id", "initid", "name"} and created["name"].startswith("CONGE_")
    document = dynacase.control.document(created["initid"])
    assert document["title"] == "Congés de printemps"
    assert document["state"]["reference"] == "e_cg_saisie"
    after = dynacase.control.set_state(
        created["initid"], "e_cg_attente", comment="Pour validation", user="s.bernard"
    )
    assert after["state"]["reference"] == "e_cg_attente" and after["id"] != created["id"]
    frozen = after["revisions"][1]
    assert frozen["status"] == "fixed"
    assert [e["comment"] for e in frozen["history"]][1] == "Pour validation"
    # The change is visible through the API, as anyone's.
    with api(dynacase, "l.petit") as http:
        props = http.get(f"documents/{created['name']}").json()["data"]["document"]["properties"]
    assert props["state"]["stateLabel"] == "En attente de validation"


def test_control_changes_follow_the_rights(dynacase):
    # docs/dynacase-api.md §10.4
    initid = dynacase.control.create_document("DEMANDE_CONGE", "RTT")["initid"]
    with pytest.raises(httpx.HTTPStatusError) as info:
        dynacase.control.set_state(initid, "e_cg_attente", user="l.petit")
    assert info.value.response.status_code == 403
    # Doc::noPrivilegeMessage: the transition id as the privilege, on the workflow document.
    assert "pas de privilège t_cg_soumettre pour le document" in info.value.response.json()["error"]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_sandbox/documents", {"family": "NOPE", "title": "x"}, 404),
        ("/_sandbox/documents", {"family": "DEMANDE_CONGE"}, 400),
        (
            "/_sandbox/documents",
            {"family": "DEMANDE_CONGE", "title": "x", "attributes": {"z": 1}},
            400,
        ),
        ("/_sandbox/documents/999999/state", {"state": "e_cg_valide"}, 404),
        ("/_sandbox/faults", {"fail_next": -1}, 400),
        ("/_sandbox/faults", {"typo": 1}, 400),
        ("/_sandbox/nope", {}, 404),
    ],
)
def test_bad_control_requests_are_clear(dynacase, path, body, status):
    # docs/dynacase-api.md §10.4
    response = httpx.post(dynacase.base_url + path, json=body)
    assert response.status_code == status and response.json()["error"]


def test_stats_count_requests_routes_and_304s(dynacase):
    # docs/dynacase-api.md §10.4
    with api(dynacase) as http:
        http.get("documents/")
        http.get("documents/")
        http.get("nope")
    stats = dynacase.control.stats()
    assert stats["api_requests"] == 3
    assert stats["by_route"] == {"documents": 2}
    assert stats["by_status"] == {"200": 2, "404": 1}


def test_faults_answer_500_then_recover(dynacase):
    # docs/dynacase-api.md §10.5
    dynacase.control.faults(fail_next=1)
    with api(dynacase) as http:
        failed = http.get("documents/")
        ok = http.get("documents/")
    assert failed.status_code == 500 and failed.reason_phrase == "Dynacase Fatal Error"
    assert failed.json()["success"] is False
    assert ok.status_code == 200


def test_seeded_error_rate_is_reproducible(dynacase_factory):
    # docs/dynacase-api.md §10.5
    def pattern(sandbox) -> list[int]:
        sandbox.control.faults(error_rate=0.5, seed=3)
        with api(sandbox) as http:
            return [http.get("documents/").status_code for _ in range(12)]

    first, second = pattern(dynacase_factory()), pattern(dynacase_factory())
    assert first == second and set(first) == {200, 500}


def test_same_seed_same_data_other_seed_other_data(dynacase_factory):
    # docs/dynacase-api.md §10.2
    def snapshot(sandbox) -> list:
        with api(sandbox) as http:
            params = {"slice": "all", "fields": "document.properties,document.attributes"}
            docs = http.get("families/DEMANDE_SUBVENTION/documents/", params=params).json()
        return [(d["properties"], d["attributes"]) for d in docs["data"]["documents"]]

    a, b, c = dynacase_factory(seed=11), dynacase_factory(seed=11), dynacase_factory(seed=12)
    assert snapshot(a) == snapshot(b)
    assert snapshot(a) != snapshot(c)
    assert a.token_of("c.martin") == b.token_of("c.martin") != c.token_of("c.martin")


def test_generated_history_is_realistic(dynacase):
    # docs/dynacase-api.md §10.2
    with api(dynacase) as http:
        docs = http.get("families/DEMANDE_SUBVENTION/documents/", params={"slice": "all"}).json()[
            "data"
        ]["documents"]
        moved = [d for d in docs if d["properties"]["revision"] > 0]
        assert moved, "some documents went through transitions"
        history = http.get(f"documents/{moved[0]['properties']['initid']}/history/").json()
    entries = [m for h in history["data"]["history"] for m in h["messages"]]
    assert any(m["code"] == "REVISION" for m in entries)
    assert {d["properties"]["state"]["reference"] for d in docs} >= {
        "e_sub_brouillon",
        "e_sub_transmis",
    }


def test_cli_backend_option(tmp_path):
    # docs/dynacase-api.md §10.1
    runner = CliRunner()
    help_text = runner.invoke(cli, ["sandbox", "--help"]).output
    assert "--backend [ds|dynacase]" in help_text
    refused = runner.invoke(cli, ["sandbox", "--backend", "dynacase", "--db", str(tmp_path / "x")])
    assert refused.exit_code == 1 and "seulement avec --backend ds" in refused.output


def test_cli_serves_the_dynacase_sandbox(tmp_path):
    # docs/dynacase-api.md §10.1
    port = free_port()
    command = [sys.executable, "-m", "dsbot.cli", "sandbox", "--backend", "dynacase"]
    command += ["--port", str(port), "--seed", "5", "--token", "my-admin-token"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the sandbox never answered"
                time.sleep(0.1)
        assert health.json() == {"ok": True}
        url = f"http://127.0.0.1:{port}/api/v1/documents/"
        ok = httpx.get(url, headers={"Authorization": "DcpOpen my-admin-token"})
        refused = httpx.get(url, headers={"Authorization": "DcpOpen sandbox-token"})
        assert ok.status_code == 200 and refused.status_code == 403
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
