"""Errors the sandbox answers with, in DS's shapes.

See docs/ds-api.md, "Authentication" and "Errors".
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from graphql import GraphQLError


def api_error(message: str, code: str) -> GraphQLError:
    """A GraphQL execution error with DS's `extensions.code`."""
    return GraphQLError(message, extensions={"code": code})


def not_found(type_name: str) -> GraphQLError:
    return api_error(f"{type_name} not found", "not_found")


def hidden(type_name: str) -> GraphQLError:
    return api_error(f"An object of type {type_name} was hidden due to permissions", "unauthorized")


def error_body(message: str, code: str, **extensions: Any) -> bytes:
    """The body DS's controllers render outside GraphQL execution."""
    payload = {
        "errors": [{"message": message, "extensions": {"code": code, **extensions}}],
        "data": None,
    }
    return json.dumps(payload, ensure_ascii=False).encode()


class HttpAbort(Exception):
    """Ends the request with that HTTP answer, even from inside a resolver."""

    def __init__(self, status: int, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = error_body(message, code, **extensions)


class InternalError(HttpAbort):
    """DS's production answer to an unexpected exception: HTTP 500 with an exception_id."""

    def __init__(self, reason: str = "Internal Server Error") -> None:
        super().__init__(
            500, "Internal Server Error", "internal_server_error", exception_id=str(uuid.uuid4())
        )
        self.reason = reason
