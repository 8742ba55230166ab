"""Any valid query answers: every field of every type the sandbox serves, deprecated ones too.

The selections are built from the schema itself, so a field we forgot to generate, or a value
of the wrong type, shows up as an error here.
"""

from __future__ import annotations

from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
)

from dsbot.sandboxes.ds.executable import load_schema
from tests.sandboxes.ds.gql import data, first_demarche

# How many times a type may appear on one path: once, except champs (the rows of a
# repetition hold champs). Without a bound the selection grows exponentially.
TWICE = {"Champ"}
CONNECTIONS = {"dossiers", "deletedDossiers", "pendingDeletedDossiers"}
# Well within graphql-core's validation budget (all of them at once exceed it).
CHAMP_TYPES_PER_QUERY = 7


def selection(type_, depth: int, path: frozenset) -> str:
    schema = load_schema()
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
        parts = ["__typename"]
        for possible in schema.get_possible_types(named):
            inner = fields_of(possible, depth, path)
            if inner:
                parts.append(f"... on {possible.name} {{ {inner} }}")
        return " ".join(parts)
    return fields_of(named, depth, path)


def entry(type_name: str, depth: int, skip: frozenset | set = frozenset()) -> str:
    named = load_schema().type_map[type_name]
    assert isinstance(named, GraphQLObjectType)
    return fields_of(named, depth, frozenset({f"{type_name}#0"}), skip)


def fields_of(
    object_type: GraphQLObjectType, depth: int, path: frozenset, skip: frozenset | set = frozenset()
) -> str:
    parts = []
    for name, field in object_type.fields.items():
        if name in skip:
            continue
        if any(arg.type.__class__.__name__ == "GraphQLNonNull" for arg in field.args.values()):
            continue
        if name in CONNECTIONS or (name == "groupeInstructeurs" and field.args):
            if name == "groupeInstructeurs":
                parts.append("groupeInstructeurs { id number label closed }")
            continue
        target = get_named_type(field.type)
        # Same name, other type in another possible type: aliases keep the fields apart.
        shape = str(field.type).replace("[", "L").replace("]", "").replace("!", "N")
        alias = f"{name}_{shape}"
        if is_leaf_type(target):
            parts.append(f"{alias}: {name}")
            continue
        seen = sum(1 for p in path if p.split("#")[0] == target.name)
        if depth <= 1 or seen >= (2 if target.name in TWICE else 1):
            continue
        inner = selection(field.type, depth - 1, path | {f"{target.name}#{seen}"})
        if inner:
            parts.append(f"{alias}: {name} {{ {inner} }}")
    return " ".join(parts)


def test_every_field_of_every_dossier(sandbox):
    schema = load_schema()
    # One query for the dossier without champs, then the types of champ a few at a time: a
    # single document with everything exceeds graphql-core's validation budget ("Validation
    # aborted."), and one per type walks every champ of every dossier once per type (three
    # times the CPU). The champs inside repetition rows are covered by test_canonical.
    skip = {"champs", "annotations"}
    documents = [f"nodes {{ {entry('Dossier', 7, skip)} }}"]
    path = frozenset({"Champ#0", "Champ#1", "Dossier#0"})
    champ_type = schema.type_map["Champ"]
    assert isinstance(champ_type, GraphQLInterfaceType)
    fragments = [
        f"... on {champ.name} {{ {fields_of(champ, 6, path)} }}"
        for champ in schema.get_possible_types(champ_type)
    ]
    for start in range(0, len(fragments), CHAMP_TYPES_PER_QUERY):
        inner = " ".join(["__typename", *fragments[start : start + CHAMP_TYPES_PER_QUERY]])
        documents.append(f"nodes {{ champs {{ {inner} }} annotations {{ {inner} }} }}")
    for demarche in sandbox.control.demarches():
        for document in documents:
            query = (
                "query($n: Int!) { demarche(number: $n) { dossiers(first: 100) { "
                + document
                + " } } }"
            )
            nodes = data(sandbox, query, {"n": demarche["number"]})["demarche"]["dossiers"]
            assert len(nodes["nodes"]) == demarche["dossiers_count"]


def test_every_field_of_demarche_groupe_and_descriptor(sandbox):
    demarche = first_demarche(sandbox)
    whole = entry("Demarche", 9)
    deleted = "deletedDossiers { nodes { id number state reason dateSupression } } "
    pending = "pendingDeletedDossiers { nodes { id number state reason dateSupression } } "
    got = data(
        sandbox,
        f"query($n: Int!) {{ demarche(number: $n) {{ {whole} {deleted} {pending} }} }}",
        {"n": demarche["number"]},
    )
    assert got["demarche"]["number_IntN"] == demarche["number"]
    groupe = entry("GroupeInstructeurWithDossiers", 6)
    number = demarche["groupes"][0]["number"]
    assert data(sandbox, f"{{ groupeInstructeur(number: {number}) {{ {groupe} }} }}")
    descriptor = entry("DemarcheDescriptor", 9)
    got = data(
        sandbox,
        f"{{ demarcheDescriptor(demarche: {{number: {demarche['number']}}}) {{ {descriptor} }} }}",
    )
    assert got["demarcheDescriptor"]["title_StringN"] == demarche["title"]
