"""Typed results of the Dynacase client: frozen dataclasses decoded from the API's JSON.

Each has `from_json` (Dynacase's own shape, docs/dynacase-api.md §4–§7) and `to_json` (the
same shape back), so that a value can be stored (a modal's metadata, a cache) and read again.
Dates stay as Dynacase writes them (`YYYY-MM-DD HH:MM:SS`, the server's local time, with no
offset); `parse_date` turns one into an aware datetime in the server's zone, `SERVER_TZ`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# Dynacase writes its dates in the server's local time without an offset; the platforms dsbot
# serves are French administrations' (docs/dynacase-api.md §4.2).
SERVER_TZ = ZoneInfo("Europe/Paris")


def parse_date(text: str | None) -> datetime | None:
    """`2026-03-05 14:02:11` (or a bare date), the server's local time, as an aware datetime;
    None when empty or malformed."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=SERVER_TZ)


def format_date(moment: datetime) -> str:
    """A datetime as Dynacase writes it: the server's local time, `YYYY-MM-DD HH:MM:SS` (a naive
    datetime is taken as already local)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(SERVER_TZ)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _str(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class WorkflowState:
    """A workflow state. `is_current` is None where Dynacase does not say (next states)."""

    id: str
    label: str
    activity: str = ""
    display_value: str = ""
    color: str = ""
    is_current: bool | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkflowState:
        """Either shape: a workflow route's `{id, label, …}` or the `state` property
        `{reference, stateLabel, …}`. Labels fall back to the id (§6.2)."""
        state_id = _str(data.get("id", data.get("reference")))
        label = _str(data.get("label", data.get("stateLabel"))) or state_id
        activity = _str(data.get("activity"))
        return cls(
            id=state_id,
            label=label,
            activity=activity,
            display_value=_str(data.get("displayValue")) or activity or label,
            color=_str(data.get("color")),
            is_current=data.get("isCurrentState"),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "activity": self.activity,
            "displayValue": self.display_value,
            "color": self.color,
        }
        if self.is_current is not None:
            data["isCurrentState"] = self.is_current
        return data


@dataclass(frozen=True)
class AttributeValue:
    """`{value, displayValue}`; a multiple attribute keeps the list of raw values."""

    value: Any
    display_value: str | None

    @classmethod
    def from_json(cls, data: Any) -> AttributeValue:
        if isinstance(data, list):
            items = [cls.from_json(item) for item in data]
            texts = [i.display_value for i in items if i.display_value]
            return cls([i.value for i in items], ", ".join(texts) if texts else None)
        if isinstance(data, dict):
            shown = data.get("displayValue")
            return cls(data.get("value"), None if shown is None else str(shown))
        return cls(data, None if data is None else str(data))

    def to_json(self) -> Any:
        return {"value": self.value, "displayValue": self.display_value}

    @property
    def text(self) -> str:
        """What to show: the display value, else the raw value, else ""."""
        if self.display_value:
            return self.display_value
        return "" if self.value is None else str(self.value)


@dataclass(frozen=True)
class Document:
    """The latest revision of a document, as `documents/<id>` or a collection item gives it.

    `id` is this revision's id and changes with every state change; `initid` does not: keep
    and address documents by `initid` (or `name`).
    """

    id: int
    initid: int
    title: str
    revision: int
    name: str | None = None
    state: WorkflowState | None = None
    family: str | None = None  # the family's logical name, when `family` was asked
    family_title: str | None = None
    revdate: str | None = None
    status: str | None = None
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    uri: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        """`data.document` of a document, or one item of a collection's `documents`."""
        props = data.get("properties") or {}
        family: dict[str, Any] = props.get("family") or {}
        if not isinstance(family, dict):
            family = {}
        state = props.get("state")
        attributes = data.get("attributes") or {}
        return cls(
            id=int(props["id"]),
            initid=int(props.get("initid") or props["id"]),
            title=_str(props.get("title")),
            revision=int(props.get("revision") or 0),
            name=props.get("name") or None,
            state=WorkflowState.from_json(state) if isinstance(state, dict) else None,
            family=family.get("name") or None,
            family_title=family.get("title") or None,
            revdate=props.get("revdate") or props.get("lastModificationDate") or None,
            status=props.get("status") or None,
            attributes={k: AttributeValue.from_json(v) for k, v in attributes.items()},
            uri=data.get("uri"),
        )

    def to_json(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "id": self.id,
            "initid": self.initid,
            "title": self.title,
            "revision": self.revision,
            "name": self.name,
        }
        if self.state is not None:
            s = self.state
            props["state"] = {
                "reference": s.id,
                "stateLabel": s.label,
                "activity": s.activity,
                "displayValue": s.display_value,
                "color": s.color,
            }
        if self.family is not None or self.family_title is not None:
            props["family"] = {"name": self.family, "title": self.family_title}
        if self.revdate is not None:
            props["revdate"] = self.revdate
        if self.status is not None:
            props["status"] = self.status
        data: dict[str, Any] = {"properties": props, "uri": self.uri}
        if self.attributes:
            data["attributes"] = {k: v.to_json() for k, v in self.attributes.items()}
        return data

    @property
    def modified_at(self) -> datetime | None:
        return parse_date(self.revdate)

    def text(self, attr_id: str) -> str:
        value = self.attributes.get(attr_id)
        return value.text if value else ""


