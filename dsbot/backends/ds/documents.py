"""The GraphQL documents of `queries/*.graphql`, ready to send.

DS validates documents strictly: a fragment defined but not used is an error
(`Fragment X was defined, but not used`). So each document is sent with only the fragments of
`fragments.graphql` it reaches, directly or through other fragments.

The files are read with a small lexer of GraphQL's tokens, not graphql-core: importing
graphql-core costs a short process (`dsbot poll --once`, `dsbot run`) about a fifth of its
start-up, for the three things read here (each definition's kind, name and source span, and the
fragment spreads). Whether a document is valid GraphQL, and valid for DS's schema, is
tests/backends/ds/test_documents.py's business (with graphql-core), and `dsbot check`'s against
the live schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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


# GraphQL's lexical tokens (spec, "Appendix B"); what is skipped is ignored tokens: white space,
# line ends, commas, the byte order mark and comments.
_TOKENS = re.compile(
    r"""
      (?P<skip>[\s,\ufeff]+|\#[^\n\r]*)
    | (?P<string>\"\"\"(?:\\\"\"\"|.)*?\"\"\"|"(?:\\.|[^"\\\n\r])*")
    | (?P<spread>\.\.\.)
    | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<punct>[!$&():=@\[\]{|}])
    """,
    re.VERBOSE | re.DOTALL,
)
_OPERATIONS = ("query", "mutation", "subscription")


@dataclass(frozen=True)
class _Token:
    kind: str  # a group name of _TOKENS
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class _Definition:
    """One definition of a file: an operation (`kind` its type) or a fragment."""

    kind: str  # "query", "mutation", "subscription" or "fragment"
    name: str | None
    source: str  # its exact text, first token to last
    spreads: tuple[str, ...]  # the fragments it spreads, in first-use order


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while at < len(text):
        found = _TOKENS.match(text, at)
        if found is None:
            raise DocumentError(f"unexpected character {text[at]!r} at offset {at}")
        kind = found.lastgroup or ""
        if kind != "skip":
            tokens.append(_Token(kind, found.group(), found.start(), found.end()))
        at = found.end()
    return tokens


def _definitions(text: str) -> list[_Definition]:
    """The top-level definitions of `text`: each ends at the `}` that closes its selection
    set (braces within parentheses are default values or arguments, not the selection)."""
    tokens = _tokens(text)
    definitions: list[_Definition] = []
    i = 0
    while i < len(tokens):
        kind, name = _head(tokens, i)
        braces = parens = 0
        spreads: list[str] = []
        for j in range(i, len(tokens)):
            token = tokens[j]
            if token.kind == "spread":
                spread = _spread_at(tokens, j)
                if spread and spread not in spreads:
                    spreads.append(spread)
                continue
            if token.kind != "punct":
                continue
            parens += {"(": 1, ")": -1}.get(token.value, 0)
            braces += {"{": 1, "}": -1}.get(token.value, 0)
            if token.value == "}" and braces == 0 and parens == 0:
                break
        else:
            raise DocumentError(f"unterminated definition at offset {tokens[i].start}")
        source = text[tokens[i].start : tokens[j].end]
        definitions.append(_Definition(kind, name, source, tuple(spreads)))
        i = j + 1
    return definitions


def _spread_at(tokens: list[_Token], j: int) -> str | None:
    """The fragment `...` at `tokens[j]` spreads; None for an inline fragment (`... on T`,
    `... @directive`, `... {`)."""
    following = tokens[j + 1] if j + 1 < len(tokens) else None
    if following and following.kind == "name" and following.value != "on":
        return following.value
    return None


def _head(tokens: list[_Token], i: int) -> tuple[str, str | None]:
    """The kind and name of the definition that starts at `tokens[i]`."""
    first = tokens[i]
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    named = following.value if following and following.kind == "name" else None
    if first.kind == "punct" and first.value == "{":
        return "query", None  # the shorthand: an anonymous query
    if first.kind == "name" and first.value in _OPERATIONS:
        return first.value, named
    if first.kind == "name" and first.value == "fragment" and named and named != "on":
        return "fragment", named
    raise DocumentError(f"unexpected {first.value!r} at offset {first.start}")


def _fragment_sources(text: str) -> dict[str, _Definition]:
    """Each fragment of `fragments.graphql`, with its exact source text (comments dropped)."""
    fragments: dict[str, _Definition] = {}
    for definition in _definitions(text):
        if definition.kind != "fragment" or definition.name is None:
            raise DocumentError(f"{FRAGMENTS_FILE} may only hold fragments")
        if definition.name in fragments:
            raise DocumentError(f"fragment {definition.name} defined twice in {FRAGMENTS_FILE}")
        fragments[definition.name] = definition
    return fragments


def _used_fragments(
    definitions: list[_Definition], fragments: dict[str, _Definition], name: str
) -> list[str]:
    """Names of the shared fragments `definitions` reach, transitively, in first-use order."""
    ordered: list[str] = []
    pending = [spread for d in definitions for spread in d.spreads]
    local = {d.name for d in definitions if d.kind == "fragment"}
    while pending:
        fragment = pending.pop(0)
        if fragment in ordered or fragment in local:
            continue
        if fragment not in fragments:
            raise DocumentError(f"{name}.graphql uses unknown fragment {fragment}")
        ordered.append(fragment)
        pending.extend(fragments[fragment].spreads)
    return ordered


def load_documents(directory: Path = QUERIES_DIR) -> dict[str, Document]:
    """Every operation of `directory`, keyed by file stem."""
    fragments = _load_fragments(directory)
    return {
        path.stem: _load_document(path, fragments)
        for path in sorted(directory.glob("*.graphql"))
        if path.name != FRAGMENTS_FILE
    }


def _load_fragments(directory: Path) -> dict[str, _Definition]:
    path = directory / FRAGMENTS_FILE
    return _fragment_sources(path.read_text()) if path.exists() else {}


def _load_document(path: Path, fragments: dict[str, _Definition]) -> Document:
    source = path.read_text()
    definitions = _definitions(source)
    operations = [d for d in definitions if d.kind != "fragment"]
    name = operations[0].name if len(operations) == 1 else None
    if name is None:
        raise DocumentError(f"{path.name} must hold exactly one named operation")
    used = _used_fragments(definitions, fragments, path.stem)
    text = "\n\n".join([source.strip(), *(fragments[f].source for f in used)]) + "\n"
    return Document(
        name=path.stem,
        operation_name=name,
        operation_type=operations[0].kind,
        text=text,
        fragments=tuple(used),
    )


@cache
def documents() -> dict[str, Document]:
    """The package's documents, loaded once."""
    return load_documents()


@cache
def _package_fragments() -> dict[str, _Definition]:
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
