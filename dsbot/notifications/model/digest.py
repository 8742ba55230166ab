"""A channel's daily digest, as its outbox row (kind `digest`) carries it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from dsbot.backends.port import DossierState
from dsbot.notifications.model.changes import _dt
from dsbot.notifications.model.kinds import OutboxKind


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class DigestLine:
    number: int
    demarche_number: int
    state: DossierState
    since: datetime  # what the age is counted from
    reason: str | None = None  # "not_taken", "no_activity", "correction", "avis"
    due: date | None = None  # SVA/SVR decision or expiration

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.number,
            "d": self.demarche_number,
            "s": self.state.value,
            "t": _utc_iso(self.since),
            "r": self.reason,
            "u": self.due.isoformat() if self.due else None,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DigestLine:
        since = _dt(d["t"])
        assert since is not None
        return cls(
            number=int(d["n"]),
            demarche_number=int(d["d"]),
            state=DossierState(d["s"]),
            since=since,
            reason=d.get("r"),
            due=date.fromisoformat(d["u"]) if d.get("u") else None,
        )


CATEGORIES = ("new", "waiting", "unanswered", "sva_due", "expiring")


@dataclass(frozen=True)
class DemarcheDigest:
    demarche_number: int
    title: str
    counts: dict[str, int]
    # category → (how many, the first MAX_LINES lines)
    categories: dict[str, tuple[int, tuple[DigestLine, ...]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "demarche": self.demarche_number,
            "title": self.title,
            "counts": self.counts,
            "categories": {
                name: {"total": total, "lines": [line.to_json() for line in lines]}
                for name, (total, lines) in self.categories.items()
            },
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DemarcheDigest:
        return cls(
            demarche_number=int(d["demarche"]),
            title=str(d.get("title") or ""),
            counts={str(k): int(v) for k, v in (d.get("counts") or {}).items()},
            categories={
                name: (
                    int(c["total"]),
                    tuple(DigestLine.from_json(line) for line in c.get("lines") or ()),
                )
                for name, c in (d.get("categories") or {}).items()
            },
        )


@dataclass(frozen=True)
class Digest:
    """One channel's digest: the payload of its outbox row (kind `digest`)."""

    kind: ClassVar[OutboxKind] = OutboxKind.DIGEST

    day: date | None  # the day it is the digest of; None for `/ds resume`
    generated_at: datetime
    fresh_at: datetime | None
    reminder_days: int
    demarches: tuple[DemarcheDigest, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat() if self.day else None,
            "generated_at": _utc_iso(self.generated_at),
            "fresh_at": _utc_iso(self.fresh_at) if self.fresh_at else None,
            "reminder_days": self.reminder_days,
            "demarches": [d.to_json() for d in self.demarches],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Digest:
        generated_at = _dt(d["generated_at"])
        assert generated_at is not None
        return cls(
            day=date.fromisoformat(d["day"]) if d.get("day") else None,
            generated_at=generated_at,
            fresh_at=_dt(d.get("fresh_at")),
            reminder_days=int(d.get("reminder_days") or 7),
            demarches=tuple(DemarcheDigest.from_json(x) for x in d.get("demarches") or ()),
        )

    @property
    def line_numbers(self) -> list[int]:
        return sorted(
            {
                line.number
                for demarche in self.demarches
                for _, lines in demarche.categories.values()
                for line in lines
            }
        )
