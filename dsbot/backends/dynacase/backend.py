"""Dynacase as an implementation of the backend port (`dsbot/backends/port/`).

An item is a document addressed by its initid (docs/dynacase-api.md §4.1, §6.8); its actions
are the workflow's transitions leaving the current state (§6.2); an action's form is the
transition's `askComment` and `askAttributes` (§6.5); performing it is the state change to the
transition's end, as the person whose token the client holds (§6.6).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from dsbot.backends.dynacase import errors as e
from dsbot.backends.dynacase.client import DynacaseClient
from dsbot.backends.dynacase.models import (
    AskAttribute,
    Document,
    HistoryRevision,
    NextState,
    WorkflowState,
    parse_date,
)
from dsbot.backends.errors import BackendAuthFailed, BackendNotFound, BackendRefused
from dsbot.backends.port import (
    ActionForm,
    ActionInput,
    ActionRequest,
    ActionResult,
    BackendName,
    HistoryEntry,
    InputKind,
    InputOption,
    InputValue,
    Item,
    ItemAction,
    ItemState,
)

# Dynacase attribute types (§6.5) → the input a modal shows; anything else is a line of text.
INPUT_KINDS: dict[str, InputKind] = {
    "text": InputKind.TEXT,
    "longtext": InputKind.LONG_TEXT,
    "htmltext": InputKind.LONG_TEXT,
    "int": InputKind.NUMBER,
    "double": InputKind.DECIMAL,
    "money": InputKind.DECIMAL,
    "date": InputKind.DATE,
    "enum": InputKind.ENUM,
}


def item_state(state: WorkflowState) -> ItemState:
    return ItemState(state.id, state.label, state.color)


def as_input(attr: AskAttribute) -> ActionInput:
    kind = INPUT_KINDS.get(attr.type, InputKind.TEXT)
    options = tuple(InputOption(i.key, i.label) for i in attr.enum_items)
    if kind is InputKind.ENUM and not options:
        kind = InputKind.TEXT  # an enum whose items were not given: type the key
    return ActionInput(attr.id, attr.label, kind, required=attr.needed, options=options)


def raw_value(value: InputValue) -> Any:
    """A value as the state change takes it (dates as YYYY-MM-DD, numbers as numbers)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def history_entries(revisions: list[HistoryRevision], limit: int) -> tuple[HistoryEntry, ...]:
    entries = [
        HistoryEntry(
            at=entry.at,
            who=entry.uname,
            text=entry.comment,
            is_state_change=entry.is_state_change,
        )
        for revision in revisions
        for entry in revision.entries
    ]
    entries.sort(key=lambda h: h.at or datetime.min, reverse=True)
    return tuple(entries[:limit])


