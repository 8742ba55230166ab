"""Small helpers of the sandbox tests: GraphQL over real HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

CANONICAL = Path(__file__).resolve().parents[2] / "data" / "ds_canonical_equivalent.graphql"

# One pooled client for every request of the process: `httpx.post` builds a client (and its
# SSL context) per call, which cost more than the sandbox's answer.
_HTTP = httpx.Client(timeout=30)


def post(
    sandbox: Any,
    query: str,
    variables: dict | None = None,
    *,
    token: str | None = "sandbox-token",
    operation: str | None = None,
    headers: dict | None = None,
) -> httpx.Response:
    """POSTs a GraphQL request with `Authorization: Bearer <token>` (no header when None)."""
    sent = dict(headers or {})
    if token is not None:
        sent.setdefault("Authorization", f"Bearer {token}")
    body: dict[str, Any] = {"query": query, "variables": variables or {}}
    if operation:
        body["operationName"] = operation
    return _HTTP.post(sandbox.graphql_url, json=body, headers=sent)


def data(sandbox: Any, query: str, variables: dict | None = None, **kw: Any) -> dict:
    """The `data` of a request that must succeed without any error."""
    response = post(sandbox, query, variables, **kw)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert "errors" not in payload, payload["errors"]
    return payload["data"]


def errors(sandbox: Any, query: str, variables: dict | None = None, **kw: Any) -> list[dict]:
    response = post(sandbox, query, variables, **kw)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload.get("errors"), payload
    return payload["errors"]


def first_demarche(sandbox: Any) -> dict:
    return sandbox.control.demarches()[0]


def open_groupe(demarche: dict) -> dict:
    return next(g for g in demarche["groupes"] if not g["closed"])


DOSSIER_PAGE = """
query Page($number: Int!, $first: Int, $last: Int, $after: String, $before: String,
            $updatedSince: ISO8601DateTime, $createdSince: ISO8601DateTime,
            $state: DossierState, $archived: Boolean, $order: Order) {
  demarche(number: $number) {
    dossiers(first: $first, last: $last, after: $after, before: $before,
             updatedSince: $updatedSince, createdSince: $createdSince, state: $state,
             archived: $archived, order: $order) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor }
      nodes { id number state archived dateDepot dateDerniereModification }
    }
  }
}
"""


def page(sandbox: Any, number: int, **variables: Any) -> dict:
    return data(sandbox, DOSSIER_PAGE, {"number": number, **variables})["demarche"]["dossiers"]
