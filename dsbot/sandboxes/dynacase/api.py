"""`/api/v1/`: from an HTTP request to Dynacase's answer (docs/dynacase-api.md §1–§8).

Order, as in Dynacase: authentication (a `DcpOpen` token in the header or the
`dcpopen-authorization` query parameter; none valid: 403, not 401), method override, format
suffix and `Accept`, then the first route whose pattern matches (trailing slashes matter),
then the resource: its checks, its ETag (304 when `If-None-Match` matches), its answer in the
envelope.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from dsbot.sandboxes.dynacase import engine
from dsbot.sandboxes.dynacase.errors import (
    ApiError,
    bad_request,
    dcp_error,
    document_not_found,
    malformed_name,
    method_not_allowed,
    not_authenticated,
    route_not_found,
)
from dsbot.sandboxes.dynacase.formats import (
    ORDERABLE_PROPERTIES,
    Fields,
    all_properties,
    check_attribute,
    history_item,
)
from dsbot.sandboxes.dynacase.store import Revision
from dsbot.sandboxes.dynacase.world import (
    FamilyDef,
    User,
    WorkflowDef,
    family_by_id,
    family_by_name,
    workflow_family,
)
from dsbot.sandboxes.http import Response

if TYPE_CHECKING:
    from dsbot.sandboxes.dynacase.app import DynacaseApp

PREFIX = "/api/v1"
API_JSON = "application/json"  # Dynacase names no charset
DEFAULT_SLICE = 10  # COLLECTION_DEFAULT_SLICE
WVERSION = "3.2.23"
SUFFIX = re.compile(r"^(?P<path>.*[^/])\.(?P<ext>[a-z]+)$")
# PHP's is_numeric for what a path segment can hold, and DocManager::getIdFromName's syntax.
NUMERIC = re.compile(r"[+-]?\d+")
LOGICAL_NAME = re.compile(r"[a-z][a-z0-9_]{1,63}", re.IGNORECASE)
REDIRECT_TEXT = "Redirect : the canonical URL is not here"
FAMILY_ID = "This is an id request for a family"
NOT_CANONICAL = "This is not the canonical URI"
_DOC = r"(?:/families/(?P<fam>[^/]+))?/documents/(?P<id>[^/]+)"


def php_intval(text: str) -> int:
    """PHP's intval on a string: the leading integer, 0 when there is none."""
    match = re.match(r"\s*([+-]?\d+)", text)
    return int(match.group(1)) if match else 0


def crud_verb(method: str, override: str | None) -> str:
    """Router::convertActionToCrud: GET reads whatever the override; an override counts on any
    other verb, compared case-sensitively; HEAD is not GET (API0007)."""
    if method == "GET":
        return "GET"
    if method == "POST" and override is None:
        return "POST"
    for verb in ("PUT", "DELETE"):
        if method == verb or override == verb:
            return verb
    if override is None:
        raise dcp_error("API0007", method, api_level=True)
    raise dcp_error("API0008", override, method, api_level=True)


@dataclass
class Request:
    method: str
    path: str  # after /api/v1, suffix stripped
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    user: User

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


def envelope_response(
    status: int, reason: str, data: Any, messages: list[dict[str, str]] | None = None
) -> Response:
    body = {"success": True, "messages": messages or [], "data": data}
    return Response(status, json.dumps(body, ensure_ascii=False).encode(), API_JSON, reason=reason)


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(error.envelope(), ensure_ascii=False).encode()
    return Response(error.status, body, API_JSON, dict(headers or {}), reason=error.reason)


