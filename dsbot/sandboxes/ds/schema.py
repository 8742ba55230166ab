"""The real DS schema (`dsbot/backends/ds/schema.graphql`), made executable: the parts the
resolvers stand on. `executable.load_schema` puts them together with the resolvers.

- Objects are plain dicts or small view classes; the default resolver reads a dict key or an
  attribute, and calls it when it is a method (`method(info, **args)`).
- Abstract types (Champ, ChampDescriptor, Demandeur, GeoArea, Column) resolve by `__typename`.
- Custom scalars: ISO8601DateTime serialises our integer microseconds the way DS shows them,
  and rejects bad input like graphql-ruby; BigInt is a string.
- Safety net: a non-null field with no value gets a type-appropriate default, so that any valid
  query over the schema answers instead of failing with `invalid_null` on a field we do not
  generate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    is_abstract_type,
)
from graphql.language import StringValueNode

from dsbot.sandboxes.ds.clock import iso, parse_date, parse_iso
from dsbot.sandboxes.ds.context import RequestContext

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "backends" / "ds" / "schema.graphql"


def resolve_default(source: Any, info: GraphQLResolveInfo[RequestContext], **args: Any) -> Any:
    name = info.field_name
    if type(source) is dict:
        value = source.get(name)
    else:
        value = getattr(source, name, None)
        if callable(value):
            value = value(info, **args)
    if value is None:
        return_type = info.return_type
        if type(return_type) is GraphQLNonNull:
            return fallback(return_type.of_type, info)
    return value


_SCALAR_DEFAULTS = {
    "String": "",
    "ID": "",
    "Int": 0,
    "Float": 0.0,
    "Boolean": False,
    "BigInt": 0,
    "Coordinates": [],
    "ISO8601Date": "1970-01-01",
    "ISO8601DateTime": 0,
}


def fallback(gql_type: Any, info: GraphQLResolveInfo[RequestContext]) -> Any:
    """A valid value of that (nullable inner) type, for a non-null field with no data."""
    if isinstance(gql_type, GraphQLList):
        return []
    if isinstance(gql_type, GraphQLEnumType):
        return next(iter(gql_type.values.values())).value
    if isinstance(gql_type, GraphQLScalarType):
        if gql_type.name == "URL":
            return info.context.base_url + "/"
        if gql_type.name == "ISO8601DateTime":
            return info.context.now
        return _SCALAR_DEFAULTS.get(gql_type.name, "")
    if is_abstract_type(gql_type):
        return {"__typename": info.schema.get_possible_types(gql_type)[0].name}
    return {}


# --- scalars -----------------------------------------------------------------------------


def _serialize_datetime(value: Any) -> str:
    return iso(value) if isinstance(value, int) else str(value)


def _parse_datetime(value: Any) -> int:
    try:
        return parse_iso(value)
    except (ValueError, TypeError) as exc:
        raise GraphQLError(f"{value!r} is not a valid ISO 8601 date-time") from exc


def _parse_datetime_literal(node: Any, _variables: Any = None) -> int:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("ISO8601DateTime must be a string")
    return _parse_datetime(node.value)


def _parse_date(value: Any) -> str:
    try:
        return parse_date(value)
    except (ValueError, TypeError) as exc:
        raise GraphQLError(f"{value!r} is not a valid ISO 8601 date") from exc


def _parse_date_literal(node: Any, _variables: Any = None) -> str:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("ISO8601Date must be a string")
    return _parse_date(node.value)


def _serialize_bigint(value: Any) -> str:
    return str(int(value))


def _parse_bigint(value: Any) -> int:
    try:
        return int(value)
    except (ValueError, TypeError) as exc:
        raise GraphQLError(f"{value!r} is not a valid BigInt") from exc


def _set_scalar(
    schema: GraphQLSchema, name: str, output: Any = None, value: Any = None, literal: Any = None
) -> None:
    """Sets a scalar's coercers under both graphql-core 3.3 names and the legacy ones."""
    scalar = schema.type_map[name]
    assert isinstance(scalar, GraphQLScalarType)
    # graphql-core builds scalars from SDL with default coercers and has no setter: the
    # assignments below replace methods, which mypy reports as method-assign.
    if output is not None:
        scalar.serialize = scalar.coerce_output_value = output  # type: ignore[method-assign]
    if value is not None:
        scalar.parse_value = scalar.coerce_input_value = value  # type: ignore[method-assign]
    if literal is not None:
        scalar.parse_literal = literal  # type: ignore[method-assign]
        scalar.coerce_input_literal = None


def configure_scalars(schema: GraphQLSchema) -> None:
    _set_scalar(
        schema, "ISO8601DateTime", _serialize_datetime, _parse_datetime, _parse_datetime_literal
    )
    _set_scalar(schema, "ISO8601Date", None, _parse_date, _parse_date_literal)
    _set_scalar(schema, "BigInt", _serialize_bigint, _parse_bigint)


def bind(schema: GraphQLSchema, type_name: str, field_name: str, resolver: Any) -> None:
    """Installs a specific resolver, still covered by the safety net."""

    def resolve(source: Any, info: GraphQLResolveInfo[RequestContext], **args: Any) -> Any:
        value = resolver(source, info, **args)
        if value is None and type(info.return_type) is GraphQLNonNull:
            return fallback(info.return_type.of_type, info)
        return value

    gql_type = schema.type_map[type_name]
    assert isinstance(gql_type, GraphQLObjectType), type_name
    gql_type.fields[field_name].resolve = resolve
