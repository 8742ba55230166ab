"""How documents, attributes and history look in JSON (docs/dynacase-api.md §4, §7)."""

from __future__ import annotations

from typing import Any

from dsbot.sandboxes.dynacase.engine import display_value, state_property
from dsbot.sandboxes.dynacase.errors import ApiError
from dsbot.sandboxes.dynacase.store import Revision
from dsbot.sandboxes.dynacase.world import FamilyDef, user_by_id

DEFAULT_PROPERTIES = ("id", "title", "icon", "initid", "name", "revision", "state")
# Raw properties usable in `orderBy` (a subset of Doc::$infofields).
ORDERABLE_PROPERTIES = (
    "id",
    "title",
    "revdate",
    "cdate",
    "adate",
    "initid",
    "state",
    "owner",
    "name",
    "revision",
)


def _user_ref(user_id: int) -> dict[str, Any]:
    user = user_by_id(user_id)
    return {"id": user_id, "title": user.title if user else str(user_id), "icon": "iuser.png"}


def all_properties(rev: Revision) -> dict[str, Any]:
    """`document.properties.all`; `state` is left out when the document has none."""
    family = rev.family
    workflow = family.workflow
    props: dict[str, Any] = {
        "id": rev.id,
        "title": rev.title,
        "icon": family.icon,
        "initid": rev.initid,
        "name": rev.name,
        "revision": rev.revision,
        "owner": rev.owner,
        "fromid": family.id,
        "doctype": "F",
        "wid": workflow.doc_id if workflow else None,
        "locked": rev.locked,
        "version": "",
        "cdate": rev.cdate,
        "adate": rev.revdate,
        "revdate": rev.revdate,
        "creationDate": rev.cdate,
        "lastModificationDate": rev.revdate,
        "lastAccessDate": rev.revdate,
        "family": {"title": family.title, "name": family.name, "icon": family.icon},
        "createdBy": _user_ref(rev.owner),
        "revisionData": {"id": rev.id, "number": rev.revision, "createdBy": _user_ref(rev.owner)},
        "workflow": {"id": workflow.doc_id, "title": workflow.title} if workflow else None,
        "status": rev.status,
        "usage": "normal",
        "type": "document",
        "tags": [],
        "security": {
            "lock": {"id": rev.locked},
            "readOnly": rev.locked == -1,
            "fixed": rev.status == "fixed",
            "profil": {"id": 0, "title": ""},
            "confidentiality": "public",
        },
    }
    if workflow is not None and rev.state:
        props["state"] = state_property(workflow, rev.state)
    return props


def attribute_value(family: FamilyDef, attr_id: str, value: Any) -> dict[str, Any]:
    attr = family.attribute(attr_id)
    if value is None or value == "" or attr is None:
        return {"value": None, "displayValue": None}
    return {"value": value, "displayValue": display_value(attr, value)}


class Fields:
    """A parsed `fields` parameter."""

    def __init__(self, properties: tuple[str, ...], attributes: tuple[str, ...] | None) -> None:
        self.properties = properties
        self.attributes = attributes  # None: no `attributes` key; () with all: see all_attrs
        self.all_attributes = False

    @classmethod
    def parse(cls, raw: str | None, default: str, family: FamilyDef | None) -> Fields:
        """`family` is the collection's reference family, None on `documents/` (where plain
        `document.attributes` yields nothing)."""
        entries = [e.strip() for e in (raw or default).split(",") if e.strip()]
        props: list[str] = []
        attrs: list[str] | None = None
        all_attributes = False
        usable = False
        known = set(DEFAULT_PROPERTIES) | set(_ALL_PROPERTY_NAMES)
        for entry in entries:
            if entry == "document.properties":
                props.extend(p for p in DEFAULT_PROPERTIES if p not in props)
                usable = True
            elif entry == "document.properties.all":
                props.extend(p for p in _ALL_PROPERTY_NAMES if p not in props)
                usable = True
            elif entry.startswith("document.properties."):
                name = entry[len("document.properties.") :]
                if name not in known:
                    raise ApiError(400, "Bad Request", "CRUD0202", f'Unknown property "{name}"')
                if name not in props:
                    props.append(name)
                usable = True
            elif entry == "document.attributes":
                attrs = attrs or []
                all_attributes = family is not None
                usable = True
            elif entry.startswith("document.attributes."):
                name = entry[len("document.attributes.") :]
                if family is not None and family.attribute(name) is None:
                    raise ApiError(400, "Bad Request", "CRUD0218", f'Unknown attribute "{name}"')
                attrs = (attrs or []) + [name]
                usable = True
        if not usable:
            raise ApiError(400, "Bad Request", "CRUD0214", "Fields parameter has nothing usable")
        fields = cls(tuple(props), None if attrs is None else tuple(attrs))
        fields.all_attributes = all_attributes
        return fields

    def render(self, rev: Revision, uri: str) -> dict[str, Any]:
        every = all_properties(rev)
        result: dict[str, Any] = {
            "uri": uri,
            "properties": {p: every[p] for p in self.properties if p in every},
        }
        if self.attributes is not None:
            ids = [a.id for a in rev.family.attributes] if self.all_attributes else []
            ids += [a for a in self.attributes if a not in ids and rev.family.attribute(a)]
            result["attributes"] = {
                a: attribute_value(rev.family, a, rev.attributes.get(a)) for a in ids
            }
        return result


_ALL_PROPERTY_NAMES = (
    "id",
    "title",
    "icon",
    "initid",
    "name",
    "revision",
    "state",
    "owner",
    "fromid",
    "doctype",
    "wid",
    "locked",
    "version",
    "cdate",
    "adate",
    "revdate",
    "creationDate",
    "lastModificationDate",
    "lastAccessDate",
    "family",
    "createdBy",
    "revisionData",
    "workflow",
    "status",
    "usage",
    "type",
    "tags",
    "security",
)


def history_item(rev: Revision, uri: str) -> dict[str, Any]:
    """One revision of `history/`, its entries newest first."""
    owner = user_by_id(rev.owner)
    workflow = rev.family.workflow
    if workflow is not None and rev.state:
        prop = state_property(workflow, rev.state)
        state = {k: prop[k] for k in ("reference", "stateLabel", "activity", "color")}
    else:
        state = {"reference": "", "stateLabel": "", "activity": "", "color": ""}
    return {
        "uri": uri,
        "properties": {
            "id": rev.initid,
            "title": rev.title,
            "status": rev.status,
            "revision": rev.revision,
            "owner": {"id": str(rev.owner), "title": owner.title if owner else ""},
            "state": state,
            "version": "",
            "revisionDate": rev.revdate,
        },
        "messages": [entry.to_json() for entry in reversed(rev.history)],
    }
