"""An invalid document gets graphql-ruby 2.5.4's words, path and codes, as DS answers it
(docs/ds-api.md, "Validation errors")."""

from __future__ import annotations

import pytest

from dsbot.sandboxes.ds.ruby_validation import did_you_mean
from tests.sandboxes.ds.gql import errors, post


def test_an_unknown_field_is_graphql_rubys_undefined_field(sandbox):
    found = errors(sandbox, "query Q($n: Int!) { dossier(number: $n) { numbr } }", {"n": 1})
    assert found == [
        {
            "message": "Field 'numbr' doesn't exist on type 'Dossier' (Did you mean `number`?)",
            "locations": [{"line": 1, "column": 43}],
            "path": ["query Q", "dossier", "numbr"],
            "extensions": {"code": "undefinedField", "typeName": "Dossier", "fieldName": "numbr"},
        }
    ]


def test_a_field_in_error_is_not_visited_further(sandbox):
    # graphql-ruby stops at an undefined field or a refused argument: the variable used there
    # counts as unused.
    query = "query Q($n: Int!) { dossier(numbre: $n) { number } }"
    found = errors(sandbox, query, {"n": 1})
    assert [(e["message"], e["extensions"]["code"]) for e in found] == [
        ("Field 'dossier' is missing required arguments: number", "missingRequiredArguments"),
        (
            "Field 'dossier' doesn't accept argument 'numbre' (Did you mean `number`?)",
            "argumentNotAccepted",
        ),
        ("Variable $n is declared by Q but not used", "variableNotUsed"),
    ]
    assert found[1]["path"] == ["query Q", "dossier", "numbre"]
    assert found[2]["path"] == ["query Q"] and found[2]["locations"] == [{"line": 1, "column": 1}]


def test_selections_on_leaves_and_objects(sandbox):
    found = errors(sandbox, "{ dossier(number: 1) { state { x } usager } }")
    assert [e["message"] for e in found] == [
        "Selections can't be made on enums (field 'state' returns DossierState but has "
        'selections ["x"])',
        "Field must have selections (field 'usager' returns Profile but has no selections. "
        "Did you mean 'usager { ... }'?)",
    ]
    assert found[0]["path"] == ["query", "dossier", "state"]
    assert found[1]["extensions"] == {
        "code": "selectionMismatch",
        "nodeName": "field 'usager'",
        "typeName": "Profile",
    }


def test_an_undeclared_variable_names_its_operation_and_where_it_is_used(sandbox):
    found = errors(sandbox, "query Q { dossier(number: $x) { number } }")
    assert found == [
        {
            "message": "Variable $x is used by Q but not declared",
            "locations": [{"line": 1, "column": 27}],
            "path": ["query Q", "dossier", "number"],
            "extensions": {"code": "variableNotDefined", "variableName": "x"},
        }
    ]


def test_validation_errors_leave_no_data_and_answer_200(sandbox):
    response = post(sandbox, "{ nope }")
    assert response.status_code == 200
    assert set(response.json()) == {"errors"}
    assert response.json()["errors"][0]["message"] == "Field 'nope' doesn't exist on type 'Query'"


@pytest.mark.parametrize(
    ("name", "options", "said"),
    [
        ("numbr", ["number", "id", "state"], " (Did you mean `number`?)"),
        ("numbr", ["numbers", "number"], " (Did you mean `number` or `numbers`?)"),
        ("stat", ["state", "status", "id"], " (Did you mean `state`?)"),  # status: 2 edits
        ("zzz", ["number", "state"], ""),
        ("number", ["number"], ""),  # the name itself is never suggested
    ],
)
def test_suggestions_follow_rubys_spell_checker(name, options, said):
    assert did_you_mean(name, options) == said
