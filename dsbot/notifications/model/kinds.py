"""The kinds of the notification pipeline: what changed (`ChangeKind`), what an outbox row
carries (`OutboxKind`) and where it stands (`OutboxStatus`). Stored by value: never rename one."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

# Kinds registered at run time (`register_kind`), beyond the members below.
_REGISTERED: set[str] = set()


class ChangeKind(StrEnum):
    DEPOSITED = "deposited"
    STATE_CHANGED = "state_changed"
    MESSAGE_RECEIVED = "message_received"
    AVIS_REQUESTED = "avis_requested"
    AVIS_GIVEN = "avis_given"
    CORRECTION_REQUESTED = "correction_requested"
    CORRECTION_RESOLVED = "correction_resolved"
    CHAMPS_EDITED = "champs_edited"
    TRASHED = "trashed"
    DELETED = "deleted"
    RESTORED = "restored"
    UPDATED = "updated"
    ITEM_STATE_CHANGED = "item_state_changed"  # a backend item (a Dynacase document)


class OutboxKind(StrEnum):
    PARENT = "parent"  # the dossier's card, posted once then updated in place
    THREAD = "thread"  # one event in the card's thread
    SUMMARY = "summary"  # many new dossiers at once
    ALERT = "alert"  # an operational message (ops channel, or a DM to an admin)
    DIGEST = "digest"  # a channel's daily digest (dsbot.services.digest)
    ERASE = "erase"  # one of the bot's messages about an erased item, replaced by a tombstone
    PERSONAL = "personal"  # a direct message to one person: events of the dossiers they follow

    @classmethod
    def _missing_(cls, value: object) -> Any:
        """A registered kind becomes a member of its own, so that rows of it decode."""
        if isinstance(value, str) and value in _REGISTERED:
            member = str.__new__(cls, value)
            member._name_ = value.upper()
            member._value_ = value
            cls._value2member_map_[value] = member
            return member
        return None


def register_kind(value: str) -> OutboxKind:
    """A new outbox kind (its payload class, its renderer and its texts come with it); the
    same value gives the same member."""
    _REGISTERED.add(value)
    return OutboxKind(value)


class OutboxStatus(StrEnum):
    """pending → sending → sent; or dead (gave up), skipped (nothing to do), collapsed (folded
    into a summary)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    SKIPPED = "skipped"
    COLLAPSED = "collapsed"

    @property
    def final(self) -> bool:
        return self not in (OutboxStatus.PENDING, OutboxStatus.SENDING)
