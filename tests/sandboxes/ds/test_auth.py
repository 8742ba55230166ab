"""Authentication and authorisation as DS answers them, and request errors.

See docs/ds-api.md, "Authentication" and pitfall 8.
"""

from __future__ import annotations

import httpx
import pytest

from tests.sandboxes.ds.gql import data, errors, first_demarche, open_groupe, post

DEMARCHE = "query($n: Int!) { demarche(number: $n) { number title } }"
FORBIDDEN = {
    "errors": [
        {
            "message": "Without a token, only persisted queries are allowed",
            "extensions": {"code": "forbidden"},
        }
    ],
    "data": None,
}


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sandbox-token",
        "Bearer token=sandbox-token",
        "Token token=sandbox-token",
        'Token token="sandbox-token"',
    ],
)
def test_the_three_spellings_of_the_authorization_header(sandbox, header):
    number = first_demarche(sandbox)["number"]
    got = data(sandbox, DEMARCHE, {"n": number}, token=None, headers={"Authorization": header})
    assert got["demarche"]["number"] == number


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic c2FuZGJveA=="}]
)
def test_no_or_unknown_token_with_an_inline_query_is_a_403(sandbox, headers):
    response = post(sandbox, DEMARCHE, {"n": 1001}, token=None, headers=headers)
    assert response.status_code == 403
    assert response.json() == FORBIDDEN


