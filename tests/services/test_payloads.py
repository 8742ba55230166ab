"""The outbox contract: every payload and every change kind goes to JSON and back unchanged,
rows stored by an older dsbot still decode, and a bad row or entry is a clear error."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from dsbot.backends.ds.models import DossierState, DossierSummary
from dsbot.backends.port import BackendName
from dsbot.notifications.model import (
    CHANGE_TYPES,
    AlertPayload,
    ChangeKind,
    ItemRef,
    ItemStateChanged,
    MessageReceived,
    OutboxKind,
    OutboxStatus,
    ParentPayload,
    StateChanged,
    SummaryPayload,
    ThreadPayload,
    decode_payload,
    encode_payload,
)
from dsbot.store import notifications as q

AT = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)


def make_summary(number: int, state: DossierState = DossierState.EN_CONSTRUCTION):
    """A summary as a burst summary keeps it: the listing's dates of the dossier and its
    state (its other dates are the feed's business, not the outbox's)."""
    return DossierSummary(f"RG9z{number}", number, state, False, AT, AT)


def sample(kind: ChangeKind):
    """A change of `kind` with every field set to something other than its default."""
    cls = CHANGE_TYPES[kind]
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name == "at":
            values["at"] = AT
        elif f.name == "attachments":
            values["attachments"] = ("piece.pdf", "rib.png")
        else:
            values[f.name] = f"{f.name}-é"
    return cls(**values)


@pytest.mark.parametrize("kind", list(ChangeKind))
def test_every_change_kind_round_trips_through_a_thread_payload(kind):
    payload = ThreadPayload(sample(kind), broadcast=True, create_parent=False, demarche=42)
    text = encode_payload(payload)
    assert json.loads(text)["change"] == kind.value
    decoded = decode_payload(OutboxKind.THREAD, text)
    assert decoded == payload
    assert isinstance(decoded, ThreadPayload) and decoded.change.kind is kind


@pytest.mark.parametrize(
    "payload",
    [
        ParentPayload(create=True, new=True, demarche=42, demarche_title="Vélo"),
        ParentPayload(
            create=True, new=True, backfill=True, demarche=42, summary=make_summary(number=7)
        ),
        ParentPayload(create=False),
        ParentPayload(create=True, new=True, item=ItemRef(BackendName.DYNACASE, "2119")),
        ThreadPayload(
            ItemStateChanged(AT, title="Fête", from_state="e_a", to_state="e_b", by="Claire"),
            item=ItemRef(BackendName.DYNACASE, "2119"),
        ),
        SummaryPayload(
            demarche=42,
            demarche_title="Vélo",
            dossiers=(make_summary(number=1), make_summary(number=2, state=DossierState.ACCEPTE)),
        ),
        AlertPayload("notify.paused", {"channel": "<#C1>", "error": "is_archived"}),
    ],
)
def test_every_outbox_payload_round_trips(payload):
    assert decode_payload(payload.kind, encode_payload(payload)) == payload


def test_rows_stored_by_an_older_dsbot_still_decode():
    # As the feed wrote them before the payloads were typed: dates as strings, lists, keys
    # missing here and there.
    old = {
        "change": "message_received",
        "params": {
            "email": "u@x.fr",
            "body": "Bonjour",
            "attachments": ["a.pdf"],
            "at": AT.isoformat(),
        },
        "broadcast": False,
        "create_parent": True,
        "demarche": 42,
    }
    decoded = decode_payload("thread", json.dumps(old))
    assert decoded == ThreadPayload(
        MessageReceived(email="u@x.fr", body="Bonjour", attachments=("a.pdf",), at=AT),
        demarche=42,
    )
    partial = decode_payload(
        "thread", '{"change": "state_changed", "params": {"to_state": "refuse"}}'
    )
    assert isinstance(partial, ThreadPayload) and partial.change == StateChanged(to_state="refuse")
    assert decode_payload("parent", '{"create": true}') == ParentPayload(create=True)


def test_an_unknown_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="'postcard'"):
        decode_payload("postcard", "{}")
    with pytest.raises(ValueError, match="'teleported'"):
        decode_payload("thread", '{"change": "teleported", "params": {}}')


def test_an_entry_without_a_typed_payload_is_refused(store):
    entry = q.OutboxEntry("T1", "C1", ItemRef.ds(1), {"create": True}, "k")  # type: ignore[arg-type]
    with store.connect() as db, pytest.raises(TypeError, match="not an outbox payload"):
        q.enqueue(db, entry, AT)
    with store.connect() as db:
        assert q.open_rows(db) == []


def test_rows_come_back_typed(store):
    payload = ThreadPayload(StateChanged(to_state="accepte"))
    entry = q.OutboxEntry("T1", "C1", ItemRef.ds(1), payload, "k")
    with q.write(store) as db:
        assert q.enqueue(db, entry, AT)
    with store.connect() as db:
        (row,) = q.open_rows(db)
        with pytest.raises(ValueError, match="not a final status"):
            q.mark_final(db, row.id, OutboxStatus.SENDING, None)
    assert row.kind is OutboxKind.THREAD and row.status is OutboxStatus.PENDING
    assert row.payload == entry.payload


def test_a_document_never_takes_a_dossier_s_card(store):
    # Channel cards are keyed by (backend, ref): a DS dossier and a Dynacase document of the
    # same number each keep their own message.
    dossier, document = ItemRef.ds(1234), ItemRef(BackendName.DYNACASE, "1234")
    assert document.ds_number is None and dossier.ds_number == 1234
    with q.write(store) as db:
        q.set_parent_ts(db, "T1", "C1", dossier, "1.000", AT)
        q.set_parent_ts(db, "T1", "C1", document, "2.000", AT)
    with store.connect() as db:
        assert q.parent_ts(db, "T1", "C1", dossier) == "1.000"
        assert q.parent_ts(db, "T1", "C1", ItemRef(BackendName.DYNACASE, "1234")) == "2.000"
        assert q.parent_ts(db, "T1", "C1", ItemRef(BackendName.DYNACASE, "doc-ab")) is None


def test_an_item_ref_that_is_no_number_is_queued_and_read_back(store):
    # A backend whose references are not numbers can be notified: the ref is text.
    item = ItemRef(BackendName.DYNACASE, "FAM_X-42")
    entry = q.OutboxEntry("T1", "C1", item, ParentPayload(create=True, item=item), "k")
    with q.write(store) as db:
        assert q.enqueue(db, entry, AT)
    with store.connect() as db:
        (row,) = q.open_rows(db)
        assert q.pending_parent(db, "C1", item) == row
    assert row.item == item and row.item.backend is BackendName.DYNACASE
