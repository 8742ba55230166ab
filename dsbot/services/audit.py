"""The audit trail of actions taken from Slack: one row per attempt, exported for a date range."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO

from dsbot.store import Store
from dsbot.store import audit as q
from dsbot.store.audit import AUDIT_COLUMNS, AuditRow

FORMATS = ("csv", "jsonl")


class AuditService:
    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime] | None = None,
        on_action: Callable[[str, str, str], None] | None = None,
    ) -> None:
        """`on_action(backend, action, result)` is told each row written (/metrics)."""
        self.store = store
        self.clock = clock or (lambda: datetime.now(UTC))
        self.on_action = on_action

    def record(
        self,
        *,
        team_id: str,
        slack_user_id: str,
        instructeur_id: str | None,
        dossier_number: int,
        action: str,
        result: str,
        motivation_length: int | None = None,
        file_name: str | None = None,
        file_checksum: str | None = None,
        error: str | None = None,
        recovered: bool = False,
        action_key: str | None = None,
        backend: str = "ds",
    ) -> int:
        """Write one audit row (time: now) and return its id."""
        row = AuditRow(
            at=q.to_iso(self.clock()),
            team_id=team_id,
            slack_user_id=slack_user_id,
            instructeur_id=instructeur_id,
            dossier_number=dossier_number,
            action=action,
            motivation_length=motivation_length,
            file_name=file_name,
            file_checksum=file_checksum,
            result=result,
            error=error,
            recovered=recovered,
            action_key=action_key,
            backend=backend,
        )
        with self.store.connect() as db:
            row_id = q.insert_audit(db, row)
        if self.on_action is not None:
            self.on_action(backend, action, result)
        return row_id

    def rows(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Rows with `since <= at < until`, oldest first."""
        with self.store.connect() as db:
            return list(
                q.audit_rows(
                    db,
                    q.to_iso(since) if since else None,
                    q.to_iso(until) if until else None,
                )
            )

    def export(
        self,
        out: TextIO,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        fmt: str = "csv",
    ) -> int:
        """Write the rows of the range to `out` as CSV (with a header) or JSON lines."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        rows = self.rows(since=since, until=until)
        if fmt == "csv":
            writer = csv.DictWriter(out, fieldnames=AUDIT_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        else:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return len(rows)


def parse_bound(value: str, *, end: bool = False) -> datetime:
    """A command-line date or datetime as an aware UTC datetime.

    A bare date means the start of that day (UTC); with `end=True` the start of the next day, so
    that `--until 2026-01-31` includes the whole of the 31st. A datetime without offset is UTC.
    """
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None and len(text) == 10:
        start = datetime.combine(day, time.min, tzinfo=UTC)
        return start + timedelta(days=1) if end else start
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