class Api:
    def __init__(self, app: DynacaseApp) -> None:
        self.app = app
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Response]]] = [
            ("documents", re.compile(r"^/documents/$"), self.documents),
            (
                "family_documents",
                re.compile(r"^/families/(?P<fam>[^/]+)/documents/$"),
                self.documents,
            ),
            ("family", re.compile(r"^/families/(?P<fam>[^/]+)$"), self.family),
            (
                "enumerate",
                re.compile(r"^/families/(?P<fam>[^/]+)/enumerates/(?P<attr>[^/]+)$"),
                self.enumerate,
            ),
            ("document", re.compile(rf"^{_DOC}$"), self.document),
            ("history", re.compile(rf"^{_DOC}/history/$"), self.history),
            ("states", re.compile(rf"^{_DOC}/workflows/states/$"), self.states),
            ("state", re.compile(rf"^{_DOC}/workflows/states/(?P<state>[^/]+)$"), self.state),
            ("transitions", re.compile(rf"^{_DOC}/workflows/transitions/$"), self.transitions),
            # Only the plain variant: the family one never matches in Dynacase (a misplaced ^
            # in its rule), so it answers "route not found" here too.
            (
                "transition",
                re.compile(r"^/documents/(?P<id>[^/]+)/workflows/transitions/(?P<tr>[^/]+)$"),
                self.transition,
            ),
        ]

    # --- entry point -----------------------------------------------------------------------

    def handle(
        self, method: str, path: str, raw_query: str, headers: dict[str, str], body: bytes
    ) -> Response:
        query = parse_qs(raw_query, keep_blank_values=True)
        stats = self.app.stats
        try:
            user = self._authenticate(headers, query)
            method = crud_verb(method, headers.get("x-http-method-override"))
            rest = path[len(PREFIX) :] or "/"
            suffix = SUFFIX.match(rest)
            if suffix:
                if suffix["ext"] != "json":
                    raise dcp_error("API0005", suffix["ext"], api_level=True)
                rest = suffix["path"]
            # No check of `Accept`: Router::parseAcceptHeader is never reached (its caller waits
            # for a `false` that verifyExtension never returns), so any header is served JSON.
            request = Request(method, rest, query, raw_query, headers, body, user)
            for name, pattern, handler in self.routes:
                match = pattern.match(rest)
                if match:
                    stats.count_route(name)
                    return handler(request, **match.groupdict())
            raise route_not_found(rest)
        except ApiError as error:
            headers_out = {}
            if error.status == 307 and isinstance(error, Redirect):
                headers_out["Location"] = error.location
            return error_response(error, headers_out)

    def _authenticate(self, headers: dict[str, str], query: dict[str, list[str]]) -> User:
        token = None
        authorization = headers.get("authorization", "")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "dcpopen" and value.strip():
            token = value.strip()
        elif query.get("dcpopen-authorization"):
            token = query["dcpopen-authorization"][0]
        user = self.app.tokens.user(token) if token else None
        if user is None:
            raise not_authenticated()
        return user

    # --- helpers ----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """On the server's own base URL, as the module's `URLUtils::generateURL` does."""
        return f"{self.app.own_base_url or self.app.base_url}{PREFIX}/{path}"

    def _family(self, ref: str) -> FamilyDef:
        family = family_by_id(int(ref)) if ref.isdigit() else family_by_name(ref)
        if family is None:
            raise dcp_error("CRUD0200", ref, status=(404, "Family not found"))
        return family

    def _revision(self, ref: str, fam: str | None) -> Revision:
        """The latest revision of the lineage `ref` names (any revision id, initid or name)."""
        store = self.app.store
        if not NUMERIC.fullmatch(ref) and not LOGICAL_NAME.fullmatch(ref):
            raise malformed_name(ref)
        named = store.resolve(ref)
        if named is None:
            raise document_not_found(ref)
        latest = store.latest(named.initid)
        assert latest is not None
        if fam is not None:
            family = self._family(fam)
            if latest.family.id != family.id:
                raise dcp_error(
                    "CRUD0220",
                    ref,
                    family.name,
                    status=(404, f"Document is not a document of the family {family.name}"),
                )
        return latest

    def _etag(self, request: Request, *parts: object) -> str:
        raw = "|".join(str(p) for p in (*parts, request.user.id, "fr_FR", WVERSION))
        return '"' + hashlib.sha1(raw.encode()).hexdigest() + '"'

    def _cached(self, request: Request, etag: str, build: Callable[[], Response]) -> Response:
        """ETag / conditional GET (docs/dynacase-api.md §8)."""
        if request.method != "GET" or request.headers.get("cache-control") == "no-cache":
            return build()
        sent = request.headers.get("if-none-match", "")
        if sent.replace("-gzip", "") == etag:
            self.app.stats.not_modified += 1
            return Response(304, headers={"ETag": etag}, reason="Not Modified")
        response = build()
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = "private, no-cache, must-revalidate"
        return response

    def _doc_etag(self, request: Request, rev: Revision, kind: str) -> str:
        return self._etag(request, kind, rev.id, rev.revdate, rev.version, rev.state)

    # --- collections ------------------------------------------------------------------------

    def documents(self, request: Request, fam: str | None = None) -> Response:
        if request.method != "GET":
            raise method_not_allowed(request.method, "collection")
        family: FamilyDef | None = None
        if fam is not None:
            if fam.isdigit():
                found = family_by_id(int(fam))
                if found is not None:
                    raise Redirect(
                        self.url(f"families/{found.name}/documents/"), request, FAMILY_ID
                    )
            family = self._family(fam)
        # DocumentCollection::prepareDocumentList: PHP's intval, so a word is 0 (no document),
        # never a refusal; `slice=ALL` in any case is every document.
        slice_raw = (request.param("slice") or str(DEFAULT_SLICE)).lower()
        limit = None if slice_raw == "all" else php_intval(slice_raw)
        offset = php_intval(request.param("offset") or "0")
        if (limit is not None and limit < 0) or offset < 0:
            # (Inferred) PostgreSQL refuses a negative LIMIT or OFFSET.
            raise bad_request("LIMIT/OFFSET must not be negative", "DB0001")
        order_raw = request.param("orderBy")
        order = self._order_by("title:asc" if order_raw is None else order_raw, family)
        fields = Fields.parse(
            request.param("fields"), "document.properties", family, collection=True
        )
        with self.app.store.lock:
            revisions = [
                r for r in self.app.store.alive() if family is None or r.family.id == family.id
            ]
            revisions = _sorted(revisions, order)
            chosen = revisions[offset:] if limit is None else revisions[offset:][:limit]
            items = [fields.render(r, self.url(f"documents/{r.initid}.json")) for r in chosen]
        data = {
            "requestParameters": {
                "slice": "all" if limit is None else limit,
                "offset": offset,
                "length": len(items),
                "orderBy": ", ".join(f"{f} {d}" for f, d in order),
            },
            "uri": self.url(f"families/{family.name}/documents/" if family else "documents/"),
            # getCollectionProperties: "" on documents/, "%s Documents" on a family's.
            "properties": {"title": f"{family.title} Documents" if family else ""},
            "documents": items,
        }
        return envelope_response(200, "OK", data)

    def _order_by(self, raw: str, family: FamilyDef | None) -> list[tuple[str, str]]:
        """DocumentUtils::extractOrderBy: split on "," with no trimming; a name that is not a
        `Doc::$infofields` property must be an attribute of the family; `id desc` is added."""
        order: list[tuple[str, str]] = []
        for part in raw.split(","):
            name, _, direction = part.partition(":")
            direction = (direction or "asc").lower()
            if direction not in ("asc", "desc"):
                raise dcp_error("CRUD0501", direction)
            if name not in ORDERABLE_PROPERTIES:
                check_attribute(family, name)
            order.append((name, direction))
        if not any(name == "id" for name, _ in order):
            order.append(("id", "desc"))  # "for avoid double result in slice"
        return order

    # --- families and enumerates --------------------------------------------------------------

    def family(self, request: Request, fam: str) -> Response:
        if request.method != "GET":
            raise method_not_allowed(request.method, "family")
        numbered = family_by_id(int(fam)) if fam.isdigit() else None
        if numbered is not None:
            raise Redirect(self.url(f"families/{numbered.name}.json"), request, FAMILY_ID)
        family = family_by_name(fam)
        if family is None:
            raise dcp_error("CRUD0203", fam, status=(404, "Family not found"))
        props = {
            "id": family.id,
            "title": family.title,
            "icon": family.icon,
            "initid": family.id,
            "name": family.name,
            "revision": 0,
        }
        data = {"document": {"uri": self.url(f"families/{family.name}.json"), "properties": props}}
        return self._cached(
            request,
            self._etag(request, "family", family.id),
            lambda: envelope_response(200, "OK", data),
        )

    def enumerate(self, request: Request, fam: str, attr: str) -> Response:
        if request.method != "GET":
            raise method_not_allowed(request.method, "enumerate")
        workflow = workflow_family(fam)
        family = family_by_name(fam)
        definition = None
        if workflow is not None:
            definition = workflow.param(attr)
        elif family is not None:
            definition = family.attribute(attr)
        else:
            raise ApiError(404, "Family not found", "CRUD0203", f'Family "{fam}" not found')
        if definition is None:
            raise ApiError(404, "Not Found", "CRUD0400", f'Attribute "{attr}" not found')
        if definition.type != "enum":
            raise ApiError(403, "Forbidden", "CRUD0401", f'Attribute "{attr}" is not an enum')
        keyword = request.param("keyword", "") or ""
        operator = request.param("operator", "contains") or "contains"
        if operator not in ("contains", "startswith"):
            raise ApiError(400, "Bad Request", "CRUD0402", f'Operator "{operator}" unknown')
        items = [
            {"key": k, "label": v}
            for k, v in definition.enum
            if not keyword
            or (
                v.lower().startswith(keyword.lower())
                if operator == "startswith"
                else keyword.lower() in v.lower()
            )
        ]
        data = {
            "uri": self.url(f"families/{fam.upper()}/enumerates/{attr}"),
            "label": definition.label,
            "requestParameters": {"operator": operator, "keyword": keyword},
            "enumItems": items,
        }
        return envelope_response(200, "OK", data)

    # --- one document -------------------------------------------------------------------------

    def document(self, request: Request, id: str, fam: str | None = None) -> Response:
        if request.method != "GET":
            raise method_not_allowed(request.method, "document")
        if NUMERIC.fullmatch(id) and int(id) <= 0:
            # The module finds no initid for it and redirects to `documents/0.json`, which
            # redirects again, forever (docs/dynacase-api.md §4.1).
            raise Redirect(self.url("documents/0.json"), request)
        with self.app.store.lock:
            latest = self._revision(id, fam)
            # A past revision's id, and the family variant, answer with the canonical URL.
            if fam is not None or (id.isdigit() and int(id) != latest.initid):
                reason = NOT_CANONICAL if fam is not None else "This is a revision"
                raise Redirect(self.url(f"documents/{latest.initid}.json"), request, reason)
            fields = Fields.parse(
                request.param("fields"), "document.properties,document.attributes", latest.family
            )
            etag = self._doc_etag(request, latest, "document")
            uri = self.url(f"documents/{latest.initid}.json")
            return self._cached(
                request,
                etag,
                lambda: envelope_response(200, "OK", {"document": fields.render(latest, uri)}),
            )

    def history(self, request: Request, id: str, fam: str | None = None) -> Response:
        if request.method != "GET":
            raise method_not_allowed(request.method, "history")
        values = {}
        for name in ("slice", "offset", "revision"):
            raw = request.param(name, "-1" if name != "offset" else "0") or "0"
            try:
                values[name] = int(raw)
            except ValueError:
                raise bad_request(f'{name} must be a number, got "{raw}"') from None
        with self.app.store.lock:
            latest = self._revision(id, fam)
            lineage = self.app.store.lineage(latest.initid)
            etag = self._doc_etag(request, latest, "history")

            def build() -> Response:
                revisions = list(reversed(lineage))
                if values["revision"] >= 0:
                    revisions = [r for r in revisions if r.revision == values["revision"]]
                revisions = revisions[values["offset"] :]
                if values["slice"] >= 0:
                    revisions = revisions[: values["slice"]]
                base = f"documents/{latest.initid}"
                data = {
                    "uri": self.url(f"{base}/history/"),
                    "requestParameters": values,
                    "history": [
                        history_item(r, self.url(f"{base}/revisions/{r.revision}.json"))
                        for r in revisions
                    ],
                }
                return envelope_response(200, "OK", data)

            return self._cached(request, etag, build)

    # --- workflows ----------------------------------------------------------------------------

    def _workflow_target(self, id: str, fam: str | None) -> tuple[Revision, WorkflowDef]:
        latest = self._revision(id, fam)
        return latest, engine.workflow_of(latest)

    def states(self, request: Request, id: str, fam: str | None = None) -> Response:
        if request.method != "GET":
            raise method_not_allowed(request.method, "states")
        with self.app.store.lock:
            rev, workflow = self._workflow_target(id, fam)
            every = bool(request.param("allStates"))
            etag = self._doc_etag(request, rev, f"states:{every}")

            def build() -> Response:
                ids = (
                    [s.id for s in workflow.states]
                    if every
                    else engine.following_states(rev, request.user)
                )
                base = f"documents/{rev.initid}/workflows"
                states = []
                for state_id in ids:
                    state = engine.state_object(workflow, state_id, None)
                    del state["isCurrentState"]
                    state["uri"] = self.url(f"{base}/states/{state_id}")
                    transition = workflow.edge(rev.state or "", state_id)
                    state["transition"] = (
                        None
                        if transition is None
                        else {
                            "id": transition.id,
                            "uri": self.url(f"{base}/transitions/{transition.id}"),
                            "label": transition.label,
                            "error": engine.m0_error(transition, rev),
                            "authorized": engine.holds_right(workflow, transition, request.user),
                        }
                    )
                    states.append(state)
                data = {"uri": self.url(f"{base}/states/"), "states": states}
                return envelope_response(200, "OK", data)

            return self._cached(request, etag, build)

    def state(self, request: Request, id: str, state: str, fam: str | None = None) -> Response:
        if request.method == "POST":
            return self._change(request, id, fam, target_state=state)
        if request.method != "GET":
            raise method_not_allowed(request.method, "state")
        with self.app.store.lock:
            rev, workflow = self._workflow_target(id, fam)
            if workflow.state(state) is None:
                raise dcp_error(
                    "CRUD0228",
                    state,
                    workflow.title,
                    workflow.doc_id,
                    status=(404, "State not found"),
                )
            etag = self._doc_etag(request, rev, f"state:{state}")
            base = f"documents/{rev.initid}/workflows"
            obj = engine.state_object(workflow, state, rev.state)
            transition = workflow.edge(rev.state or "", state)
            obj["transition"] = (
                None
                if transition is None
                else {
                    "uri": self.url(f"{base}/transitions/{transition.id}"),
                    "label": transition.label,
                }
            )
            data = {"uri": self.url(f"{base}/states/{state}"), "state": obj}
            return self._cached(request, etag, lambda: envelope_response(200, "OK", data))

    def transitions(self, request: Request, id: str, fam: str | None = None) -> Response:
        if request.method != "GET":
            raise method_not_allowed(request.method, "transitions")
        with self.app.store.lock:
            rev, workflow = self._workflow_target(id, fam)
            base = f"documents/{rev.initid}/workflows"
            items = [
                {
                    "uri": self.url(f"{base}/transitions/{t.id}"),
                    "label": t.label,
                    "valid": workflow.end_state(rev.state or "", t.id) is not None,
                }
                for t in workflow.transitions
            ]
            data = {"uri": self.url(f"{base}/transitions/"), "transitions": items}
            etag = self._doc_etag(request, rev, "transitions")
            return self._cached(request, etag, lambda: envelope_response(200, "OK", data))

    def transition(self, request: Request, id: str, tr: str) -> Response:
        if request.method == "POST":
            return self._change(request, id, None, transition_id=tr)
        if request.method != "GET":
            raise method_not_allowed(request.method, "transition")
        with self.app.store.lock:
            rev, workflow = self._workflow_target(id, None)
            transition = workflow.transition(tr)
            if transition is None:
                raise dcp_error(
                    "CRUD0229",
                    tr,
                    workflow.title,
                    workflow.doc_id,
                    status=(404, "Transition not found"),
                )
            end = workflow.end_state(rev.state or "", tr)
            asks = []
            for ask in transition.asks:
                param = workflow.param(ask)
                if param is None:
                    continue
                item: dict[str, Any] = {
                    "id": param.id,
                    "visibility": "W",
                    "label": param.label,
                    "type": param.type,
                    "logicalOrder": 0,
                    "multiple": False,
                    "options": [],
                }
                if param.needed:
                    item["needed"] = True
                if param.type == "enum":
                    item["enumItems"] = [{"key": k, "label": v} for k, v in param.enum]
                    item["enumUrl"] = self.url(
                        f"families/{workflow.family_name}/enumerates/{param.id}"
                    )
                    item["enumUri"] = item["enumUrl"]
                asks.append(item)
            data = {
                "uri": self.url(f"documents/{rev.initid}/workflows/transitions/{tr}"),
                "transition": {
                    "id": transition.id,
                    "beginState": engine.state_object(workflow, rev.state or "", rev.state),
                    "endState": None
                    if end is None
                    else engine.state_object(workflow, end, rev.state),
                    "label": transition.label,
                    "askComment": transition.ask_comment,
                    "askAttributes": asks,
                },
            }
            etag = self._doc_etag(request, rev, f"transition:{tr}")
            return self._cached(request, etag, lambda: envelope_response(200, "OK", data))

    def _change(
        self,
        request: Request,
        id: str,
        fam: str | None,
        *,
        target_state: str | None = None,
        transition_id: str | None = None,
    ) -> Response:
        """POST on a state or a transition: the state change (docs/dynacase-api.md §6.6, §6.7)."""
        comment, parameters = _change_body(request)
        with self.app.store.lock:
            rev, workflow = self._workflow_target(id, fam)
            if transition_id is not None:
                if workflow.transition(transition_id) is None:
                    raise dcp_error(
                        "CRUD0229",
                        transition_id,
                        workflow.title,
                        workflow.doc_id,
                        status=(404, "Transition not found"),
                    )
                target_state = workflow.end_state(rev.state or "", transition_id)
                if target_state is None:
                    raise dcp_error(
                        "CRUD0235",
                        workflow.title,
                        workflow.doc_id,
                        status=(404, "Invalid transition"),
                    )
            assert target_state is not None
            new = engine.change_state(
                self.app.store,
                rev,
                target_state,
                request.user,
                comment=comment,
                parameters=parameters,
                when=self.app.now(),
            )
            self.app.stats.state_changes += 1
            state = engine.state_object(workflow, new.state or "", new.state)
            notice = {
                "type": "notice",
                "contentText": f"{new.title} : nouvel état {state['label']}",
            }
        return envelope_response(201, "Created", {"state": state}, [notice])


