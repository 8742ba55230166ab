"""The sandbox's documents in memory: revisions, lineages (one per `initid`), logical names.

Every document is a lineage of revisions; only the last one is alive, the others are frozen
(`locked = -1`, status "fixed"), each with its own numeric id (docs/dynacase-api.md §4.1, §6.8).
History entries belong to a revision. All access goes through `Store.lock`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dsbot.sandboxes.dynacase.world import FamilyDef

PARIS = ZoneInfo("Europe/Paris")
FIRST_DOCUMENT_ID = 2001

LEVELS = {"notice": 1, "info": 2, "message": 4, "warning": 8, "error": 16}


def format_date(moment: datetime) -> str:
    """Dynacase's dates: `YYYY-MM-DD HH:MM:SS`, a space, no zone (the server's local time)."""
    return moment.astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class HistoryEntry:
    uid: int
    uname: str
    date: str
    level: str  # notice, info, message, warning, error
    code: str | None
    comment: str

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "uname": self.uname,
            "date": self.date,
            "level": self.level,
            "code": self.code,
            "comment": self.comment,
        }


@dataclass
class Revision:
    id: int
    initid: int
    revision: int
    family: FamilyDef
    title: str
    name: str | None
    owner: int
    state: str | None
    attributes: dict[str, Any]
    cdate: str
    revdate: str
    status: str = "alive"  # alive | fixed
    locked: int = 0  # 0 free, -1 fixed revision
    history: list[HistoryEntry] = field(default_factory=list)
    # Moves on every change: part of the ETag, since `revdate` only has second precision.
    version: int = 0


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._by_id: dict[int, Revision] = {}
        self._lineages: dict[int, list[Revision]] = {}
        self._by_name: dict[str, int] = {}
        self._next_id = FIRST_DOCUMENT_ID
        self._version = 0
        self._counters: dict[str, int] = {}

    def next_version(self) -> int:
        self._version += 1
        return self._version

    def new_id(self) -> int:
        value = self._next_id
        self._next_id += 1
        return value

    def next_name(self, family: FamilyDef) -> str | None:
        if not family.prefix:
            return None
        count = self._counters.get(family.name, 0) + 1
        self._counters[family.name] = count
        return f"{family.prefix}_{count:04d}"

    def create(
        self,
        family: FamilyDef,
        title: str,
        attributes: dict[str, Any],
        owner: int,
        when: datetime,
    ) -> Revision:
        doc_id = self.new_id()
        stamp = format_date(when)
        revision = Revision(
            id=doc_id,
            initid=doc_id,
            revision=0,
            family=family,
            title=title,
            name=self.next_name(family),
            owner=owner,
            state=family.workflow.first_state if family.workflow else None,
            attributes=dict(attributes),
            cdate=stamp,
            revdate=stamp,
            version=self.next_version(),
        )
        self._by_id[doc_id] = revision
        self._lineages[doc_id] = [revision]
        if revision.name:
            self._by_name[revision.name] = doc_id
        return revision

    def revise(self, current: Revision, when: datetime) -> Revision:
        """Freezes `current` and appends its successor (new id, same initid, revision + 1)."""
        stamp = format_date(when)
        current.status = "fixed"
        current.locked = -1
        current.revdate = stamp
        current.version = self.next_version()
        successor = Revision(
            id=self.new_id(),
            initid=current.initid,
            revision=current.revision + 1,
            family=current.family,
            title=current.title,
            name=current.name,
            owner=current.owner,
            state=current.state,
            attributes=dict(current.attributes),
            cdate=current.cdate,
            revdate=stamp,
            version=self.next_version(),
        )
        self._by_id[successor.id] = successor
        self._lineages[current.initid].append(successor)
        return successor

    def by_id(self, doc_id: int) -> Revision | None:
        return self._by_id.get(doc_id)

    def lineage(self, initid: int) -> list[Revision]:
        return list(self._lineages.get(initid, ()))

    def latest(self, initid: int) -> Revision | None:
        lineage = self._lineages.get(initid)
        return lineage[-1] if lineage else None

    def resolve(self, ref: str) -> Revision | None:
        """The revision a URL's `<id>` names: a numeric id of any revision, or a logical name."""
        if ref.isdigit():
            return self._by_id.get(int(ref))
        initid = self._by_name.get(ref)
        return self.latest(initid) if initid is not None else None

    def alive(self) -> list[Revision]:
        """The latest revision of every lineage."""
        return [lineage[-1] for lineage in self._lineages.values()]
