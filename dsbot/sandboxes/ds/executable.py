"""The DS schema with our scalars and resolvers, built once per process.

Apart from `schema`, which the resolvers and mutations stand on (`bind`, the safety net), so
that the schema module does not import them back.
"""

from __future__ import annotations

from functools import cache

from graphql import GraphQLSchema, build_schema

from dsbot.sandboxes.ds import mutations, resolvers
from dsbot.sandboxes.ds.schema import SCHEMA_PATH, configure_scalars


@cache
def load_schema() -> GraphQLSchema:
    """The DS schema with our scalars and resolvers (built once per process)."""
    schema = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    configure_scalars(schema)
    resolvers.install(schema)
    mutations.install(schema)
    return schema
