"""Every document the client sends is valid for DS's schema, with exactly the fragments it uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    parse,
    validate,
)

from dsbot.backends.ds.documents import QUERIES_DIR, Document, DocumentError, load_documents

SCHEMA_PATH = Path(__file__).parents[3] / "dsbot" / "backends" / "ds" / "schema.graphql"
DOCUMENTS = load_documents()


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(SCHEMA_PATH.read_text())


def errors_of(schema: GraphQLSchema, text: str) -> list[str]:
    # graphql-core's default rules include NoUnusedFragments, which DS enforces too.
    return [e.message for e in validate(schema, parse(text))]


def test_every_graphql_file_is_loaded():
    stems = {p.stem for p in QUERIES_DIR.glob("*.graphql")} - {"fragments"}
    assert stems == set(DOCUMENTS)
    assert len(DOCUMENTS) >= 20


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_valid_against_the_ds_schema(schema, name):
    document = DOCUMENTS[name]
    assert errors_of(schema, document.text) == []
    ast = parse(document.text)
    operations = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    assert [o.name and o.name.value for o in operations] == [document.operation_name]
    assert operations[0].operation.value == document.operation_type


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_only_used_fragments_are_appended(name):
    document = DOCUMENTS[name]
    ast = parse(document.text)
    defined = [d.name.value for d in ast.definitions if isinstance(d, FragmentDefinitionNode)]
    # A document may define its own fragments (introspection does); the shared ones follow.
    source = (QUERIES_DIR / f"{name}.graphql").read_text()
    local = [
        d.name.value for d in parse(source).definitions if isinstance(d, FragmentDefinitionNode)
    ]
    assert [f for f in defined if f not in local] == list(document.fragments)
    assert len(set(defined)) == len(defined)
    for fragment in defined:
        assert f"...{fragment}" in document.text


def test_fragments_are_appended_transitively(tmp_path, schema):
    (tmp_path / "fragments.graphql").write_text(
        "fragment A on Dossier { id ...B }\n"
        "fragment B on Dossier { number }\n"
        "fragment Unused on Dossier { state }\n"
    )
    (tmp_path / "q.graphql").write_text("query Q { dossier(number: 1) { ...A } }")
    document = load_documents(tmp_path)["q"]
    assert document.fragments == ("A", "B")
    assert "Unused" not in document.text
    assert errors_of(schema, document.text) == []


def test_the_check_catches_invalid_documents(schema):
    # The validation above must be able to fail: an unused fragment, an unknown field.
    base = DOCUMENTS["get_groupe"].text
    assert errors_of(schema, base + "\nfragment X on Dossier { id }\n")
    assert errors_of(schema, base.replace("label", "labelle"))


def test_unknown_fragment_is_refused(tmp_path):
    (tmp_path / "q.graphql").write_text("query Q { dossier(number: 1) { ...Nope } }")
    with pytest.raises(DocumentError, match="Nope"):
        load_documents(tmp_path)


def test_a_file_must_hold_one_named_operation(tmp_path):
    (tmp_path / "q.graphql").write_text("query A { demarche(number: 1) { id } } query B { x }")
    with pytest.raises(DocumentError):
        load_documents(tmp_path)


def test_every_shared_fragment_is_used_somewhere():
    used = {f for d in DOCUMENTS.values() for f in d.fragments}
    defined = {
        d.name.value
        for d in parse((QUERIES_DIR / "fragments.graphql").read_text()).definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    assert defined == used


def test_documents_are_frozen_values():
    assert isinstance(DOCUMENTS["get_dossier"], Document)
    assert DOCUMENTS["dossier_accepter"].is_mutation
    assert not DOCUMENTS["get_dossier"].is_mutation
