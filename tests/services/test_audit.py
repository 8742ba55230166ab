"""The audit trail: rows written, exported by date range as CSV or JSON lines, from the CLI too;
and the idempotency keys stored next to it."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from dsbot.cli import cli
from dsbot.services.audit import AuditService, parse_bound
from dsbot.store import Store
from dsbot.store import audit as q

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def record(service: AuditService, number: int, **kw) -> int:
    fields = {
        "team_id": "T0TEST",
        "slack_user_id": "U0ALICE",
        "instructeur_id": "SW5zdHJ1Y3RldXItMQ==",
        "dossier_number": number,
        "action": "accepter",
        "result": "ok",
    }
    return service.record(**{**fields, **kw})


@pytest.fixture
def filled(store: Store) -> AuditService:
    clock = Clock(T0)
    service = AuditService(store, clock=clock)
    record(
        service,
        101,
        motivation_length=12,
        file_name="décision.pdf",
        file_checksum="1B2M2Y8AsgTpgAmY7PhCfg==",
    )
    clock.at = T0 + timedelta(days=1)
    record(service, 102, action="refuser", result="error", error="Le dossier est déjà refusé")
    clock.at = T0 + timedelta(days=2)
    record(
        service,
        103,
        action="repondre",
        result="refused",
        error="link.reason_no_match",
        instructeur_id=None,
        recovered=False,
        action_key="view:abc:repondre:103",
    )
    clock.at = T0 + timedelta(days=2, hours=1)
    record(service, 104, result="ok", recovered=True, action_key="view:def:accepter:104")
    return service


def test_rows_hold_every_field(filled: AuditService) -> None:
    rows = filled.rows()
    assert [r["dossier_number"] for r in rows] == [101, 102, 103, 104]
    first = rows[0]
    assert first["at"] == "2026-03-01T09:30:00.000000+00:00"
    assert first["slack_user_id"] == "U0ALICE"
    assert first["instructeur_id"] == "SW5zdHJ1Y3RldXItMQ=="
    assert first["action"] == "accepter"
    assert first["motivation_length"] == 12
    assert first["file_name"] == "décision.pdf"
    assert first["file_checksum"] == "1B2M2Y8AsgTpgAmY7PhCfg=="
    assert first["result"] == "ok" and first["error"] is None
    assert rows[1]["error"] == "Le dossier est déjà refusé"
    assert rows[2]["instructeur_id"] is None
    assert rows[3]["recovered"] is True and rows[3]["action_key"] == "view:def:accepter:104"


def test_range_is_since_included_until_excluded(filled: AuditService) -> None:
    rows = filled.rows(since=T0 + timedelta(days=1), until=T0 + timedelta(days=2))
    assert [r["dossier_number"] for r in rows] == [102]


def test_csv_export(filled: AuditService) -> None:
    out = io.StringIO()
    count = filled.export(out, since=T0 + timedelta(days=1), fmt="csv")
    assert count == 3
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["dossier_number"] for r in parsed] == ["102", "103", "104"]
    assert parsed[0]["error"] == "Le dossier est déjà refusé"
    assert parsed[2]["recovered"] == "True"
    assert out.getvalue().splitlines()[0].startswith("id,at,team_id,slack_user_id,instructeur_id")


def test_jsonl_export(filled: AuditService) -> None:
    out = io.StringIO()
    assert filled.export(out, until=T0 + timedelta(days=1), fmt="jsonl") == 1
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    row = json.loads(lines[0])
    assert row["dossier_number"] == 101 and row["file_name"] == "décision.pdf"
    assert row["recovered"] is False


def test_unknown_format_is_refused(filled: AuditService) -> None:
    with pytest.raises(ValueError):
        filled.export(io.StringIO(), fmt="xml")


def test_bounds_from_the_command_line() -> None:
    assert parse_bound("2026-03-02") == datetime(2026, 3, 2, tzinfo=UTC)
    assert parse_bound("2026-03-02", end=True) == datetime(2026, 3, 3, tzinfo=UTC)
    assert parse_bound("2026-03-02T10:00") == datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert parse_bound("2026-03-02T10:00+01:00") == datetime(2026, 3, 2, 9, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_bound("hier")


def test_cli_exports_a_day_range(filled: AuditService, store: Store, tmp_path) -> None:
    runner = CliRunner()
    env = {"DSBOT_DB": store.path}
    result = runner.invoke(
        cli,
        ["audit", "--since", "2026-03-02", "--until", "2026-03-03", "--format", "jsonl"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    numbers = [json.loads(line)["dossier_number"] for line in result.stdout.splitlines()]
    # --until names a day: the whole of it is included.
    assert numbers == [102, 103, 104]

    target = tmp_path / "audit.csv"
    result = runner.invoke(cli, ["audit", "-o", str(target)], env=env)
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(target.open()))) == 4

    result = runner.invoke(cli, ["audit", "--since", "yesterday"], env=env)
    assert result.exit_code != 0 and "n’est pas une date" in result.output


# --- idempotency keys ------------------------------------------------------------------------


def test_a_key_runs_once_unless_it_failed(store: Store) -> None:
    with store.connect() as db:
        assert q.claim_key(db, "k1", T0) is True
        assert q.claim_key(db, "k1", T0) is False  # running
        q.finish_key(db, "k1", q.KEY_DONE)
        assert q.claim_key(db, "k1", T0) is False  # done
        assert q.claim_key(db, "k2", T0) is True
        q.finish_key(db, "k2", q.KEY_FAILED)
        assert q.claim_key(db, "k2", T0) is True  # nothing changed in DS: a retry may run
        assert q.key_status(db, "k2") == q.KEY_RUNNING


def test_concurrent_claims_of_one_key_let_one_through(store: Store) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        with store.connect() as db:
            results.append(q.claim_key(db, "same", datetime.now(UTC)))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