def test_no_token_with_a_persisted_introspection_query_is_served(sandbox):
    response = httpx.post(sandbox.graphql_url, json={"queryId": "introspection"})
    assert response.status_code == 200
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    unknown = httpx.post(sandbox.graphql_url, json={"queryId": "nope", "operationName": "x"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["message"] == 'No query with id "nope"'


def test_expired_token_is_a_401_and_forbidden_network_a_403(sandbox):
    sandbox.control.add_token("old-token", expired=True)
    sandbox.control.add_token("far-token", forbidden_network=True)
    expired = post(sandbox, DEMARCHE, {"n": 1001}, token="old-token")
    assert expired.status_code == 401
    assert expired.json() == {
        "errors": [{"message": "Token expired", "extensions": {"code": "unauthorized"}}],
        "data": None,
    }
    far = post(sandbox, DEMARCHE, {"n": 1001}, token="far-token")
    assert far.status_code == 403
    error = far.json()["errors"][0]
    assert error["message"].startswith("Request issued from a forbidden network. Add ")
    assert error["extensions"]["code"] == "forbidden"


def test_a_token_scoped_to_one_demarche_sees_nothing_else(sandbox):
    first, second = sandbox.control.demarches()[:2]
    sandbox.control.add_token("scoped-token", demarches=[first["number"]])
    assert data(sandbox, DEMARCHE, {"n": first["number"]}, token="scoped-token")["demarche"]
    response = post(sandbox, DEMARCHE, {"n": second["number"]}, token="scoped-token")
    assert response.status_code == 200
    payload = response.json()
    assert payload["data"] is None
    assert payload["errors"][0]["message"] == (
        "An object of type Demarche was hidden due to permissions"
    )
    assert payload["errors"][0]["extensions"]["code"] == "unauthorized"

    other = sandbox.control.create_dossier(second["number"])
    found = errors(
        sandbox,
        "query($n:Int!){dossier(number:$n){id}}",
        {"n": other["number"]},
        token="scoped-token",
    )
    assert found[0]["message"] == "An object of type Dossier was hidden due to permissions"
    groupe = open_groupe(second)["number"]
    found = errors(
        sandbox,
        "query($n:Int!){groupeInstructeur(number:$n){id}}",
        {"n": groupe},
        token="scoped-token",
    )
    assert found[0]["message"] == (
        "An object of type GroupeInstructeurWithDossiers was hidden due to permissions"
    )
    # A mutation on a dossier outside the scope is hidden too.
    instructeur = open_groupe(second)["instructeurs"][0]["id"]
    found = errors(
        sandbox,
        "mutation($i: DossierPasserEnInstructionInput!){dossierPasserEnInstruction(input:$i){"
        "dossier{id} errors{message}}}",
        {"i": {"dossierId": other["id"], "instructeurId": instructeur}},
        token="scoped-token",
    )
    assert found[0]["message"] == "An object of type Dossier was hidden due to permissions"
    assert sandbox.control.dossier(other["number"])["state"] == "en_construction"


def test_a_read_only_token_reads_but_cannot_write(sandbox):
    sandbox.control.add_token("reader", read_only=True)
    demarche = first_demarche(sandbox)
    dossier = sandbox.control.create_dossier(demarche["number"])
    instructeur = open_groupe(demarche)["instructeurs"][0]["id"]
    assert data(sandbox, DEMARCHE, {"n": demarche["number"]}, token="reader")["demarche"]
    got = data(
        sandbox,
        "mutation($i: DossierPasserEnInstructionInput!){dossierPasserEnInstruction(input:$i){"
        "dossier{id state} errors{message}}}",
        {"i": {"dossierId": dossier["id"], "instructeurId": instructeur}},
        token="reader",
    )["dossierPasserEnInstruction"]
    assert got == {
        "dossier": None,
        "errors": [{"message": "Le jeton utilisé est configuré seulement en lecture"}],
    }
    assert sandbox.control.dossier(dossier["number"])["state"] == "en_construction"
    upload = post(
        sandbox,
        "mutation($i: CreateDirectUploadInput!){createDirectUpload(input:$i){"
        "directUpload{url headers blobId signedBlobId}}}",
        {
            "i": {
                "dossierId": dossier["id"],
                "filename": "a.txt",
                "byteSize": 1,
                "checksum": "DMF1ucDxtqgxw5niaXcmYQ==",
                "contentType": "text/plain",
            }
        },
        token="reader",
    ).json()
    assert upload["data"] == {"createDirectUpload": None}
    assert upload["errors"][0]["extensions"]["code"] == "invalid_null"


def test_parse_errors_bad_json_validation_and_depth(sandbox):
    broken = post(sandbox, "query { demarche(number: 1) { id ")
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["extensions"]["code"] == "graphql_parse_failed"
    not_json = httpx.post(
        sandbox.graphql_url,
        content=b"{not json",
        headers={"Authorization": "Bearer sandbox-token", "Content-Type": "application/json"},
    )
    assert not_json.status_code == 400
    assert not_json.json()["errors"][0]["extensions"]["code"] == "graphql_parse_failed"
    invalid = post(sandbox, "query { demarche(number: 1001) { nope } }")
    assert invalid.status_code == 200
    assert "nope" in invalid.json()["errors"][0]["message"]
    assert "data" not in invalid.json()
    level = "champs { ... on DossierLinkChamp { dossier { "
    too_deep = "query { dossier(number: 1) { " + level * 8 + "id" + " } } }" * 8 + " } }"
    found = errors(sandbox, too_deep)
    assert found[0]["message"].startswith("Query has depth of ")
    assert found[0]["message"].endswith("which exceeds max depth of 15")


def test_not_found(sandbox):
    found = errors(sandbox, "query { dossier(number: 5) { id } }")
    assert found[0] == {
        "message": "Dossier not found",
        "locations": [{"line": 1, "column": 9}],
        "path": ["dossier"],
        "extensions": {"code": "not_found"},
    }
    assert errors(sandbox, "{ demarche(number: 7) { id } }")[0]["message"] == ("Demarche not found")


def test_groupe_instructeurs_closed_argument_fails_like_ds(sandbox):
    # DS calls `closed.true?` on a Ruby boolean (docs/ds-api.md, "Errors"): an HTTP 500.
    response = post(
        sandbox, "{ demarche(number: 1001) { groupeInstructeurs(closed: false) { id } } }"
    )
    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"]["code"] == "internal_server_error"
    listed = data(sandbox, "{ demarche(number: 1001) { groupeInstructeurs { closed } } }")
    assert [g["closed"] for g in listed["demarche"]["groupeInstructeurs"]].count(True) == 1