class Redirect(ApiError):
    """307 to the canonical URL, the query string kept (docs/dynacase-api.md §4.1)."""

    def __init__(self, location: str, request: Request, reason: str = "This is a revision") -> None:
        # The status line says which check redirected: DocumentUtils::checkDocumentId ("This is
        # a revision"), ::checkFamilyId ("This is an id request for a family"), FamilyDocument::
        # checkId ("This is not the canonical URI").
        super().__init__(307, reason, "CRUD0222", REDIRECT_TEXT)
        self.location = location + (f"?{request.raw_query}" if request.raw_query else "")
        self.uri = location


def _change_body(request: Request) -> tuple[str, dict[str, Any]]:
    """`comment` and `parameters` from a JSON or a form body; no Content-Type: nothing."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise ApiError(400, "Bad Request", "CRUD0208", "JSON body is malformed") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request", "CRUD0208", "JSON body must be an object")
        comment = body.get("comment") or ""
        parameters = body.get("parameters") or {}
    elif content_type == "application/x-www-form-urlencoded":
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        comment = (form.get("comment") or [""])[0]
        parameters = {}
        for key, values in form.items():
            match = re.fullmatch(r"parameters\[([^\]]+)\]", key.lower())
            if match:
                parameters[match[1]] = values[0]
    else:
        comment, parameters = "", {}
    if not isinstance(comment, str) or not isinstance(parameters, dict):
        raise ApiError(400, "Bad Request", "CRUD0208", "comment must be text, parameters an object")
    return comment, parameters


def _sort_key(rev: Revision, name: str) -> Any:
    if name in ORDERABLE_PROPERTIES:
        value = all_properties(rev).get(name) if name != "state" else rev.state
    else:
        value = rev.attributes.get(name)
    if value is None:
        return (0, "")
    return (1, value)


def _sorted(revisions: list[Revision], order: list[tuple[str, str]]) -> list[Revision]:
    result = list(revisions)
    for name, direction in reversed(order):
        result.sort(key=functools.partial(_sort_key, name=name), reverse=direction == "desc")
    return result