@dataclass(frozen=True)
class DocumentPage:
    """One page of a collection. `length` is what came back, not a total (§5.2)."""

    documents: tuple[Document, ...]
    slice: int | str
    offset: int
    length: int
    order_by: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentPage:
        params = data.get("requestParameters") or {}
        documents = tuple(Document.from_json(d) for d in data.get("documents") or ())
        return cls(
            documents=documents,
            slice=params.get("slice", len(documents)),
            offset=int(params.get("offset") or 0),
            length=int(params.get("length", len(documents))),
            order_by=_str(params.get("orderBy")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "requestParameters": {
                "slice": self.slice,
                "offset": self.offset,
                "length": self.length,
                "orderBy": self.order_by,
            },
            "documents": [d.to_json() for d in self.documents],
        }

    @property
    def is_last(self) -> bool:
        """No next page: fewer documents than asked (or `slice=all`)."""
        return not isinstance(self.slice, int) or self.length < self.slice


@dataclass(frozen=True)
class TransitionRef:
    """The transition leading to a next state. `error` is the m0 pre-condition's result:
    None without one, "" when it passes, else why the transition would be refused."""

    id: str
    label: str
    authorized: bool
    error: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TransitionRef:
        uri = _str(data.get("uri"))
        transition_id = _str(data.get("id")) or uri.rstrip("/").rsplit("/", 1)[-1]
        return cls(
            id=transition_id,
            label=_str(data.get("label")) or transition_id,
            authorized=bool(data.get("authorized", True)),
            error=data.get("error"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "authorized": self.authorized,
            "error": self.error,
        }


@dataclass(frozen=True)
class NextState:
    """One item of `workflows/states/`: a state and the transition that leads there."""

    state: WorkflowState
    transition: TransitionRef | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NextState:
        transition = data.get("transition")
        return cls(
            state=WorkflowState.from_json(data),
            transition=TransitionRef.from_json(transition)
            if isinstance(transition, dict)
            else None,
        )

    def to_json(self) -> dict[str, Any]:
        data = self.state.to_json()
        data["transition"] = self.transition.to_json() if self.transition else None
        return data

    @property
    def can_take(self) -> bool:
        """A transition leads here, its right is held, and its pre-condition passes."""
        t = self.transition
        return t is not None and t.authorized and not t.error


@dataclass(frozen=True)
class EnumItem:
    key: str
    label: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EnumItem:
        key = _str(data.get("key"))
        return cls(key, _str(data.get("label")) or key)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label}


@dataclass(frozen=True)
class AskAttribute:
    """A parameter a transition asks for (an attribute of the workflow family)."""

    id: str
    label: str
    type: str
    needed: bool = False
    multiple: bool = False
    visibility: str = "W"
    enum_items: tuple[EnumItem, ...] = ()
    enum_uri: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AskAttribute:
        attr_id = _str(data.get("id"))
        return cls(
            id=attr_id,
            label=_str(data.get("label")) or attr_id,
            type=_str(data.get("type")) or "text",
            needed=bool(data.get("needed", False)),
            multiple=bool(data.get("multiple", False)),
            visibility=_str(data.get("visibility")) or "W",
            enum_items=tuple(EnumItem.from_json(i) for i in data.get("enumItems") or ()),
            enum_uri=data.get("enumUri") or data.get("enumUrl"),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "type": self.type,
            "needed": self.needed,
            "multiple": self.multiple,
            "visibility": self.visibility,
        }
        if self.type == "enum":
            data["enumItems"] = [i.to_json() for i in self.enum_items]
            data["enumUri"] = self.enum_uri
        return data


@dataclass(frozen=True)
class TransitionForm:
    """`workflows/transitions/<id>`: what to ask before taking the transition.

    `end_state` is None when the transition does not start from the current state. Dynacase
    gives no current or default values for the parameters (§6.5).
    """

    id: str
    label: str
    begin_state: WorkflowState | None
    end_state: WorkflowState | None
    ask_comment: bool
    ask_attributes: tuple[AskAttribute, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TransitionForm:
        """`data.transition` of the answer."""
        begin, end = data.get("beginState"), data.get("endState")
        return cls(
            id=_str(data.get("id")),
            label=_str(data.get("label")) or _str(data.get("id")),
            begin_state=WorkflowState.from_json(begin) if isinstance(begin, dict) else None,
            end_state=WorkflowState.from_json(end) if isinstance(end, dict) else None,
            ask_comment=bool(data.get("askComment", True)),
            ask_attributes=tuple(
                AskAttribute.from_json(a) for a in data.get("askAttributes") or ()
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "beginState": self.begin_state.to_json() if self.begin_state else None,
            "endState": self.end_state.to_json() if self.end_state else None,
            "askComment": self.ask_comment,
            "askAttributes": [a.to_json() for a in self.ask_attributes],
        }


@dataclass(frozen=True)
class HistoryEntry:
    uid: int
    uname: str
    date: str
    level: str  # notice, info, message, warning, error
    code: str | None
    comment: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HistoryEntry:
        return cls(
            uid=int(data.get("uid") or 0),
            uname=_str(data.get("uname")),
            date=_str(data.get("date")),
            level=_str(data.get("level")) or "info",
            code=data.get("code") or None,
            comment=_str(data.get("comment")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "uname": self.uname,
            "date": self.date,
            "level": self.level,
            "code": self.code,
            "comment": self.comment,
        }

    @property
    def at(self) -> datetime | None:
        return parse_date(self.date)

    @property
    def is_state_change(self) -> bool:
        return self.code == "REVISION"


@dataclass(frozen=True)
class HistoryRevision:
    """One revision of `history/` with its entries, newest first."""

    initid: int
    revision: int
    title: str
    status: str
    state: WorkflowState | None
    revision_date: str
    owner: str
    entries: tuple[HistoryEntry, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HistoryRevision:
        props = data.get("properties") or {}
        state = props.get("state") or {}
        owner = props.get("owner") or {}
        return cls(
            initid=int(props.get("id") or 0),
            revision=int(props.get("revision") or 0),
            title=_str(props.get("title")),
            status=_str(props.get("status")),
            state=WorkflowState.from_json(state) if state.get("reference") else None,
            revision_date=_str(props.get("revisionDate")),
            owner=_str(owner.get("title")) if isinstance(owner, dict) else "",
            entries=tuple(HistoryEntry.from_json(m) for m in data.get("messages") or ()),
        )

    def to_json(self) -> dict[str, Any]:
        s = self.state
        return {
            "properties": {
                "id": self.initid,
                "revision": self.revision,
                "title": self.title,
                "status": self.status,
                "state": {
                    "reference": s.id if s else "",
                    "stateLabel": s.label if s else "",
                    "activity": s.activity if s else "",
                    "color": s.color if s else "",
                },
                "revisionDate": self.revision_date,
                "owner": {"title": self.owner},
            },
            "messages": [e.to_json() for e in self.entries],
        }


@dataclass(frozen=True)
class ApiMessage:
    """A message of the envelope (`warning`, `notice`… on success)."""

    type: str
    content_text: str = ""
    code: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApiMessage:
        return cls(_str(data.get("type")), _str(data.get("contentText")), data.get("code"))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type}
        if self.content_text:
            data["contentText"] = self.content_text
        if self.code:
            data["code"] = self.code
        return data


@dataclass(frozen=True)
class StateChange:
    """The result of a state change: the state Dynacase reports, and the document re-read by
    `initid` (its `id` is the new revision's). `recovered` is True when the answer was lost
    but the re-read showed the change was made."""

    state: WorkflowState
    document: Document
    previous_id: int
    messages: tuple[ApiMessage, ...] = ()
    recovered: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state.to_json(),
            "document": self.document.to_json(),
            "previousId": self.previous_id,
            "messages": [m.to_json() for m in self.messages],
            "recovered": self.recovered,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StateChange:
        return cls(
            state=WorkflowState.from_json(data["state"]),
            document=Document.from_json(data["document"]),
            previous_id=int(data["previousId"]),
            messages=tuple(ApiMessage.from_json(m) for m in data.get("messages") or ()),
            recovered=bool(data.get("recovered")),
        )
