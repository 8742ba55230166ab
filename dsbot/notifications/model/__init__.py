"""The model of the notification pipeline, one module per concern; every name is importable
from here."""

from __future__ import annotations

from dsbot.notifications.model.changes import (
    CHANGE_TYPES,
    AvisGiven,
    AvisRequested,
    ChampsEdited,
    ChangeParams,
    CorrectionRequested,
    CorrectionResolved,
    Deleted,
    Deposited,
    ItemStateChanged,
    MessageReceived,
    Restored,
    StateChanged,
    Trashed,
    Updated,
    change_from_json,
)
from dsbot.notifications.model.digest import (
    CATEGORIES,
    DemarcheDigest,
    Digest,
    DigestLine,
)
from dsbot.notifications.model.items import (
    ItemRef,
)
from dsbot.notifications.model.kinds import (
    ChangeKind,
    OutboxKind,
    OutboxStatus,
    register_kind,
)
from dsbot.notifications.model.payloads import (
    ERASE_REASONS,
    PAYLOAD_TYPES,
    AlertPayload,
    ErasePayload,
    OutboxPayload,
    ParentPayload,
    SummaryPayload,
    ThreadPayload,
    decode_payload,
    encode_payload,
    register_payload,
    summary_from_json,
    summary_to_json,
)

__all__ = [
    "CATEGORIES",
    "CHANGE_TYPES",
    "ERASE_REASONS",
    "PAYLOAD_TYPES",
    "AlertPayload",
    "AvisGiven",
    "AvisRequested",
    "ChampsEdited",
    "ChangeKind",
    "ChangeParams",
    "CorrectionRequested",
    "CorrectionResolved",
    "Deleted",
    "DemarcheDigest",
    "Deposited",
    "Digest",
    "DigestLine",
    "ErasePayload",
    "ItemRef",
    "ItemStateChanged",
    "MessageReceived",
    "OutboxKind",
    "OutboxPayload",
    "OutboxStatus",
    "ParentPayload",
    "Restored",
    "StateChanged",
    "SummaryPayload",
    "ThreadPayload",
    "Trashed",
    "Updated",
    "change_from_json",
    "decode_payload",
    "encode_payload",
    "register_kind",
    "register_payload",
    "summary_from_json",
    "summary_to_json",
]
