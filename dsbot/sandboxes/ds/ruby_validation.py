"""graphql-ruby's words for an invalid document (docs/ds-api.md, "Validation errors").

DS validates documents with graphql-ruby 2.5.4, whose messages, `path` and `extensions` differ
from graphql-core's. The sandbox validates with graphql-core (the same rules), then words the
errors a client meets when DS's schema moves under it as graphql-ruby does: an undefined field,
an argument a field does not take, a missing required argument, a selection on a leaf or none on
an object, a variable used but not declared or declared but not used. Any other kind of error
keeps graphql-core's wording (`ruby_errors` answers None).

The order follows graphql-ruby's single visit: per field, a field that does not exist stops
there, then the selection check (which also stops), then the missing arguments, then each
argument, then the field's own selections; variables are checked at the end of the document.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.language import get_location
from graphql.pyutils import Undefined

__all__ = ["did_you_mean", "ruby_errors"]


# --- Ruby's DidYouMean::SpellChecker (graphql-ruby's suggestions) --------------------------


def _jaro(first: str, second: str) -> float:
    if len(first) > len(second):
        first, second = second, first
    length1, length2 = len(first), len(second)
    window = length2 // 2 - 1 if length2 > 3 else 0
    flags1 = [False] * length1
    flags2 = [False] * (length2 + window + 1)
    matches = 0.0
    for i in range(length1):
        for j in range(max(0, i - window), i + window + 1):
            if j < length2 and not flags2[j] and first[i] == second[j]:
                flags1[i] = flags2[j] = True
                matches += 1
                break
    transpositions = 0.0
    k = 0
    for i in range(length1):
        if flags1[i]:
            index = j = k
            while j < length2:
                index = j
                if flags2[j]:
                    k = j + 1
                    break
                j += 1
            if first[i] != second[index]:
                transpositions += 1
    transpositions = math.floor(transpositions / 2)
    if matches == 0:
        return 0.0
    return (matches / length1 + matches / length2 + (matches - transpositions) / matches) / 3


def _jaro_winkler(first: str, second: str) -> float:
    distance = _jaro(first, second)
    if distance <= 0.7:
        return distance
    prefix = 0
    for char in first:
        if prefix < 4 and prefix < len(second) and char == second[prefix]:
            prefix += 1
        else:
            break
    return distance + prefix * 0.1 * (1 - distance)


def _levenshtein(first: str, second: str) -> int:
    previous = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i]
        for j, b in enumerate(second, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1]


def _normalize(word: str) -> str:
    return word.lower().replace("@", "")


def did_you_mean(name: str, options: list[str]) -> str:
    """ " (Did you mean `x`?)" as graphql-ruby appends it, or ""."""
    wanted = _normalize(name)
    threshold = 0.834 if len(wanted) > 3 else 0.77
    words = [w for w in options if _jaro_winkler(_normalize(w), wanted) >= threshold]
    words = [w for w in words if w != name]
    words.sort(key=lambda w: _jaro_winkler(w, wanted), reverse=True)
    limit = math.ceil(len(wanted) * 0.25)
    found = [w for w in words if _levenshtein(_normalize(w), wanted) <= limit]
    if not found:
        found = [
            w
            for w in words
            if _levenshtein(_normalize(w), wanted) < min(len(wanted), len(_normalize(w)))
        ][:1]
    if not found:
        return ""
    if len(found) == 1:
        return f" (Did you mean `{found[0]}`?)"
    head = ", ".join(f"`{w}`" for w in found[:-1])
    return f" (Did you mean {head} or `{found[-1]}`?)"


# --- the visit ------------------------------------------------------------------------------


@dataclass
class _Visit:
    schema: GraphQLSchema
    document: DocumentNode
    errors: list[dict[str, Any]] = field(default_factory=list)
    scope: str = ""  # the operation or fragment being visited
    # Per scope: the variables it uses (with graphql-ruby's path there) and the fragments it
    # spreads, as far as the visit went (a field in error is not visited further).
    usages: dict[str, list[tuple[VariableNode, list[Any]]]] = field(default_factory=dict)
    spreads: dict[str, list[str]] = field(default_factory=dict)

    def location(self, node: Node) -> dict[str, int]:
        assert node.loc is not None
        where = get_location(node.loc.source, node.loc.start)
        return {"line": where.line, "column": where.column}

    def add(self, message: str, node: Node, path: list[Any], **extensions: str) -> None:
        self.errors.append(
            {
                "message": message,
                "locations": [self.location(node)],
                "path": path,
                "extensions": extensions,
            }
        )

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, path: list[Any]
    ) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                self.field(selection, parent, path)
            elif isinstance(selection, FragmentSpreadNode):
                self.spreads.setdefault(self.scope, []).append(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                label = f"... on {condition.name.value}" if condition else "..."
                if inner is not None:
                    self.selections(selection.selection_set, inner, [*path, label])

    def field(self, node: FieldNode, parent: GraphQLNamedType, path: list[Any]) -> None:
        name = node.name.value
        here = [*path, node.alias.value if node.alias else name]
        if name == "__typename":
            return
        definition = _field_of(parent, name)
        if definition is None:
            if isinstance(parent, GraphQLUnionType):
                self.add(
                    "Selections can't be made directly on unions "
                    f"(see selections on {parent.name})",
                    node,
                    here,
                    code="selectionMismatch",
                    nodeName=parent.name,
                )
                return
            suggestion = did_you_mean(name, list(_fields(parent)))
            self.add(
                f"Field '{name}' doesn't exist on type '{parent.name}'{suggestion}",
                node,
                here,
                code="undefinedField",
                typeName=parent.name,
                fieldName=name,
            )
            return
        returned = get_named_type(definition.type)
        if not self.selection_fits(node, returned, here):
            return
        self.arguments(node, definition, here)
        self.selections(node.selection_set, returned, here)

    def selection_fits(self, node: FieldNode, returned: GraphQLNamedType, path: list[Any]) -> bool:
        node_name = f"field '{node.name.value}'"
        selected = node.selection_set.selections if node.selection_set else ()
        if is_leaf_type(returned) and selected:
            kind = "enums" if isinstance(returned, GraphQLEnumType) else "scalars"
            shown = ", ".join(_selection_label(s) for s in selected)
            message = (
                f"Selections can't be made on {kind} ({node_name} returns {returned.name} "
                f"but has selections [{shown}])"
            )
        elif not is_leaf_type(returned) and not selected:
            message = (
                f"Field must have selections ({node_name} returns {returned.name} but has no "
                f"selections. Did you mean '{node.name.value} {{ ... }}'?)"
            )
        else:
            return True
        self.add(
            message,
            node,
            path,
            code="selectionMismatch",
            nodeName=node_name,
            typeName=returned.name,
        )
        return False

    def arguments(self, node: FieldNode, definition: GraphQLField, path: list[Any]) -> None:
        given = [a.name.value for a in node.arguments or ()]
        missing = [
            name
            for name, argument in definition.args.items()
            if is_non_null_type(argument.type)
            and argument.default_value is Undefined
            and name not in given
        ]
        if missing:
            names = ", ".join(missing)
            self.add(
                f"Field '{node.name.value}' is missing required arguments: {names}",
                node,
                path,
                code="missingRequiredArguments",
                className="Field",
                name=node.name.value,
                arguments=names,
            )
        shown = node.alias.value if node.alias else node.name.value
        for argument in node.arguments or ():
            name = argument.name.value
            if name in definition.args:
                self.values(argument.value, [*path, name])
                continue
            suggestion = did_you_mean(name, list(definition.args))
            self.add(
                f"Field '{shown}' doesn't accept argument '{name}'{suggestion}",
                argument,
                [*path, name],
                code="argumentNotAccepted",
                name=shown,
                typeName="Field",
                argumentName=name,
            )

    def values(self, value: Node, path: list[Any]) -> None:
        """Where each variable is used: an input object's fields extend the path, as do the
        positions of input objects in a list."""
        if isinstance(value, VariableNode):
            self.usages.setdefault(self.scope, []).append((value, path))
        elif isinstance(value, ObjectValueNode):
            for entry in value.fields:
                self.values(entry.value, [*path, entry.name.value])
        elif isinstance(value, ListValueNode):
            for index, element in enumerate(value.values):
                inner = [*path, index] if isinstance(element, ObjectValueNode) else path
                self.values(element, inner)


def _fields(parent: GraphQLNamedType) -> dict[str, GraphQLField]:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return dict(parent.fields)
    return {}


def _field_of(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    return _fields(parent).get(name)


def _selection_label(selection: Node) -> str:
    if isinstance(selection, InlineFragmentNode) and selection.type_condition:
        return f'"... on {selection.type_condition.name.value} {{ ... }}"'
    if isinstance(selection, FieldNode | FragmentSpreadNode):
        return f'"{selection.name.value}"'
    return '"..."'


def _usages(visit: _Visit, scope: str, seen: set[str]) -> list[tuple[VariableNode, list[Any]]]:
    """The variables a scope uses, its fragments' included (each fragment once)."""
    found = list(visit.usages.get(scope, ()))
    for name in visit.spreads.get(scope, ()):
        fragment = f"fragment {name}"
        if fragment not in seen:
            seen.add(fragment)
            found += _usages(visit, fragment, seen)
    return found


