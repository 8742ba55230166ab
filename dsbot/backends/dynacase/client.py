"""The Dynacase HTTP API 1.0 client: typed reads and the workflow state change.

Knows Dynacase and nothing of Slack. Reads return `dsbot.backends.dynacase.models`
dataclasses; failures raise `dsbot.backends.dynacase.errors` classes, carrying Dynacase's own
`code` and `contentText`.

    with DynacaseClient("https://ged.example.fr/api/v1/", token) as dc:
        page = dc.list_documents("DEMANDE_SUBVENTION")
        choices = [s for s in dc.next_states(page.documents[0].initid) if s.can_take]
        as_claire = dc.as_user(claire_token)
        change = as_claire.change_state(initid, "e_sub_instruit", comment="…",
                                        parameters={"sub_avis": "favorable"})
        change.document.id  # the new revision's id; keep using initid

A state change creates a revision with a new `id` (docs/dynacase-api.md §6.8): documents are
always addressed by `initid` (or logical name), and re-read by it after a change.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from dsbot.backends.dynacase.errors import (
    DynacaseConnectError,
    DynacaseError,
    DynacaseNotFound,
    DynacaseServerError,
    DynacaseTransportError,
)
from dsbot.backends.dynacase.models import (
    ApiMessage,
    Document,
    DocumentPage,
    HistoryRevision,
    NextState,
    StateChange,
    TransitionForm,
    WorkflowState,
    format_date,
)
from dsbot.backends.dynacase.transport import (
    ETagCache,
    RetryPolicy,
    Transport,
    TransportStats,
)
from dsbot.backends.port import RequestObserver
from dsbot.ratelimit import RateLimiter, shared_limiter
from dsbot.tls import verified_context

if TYPE_CHECKING:
    from dsbot.config import Settings

API_SUFFIX = "/api/v1/"
DEFAULT_SLICE = 10
# Properties a list or a card needs beyond the defaults (id, title, initid, name, revision,
# state): the family's name, the last modification, alive or fixed.
EXTRA_PROPERTIES = ("revdate", "family", "status")
LIST_FIELDS = ",".join(
    ["document.properties", *(f"document.properties.{p}" for p in EXTRA_PROPERTIES)]
)
DOCUMENT_FIELDS = LIST_FIELDS + ",document.attributes"
# Dynacase has no rate limit (docs/dynacase-api.md §9); this only keeps a runaway loop polite.
DEFAULT_LIMIT_PER_MINUTE = 600

Ref = int | str  # an initid, or a logical name

# What the module takes as a document's identifier (docs/dynacase-api.md §4.1): a positive
# number, or a logical name of its syntax. Anything else is not sent: "0" and negative numbers
# answer a 307 to `documents/0.json` forever, and a malformed name a 400.
LOGICAL_NAME = re.compile(r"[a-z][a-z0-9_]{1,63}", re.IGNORECASE)
# A logical name that no document carries: reading it tells a valid token ("not found") from a
# refused one (403) with a request the module answers plainly, never with a redirect.
PROBE_NAME = "DSBOT_TOKEN_PROBE"


def _ref(ref: Ref) -> str:
    text = str(ref).strip()
    if not text:
        raise ValueError("empty document reference")
    return quote(text, safe="")


def _document_ref(ref: Ref) -> str:
    """`ref` for a `documents/{id}` path; DynacaseNotFound, without a request, when the module
    could only refuse it or loop on it."""
    text = _ref(ref)  # an empty one is the caller's bug: ValueError
    if text.isdigit() and int(text) > 0:
        return text
    if LOGICAL_NAME.fullmatch(text):
        return text
    raise DynacaseNotFound(f'Document "{text[:80]}" not found', http_status=404)


def _raw(value: Any) -> Any:
    """A parameter value as Dynacase takes it: dates as YYYY-MM-DD, lists item by item."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_raw(v) for v in value]
    return value


def client_from_settings(settings: Settings, **kwargs: Any) -> DynacaseClient | None:
    """The reads client (`DYNACASE_API_URL`, `DYNACASE_TOKEN`), or None when the backend is off."""
    if not settings.dynacase_api_url or not settings.dynacase_token:
        return None
    return DynacaseClient(settings.dynacase_api_url, settings.dynacase_token, **kwargs)


