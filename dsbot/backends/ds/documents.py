"""The GraphQL documents of `queries/*.graphql`, ready to send.

DS validates documents strictly: a fragment defined but not used is an error
(`Fragment X was defined, but not used`). So each document is sent with only the fragments of
`fragments.graphql` it reaches, directly or through other fragments.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    Node,
    OperationDefinitionNode,
    Visitor,
    parse,
    visit,
)

QUERIES_DIR = Path(__file__).parent / "queries"
FRAGMENTS_FILE = "fragments.graphql"


@dataclass(frozen=True)
class Document:
    """One operation, with its fragments appended: what goes in the request's `query`."""

    name: str  # the file stem, e.g. "get_dossier"
    operation_name: str  # e.g. "DsbotGetDossier"
    operation_type: str  # "query" or "mutation"
    text: str
    fragments: tuple[str, ...]  # names of the fragments appended, in order

    @property
    def is_mutation(self) -> bool:
        return self.operation_type == "mutation"


class DocumentError(Exception):
    """A `.graphql` file that cannot be used: several operations, unknown fragment..."""


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: object) -> None:
        if node.name.value not in self.names:
            self.names.append(node.name.value)


def _spreads(node: Node) -> list[str]:
    collector = _SpreadCollector()
    visit(node, collector)
    return collector.names


def _fragment_sources(text: str) -> dict[str, tuple[str, FragmentDefinitionNode]]:
    """Each fragment of `fragments.graphql`, with its exact source text (comments dropped)."""
    ast = parse(text)
    fragments: dict[str, tuple[str, FragmentDefinitionNode]] = {}
    for definition in ast.definitions:
        if not isinstance(definition, FragmentDefinitionNode):
            raise DocumentError(f"{FRAGMENTS_FILE} may only hold fragments")
        name = definition.name.value
        if name in fragments:
            raise DocumentError(f"fragment {name} defined twice in {FRAGMENTS_FILE}")
        loc = definition.loc
        assert loc is not None  # graphql-core keeps locations by default
        fragments[name] = (text[loc.start : loc.end], definition)
    return fragments


def _used_fragments(
    ast: DocumentNode, fragments: dict[str, tuple[str, FragmentDefinitionNode]], name: str
) -> list[str]:
    """Names of the shared fragments `ast` reaches, transitively, in first-use order."""
    ordered: list[str] = []
    pending = _spreads(ast)
    local = {d.name.value for d in ast.definitions if isinstance(d, FragmentDefinitionNode)}
    while pending:
        fragment = pending.pop(0)
        if fragment in ordered or fragment in local:
            continue
        if fragment not in fragments:
            raise DocumentError(f"{name}.graphql uses unknown fragment {fragment}")
        ordered.append(fragment)
        pending.extend(_spreads(fragments[fragment][1]))
    return ordered


def load_documents(directory: Path = QUERIES_DIR) -> dict[str, Document]:
    """Every operation of `directory`, keyed by file stem."""
    fragments = _load_fragments(directory)
    return {
        path.stem: _load_document(path, fragments)
        for path in sorted(directory.glob("*.graphql"))
        if path.name != FRAGMENTS_FILE
    }


def _load_fragments(directory: Path) -> dict[str, tuple[str, FragmentDefinitionNode]]:
    path = directory / FRAGMENTS_FILE
    return _fragment_sources(path.read_text()) if path.exists() else {}


def _load_document(
    path: Path, fragments: dict[str, tuple[str, FragmentDefinitionNode]]
) -> Document:
    source = path.read_text()
    ast = parse(source)
    operations = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    name = operations[0].name if len(operations) == 1 else None
    if name is None:
        raise DocumentError(f"{path.name} must hold exactly one named operation")
    operation = operations[0]
    used = _used_fragments(ast, fragments, path.stem)
    text = "\n\n".join([source.strip(), *(fragments[f][0] for f in used)]) + "\n"
    return Document(
        name=path.stem,
        operation_name=name.value,
        operation_type=operation.operation.value,
        text=text,
        fragments=tuple(used),
    )


@cache
def documents() -> dict[str, Document]:
    """The package's documents, loaded once."""
    return load_documents()


@cache
def _package_fragments() -> dict[str, tuple[str, FragmentDefinitionNode]]:
    return _load_fragments(QUERIES_DIR)


@cache
def get_document(name: str) -> Document:
    """The document of `queries/<name>.graphql`; KeyError names the missing file.

    Read on first use, one at a time: a short process (`dsbot poll --once` from cron) sends
    two or three of the documents, and parsing all of them cost it more than its requests."""
    path = QUERIES_DIR / f"{name}.graphql"
    if name == Path(FRAGMENTS_FILE).stem or not path.is_file():
        raise KeyError(f"no GraphQL document queries/{name}.graphql")
    return _load_document(path, _package_fragments())
