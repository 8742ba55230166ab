"""Never a 500: signed payloads of Slack's shapes, with fields removed, retyped and nested, sent
to the app's request handler (the edge, then Bolt) in process. Every answer is 200, 400 or 401."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import logging
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsbot.slack import ids
from dsbot.slack.app import build_app
from dsbot.slack.transport.http_server import slack_wsgi
from dsbot.slack.transport.shapes import problem
from tests.fakes.bot import SIGNING_SECRET, sign
from tests.fakes.slack_payloads import NAMED_SHAPES, base_payloads, named_shapes

ALLOWED = {200, 400, 401}
KINDS = sorted(base_payloads("a", "c"))
EVENTS = ("app_home_opened", "link_shared", "member_joined_channel", "channel_shared")
ACTION_IDS = sorted(
    v for k, v in vars(ids).items() if k.startswith("ACTION_") and isinstance(v, str)
)
VIEW_IDS = sorted(v for k, v in vars(ids).items() if k.startswith("VIEW_") and isinstance(v, str))

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a field or an item of `value`."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return found
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


REPLACEMENTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.just([]),
    st.just({}),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["id", "type", "value"]), st.integers(), max_size=2),
)


@st.composite
def mutated(draw: st.DrawFn, response_url: str) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(KINDS))
    action_id, callback_id = draw(st.sampled_from(ACTION_IDS)), draw(st.sampled_from(VIEW_IDS))
    payload = copy.deepcopy(base_payloads(action_id, callback_id, response_url)[kind])
    for _ in range(draw(st.integers(1, 3))):
        where = paths(payload)
        if not where:
            break
        path = draw(st.sampled_from(where))
        parent = payload
        for key in path[:-1]:
            parent = parent[key]
        operation = draw(st.sampled_from(["remove", "retype", "nest"]))
        if operation == "remove":
            del parent[path[-1]]
        elif operation == "retype":
            parent[path[-1]] = draw(REPLACEMENTS)
        else:
            parent[path[-1]] = draw(st.sampled_from([[parent[path[-1]]], {"x": parent[path[-1]]}]))
    return kind, payload


def encode(kind: str, payload: dict[str, Any], as_form: bool) -> tuple[bytes, str]:
    if kind in EVENTS or not as_form:
        return json.dumps(payload).encode(), "application/json"
    if kind == "command" and all(isinstance(v, str) for v in payload.values()):
        return urllib.parse.urlencode(payload).encode(), "application/x-www-form-urlencoded"
    form = {"payload": json.dumps(payload)}
    return urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"


def status_of(
    wsgi: Wsgi,
    body: bytes,
    content_type: str,
    headers: dict[str, str],
    answers: list[bytes] | None = None,
) -> int:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
    }
    statuses: list[str] = []
    answer = b"".join(wsgi(environ, lambda status, _headers, *_: statuses.append(status)))
    if answers is not None:
        answers.append(answer)
    return int(statuses[0].split()[0])


class HeldJobs:
    """The listeners' background work, recorded and never run: the answer to Slack is the ack,
    and the fuzzer's speed is the request handler's."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.submitted.append(getattr(fn, "__name__", "?"))

    def shutdown(self, wait: bool = True) -> None:
        pass


def test_signed_payloads_of_any_shape_never_get_a_500(bot):
    jobs = HeldJobs()
    services = dataclasses.replace(bot.services, jobs=jobs)
    wsgi = slack_wsgi(build_app(services), bot.runtime.health, signing_secret=SIGNING_SECRET)
    seen: dict[int, int] = {}

    @settings(
        max_examples=120,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(mutated(bot.fake_slack.response_url()), st.booleans())
    def check(case: tuple[str, dict[str, Any]], as_form: bool) -> None:
        kind, payload = case
        body, content_type = encode(kind, payload, as_form)
        status = status_of(wsgi, body, content_type, sign(body))
        seen[status] = seen.get(status, 0) + 1
        assert status in ALLOWED, (status, kind, payload)
        assert status_of(wsgi, body, content_type, {}) == 401

    check()
    # The fuzzer reached the listeners (and their work) and the shape check alike.
    assert seen.get(200, 0) > 20 and seen.get(400, 0) > 20, seen
    assert len(set(jobs.submitted)) > 3, jobs.submitted


def test_every_base_payload_is_of_slacks_shapes():
    for kind, payload in base_payloads(ids.ACTION_ACCEPTER, ids.VIEW_ACCEPTER).items():
        assert problem(payload) is None, kind


def test_the_shapes_bolt_crashed_on_are_named_by_their_field():
    for name, payload in named_shapes().items():
        assert problem(payload) == NAMED_SHAPES[name][2], name


def test_socket_mode_payloads_of_another_shape_reach_no_listener(bot):
    """No HTTP edge in Socket Mode: the handler checks the shape before Bolt reads it (Bolt
    builds every middleware's arguments from the payload, and crashed on these)."""
    from slack_sdk.socket_mode.request import SocketModeRequest

    from dsbot.slack.transport.socket_mode import GuardedSocketModeHandler

    class Client:
        def __init__(self) -> None:
            self.acks: list[Any] = []
            self.logger = logging.getLogger("tests.socket_mode")

        def send_socket_mode_response(self, response: Any) -> None:
            self.acks.append(response)

    handler = GuardedSocketModeHandler(build_app(bot.services), "xapp-1-A0TEST-1-x")
    client: Any = Client()
    for number, payload in enumerate(named_shapes().values()):
        kind = "events_api" if payload.get("type") == "event_callback" else "interactive"
        request = SocketModeRequest(type=kind, envelope_id=f"e{number}", payload=payload)
        handler.handle(client, request)
    assert [(a.envelope_id, a.payload) for a in client.acks] == [
        (f"e{n}", None) for n in range(len(NAMED_SHAPES))
    ]
    # A payload of Slack's shapes still reaches Bolt (which answers with the help).
    command = base_payloads("a", "c", bot.fake_slack.response_url())["command"]
    handler.handle(
        client, SocketModeRequest(type="slash_commands", envelope_id="ok", payload=command)
    )
    assert client.acks[-1].envelope_id == "ok" and "abonner" in str(client.acks[-1].payload)


def test_a_listener_that_fails_answers_a_clear_message_not_a_500(bot):
    app = build_app(bot.services)

    @app.command("/panne")
    def broken(ack: Any) -> None:
        raise RuntimeError("a bug, before the ack")

    @app.shortcut("panne")
    def broken_shortcut(ack: Any) -> None:
        raise RuntimeError("a bug, before the ack")

    wsgi = slack_wsgi(app, bot.runtime.health, signing_secret=SIGNING_SECRET)
    command = base_payloads("a", "c", bot.fake_slack.response_url())["command"]
    body = urllib.parse.urlencode(command | {"command": "/panne"}).encode()
    content_type = "application/x-www-form-urlencoded"
    answers: list[bytes] = []
    assert status_of(wsgi, body, content_type, sign(body), answers) == 200
    assert json.loads(answers[0]) == {
        "response_type": "ephemeral",
        "text": bot.services.texts("error.unexpected"),
    }
    shortcut = base_payloads("a", "panne")["shortcut"]
    body, content_type = encode("shortcut", shortcut, as_form=True)
    assert status_of(wsgi, body, content_type, sign(body)) == 200
