"""HTTP to Dynacase's `/api/v1/`: one request, the envelope, errors, ETag reuse, retries.

- Authentication: `Authorization: DcpOpen <token>` (never in the URL, so never in a log line).
- Redirects are followed here, not by httpx: a past revision's id answers 307 to the
  document's canonical URL, built from the server's own base URL, which may name another host
  or scheme. A hop keeps the token only to the same server (`redirects.RedirectPolicy`); any
  other target, or a loop, is refused before anything is sent (docs/dynacase-api.md §4.1).
- The envelope `{success, messages, data}` gives `data`; an error envelope gives the
  `DynacaseError` for its status and code, keeping `code` and `contentText` (§2.2, §2.4).
- GETs send `If-None-Match` with the ETag of the last answer to the same URL and token, and a
  304 reuses that answer's data (§8). Collections have no ETag, so nothing is kept for them.
- Reads are retried on transient failures with jittered exponential backoff; writes never are:
  a state change is not idempotent (each one makes a revision).
- A client-side rate limiter (Dynacase has none) keeps a runaway loop from flooding it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from dsbot.backends.dynacase.errors import (
    DynacaseConnectError,
    DynacaseError,
    DynacaseRateLimited,
    DynacaseRedirectRefused,
    DynacaseServerError,
    DynacaseTimeout,
    DynacaseTransportError,
    error_for,
)
from dsbot.backends.dynacase.redirects import RedirectPolicy
from dsbot.backends.errors import request_outcome
from dsbot.backends.port import RequestObserver
from dsbot.backoff import jittered_delay
from dsbot.logs import get_logger
from dsbot.ratelimit import RateLimiter, WaitTooLong, token_key
from dsbot.redact import redact

logger = get_logger(__name__)

MAX_ERROR_TEXT = 300
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try a read. Delays in seconds."""

    max_read_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    # The longest the rate limiter may make a request wait before giving up.
    max_wait: float = 30.0


@dataclass
class TransportStats:
    """What this process sent and got back (shared by the clients of one cache)."""

    requests: int = 0
    not_modified: int = 0
    redirects: int = 0
    retries: int = 0
    bytes_received: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def to_json(self) -> dict[str, int]:
        with self._lock:
            return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


@dataclass(frozen=True)
class Answer:
    """A successful envelope: its `data`, its `messages`, the HTTP status."""

    data: Any
    messages: tuple[dict[str, Any], ...]
    status: int
    from_cache: bool = False