def _variable_errors(visit: _Visit, operation: OperationDefinitionNode, root: str) -> None:
    declared = {v.variable.name.value: v for v in operation.variable_definitions or ()}
    used = _usages(visit, root, set())
    used_names = {variable.name.value for variable, _ in used}
    named = operation.name.value if operation.name else f"anonymous {operation.operation.value}"
    for name in declared:
        if name not in used_names:
            visit.add(
                f"Variable ${name} is declared by {named} but not used",
                operation,
                [root],
                code="variableNotUsed",
                variableName=name,
            )
    reported: set[str] = set()
    for variable, path in used:
        name = variable.name.value
        if name not in declared and name not in reported:
            reported.add(name)
            visit.add(
                f"Variable ${name} is used by {named} but not declared",
                variable,
                path,
                code="variableNotDefined",
                variableName=name,
            )


def ruby_errors(schema: GraphQLSchema, document: DocumentNode) -> list[dict[str, Any]] | None:
    """graphql-ruby's errors for the document, or None when its errors are of another kind."""
    visit = _Visit(schema, document)
    roots: list[tuple[OperationDefinitionNode, str]] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            kind = definition.operation.value
            root = f"{kind} {definition.name.value}" if definition.name else kind
            root_type = schema.get_root_type(definition.operation)
            visit.scope = root
            if root_type is not None:
                visit.selections(definition.selection_set, root_type, [root])
            roots.append((definition, root))
        elif isinstance(definition, FragmentDefinitionNode):
            condition = schema.get_type(definition.type_condition.name.value)
            visit.scope = f"fragment {definition.name.value}"
            if condition is not None:
                visit.selections(
                    definition.selection_set, condition, [f"fragment {definition.name.value}"]
                )
    for operation, root in roots:
        _variable_errors(visit, operation, root)
    return visit.errors or None
