"""HTTP to DS's GraphQL endpoint: one request, its error mapping, and the retry policy.

What DS answers (docs/ds-api.md: "Authentication", "Errors", "Rate limit", pitfalls 6-9):
- HTTP 403 for an unknown token or a forbidden network, 401 for an expired token, 429 with a
  plain-text body from Rack::Attack, 400 for unparsable documents, 5xx when it breaks;
- otherwise HTTP 200 with `{"data", "errors"}`, where any root `errors` entry is fatal even when
  partial data came with it.

Reads are retried with exponential backoff and full jitter. Mutations are not idempotent
(docs/ds-api.md, pitfall 11), so they are only resent when DS cannot have seen them: the
connection never opened, or Rack::Attack refused them before the application ran.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from dsbot.backends.ds.documents import Document
from dsbot.backends.ds.errors import (
    DSBadRequest,
    DSConnectError,
    DSError,
    DSForbiddenNetwork,
    DSNotAuthenticated,
    DSNotFound,
    DSPermissionDenied,
    DSRateLimited,
    DSReadOnlyToken,
    DSReadTimeout,
    DSServerError,
    DSTimeout,
    DSTokenExpired,
    DSTransportError,
)
from dsbot.backends.errors import request_outcome
from dsbot.backends.port import RequestObserver
from dsbot.backoff import jittered_delay
from dsbot.logs import get_logger
from dsbot.ratelimit import RateLimiter, WaitTooLong
from dsbot.redact import redact

logger = get_logger(__name__)

READ_ONLY_MARKER = "seulement en lecture"  # "Le jeton utilisé est configuré seulement en lecture"
FORBIDDEN_NETWORK_MARKER = "forbidden network"
# A 429 is only resent for a mutation when DS asks for a short pause: Rack::Attack refused it
# before the application saw it, but a long wait would outlive the user's click.
MUTATION_RATE_LIMIT_MAX_WAIT = 5.0
MAX_ERROR_TEXT = 300


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Delays in seconds."""

    max_read_retries: int = 4
    max_connect_retries: int = 2  # for mutations: only when nothing was sent
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    # A 429 asking to wait longer than this is raised rather than slept on.
    max_retry_after: float = 60.0


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Full jitter up to base·2^attempt, capped (`attempt` counts retries already made, from 0:
    the first retry is the first failure of `jittered_delay`)."""
    return jittered_delay(attempt + 1, base=policy.backoff_base, cap=policy.backoff_cap, rng=rng)


def parse_retry_after(headers: httpx.Headers, now: float) -> float | None:
    """Seconds to wait: `Retry-After` (seconds or HTTP date), else `RateLimit-Reset`, else None.

    DS's Rack::Attack responder sends `RateLimit-Reset` as a Unix epoch (docs/ds-api.md,
    "Rate limit"); the IETF draft uses a delay in seconds, so small values are read as a delay.
    """
    value = headers.get("Retry-After")
    if value:
        value = value.strip()
        try:
            return max(float(value), 0.0)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                return max(when.timestamp() - now, 0.0)
    value = headers.get("RateLimit-Reset")
    if value:
        try:
            reset = float(value.strip())
        except ValueError:
            return None
        return max(reset - now, 0.0) if reset > 1_000_000_000 else max(reset, 0.0)
    return None


def _error_text(errors: list[dict[str, Any]]) -> str:
    messages: list[str] = []
    for error in errors:
        message = str(error.get("message") or "").strip()
        if message and message not in messages:
            messages.append(message)
    return " ; ".join(messages) or "Erreur inconnue"


def _code(error: dict[str, Any]) -> str | None:
    extensions = error.get("extensions")
    return extensions.get("code") if isinstance(extensions, dict) else None


def map_graphql_errors(
    errors: list[dict[str, Any]], *, data: Any = None, http_status: int | None = None
) -> DSError:
    """The error class for root `errors` (the first error's code decides, read-only wins)."""
    text = _error_text(errors)
    kw: dict[str, Any] = {"http_status": http_status}
    if READ_ONLY_MARKER in text:
        return DSReadOnlyToken(text, code=_code(errors[0]) if errors else None, **kw)
    code = _code(errors[0]) if errors else None
    kw["code"] = code
    if code == "timeout":
        return DSTimeout(text, partial_data=data, **kw)
    if code == "not_found":
        return DSNotFound(text, **kw)
    if code == "unauthorized":
        if "expired" in text.lower():
            return DSTokenExpired(text, **kw)
        return DSPermissionDenied(text, **kw)
    if code == "forbidden":
        if FORBIDDEN_NETWORK_MARKER in text.lower():
            return DSForbiddenNetwork(text, **kw)
        return DSNotAuthenticated(text, **kw)
    if code == "deprecated_token":
        return DSNotAuthenticated(text, **kw)
    if code in ("internal_server_error", "invalid_null"):
        return DSServerError(text, **kw)
    # bad_request, graphql_parse_failed, graphql-ruby validation errors (no DS code)...
    return DSBadRequest(text, **kw)


_NOT_JSON = object()


def _json_body(response: httpx.Response) -> Any:
    """The decoded body, or _NOT_JSON (decoded once: a full page is ~1 MB of JSON)."""
    try:
        return response.json()
    except ValueError:
        return _NOT_JSON


def _json_errors(body: Any) -> tuple[list[dict[str, Any]], Any]:
    if not isinstance(body, dict):
        return [], None
    errors = body.get("errors")
    if not isinstance(errors, list):
        errors = []
    return [e for e in errors if isinstance(e, dict)], body.get("data")


def map_response(response: httpx.Response, *, now: float) -> dict[str, Any]:
    """The `data` of a successful answer, or the matching DSError."""
    status = response.status_code
    body = _json_body(response)
    errors, data = _json_errors(body)
    _raise_for_status(response, errors, data, now)
    if body is _NOT_JSON:
        raise DSServerError("DS answered with a non-JSON body", http_status=status)
    if not isinstance(body, dict):
        raise DSServerError("DS answered with an unexpected JSON body", http_status=status)
    if errors:
        # docs/ds-api.md, pitfall 6: partial data alongside root errors is never taken as a result.
        raise map_graphql_errors(errors, data=data, http_status=status)
    if not isinstance(data, dict):
        raise DSServerError("DS answered without data", http_status=status)
    return data


def _raise_for_status(
    response: httpx.Response, errors: list[dict[str, Any]], data: Any, now: float
) -> None:
    """The DSError of an HTTP status other than 2xx; nothing for a 2xx."""
    status = response.status_code
    if status == 429:
        retry_after = parse_retry_after(response.headers, now)
        text = response.text.strip()[:MAX_ERROR_TEXT] or "Too many requests"
        raise DSRateLimited(text, retry_after=retry_after, http_status=status)
    if status == 401:
        raise DSTokenExpired(
            _error_text(errors) if errors else "Token expired", code="unauthorized", http_status=401
        )
    if status == 403:
        text = _error_text(errors) if errors else response.text.strip()[:MAX_ERROR_TEXT]
        if FORBIDDEN_NETWORK_MARKER in text.lower():
            raise DSForbiddenNetwork(text, code="forbidden", http_status=403)
        raise DSNotAuthenticated(text or "Forbidden", code="forbidden", http_status=403)
    if status >= 500:
        text = _error_text(errors) if errors else f"HTTP {status} from DS"
        raise DSServerError(text, code=_code(errors[0]) if errors else None, http_status=status)
    if status >= 400:
        if errors:
            raise map_graphql_errors(errors, data=data, http_status=status)
        raise DSBadRequest(f"HTTP {status} from DS", http_status=status)
    if not 200 <= status < 300:
        raise DSServerError(f"Unexpected HTTP {status} from DS", http_status=status)


def map_http_exception(exc: httpx.HTTPError, secrets: tuple[str, ...] = ()) -> DSError:
    """The DSError for an httpx failure; the message never carries a secret."""
    text = redact(f"{type(exc).__name__}: {exc}".rstrip(": "), secrets)
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return DSConnectError(text)
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
        return DSReadTimeout(text)
    return DSTransportError(text)


class GraphQLTransport:
    """Sends documents to one DS endpoint with one token, over a shared httpx.Client."""

    def __init__(
        self,
        http: httpx.Client,
        url: str,
        token: str,
        *,
        limiter: RateLimiter,
        policy: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        wall_clock: Callable[[], float] = time.time,
        observer: RequestObserver | None = None,
    ) -> None:
        self._http = http
        self._observer = observer
        self.url = url
        self._token = token
        self._limiter = limiter
        self.policy = policy
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._wall_clock = wall_clock
        # The poller's requests wait behind people's in the shared limiter.
        self.background = False

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._token,)

    def post(self, document: Document, variables: dict[str, Any]) -> dict[str, Any]:
        """One request, no retry. Returns `data` or raises the mapped DSError."""
        payload = {
            "query": document.text,
            "variables": variables,
            "operationName": document.operation_name,
        }
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/json",
        }
        try:
            waited = self._limiter.acquire(
                max_wait=self.policy.max_retry_after, background=self.background
            )
        except WaitTooLong as exc:
            # Nothing was sent: the process's own budget (or a 429 hold) says not now.
            logger.warning("ds.request_held", operation=document.name, wait_s=round(exc.wait, 1))
            raise DSRateLimited(
                "Client-side rate limit for DS reached", retry_after=exc.wait
            ) from None
        if waited >= 1.0:
            logger.info("ds.rate_limit_waited", operation=document.name, waited_s=round(waited, 1))
        if waited > 0 and self._observer is not None:
            self._observer.rate_limit_wait("ds", waited)
        started = time.monotonic()
        try:
            try:
                response = self._http.post(self.url, json=payload, headers=headers)
            except httpx.HTTPError as exc:
                raise map_http_exception(exc, self.secrets) from None
            try:
                data = map_response(response, now=self._wall_clock())
            except DSRateLimited as exc:
                if exc.retry_after:
                    self._limiter.hold(exc.retry_after)
                raise
        except DSError as exc:
            exc.message = redact(exc.message, self.secrets)
            exc.args = (exc.message,)
            logger.warning(
                "ds.request_failed",
                operation=document.name,
                ms=round((time.monotonic() - started) * 1000),
                error=type(exc).__name__,
                reason=exc.message,
            )
            self._observe(document, exc, started)
            raise
        self._observe(document, None, started)
        log = logger.info if document.is_mutation else logger.debug
        log("ds.request_ok", operation=document.name, ms=round((time.monotonic() - started) * 1000))
        return data

    def _observe(self, document: Document, error: DSError | None, started: float) -> None:
        if self._observer is not None:
            outcome = request_outcome(error)
            seconds = time.monotonic() - started
            self._observer.backend_request("ds", document.name, outcome, seconds)

    def _retry_delay(
        self,
        exc: DSError,
        attempt: int,
        *,
        mutation: bool,
        rate_limit_retried: bool,
        retry_timeouts: bool = True,
    ) -> float | None:
        """Seconds to wait before resending, or None to give up and raise."""
        policy = self.policy
        if not retry_timeouts and isinstance(exc, DSTimeout):
            return None
        if isinstance(exc, DSRateLimited):
            if exc.retry_after is not None and exc.retry_after > policy.max_retry_after:
                return None
            if mutation:
                if rate_limit_retried or exc.retry_after is None:
                    return None
                if exc.retry_after > MUTATION_RATE_LIMIT_MAX_WAIT:
                    return None
                return exc.retry_after
            if attempt >= policy.max_read_retries:
                return None
            if exc.retry_after is not None:
                # A little jitter so that waiting threads do not all come back at once.
                return exc.retry_after + self._rng.uniform(0.0, policy.backoff_base)
            return backoff_delay(attempt, policy, self._rng)
        if mutation:
            if isinstance(exc, DSConnectError) and attempt < policy.max_connect_retries:
                return backoff_delay(attempt, policy, self._rng)
            return None
        if exc.retryable and attempt < policy.max_read_retries:
            return backoff_delay(attempt, policy, self._rng)
        return None

    def execute(
        self,
        document: Document,
        variables: dict[str, Any],
        *,
        mutation: bool,
        retry_timeouts: bool = True,
    ) -> dict[str, Any]:
        """`post` with the retry policy of a read (`mutation=False`) or of a mutation.
        `retry_timeouts=False`: a timeout is raised at once (the caller asks for less)."""
        attempt = 0
        rate_limit_retried = False
        while True:
            try:
                return self.post(document, variables)
            except DSError as exc:
                delay = self._retry_delay(
                    exc,
                    attempt,
                    mutation=mutation,
                    rate_limit_retried=rate_limit_retried,
                    retry_timeouts=retry_timeouts,
                )
                if delay is None:
                    raise
                if isinstance(exc, DSRateLimited):
                    rate_limit_retried = True
                    if self._observer is not None:
                        self._observer.rate_limit_wait("ds", delay)
                if not (mutation and isinstance(exc, DSRateLimited)):
                    attempt += 1
                logger.warning(
                    "ds.request_retry",
                    operation=document.name,
                    error=type(exc).__name__,
                    retry_in_s=round(delay, 1),
                )
                self._sleep(delay)