class ETagCache:
    """The last answer per (token, URL) that came with an ETag. Bounded, thread-safe."""

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], tuple[str, Answer]] = OrderedDict()

    def get(self, key: tuple[str, str]) -> tuple[str, Answer] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, str], etag: str, answer: Answer) -> None:
        with self._lock:
            self._entries[key] = (etag, answer)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def decode(response: httpx.Response) -> Answer:
    """The envelope of a final (non-304) answer, or the matching DynacaseError."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "success" not in body:
        # A proxy's page, an HTML login form, a truncated body: not Dynacase's envelope.
        if status >= 400:
            raise error_for(status, None, f"HTTP {status} {response.reason_phrase}".strip())
        raise DynacaseServerError(
            f"HTTP {status}: the answer is not a Dynacase envelope", http_status=status
        )
    messages = tuple(m for m in body.get("messages") or () if isinstance(m, dict))
    if body.get("success") is not True or status >= 400:
        first = next((m for m in messages if m.get("type") == "error"), None) or {}
        text = str(first.get("contentText") or body.get("exceptionMessage") or "")
        text = text[:MAX_ERROR_TEXT] or f"HTTP {status} {response.reason_phrase}".strip()
        raise error_for(status, first.get("code"), text, body.get("exceptionMessage"))
    return Answer(body.get("data"), messages, status)


def map_http_exception(exc: httpx.HTTPError, secrets: tuple[str, ...]) -> DynacaseError:
    text = redact(f"{type(exc).__name__}: {exc}".rstrip(": "), secrets)
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return DynacaseConnectError(text)
    if isinstance(exc, httpx.TimeoutException):
        return DynacaseTimeout(text)
    return DynacaseTransportError(text)


# The words of the API's routes; any other segment of a path is a reference (an id, a
# family's or a state's name), left out of /metrics' operation labels.
ROUTE_WORDS = frozenset(
    ("families", "documents", "workflows", "states", "transitions", "history", "revisions")
)


def route(method: str, path: str) -> str:
    """`GET documents/:ref/history/` for `documents/1234/history/`: a bounded label."""
    segments = path.split("?", 1)[0].split("/")
    return f"{method} " + "/".join(s if s in ROUTE_WORDS or not s else ":ref" for s in segments)


class Transport:
    """Requests to one base URL with one token, over a shared httpx.Client."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        token: str,
        *,
        limiter: RateLimiter,
        policy: RetryPolicy,
        cache: ETagCache,
        stats: TransportStats,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        observer: RequestObserver | None = None,
    ) -> None:
        self._http = http
        self._observer = observer
        self.base_url = base_url
        self._token = token
        self._token_key = token_key(token)
        self._limiter = limiter
        self.policy = policy
        self._cache = cache
        self.stats = stats
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.redirects = RedirectPolicy(base_url)

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._token,)

    def _send(self, method: str, path: str, params: dict[str, Any] | None, body: Any) -> Answer:
        """One request (redirects followed), no retry."""
        url = self.base_url + path
        headers = {"Authorization": f"DcpOpen {self._token}", "Accept": "application/json"}
        key = (self._token_key, str(httpx.URL(url, params=params)))
        cached = self._cache.get(key) if method == "GET" else None
        if cached is not None:
            headers["If-None-Match"] = cached[0]
        try:
            waited = self._limiter.acquire(max_wait=self.policy.max_wait)
        except WaitTooLong as exc:
            raise DynacaseRateLimited(
                "Client-side rate limit for Dynacase reached", retry_after=exc.wait
            ) from None
        if waited > 0 and self._observer is not None:
            self._observer.rate_limit_wait("dynacase", waited)
        started = time.monotonic()
        self.stats.add("requests")
        try:
            response = self._follow(method, url, params, body, headers)
            self.stats.add("bytes_received", len(response.content))
            if response.status_code == 304 and cached is not None:
                self.stats.add("not_modified")
                answer = Answer(cached[1].data, cached[1].messages, 304, from_cache=True)
            else:
                answer = decode(response)
                etag = response.headers.get("ETag")
                if method == "GET" and etag:
                    self._cache.put(key, etag, answer)
        except DynacaseError as exc:
            exc.message = redact(exc.message, self.secrets)
            exc.args = (exc.message,)
            logger.warning(
                "dynacase.request_failed",
                method=method,
                path=path,
                ms=round((time.monotonic() - started) * 1000),
                error=type(exc).__name__,
                reason=exc.message,
            )
            self._observe(method, path, exc, started)
            raise
        self._observe(method, path, None, started)
        logger.debug(
            "dynacase.request_ok",
            method=method,
            path=path,
            status=answer.status,
            ms=round((time.monotonic() - started) * 1000),
        )
        return answer

    def _observe(self, method: str, path: str, error: DynacaseError | None, started: float) -> None:
        if self._observer is not None:
            seconds = time.monotonic() - started
            self._observer.backend_request(
                "dynacase", route(method, path), request_outcome(error), seconds
            )

    def _follow(
        self,
        method: str,
        url: str,
        params: dict[str, Any] | None,
        body: Any,
        headers: dict[str, str],
    ) -> httpx.Response:
        """The final answer, following the server's redirects that stay on the same server."""
        seen = {str(httpx.URL(url, params=params))}
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self._http.request(
                    method, url, params=params, json=body, headers=headers, follow_redirects=False
                )
            except httpx.HTTPError as exc:
                raise map_http_exception(exc, self.secrets) from None
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return response
            target = response.url.join(location)
            status = response.status_code
            shown = redact(str(target), self.secrets)
            why = self.redirects.refusal(target)
            if why is None and str(target) in seen:
                why = "a redirect loop"
            if why is not None:
                raise DynacaseRedirectRefused(
                    f"HTTP {status} to {shown} not followed: {why}",
                    location=shown,
                    http_status=status,
                )
            seen.add(str(target))
            self.stats.add("redirects")
            # The query string travels in `Location` (the module keeps it); 303 and, as
            # browsers do, 301/302 after a POST become a GET without a body.
            url, params = str(target), None
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, body = "GET", None
        raise DynacaseRedirectRefused(
            f"HTTP {response.status_code} to {shown} not followed: too many redirects",
            location=shown,
            http_status=response.status_code,
        )

    def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        """A read, retried on transient failures (5xx, timeouts, dropped connections)."""
        failures = 0
        while True:
            try:
                return self._send("GET", path, params, None)
            except DynacaseError as exc:
                if not exc.retryable or failures >= self.policy.max_read_retries:
                    raise
                failures += 1
                delay = jittered_delay(
                    failures,
                    base=self.policy.backoff_base,
                    cap=self.policy.backoff_cap,
                    rng=self._rng,
                )
                self.stats.add("retries")
                logger.warning(
                    "dynacase.request_retry",
                    path=path,
                    error=type(exc).__name__,
                    retry_in_s=round(delay, 1),
                )
                self._sleep(delay)

    def post(self, path: str, body: Any) -> Answer:
        """A write: sent once, never resent (a state change makes a new revision each time)."""
        return self._send("POST", path, None, body)
