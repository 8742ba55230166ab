"""How documents, attributes and history look in JSON (docs/dynacase-api.md §4, §7)."""

from __future__ import annotations

from typing import Any

from dsbot.sandboxes.dynacase.engine import display_value, state_property
from dsbot.sandboxes.dynacase.errors import dcp_error, dcp_exception, fatal_error
from dsbot.sandboxes.dynacase.store import Revision
from dsbot.sandboxes.dynacase.world import FamilyDef, user_by_id

PROPERTY = "document.properties."
ATTRIBUTE = "document.attributes."
DEFAULT_PROPERTIES = ("id", "title", "icon", "initid", "name", "revision", "state")
# `Doc::$infofields` (dynacase-core 3.2, Class/Fdl/Class.Doc.php l. 105): the raw properties
# `orderBy` accepts; any other name must be an attribute of the collection's family.
ORDERABLE_PROPERTIES = (
    "id", "owner", "icon", "title", "revision", "version", "initid", "fromid", "doctype",
    "locked", "allocated", "lmodify", "profid", "usefor", "cdate", "adate", "revdate", "comment",
    "classname", "state", "wid", "postitid", "cvid", "name", "dprofid", "atags", "prelid",
    "lockdomainid", "domainid", "confidential", "svalues", "ldapdn",
)  # fmt: skip


def check_attribute(family: FamilyDef | None, name: str) -> None:
    """DocumentUtils::isAttribute: an unknown name is CRUD0502. On `documents/` the module passes
    no document to it, which PHP refuses with a fatal error: a 500."""
    if family is None:
        raise fatal_error(
            "Argument 1 passed to Dcp\\HttpApi\\V1\\Crud\\DocumentUtils::isAttribute() "
            "must be an instance of Doc, null given"
        )
    if family.attribute(name) is None:
        raise dcp_error("CRUD0502", name)


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
        # Raw Doc::$infofields columns and FormatCollection's other properties, as a document
        # with no allocation, note, view control or profile shows them.
        "allocated": 0,
        "lmodify": "N",
        "profid": 0,
        "usefor": "N",
        "postitid": 0,
        "cvid": 0,
        "dprofid": 0,
        "atags": None,
        "prelid": 0,
        "confidential": 0,
        "viewController": {"id": 0, "title": ""},
        "affected": {"id": 0, "title": ""},
        "note": {"id": 0, "title": ""},
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
    def parse(
        cls, raw: str | None, default: str, family: FamilyDef | None, *, collection: bool = False
    ) -> Fields:
        """`family` is the reference family (None on `documents/`, whose attributes are taken as
        asked, unchecked). DocumentFormatter::addProperty refuses an unknown property (a
        DocManager exception); a single document refuses fields with nothing usable (CRUD0214), a
        collection just shows nothing."""
        entries = [e.strip() for e in (raw or default).split(",")]
        asked = [e[len(PROPERTY) :] for e in entries if e.startswith(PROPERTY)]
        with_defaults = "document.properties" in entries
        props: list[str] = []
        for name in asked:
            if name == "all":
                props.extend(p for p in _ALL_PROPERTY_NAMES if p not in props)
            elif name not in _ALL_PROPERTY_NAMES:
                raise dcp_exception("CRUD0202", f'Document property fields "{name}" not known')
            elif name not in props:
                props.append(name)
        if with_defaults:
            props.extend(p for p in DEFAULT_PROPERTIES if p not in props)
        names = [e[len(ATTRIBUTE) :] for e in entries if e.startswith(ATTRIBUTE)]
        wants_attributes = any(e.startswith("document.attributes") for e in entries)
        if family is not None and wants_attributes:
            for name in names:
                check_attribute(family, name)
        usable = bool(asked) or with_defaults or wants_attributes
        if not usable and not collection:
            raise dcp_error("CRUD0214", ",".join(entries))
        attrs = list(dict.fromkeys(names)) if wants_attributes else None
        fields = cls(tuple(props), None if attrs is None else tuple(attrs))
        fields.all_attributes = family is not None and wants_attributes and not names
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
    "allocated",
    "lmodify",
    "profid",
    "usefor",
    "postitid",
    "cvid",
    "dprofid",
    "atags",
    "prelid",
    "confidential",
    "viewController",
    "affected",
    "note",
)  # FormatCollection::getAvailableProperties less DocumentFormatter's useless properties


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
