"""Pagination as DS does it: 100 per page, keyset cursors, sort keys, filters, errors."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.sandboxes.ds.gql import DOSSIER_PAGE, data, errors, first_demarche, page, post


@pytest.fixture
def big(sandbox_factory):
    """One démarche with 250 dossiers (more than two pages)."""
    return sandbox_factory(seed=3, demarches=1, dossiers=250)


def walk(sandbox, number: int, **variables) -> list[dict]:
    nodes, after = [], None
    while True:
        result = page(sandbox, number, first=100, after=after, **variables)
        nodes += result["nodes"]
        assert len(result["nodes"]) <= 100
        assert result["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not result["pageInfo"]["hasNextPage"]:
            return nodes
        after = result["pageInfo"]["endCursor"]


def decode(cursor: str) -> tuple[str, int]:
    text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    stamp, _, number = text.partition(";")
    return stamp, int(number)


def test_page_size_defaults_to_100_and_larger_requests_are_clamped(big):
    number = first_demarche(big)["number"]
    assert len(page(big, number)["nodes"]) == 100
    clamped = page(big, number, first=500)
    assert len(clamped["nodes"]) == 100
    assert clamped["pageInfo"]["hasNextPage"] is True
    assert len(page(big, number, first=7)["nodes"]) == 7
    assert page(big, number, first=0)["nodes"] == []


def test_a_full_walk_returns_every_dossier_once_in_deposit_order(big):
    demarche = first_demarche(big)
    nodes = walk(big, demarche["number"])
    numbers = [n["number"] for n in nodes]
    assert len(numbers) == len(set(numbers)) == demarche["dossiers_count"]
    keys = [(n["dateDepot"], n["number"]) for n in nodes]
    # Sorted by deposit time (shown to the second, so compare per second then number).
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
    # Deposit order is not number order: clients must not assume it.
    assert numbers != sorted(numbers)


def test_cursor_is_base64_of_nanosecond_timestamp_and_id(big):
    number = first_demarche(big)["number"]
    result = page(big, number, first=3)
    for edge, node in zip(result["edges"], result["nodes"], strict=True):
        stamp, dossier = decode(edge["cursor"])
        assert dossier == node["number"]
        assert stamp.endswith("Z") and len(stamp.split(".")[1]) == 10  # 9 digits + Z
    assert result["pageInfo"]["endCursor"] == result["edges"][-1]["cursor"]
    assert result["pageInfo"]["startCursor"] == result["edges"][0]["cursor"]


def test_updated_since_is_inclusive_and_orders_by_update_time(big):
    number = first_demarche(big)["number"]
    everything = page(big, number, first=100, updatedSince="2000-01-01T00:00:00+01:00")
    middle = everything["edges"][50]
    stamp, dossier = decode(middle["cursor"])
    # The exact timestamp of a dossier, as updatedSince: that dossier is included (>=).
    since = page(big, number, first=100, updatedSince=stamp)
    assert since["nodes"][0]["number"] == dossier
    assert [n["number"] for n in since["nodes"][:10]] == [
        n["number"] for n in everything["nodes"][50:60]
    ]
    updates = [n["dateDerniereModification"] for n in everything["nodes"]]
    assert updates == sorted(updates)


def test_a_changed_dossier_comes_back_after_the_stored_cursor(big):
    number = first_demarche(big)["number"]
    since = "2000-01-01T00:00:00Z"
    nodes = walk(big, number, updatedSince=since)
    last_cursor = None
    after = None
    while True:  # the sync of the docs: keep the last endCursor
        result = page(big, number, first=100, after=after, updatedSince=since)
        last_cursor = result["pageInfo"]["endCursor"] or last_cursor
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert page(big, number, after=last_cursor, updatedSince=since)["nodes"] == []
    touched = nodes[10]["number"]
    big.control.touch(touched)
    big.control.create_dossier(number)
    again = page(big, number, after=last_cursor, updatedSince=since)
    assert len(again["nodes"]) == 2
    assert again["nodes"][0]["number"] == touched


def test_backwards_paging_with_last_and_before(big):
    number = first_demarche(big)["number"]
    forward = walk(big, number)
    tail = page(big, number, last=10)
    assert [n["number"] for n in tail["nodes"]] == [n["number"] for n in forward[-10:]]
    assert tail["pageInfo"]["hasPreviousPage"] is True
    before = page(big, number, last=5, before=tail["pageInfo"]["startCursor"])
    assert [n["number"] for n in before["nodes"]] == [n["number"] for n in forward[-15:-10]]
    assert before["pageInfo"]["hasNextPage"] is True


def test_order_desc_lists_the_newest_first_and_refuses_last(big):
    number = first_demarche(big)["number"]
    forward = [n["number"] for n in walk(big, number)]
    newest_first = page(big, number, first=3, order="DESC")
    assert [n["number"] for n in newest_first["nodes"]] == forward[-3:][::-1]
    assert newest_first["pageInfo"]["hasNextPage"] is True
    older = page(big, number, first=3, order="DESC", after=newest_first["pageInfo"]["endCursor"])
    assert [n["number"] for n in older["nodes"]] == forward[-6:-3][::-1]
    assert older["pageInfo"]["hasPreviousPage"] is True
    found = errors(big, DOSSIER_PAGE, {"number": number, "last": 3, "order": "DESC"})
    assert found[0]["extensions"]["code"] == "bad_request"
    assert "last" in found[0]["message"]


def test_created_since_state_and_archived_filters(big):
    number = first_demarche(big)["number"]
    everything = walk(big, number)
    cut = everything[200]["dateDepot"]
    recent = walk(big, number, createdSince=cut)
    assert recent and all(n["dateDepot"] >= cut for n in recent)
    assert len(recent) < len(everything)
    # createdSince is ignored when updatedSince is given.
    both = walk(big, number, createdSince=cut, updatedSince="2000-01-01T00:00:00Z")
    assert len(both) == len(everything)
    for state in ("en_construction", "en_instruction", "accepte", "refuse", "sans_suite"):
        filtered = walk(big, number, state=state)
        assert filtered and {n["state"] for n in filtered} == {state}
    archived = walk(big, number, archived=True)
    assert archived and all(n["archived"] for n in archived)
    assert all(n["state"] in ("accepte", "refuse", "sans_suite") for n in archived)
    live = walk(big, number, archived=False)
    assert len(archived) + len(live) == len(everything)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": 1, "last": 1}, 'Arguments "first" and "last" are exclusive'),
        ({"after": "x", "before": "y"}, 'Arguments "before" and "after" are exclusive'),
        ({"last": 1, "order": "DESC"}, 'Argument "last" is not supported with order "desc"'),
    ],
)
def test_bad_pagination_arguments_are_bad_requests(sandbox, variables, message):
    # Raised by CursorConnection#load_nodes: on the first field that loads the nodes (here
    # pageInfo.hasNextPage), the null climbing through the non-null parents.
    number = first_demarche(sandbox)["number"]
    from tests.sandboxes.ds.gql import DOSSIER_PAGE

    response = post(sandbox, DOSSIER_PAGE, {"number": number, **variables})
    assert response.status_code == 200
    found = response.json()["errors"]
    assert found[0]["message"] == message
    assert found[0]["extensions"]["code"] == "bad_request"
    assert found[0]["path"] == ["demarche", "dossiers", "pageInfo", "hasNextPage"]
    assert response.json()["data"] is None


def test_negative_counts_are_clamped_to_zero_not_refused(sandbox):
    # graphql-ruby clamps them before DS's own check of negatives could run.
    from tests.sandboxes.ds.gql import DOSSIER_PAGE

    number = first_demarche(sandbox)["number"]
    for variables in ({"first": -1}, {"last": -2}):
        page = data(sandbox, DOSSIER_PAGE, {"number": number, **variables})
        assert page["demarche"]["dossiers"]["nodes"] == []


def test_cursors_as_ds_decodes_them(sandbox):
    from tests.sandboxes.ds.gql import DOSSIER_PAGE

    number = first_demarche(sandbox)["number"]
    # Not base64: graphql-ruby's decoder, an execution error with no code.
    response = post(sandbox, DOSSIER_PAGE, {"number": number, "after": "not base64 at all"})
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["message"] == 'Invalid input: "not base64 at all"'
    assert "extensions" not in error
    # A date Ruby recognises but cannot build: ArgumentError, which DS's controller answers 400.
    out_of_range = base64.urlsafe_b64encode(b"2026-13-45T00:00:00.000000000Z;1").decode()
    response = post(sandbox, DOSSIER_PAGE, {"number": number, "after": out_of_range})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "bad_request"
    # A time that means nothing: Time.zone.parse gives nil and nothing matches.
    nonsense = base64.urlsafe_b64encode(b"hello;1").decode()
    page = data(sandbox, DOSSIER_PAGE, {"number": number, "after": nonsense})
    assert page["demarche"]["dossiers"]["nodes"] == []


DELETED = """
query Gone($number: Int!, $since: ISO8601DateTime) {
  demarche(number: $number) {
    deletedDossiers(deletedSince: $since) {
      pageInfo { hasNextPage endCursor }
      nodes { id number state reason dateSupression }
    }
    pendingDeletedDossiers(deletedSince: $since) {
      nodes { id number state reason dateSupression }
    }
  }
}
"""


def test_deleted_and_pending_deleted_dossiers_with_deleted_since(sandbox):
    demarche = first_demarche(sandbox)
    number = demarche["number"]
    before = data(sandbox, DELETED, {"number": number})["demarche"]
    first = sandbox.control.create_dossier(number)["number"]
    second = sandbox.control.create_dossier(number, state="accepte")["number"]
    deleted = sandbox.control.delete(first)
    since = deleted["deleted"]["dateSupression"]
    sandbox.control.trash(second, by="administration")
    after = data(sandbox, DELETED, {"number": number, "since": since})["demarche"]
    gone = after["deletedDossiers"]["nodes"]
    assert [g["number"] for g in gone] == [first]
    assert gone[0]["reason"] == "user_request"
    assert gone[0]["state"] == "en_construction"
    # DS: a deleted dossier's id is its deletion record's own; one in the trash keeps its own.
    assert gone[0]["id"] != base64.b64encode(f"DeletedDossier-{first}".encode()).decode()
    assert base64.b64decode(gone[0]["id"]).decode().startswith("DeletedDossier-")
    pending = after["pendingDeletedDossiers"]["nodes"]
    assert [g["number"] for g in pending] == [second]
    assert pending[0]["id"] == base64.b64encode(f"DeletedDossier-{second}".encode()).decode()
    everything = data(sandbox, DELETED, {"number": number})["demarche"]
    assert (
        len(everything["deletedDossiers"]["nodes"]) == len(before["deletedDossiers"]["nodes"]) + 1
    )
    # Neither is listed nor readable any more.
    listed = [n["number"] for n in page(sandbox, number)["nodes"]]
    assert first not in listed and second not in listed
    found = errors(sandbox, "query($n:Int!){dossier(number:$n){id}}", {"n": first})
    assert found[0]["extensions"]["code"] == "not_found"
    assert found[0]["message"] == "Dossier not found"
    # The control API still answers, with `deleted` set.
    assert sandbox.control.dossier(first)["deleted"]["reason"] == "user_request"
    with pytest.raises(httpx.HTTPStatusError):
        sandbox.control.dossier(999_999)