class DynacaseClient:
    """One Dynacase base URL (ending in `/api/v1/`) and one `DcpOpen` token. Thread-safe."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        limiter: RateLimiter | None = None,
        max_read_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        http: httpx.Client | None = None,
        cache: ETagCache | None = None,
        stats: TransportStats | None = None,
        observer: RequestObserver | None = None,
    ) -> None:
        if not base_url.endswith(API_SUFFIX):
            raise ValueError(f"the Dynacase API URL must end with {API_SUFFIX}")
        if not token:
            raise ValueError("a DcpOpen token is required")
        self.base_url = base_url
        self._token = token
        self._owns_http = http is None
        self._http = http or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            headers={"User-Agent": "dsbot"},
            # The transport follows redirects itself, keeping the token only on the same server.
            follow_redirects=False,
            verify=verified_context(),
        )
        self.policy = RetryPolicy(
            max_read_retries=max_read_retries, backoff_base=backoff_base, backoff_cap=backoff_cap
        )
        self.limiter = limiter or shared_limiter(
            base_url, token, limit=DEFAULT_LIMIT_PER_MINUTE, period=60.0
        )
        self.cache = cache or ETagCache()
        self.stats = stats or TransportStats()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._transport = Transport(
            self._http,
            base_url,
            token,
            limiter=self.limiter,
            policy=self.policy,
            cache=self.cache,
            stats=self.stats,
            sleep=sleep,
            rng=self._rng,
            observer=observer,
        )
        self._observer = observer

    def __repr__(self) -> str:
        return f"DynacaseClient(base_url={self.base_url!r}, token=***)"

    def as_user(self, token: str) -> DynacaseClient:
        """The same server as another person (their own token): shares the connection pool,
        the ETag cache (keyed by token) and the stats; has its own rate limiter."""
        return DynacaseClient(
            self.base_url,
            token,
            max_read_retries=self.policy.max_read_retries,
            backoff_base=self.policy.backoff_base,
            backoff_cap=self.policy.backoff_cap,
            sleep=self._sleep,
            rng=self._rng,
            http=self._http,
            cache=self.cache,
            stats=self.stats,
            observer=self._observer,
        )

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> DynacaseClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- reads -----------------------------------------------------------------------------

    def list_documents(
        self,
        family: str,
        *,
        slice: int = DEFAULT_SLICE,
        offset: int = 0,
        order_by: str = "revdate:desc",
        fields: str = LIST_FIELDS,
    ) -> DocumentPage:
        """One page of a family's documents (sub-families included), newest change first."""
        params = {"slice": slice, "offset": offset, "orderBy": order_by, "fields": fields}
        answer = self._transport.get(f"families/{_ref(family)}/documents/", params)
        return DocumentPage.from_json(answer.data or {})

    def iter_documents(
        self, family: str, *, order_by: str = "revdate:desc", page_size: int = 50
    ) -> Iterator[Document]:
        """Every document of a family, page by page (no total exists: stop on a short page)."""
        offset = 0
        while True:
            page = self.list_documents(family, slice=page_size, offset=offset, order_by=order_by)
            yield from page.documents
            if page.is_last or not page.documents:
                return
            offset += page.length

    def changed_since(
        self, family: str, since: datetime | str, *, page_size: int = 50
    ) -> list[Document]:
        """The documents modified at or after `since` (an aware datetime, a naive one in the
        server's local time, or its `YYYY-MM-DD HH:MM:SS`), newest first. API 1.0 has no
        filter, so pages are read by `revdate` descending until one is older
        (docs/dynacase-api.md §5.4)."""
        bound = since if isinstance(since, str) else format_date(since)
        found: list[Document] = []
        for document in self.iter_documents(family, page_size=page_size):
            if (document.revdate or "") < bound:
                break
            found.append(document)
        return found

    def get_document(self, ref: Ref, *, attributes: bool = True) -> Document:
        """The latest revision, by initid or logical name (a past revision's id is redirected
        to it). With `attributes`, every visible attribute as `{value, displayValue}`."""
        fields = DOCUMENT_FIELDS if attributes else LIST_FIELDS
        answer = self._transport.get(f"documents/{_document_ref(ref)}", {"fields": fields})
        return Document.from_json((answer.data or {})["document"])

    def probe_token(self) -> None:
        """Returns when Dynacase accepts this token. Raises DynacaseNotAuthenticated when it
        refuses it, and the transport's errors (unreachable, a refused redirect)."""
        try:
            self._transport.get(f"documents/{PROBE_NAME}", {"fields": "document.properties"})
        except DynacaseNotFound:
            return

    def next_states(self, ref: Ref, *, all_states: bool = False) -> list[NextState]:
        """The states this token's user may reach now (`NextState.can_take`), or with
        `all_states` every state of the workflow, each with the transition leading there."""
        params = {"allStates": "1"} if all_states else None
        answer = self._transport.get(f"documents/{_document_ref(ref)}/workflows/states/", params)
        return [NextState.from_json(s) for s in (answer.data or {}).get("states") or ()]

    def transition_form(self, ref: Ref, transition_id: str) -> TransitionForm:
        """What taking `transition_id` asks: a comment or not, and its parameters."""
        path = f"documents/{_document_ref(ref)}/workflows/transitions/{_ref(transition_id)}"
        answer = self._transport.get(path)
        return TransitionForm.from_json((answer.data or {})["transition"])

    def history(self, ref: Ref, *, revisions: int | None = None) -> list[HistoryRevision]:
        """The history, one item per revision (newest first), each with its entries (newest
        first). `revisions` keeps only the most recent ones."""
        params = {"slice": revisions} if revisions is not None else None
        answer = self._transport.get(f"documents/{_document_ref(ref)}/history/", params)
        return [HistoryRevision.from_json(h) for h in (answer.data or {}).get("history") or ()]

    # --- the state change --------------------------------------------------------------------

    def change_state(
        self,
        ref: Ref,
        state_id: str,
        *,
        comment: str | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> StateChange:
        """Moves the document to `state_id` as this token's user, then re-reads it by initid.

        Raises `DynacaseTransitionRefused` (403 CRUD0230: right, pre-condition, state not
        reachable), `DynacaseNoWorkflow` (404 CRUD0227), or another `DynacaseError`. The POST
        is never resent; when its answer is lost, the document is re-read and the change is
        reported `recovered` if it shows a new revision in the target state.
        """
        before = self.get_document(ref, attributes=False)
        path = f"documents/{before.initid}/workflows/states/{_ref(state_id)}"
        try:
            answer = self._transport.post(path, self._body(comment, parameters))
        except (DynacaseServerError, DynacaseTransportError) as exc:
            if isinstance(exc, DynacaseConnectError):
                raise  # nothing reached Dynacase
            after = self._reread_after_loss(before.initid, exc)
            if after.revision > before.revision and after.state and after.state.id == state_id:
                return StateChange(after.state, after, before.id, recovered=True)
            raise
        return self._result(answer.data, answer.messages, before)

    def take_transition(
        self,
        ref: Ref,
        transition_id: str,
        *,
        comment: str | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> StateChange:
        """Takes `transition_id` from the current state (POST on the transition), then re-reads
        by initid. Raises `DynacaseInvalidTransition` (404 CRUD0235) when the transition does
        not start from the current state, and the errors of `change_state`."""
        before = self.get_document(ref, attributes=False)
        path = f"documents/{before.initid}/workflows/transitions/{_ref(transition_id)}"
        answer = self._transport.post(path, self._body(comment, parameters))
        return self._result(answer.data, answer.messages, before)

    @staticmethod
    def _body(comment: str | None, parameters: dict[str, Any] | None) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if comment:
            body["comment"] = comment
        if parameters:
            body["parameters"] = {k: _raw(v) for k, v in parameters.items()}
        return body

    def _result(
        self, data: Any, messages: tuple[dict[str, Any], ...], before: Document
    ) -> StateChange:
        state = WorkflowState.from_json((data or {}).get("state") or {})
        after = self.get_document(before.initid)
        return StateChange(
            state=state,
            document=after,
            previous_id=before.id,
            messages=tuple(ApiMessage.from_json(m) for m in messages),
        )

    def _reread_after_loss(self, initid: int, original: DynacaseError) -> Document:
        try:
            return self.get_document(initid)
        except DynacaseError:
            raise original from None