class DynacaseSource:
    """The port's `ItemSource` over one `DynacaseClient` (one person's token)."""

    def __init__(self, client: DynacaseClient, *, web_base: str | None = None) -> None:
        self.client = client
        self.web_base = web_base if web_base is not None else web_base_of(client.base_url)

    def url_of(self, initid: int) -> str:
        # Dynacase's own document view (*inferred* from its web interface; not part of the API).
        return f"{self.web_base}?app=FDL&action=OPENDOC&mode=view&id={initid}"

    def to_item(self, document: Document, history: tuple[HistoryEntry, ...] = ()) -> Item:
        return Item(
            backend=BackendName.DYNACASE,
            ref=str(document.initid),
            title=document.title,
            kind=document.family_title or document.family or "",
            state=item_state(document.state) if document.state else None,
            activity=document.state.activity if document.state else "",
            modified_at=parse_date(document.revdate),
            url=self.url_of(document.initid),
            name=document.name,
            # Attribute labels are not in the document's answer (only ids): no facts.
            history=history,
        )

    def get_item(self, ref: str, *, history: int = 5) -> Item:
        try:
            document = self.client.get_document(ref)
            entries = history_entries(self.client.history(document.initid), history)
        except (e.DynacaseNotFound, e.DynacaseAccessDenied) as exc:
            raise BackendNotFound(ref) from exc
        except e.DynacaseNotAuthenticated as exc:
            raise BackendAuthFailed(exc.content_text or str(exc)) from exc
        return self.to_item(document, entries)

    def _next_states(self, ref: str, *, all_states: bool) -> list[NextState]:
        try:
            return self.client.next_states(ref, all_states=all_states)
        except e.DynacaseNoWorkflow:
            return []
        except e.DynacaseNotAuthenticated as exc:
            raise BackendAuthFailed(exc.content_text or str(exc)) from exc

    def available_actions(self, ref: str, *, for_anyone: bool = False) -> list[ItemAction]:
        states = self._next_states(ref, all_states=for_anyone)
        chosen = [s for s in states if s.transition is not None and (for_anyone or s.can_take)]
        return [
            ItemAction(s.transition.id, s.transition.label, item_state(s.state))
            for s in chosen
            if s.transition is not None
        ]

    def why_not(self, ref: str, action: ItemAction) -> str | None:
        """None when this person may take `action` now; else Dynacase's reason when it gives
        one (a failing pre-condition), or "" (no right, or not from the current state)."""
        for state in self._next_states(ref, all_states=True):
            t = state.transition
            if t is not None and t.id == action.id:
                if state.can_take:
                    return None
                return t.error or ""
        return ""

    def action_form(self, ref: str, action: ItemAction) -> ActionForm:
        try:
            form = self.client.transition_form(ref, action.id)
        except e.DynacaseRefusal as exc:
            raise BackendRefused(exc.content_text or str(exc)) from exc
        target = item_state(form.end_state) if form.end_state else action.target
        return ActionForm(
            action=ItemAction(action.id, form.label or action.label, target),
            ask_comment=form.ask_comment,
            inputs=tuple(as_input(a) for a in form.ask_attributes if a.visibility != "H"),
        )

    def perform(self, request: ActionRequest) -> ActionResult:
        target = request.action.target
        if target is None:
            raise ValueError("a Dynacase action needs the state it leads to")
        parameters = {k: raw_value(v) for k, v in request.values.items() if v not in (None, "")}
        try:
            change = self.client.change_state(
                request.ref, target.id, comment=request.comment or None, parameters=parameters
            )
        except e.DynacaseRefusal as exc:
            return ActionResult(done=False, refusal=exc.content_text or str(exc))
        except e.DynacaseBadRequest as exc:
            # A parameter Dynacase would not take (docs/dynacase-api.md §10.6): its own words.
            return ActionResult(done=False, refusal=exc.content_text or str(exc))
        item: Item | None
        try:
            item = self.get_item(str(change.document.initid))
        except (BackendNotFound, e.DynacaseError):
            item = None
        return ActionResult(done=True, item=item, recovered=change.recovered)

    def changed_since(self, scope: str, since: datetime) -> list[Item]:
        return [self.to_item(d) for d in self.client.changed_since(scope, since)]


def web_base_of(api_url: str) -> str:
    """The platform's context URL: the API's base without `api/v1/` (§1.1)."""
    return api_url[: -len("api/v1/")] if api_url.endswith("api/v1/") else api_url


class DynacaseBackend:
    """The port's `Backend`: the bot's reads client, and the same server as each person."""

    name = BackendName.DYNACASE

    def __init__(self, client: DynacaseClient) -> None:
        self.client = client

    def reader(self) -> DynacaseSource:
        return DynacaseSource(self.client)

    def as_person(self, credential: str) -> DynacaseSource:
        return DynacaseSource(self.client.as_user(credential))

    def check_credential(self, credential: str) -> None:
        """A logical name no document carries: a valid token gets "not found", a bad one 403
        with no code (docs/dynacase-api.md §3.2, §4.1)."""
        try:
            self.client.as_user(credential).probe_token()
        except e.DynacaseNotAuthenticated as exc:
            raise BackendAuthFailed(exc.content_text or str(exc)) from exc
        except (e.DynacaseNotFound, e.DynacaseAccessDenied, e.DynacaseBadRequest):
            return

    def close(self) -> None:
        self.client.close()
