"""`POST /api/v2/graphql`: from the HTTP request to DS's answer.

Order, as in DS: rate limit (Rack::Attack, before the app), then the controller (JSON body,
token: 401 expired, 403 forbidden network, 403 "only persisted queries" without a valid token),
then graphql-ruby (parse: HTTP 400 `graphql_parse_failed`; validation and max depth 15: HTTP 200
with `errors`; execution). An unexpected exception is an HTTP 500 `internal_server_error` with
an `exception_id`, as in production.

Persisted queries: only `"queryId": "introspection"` is served; the `ds-query-v2` /
`ds-mutation-v2` documents are DS's and are not shipped (`No query with id …`, HTTP 400).
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLResolveInfo,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute_sync,
    get_introspection_query,
    get_operation_ast,
    parse,
    validate,
)

from dsbot.sandboxes.ds.auth import ANONYMOUS, Token, bearer_token
from dsbot.sandboxes.ds.context import RequestContext
from dsbot.sandboxes.ds.errors import HttpAbort, InternalError, api_error, error_body
from dsbot.sandboxes.ds.executable import load_schema
from dsbot.sandboxes.ds.faults import RATE_LIMIT_BODY
from dsbot.sandboxes.ds.ruby_validation import ruby_errors
from dsbot.sandboxes.http import Response, json_response

if TYPE_CHECKING:
    from dsbot.sandboxes.ds.app import SandboxApp

MAX_DEPTH = 15
_CACHE_SIZE = 256
# Parsed and validated documents, shared by every sandbox of the process: validation depends on
# the schema alone (built once, `load_schema`), and a client sends the same few documents.
_PREPARED: OrderedDict[str, Prepared] = OrderedDict()
_PREPARED_LOCK = threading.Lock()
# Answers to introspection-only operations: they depend on the schema alone, and building one
# costs ~0.2 s of CPU (`dsbot check` asks for it on every run).
_INTROSPECTED: dict[tuple[str, str, str | None], bytes] = {}
_INTROSPECTED_SIZE = 16


def _formatted_errors(errors: Iterable[GraphQLError]) -> list[dict[str, Any]] | Response:
    """The errors as DS lists them; or the HTTP answer when one is an abort or a bug of ours."""
    formatted: list[dict[str, Any]] = []
    for error in errors:
        original = error.original_error
        if isinstance(original, HttpAbort):
            return _abort(original)
        if original is not None and not isinstance(original, GraphQLError):
            traceback.print_exception(original, file=sys.stderr)
            return _abort(InternalError())
        formatted.append(dict(error.formatted))
    return formatted


def _abort(exc: HttpAbort) -> Response:
    return Response(exc.status, exc.body)


@dataclass
class Prepared:
    """A parsed and validated document (cached by query text)."""

    document: DocumentNode | None
    parse_error: str | None = None
    errors: list[dict[str, Any]] | None = None  # as DS words them (graphql-ruby)


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> int:
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == "__typename":
                continue
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, seen))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, seen))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                inner = fragments[name].selection_set
                deepest = max(deepest, _depth(inner, fragments, seen | {name}))
    return deepest


def query_depth(document: DocumentNode, operation: OperationDefinitionNode) -> int:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _depth(operation.selection_set, fragments)


def _introspects(operation: OperationDefinitionNode) -> bool:
    """Whether the operation reads the schema only (`__schema`, `__type`, `__typename`)."""
    return operation.operation == OperationType.QUERY and all(
        isinstance(s, FieldNode) and s.name.value.startswith("__")
        for s in operation.selection_set.selections
    )


class GraphQLEndpoint:
    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.schema = load_schema()
        self._cache = _PREPARED
        self._cache_lock = _PREPARED_LOCK

    # --- documents -----------------------------------------------------------------------

    def prepare(self, query: str) -> Prepared:
        with self._cache_lock:
            cached = self._cache.get(query)
            if cached is not None:
                self._cache.move_to_end(query)
                return cached
        try:
            document = parse(query)
        except GraphQLError as exc:
            prepared = Prepared(None, parse_error=exc.message)
        else:
            errors = validate(self.schema, document)
            worded = ruby_errors(self.schema, document) if errors else None
            fallback = [dict(e.formatted) for e in errors]
            prepared = Prepared(document, errors=worded or fallback or None)
        with self._cache_lock:
            self._cache[query] = prepared
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return prepared

    # --- the request ---------------------------------------------------------------------

    def _injected_fault(self, authorization: str | None) -> Response | None:
        """The answer of a rate limit or an injected error, after the injected latency."""
        faults = self.app.faults
        limited = faults.rate_limited(authorization)
        if limited is not None:
            reset, wait = limited
            extra = {"RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)}
            if faults.snapshot()["retry_after"]:
                extra["Retry-After"] = str(wait)
            return Response(
                429, RATE_LIMIT_BODY.encode(), "text/plain; charset=utf-8", headers=extra
            )
        latency = faults.latency_s()
        if latency:
            time.sleep(latency)
        if faults.roll("error_rate"):
            return _abort(InternalError("injected error_rate"))
        return None

    def _document(self, query: str) -> DocumentNode | Response:
        """The parsed, validated document; or DS's answer to a query that is not one."""
        prepared = self.prepare(query)
        if prepared.parse_error is not None:
            return Response(400, error_body(prepared.parse_error, "graphql_parse_failed"))
        if prepared.errors:
            return json_response(200, {"errors": prepared.errors})
        assert prepared.document is not None
        return prepared.document

    def _read(
        self, authorization: str | None, params: dict[str, Any] | HttpAbort
    ) -> tuple[Token, str, dict[str, Any], str | None] | Response:
        """The token, query, variables and operation name of a request; or DS's answer when
        one is missing."""
        if isinstance(params, HttpAbort):
            return _abort(params)
        try:
            token = self._authenticate(authorization, params)
            query = self._query_text(params)
            variables = self._variables(params.get("variables"))
        except HttpAbort as exc:
            return _abort(exc)
        if query is None:
            return json_response(200, {"errors": [{"message": "No query string was present"}]})
        return token, query, variables, params.get("operationName")

    def _middleware(self) -> list[object]:
        """The injected timeouts this request will meet, if any."""
        faults = self.app.faults
        middleware: list[object] = [_TimeoutOnce()] if faults.roll("timeout_rate") else []
        heavy_limit = faults.snapshot()["timeout_above_full_dossiers"]
        if heavy_limit:
            middleware.append(_HeavyTimeout(heavy_limit))
        return middleware

    def handle(self, headers: dict[str, str], body: bytes) -> Response:
        app = self.app
        authorization = headers.get("authorization")
        params, operation_name = self._params(body)
        app.stats.count(operation_name)
        injected = self._injected_fault(authorization)
        if injected is not None:
            return injected

        request = self._read(authorization, params)
        if isinstance(request, Response):
            return request
        token, query, variables, requested = request
        document = self._document(query)
        if isinstance(document, Response):
            return document
        operation = get_operation_ast(document, requested)
        depth = query_depth(document, operation) if operation is not None else 0
        if depth > MAX_DEPTH:
            message = f"Query has depth of {depth}, which exceeds max depth of {MAX_DEPTH}"
            return json_response(200, {"errors": [{"message": message}]})
        is_mutation = operation is not None and operation.operation == OperationType.MUTATION
        ambiguous = app.faults.take_ambiguous() if is_mutation else None
        middleware = self._middleware()

        introspection = not middleware and operation is not None and _introspects(operation)
        if introspection:
            key = (query, json.dumps(variables, sort_keys=True), requested)
            cached = _INTROSPECTED.get(key)
            if cached is not None:
                return Response(200, cached)

        with app.store.lock:
            ctx = RequestContext(app.store, app.uploads, token, app.base_url, app.clock.now_us())
            try:
                # Every resolver is synchronous: a coroutine here would be a bug of ours.
                result = execute_sync(
                    self.schema,
                    document,
                    context_value=ctx,
                    variable_values=variables,
                    operation_name=requested,
                    middleware=middleware or None,
                )
            except Exception:  # a bug of ours: answer like DS in production
                traceback.print_exc(file=sys.stderr)
                return _abort(InternalError())

        errors = _formatted_errors(result.errors or ())
        if isinstance(errors, Response):
            return errors
        if ambiguous is not None and operation is not None:
            return self._ambiguous(ambiguous, operation)
        payload: dict[str, Any] = {"data": result.data}
        if errors:
            payload["errors"] = errors
        response = json_response(200, payload)
        if introspection and not errors and len(_INTROSPECTED) < _INTROSPECTED_SIZE:
            _INTROSPECTED[key] = response.body
        return response

    @staticmethod
    def _ambiguous(mode: str, operation: OperationDefinitionNode) -> Response:
        """The mutation was applied; the client is told it timed out (or hears nothing)."""
        if mode == "drop":
            return Response(0, drop=True)
        fields = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
        names = [(f.alias or f.name).value for f in fields]
        errors = [
            {
                "message": f"Timeout on Mutation.{f.name.value}",
                "locations": [{"line": f.loc.start_token.line, "column": f.loc.start_token.column}]
                if f.loc
                else [],
                "path": [name],
                "extensions": {"code": "timeout"},
            }
            for f, name in zip(fields, names, strict=True)
        ]
        return json_response(200, {"data": {name: None for name in names}, "errors": errors})

    # --- pieces ----------------------------------------------------------------------------

    def _params(self, body: bytes) -> tuple[dict[str, Any] | HttpAbort, str]:
        try:
            params = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            return HttpAbort(400, f"JSON::ParserError: {exc}", "graphql_parse_failed"), "(invalid)"
        if not isinstance(params, dict):
            return HttpAbort(400, "Unexpected parameter", "bad_request"), "(invalid)"
        name = params.get("operationName")
        if not name and isinstance(params.get("query"), str):
            prepared = self.prepare(params["query"])
            if prepared.document is not None:
                operation = get_operation_ast(prepared.document)
                if operation is not None and operation.name is not None:
                    name = operation.name.value
        if not name and params.get("queryId"):
            name = str(params["queryId"])
        return params, str(name or "anonymous")

    def _authenticate(self, authorization: str | None, params: dict[str, Any]) -> Token:
        token = self.app.tokens.get(bearer_token(authorization))
        # DS checks the network before the expiry: a token both gets the 403.
        if token is not None and token.forbidden_network:
            raise HttpAbort(
                403,
                "Request issued from a forbidden network. Add 127.0.0.1/32 to your allowed "
                "adresses in your /profil",
                "forbidden",
            )
        if token is not None and token.expired:
            raise HttpAbort(401, "Token expired", "unauthorized")
        if token is None:
            if not params.get("queryId"):
                raise HttpAbort(
                    403, "Without a token, only persisted queries are allowed", "forbidden"
                )
            return ANONYMOUS
        return token

    @staticmethod
    def _query_text(params: dict[str, Any]) -> str | None:
        query_id = params.get("queryId")
        if query_id:
            if query_id == "introspection":
                return get_introspection_query(descriptions=True)
            raise HttpAbort(400, f'No query with id "{query_id}"', "bad_request")
        query = params.get("query")
        return query if isinstance(query, str) and query.strip() else None

    @staticmethod
    def _variables(value: Any) -> dict[str, Any]:
        if value is None or value == "":
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise HttpAbort(400, f"JSON::ParserError: {exc}", "graphql_parse_failed") from None
        if not isinstance(value, dict):
            raise HttpAbort(400, f"Unexpected parameter: {value}", "bad_request")
        return value


class _TimeoutOnce:
    """Middleware: the first root field times out, the way DS's `Timeout` reports it."""

    def __init__(self) -> None:
        self.fired = False

    def resolve(
        self,
        next_: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo[RequestContext],
        **args: Any,
    ) -> Any:
        if info.path.prev is None and not self.fired:
            self.fired = True
            raise api_error(f"Timeout on {info.parent_type.name}.{info.field_name}", "timeout")
        return next_(root, info, **args)


class _HeavyTimeout:
    """Middleware: past `limit` dossiers whose champs are read, each further one times out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen = 0

    def resolve(
        self,
        next_: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo[RequestContext],
        **args: Any,
    ) -> Any:
        if info.parent_type.name == "Dossier" and info.field_name == "champs":
            self.seen += 1
            if self.seen > self.limit:
                raise api_error("Timeout on Dossier.champs", "timeout")
        return next_(root, info, **args)
