"""The control API (`/_sandbox/*`): JSON, no auth, loopback, for tests and demos.

- `GET /_sandbox/health` → `{"ok": true}`
- `GET /_sandbox/families` → `{"families": [{"id", "name", "title", "documents_count",
  "workflow": null | {"id", "family", "title", "first_state", "states": [{"id", "label",
  "activity", "color"}], "transitions": [{"id", "label", "ask_comment", "parameters": [ids],
  "from": [state ids], "to": state id | null, "allowed": [logins]}]}}]}`
- `POST /_sandbox/documents` `{"family", "title", "user"?, "attributes"?}` → 201 `{"id",
  "initid", "name"}`: a document created now, in its workflow's first state, with generated
  attribute values that `attributes` (id → raw value) overrides
- `GET /_sandbox/documents/<initid>` → `document_json`: the current revision, its state, the
  revisions and their history entries
- `POST /_sandbox/documents/<initid>/state` `{"state", "comment"?, "user"?, "parameters"?}` →
  `document_json`: a change made in Dynacase's own interface, as `user` (default `admin`),
  with the same checks as the API (403 with the refusal's text)
- `POST /_sandbox/tokens` `{"login"}` → `{"token"}`: that user's `DcpOpen` token
- `GET /_sandbox/stats` → `{"api_requests", "by_route", "by_status", "not_modified",
  "state_changes"}` since start

Extensions:

- `GET /_sandbox/users` → `{"users": [{"id", "login", "title", "role", "transitions"}]}`
- `GET` / `POST /_sandbox/faults` `{"fail_next": n, "fail_status": 500 | 503,
  "fail_method": "" | "GET" | "POST", "fail_after": false, "error_rate": 0..1, "seed": s,
  "latency_ms": n}` → the fault settings: the next `fail_next` API requests (of
  `fail_method` when set), then a seeded `error_rate` share, answer `fail_status` ("Dynacase
  Fatal Error" or "Maintenance in progress") without being handled, or, with `fail_after`,
  after being handled (the answer is lost, the change is made).

Errors answer `{"error": "<reason>"}` with 400, 403 or 404.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dsbot.sandboxes.dynacase import engine, generator
from dsbot.sandboxes.dynacase.errors import ApiError
from dsbot.sandboxes.dynacase.world import (
    ADMIN_LOGIN,
    FAMILIES,
    USERS,
    WorkflowDef,
    user_by_login,
)
from dsbot.sandboxes.http import ControlError, Response, control_answer, json_response

if TYPE_CHECKING:
    from dsbot.sandboxes.dynacase.app import DynacaseApp

DOCUMENT_PATH = re.compile(r"^/_sandbox/documents/(\d+)(/state)?$")


def handle(app: DynacaseApp, method: str, path: str, body: bytes) -> Response:
    try:
        payload = json.loads(body) if body.strip() else {}
    except ValueError:
        return json_response(400, {"error": "the body is not JSON"})
    if not isinstance(payload, dict):
        return json_response(400, {"error": "expected a JSON object"})
    return control_answer(lambda: _route(app, method, path.rstrip("/"), payload))


def _health(app: DynacaseApp, payload: dict[str, Any]) -> Response:
    return json_response(200, {"ok": True})


def _families(app: DynacaseApp, payload: dict[str, Any]) -> Response:
    with app.store.lock:
        return json_response(200, {"families": families_json(app)})


def _users(app: DynacaseApp, payload: dict[str, Any]) -> Response:
    return json_response(200, {"users": users_json()})


def _stats(app: DynacaseApp, payload: dict[str, Any]) -> Response:
    return json_response(200, app.stats.to_json())


def _update_faults(app: DynacaseApp, payload: dict[str, Any]) -> Response:
    try:
        return json_response(200, app.faults.update(payload))
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None


def _token(app: DynacaseApp, payload: dict[str, Any]) -> Response:
    login = payload.get("login")
    if not isinstance(login, str) or user_by_login(login) is None:
        raise ControlError(404, f"unknown login {login!r}")
    return json_response(200, {"token": app.tokens.token_of(login)})


def _route(app: DynacaseApp, method: str, path: str, payload: dict[str, Any]) -> Response:
    handler = _ROUTES.get((method, path))
    if handler is not None:
        return handler(app, payload)
    if path == "/_sandbox/faults":  # any other method reads them
        return json_response(200, app.faults.snapshot())
    match = DOCUMENT_PATH.match(path)
    if match:
        initid = int(match[1])
        if match[2] and method == "POST":
            return _change(app, initid, payload)
        if not match[2] and method == "GET":
            with app.store.lock:
                return json_response(200, document_json(app, initid))
    raise ControlError(404, f"no route {method} {path}")


def _create(app: DynacaseApp, payload: dict[str, Any]) -> Response:
    family_name, title = payload.get("family"), payload.get("title")
    if not isinstance(family_name, str) or not isinstance(title, str) or not title.strip():
        raise ControlError(400, 'expected {"family": "<NAME>", "title": "<text>"}')
    user = user_by_login(payload.get("user") or ADMIN_LOGIN)
    if user is None:
        raise ControlError(404, f"unknown user {payload.get('user')!r}")
    values = payload.get("attributes") or {}
    if not isinstance(values, dict):
        raise ControlError(400, "attributes must be an object")
    with app.store.lock:
        try:
            _family, rev = generator.create_document(
                app.store, family_name, title.strip(), user.id, app.now(), values
            )
        except KeyError:
            raise ControlError(404, f"unknown family {family_name!r}") from None
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None
        return json_response(201, {"id": rev.id, "initid": rev.initid, "name": rev.name})


# The fixed paths of the control API, by (method, path); documents are matched by pattern.
_ROUTES: dict[tuple[str, str], Callable[[DynacaseApp, dict[str, Any]], Response]] = {
    ("GET", "/_sandbox/health"): _health,
    ("GET", "/_sandbox/families"): _families,
    ("GET", "/_sandbox/users"): _users,
    ("GET", "/_sandbox/stats"): _stats,
    ("POST", "/_sandbox/faults"): _update_faults,
    ("POST", "/_sandbox/tokens"): _token,
    ("POST", "/_sandbox/documents"): _create,
}


def _change(app: DynacaseApp, initid: int, payload: dict[str, Any]) -> Response:
    state = payload.get("state")
    comment = payload.get("comment") or ""
    parameters = payload.get("parameters") or {}
    if not isinstance(state, str) or not isinstance(comment, str):
        raise ControlError(400, 'expected {"state": "<state id>", "comment"?: "<text>"}')
    if not isinstance(parameters, dict):
        raise ControlError(400, "parameters must be an object")
    user = user_by_login(payload.get("user") or ADMIN_LOGIN)
    if user is None:
        raise ControlError(404, f"unknown user {payload.get('user')!r}")
    with app.store.lock:
        rev = app.store.latest(initid)
        if rev is None:
            raise ControlError(404, f"no document {initid}")
        try:
            engine.change_state(
                app.store,
                rev,
                state,
                user,
                comment=comment,
                parameters=parameters,
                when=app.now(),
            )
        except ApiError as exc:
            raise ControlError(
                exc.status if exc.status in (400, 403) else 404, exc.content_text
            ) from None
        app.stats.state_changes += 1
        return json_response(200, document_json(app, initid))


def _workflow_json(workflow: WorkflowDef) -> dict[str, Any]:
    transitions = []
    for t in workflow.transitions:
        edges = [(b, e) for b, e, tid in workflow.cycle if tid == t.id]
        ends = {e for _, e in edges}
        transitions.append(
            {
                "id": t.id,
                "label": t.label,
                "ask_comment": t.ask_comment,
                "parameters": list(t.asks),
                "from": [b for b, _ in edges],
                "to": ends.pop() if len(ends) == 1 else None,
                "allowed": sorted(workflow.rights.get(t.id, ())),
            }
        )
    return {
        "id": workflow.doc_id,
        "family": workflow.family_name,
        "title": workflow.title,
        "first_state": workflow.first_state,
        "states": [
            {"id": s.id, "label": s.label, "activity": s.activity, "color": s.color}
            for s in workflow.states
        ],
        "transitions": transitions,
    }


def families_json(app: DynacaseApp) -> list[dict[str, Any]]:
    alive = app.store.alive()
    return [
        {
            "id": f.id,
            "name": f.name,
            "title": f.title,
            "documents_count": sum(r.family.id == f.id for r in alive),
            "workflow": _workflow_json(f.workflow) if f.workflow else None,
        }
        for f in FAMILIES
    ]


def users_json() -> list[dict[str, Any]]:
    result = []
    for user in USERS:
        allowed = sorted(
            tid
            for f in FAMILIES
            if f.workflow
            for tid, logins in f.workflow.rights.items()
            if user.id == 1 or user.login in logins
        )
        result.append(
            {
                "id": user.id,
                "login": user.login,
                "title": user.title,
                "role": user.role,
                "transitions": allowed,
            }
        )
    return result


def document_json(app: DynacaseApp, initid: int) -> dict[str, Any]:
    lineage = app.store.lineage(initid)
    if not lineage:
        raise ControlError(404, f"no document {initid}")
    current = lineage[-1]
    workflow = current.family.workflow
    return {
        "id": current.id,
        "initid": current.initid,
        "name": current.name,
        "title": current.title,
        "family": current.family.name,
        "revision": current.revision,
        "revdate": current.revdate,
        "state": engine.state_property(workflow, current.state)
        if workflow and current.state
        else None,
        "attributes": dict(current.attributes),
        "revisions": [
            {
                "id": r.id,
                "revision": r.revision,
                "status": r.status,
                "state": r.state,
                "history": [e.to_json() for e in reversed(r.history)],
            }
            for r in reversed(lineage)
        ],
    }
