"""The retry decisions of the transport, exhaustively (no network: decisions only)."""

from __future__ import annotations

import random

import httpx
import pytest

from dsbot.backends.ds.errors import (
    DSBadRequest,
    DSConnectError,
    DSMutationError,
    DSNotFound,
    DSRateLimited,
    DSReadTimeout,
    DSServerError,
    DSTimeout,
    DSTransportError,
)
from dsbot.backends.ds.transport import (
    GraphQLTransport,
    RetryPolicy,
    backoff_delay,
    map_response,
    parse_retry_after,
)
from dsbot.ratelimit import RateLimiter


@pytest.fixture
def transport():
    with httpx.Client() as http:
        yield GraphQLTransport(
            http,
            "http://127.0.0.1:9/api/v2/graphql",
            "t0ken-value",
            limiter=RateLimiter(10),
            policy=RetryPolicy(max_read_retries=3, max_connect_retries=2, max_retry_after=60),
            rng=random.Random(1),
        )


def delay(transport, exc, attempt=0, *, mutation=False, rate_limit_retried=False):
    return transport._retry_delay(
        exc, attempt, mutation=mutation, rate_limit_retried=rate_limit_retried
    )


@pytest.mark.parametrize(
    "exc",
    [
        DSServerError("x"),
        DSTimeout("x"),
        DSReadTimeout("x"),
        DSTransportError("x"),
        DSConnectError("x"),
        DSRateLimited("x"),
    ],
)
def test_reads_retry_transient_errors_up_to_the_limit(transport, exc):
    assert all(delay(transport, exc, attempt) is not None for attempt in range(3))
    assert delay(transport, exc, 3) is None


@pytest.mark.parametrize(
    "exc", [DSBadRequest("x"), DSNotFound("x"), DSMutationError(["Le dossier est déjà accepté"])]
)
def test_definitive_errors_are_never_retried(transport, exc):
    assert delay(transport, exc) is None
    assert delay(transport, exc, mutation=True) is None


def test_reads_honour_retry_after(transport):
    wait = delay(transport, DSRateLimited("x", retry_after=7.0))
    assert 7.0 <= wait <= 7.0 + transport.policy.backoff_base
    assert delay(transport, DSRateLimited("x", retry_after=61.0)) is None


@pytest.mark.parametrize(
    "exc",
    [DSServerError("x"), DSTimeout("x"), DSReadTimeout("x"), DSTransportError("x")],
)
def test_mutations_are_not_resent_after_an_ambiguous_failure(transport, exc):
    assert exc.ambiguous
    assert delay(transport, exc, mutation=True) is None


def test_mutations_are_resent_when_nothing_was_sent(transport):
    exc = DSConnectError("refused")
    assert not exc.ambiguous
    assert delay(transport, exc, 0, mutation=True) is not None
    assert delay(transport, exc, 1, mutation=True) is not None
    assert delay(transport, exc, 2, mutation=True) is None


def test_mutations_retry_a_short_429_once(transport):
    short = DSRateLimited("x", retry_after=4.5)
    assert delay(transport, short, mutation=True) == 4.5
    assert delay(transport, short, mutation=True, rate_limit_retried=True) is None
    assert delay(transport, DSRateLimited("x", retry_after=5.5), mutation=True) is None
    assert delay(transport, DSRateLimited("x"), mutation=True) is None


def test_backoff_is_full_jitter_and_capped():
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=8.0)
    rng = random.Random(3)
    for attempt in range(10):
        values = [backoff_delay(attempt, policy, rng) for _ in range(200)]
        ceiling = min(8.0, 0.5 * 2**attempt)
        assert all(0 <= v <= ceiling for v in values)
        assert max(values) > ceiling / 2  # spread over the whole range, not a fixed delay


def test_retry_after_header_wins_over_ratelimit_reset():
    now = 1_800_000_000.0
    both = httpx.Headers({"Retry-After": "3", "RateLimit-Reset": str(int(now) + 40)})
    assert parse_retry_after(both, now) == 3.0
    epoch = httpx.Headers({"RateLimit-Reset": str(int(now) + 40)})
    assert parse_retry_after(epoch, now) == 40.0
    past = httpx.Headers({"RateLimit-Reset": str(int(now) - 5)})
    assert parse_retry_after(past, now) == 0.0
    delta = httpx.Headers({"RateLimit-Reset": "12"})
    assert parse_retry_after(delta, now) == 12.0
    date = httpx.Headers({"Retry-After": "Fri, 15 Jan 2027 08:00:10 GMT"})
    assert parse_retry_after(date, now) == 10.0
    assert parse_retry_after(httpx.Headers({}), now) is None
    assert parse_retry_after(httpx.Headers({"RateLimit-Reset": "soon"}), now) is None


def test_partial_data_with_root_errors_is_an_error_that_keeps_the_data():
    body = {
        "data": {"demarche": {"number": 1}, "dossier": None},
        "errors": [{"message": "Timeout on Query.dossier", "extensions": {"code": "timeout"}}],
    }
    response = httpx.Response(200, json=body)
    with pytest.raises(DSTimeout) as info:
        map_response(response, now=0.0)
    assert info.value.partial_data == {"demarche": {"number": 1}, "dossier": None}


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, {"errors": [{"message": "x", "extensions": {"code": "not_found"}}]}, DSNotFound),
        (200, {"errors": [{"message": "Field 'x' doesn't exist on type 'Query'"}]}, DSBadRequest),
        (
            400,
            {"errors": [{"message": "p", "extensions": {"code": "graphql_parse_failed"}}]},
            DSBadRequest,
        ),
        (502, None, DSServerError),
        (200, None, DSServerError),  # a proxy's HTML page
        (404, None, DSBadRequest),  # a wrong DS_API_URL
    ],
)
def test_response_mapping(status, body, expected):
    response = httpx.Response(status, json=body) if body else httpx.Response(status, text="<html>")
    with pytest.raises(expected):
        map_response(response, now=0.0)


@pytest.mark.parametrize(
    "exc",
    [
        DSConnectError("refused"),
        DSRateLimited("x"),
        DSBadRequest("x"),
        DSNotFound("x"),
        DSMutationError(["x"]),
    ],
)
def test_an_answer_or_nothing_sent_is_not_ambiguous(exc):
    # DS answered (even with an error), or the request never left: a re-read would tell nothing.
    assert not exc.ambiguous
