"""Every document the client sends is valid for DS's schema, with exactly the fragments it uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from graphql import (
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    build_schema,
    parse,
    validate,
    visit,
)

from dsbot.backends.ds.documents import (
    QUERIES_DIR,
    Document,
    DocumentError,
    _definitions,
    load_documents,
)

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


class Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: object) -> None:
        if spread.name.value not in self.names:
            self.names.append(spread.name.value)


def graphql_core_reading(text: str) -> list[tuple[str, str | None, str, tuple[str, ...]]]:
    """What dsbot's lexer must find in `text`, as graphql-core reads it: each definition's
    kind, name, source text and fragment spreads in first-use order."""
    definitions = []
    for node in parse(text).definitions:
        assert isinstance(node, (OperationDefinitionNode, FragmentDefinitionNode))
        spreads = Spreads()
        visit(node, spreads)
        kind = node.operation.value if isinstance(node, OperationDefinitionNode) else "fragment"
        assert node.loc is not None
        source = text[node.loc.start : node.loc.end]
        name = node.name.value if node.name else None
        definitions.append((kind, name, source, tuple(spreads.names)))
    return definitions


def dsbot_reading(text: str) -> list[tuple[str, str | None, str, tuple[str, ...]]]:
    return [(d.kind, d.name, d.source, d.spreads) for d in _definitions(text)]


@pytest.mark.parametrize("path", sorted(QUERIES_DIR.glob("*.graphql")), ids=lambda p: p.stem)
def test_the_lexer_reads_every_file_as_graphql_core_does(path):
    text = path.read_text()
    assert dsbot_reading(text) == graphql_core_reading(text)


TRICKY = """
# a comment with { braces } and ...NotASpread
query Q($input: In = {a: {b: "}"}, c: [1, 2.5e3]}, $s: String = \"\"\"
  block } with \\\"\"\" inside ...NotASpread
\"\"\") @skip(if: false) {
  a(arg: "{ ...NotASpread }") { ...F, ... on T { ...G } ... @include(if: true) { ...H } }
  ... { ...F }
}
fragment F on T { x ...G }
{ shorthand { ...H } }
mutation { m }
subscription S { s }
"""


def test_the_lexer_reads_strings_comments_defaults_and_inline_fragments_as_graphql_core():
    assert dsbot_reading(TRICKY) == graphql_core_reading(TRICKY)
    assert [d[3] for d in dsbot_reading(TRICKY)] == [("F", "G", "H"), ("G",), ("H",), (), ()]


@pytest.mark.parametrize("text", ["query Q { a ", "query Q { a ? }", "fragment on T { a }"])
def test_what_the_lexer_cannot_read_is_a_document_error(text):
    with pytest.raises(DocumentError):
        _definitions(text)


def test_the_client_reads_its_documents_without_graphql_core():
    """graphql-core is a fifth of the start-up of a short process (`dsbot poll --once`)."""
    code = (
        "import sys, dsbot.runtime, dsbot.app_runtime\n"
        "from dsbot.backends.ds.documents import get_document\n"
        "get_document('get_dossier'); get_document('dossier_accepter')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'graphql'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
