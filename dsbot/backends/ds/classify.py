"""What changed in a dossier between two looks at it. Pure functions: no I/O, no clock.

The feed keeps a `Snapshot` of every dossier it has seen. When the light summary of a page
differs from it, the full dossier is read and `classify` turns the difference into `Change`s:
the events a channel may be told about (`announce=True`, shown in the dossier's thread) and
the noise that only refreshes the card (`announce=False`).

Each change's facts are a frozen dataclass of its kind (`dsbot.notifications.model`: StateChanged,
MessageReceived...): the feed queues it as is in the outbox, the Slack side renders it. Kinds:
`deposited` (shown as the card itself, no thread event), `state_changed`, `message_received` (a
message from the usager), `avis_requested` (noise: an instructeur asked it, the news is the
answer), `avis_given`, `correction_requested`, `champs_edited` (the usager changed the form),
`trashed` (in DS's trash, still restorable), `deleted` (for good), `restored` (back from the
trash), `updated` (noise only: follow/unfollow, annotations, archive flag, a message from an
instructeur...: the card is refreshed, nothing is announced).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from dsbot.backends.ds.models import (
    DeletedDossier,
    Dossier,
    DossierState,
    DossierSummary,
    Traitement,
)
from dsbot.backends.port import ItemPerson
from dsbot.notifications.model import (
    AvisGiven,
    AvisRequested,
    ChampsEdited,
    Change,
    ChangeKind,
    CorrectionRequested,
    CorrectionResolved,
    Deleted,
    Deposited,
    MessageReceived,
    Restored,
    StateChanged,
    Trashed,
    Updated,
)

__all__ = [
    "Change",
    "ChangeKind",
    "DossierClassifier",
    "Snapshot",
    "classify",
    "classify_deletion",
]

Status = Literal["visible", "trash", "deleted"]

# A value strictly before a baseline, for "changed at or after the baseline" comparisons.
_JUST_BEFORE = timedelta(microseconds=1)
# DS shows dates to the second (docs/ds-api.md, pitfall 2), and its clock and ours may differ a
# little.
DATE_PRECISION = timedelta(seconds=1)
CLOCK_SKEW = timedelta(seconds=2)


@dataclass(frozen=True)
class Snapshot:
    """What a feed last knew of a dossier. `state` None: not deposited yet (at a baseline)."""

    state: DossierState | None
    date_derniere_modification: datetime | None = None
    date_champs: datetime | None = None
    date_annotations: datetime | None = None
    date_correction: datetime | None = None
    archived: bool = False
    groupe_number: int | None = None
    message_ids: frozenset[str] = frozenset()
    avis_ids: frozenset[str] = frozenset()
    avis_answered_ids: frozenset[str] = frozenset()
    traitements_count: int = 0
    # A digest of the champs' values: their date is to the second, the values are exact.
    champs_digest: str | None = None
    status: Status = "visible"
    status_at: datetime | None = None
    # When the dossier was read (our clock), to tell whether a same-second change could hide.
    observed_at: datetime | None = None

    def to_json(self) -> str:
        def dt(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return json.dumps(
            {
                "state": self.state.value if self.state else None,
                "ddm": dt(self.date_derniere_modification),
                "champs": dt(self.date_champs),
                "annotations": dt(self.date_annotations),
                "correction": dt(self.date_correction),
                "archived": self.archived,
                "groupe": self.groupe_number,
                "messages": sorted(self.message_ids),
                "avis": sorted(self.avis_ids),
                "avis_answered": sorted(self.avis_answered_ids),
                "traitements": self.traitements_count,
                "champs_digest": self.champs_digest,
                "status": self.status,
                "status_at": dt(self.status_at),
                "observed_at": dt(self.observed_at),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        d = json.loads(text)

        def dt(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        return cls(
            state=DossierState(d["state"]) if d.get("state") else None,
            date_derniere_modification=dt(d.get("ddm")),
            date_champs=dt(d.get("champs")),
            date_annotations=dt(d.get("annotations")),
            date_correction=dt(d.get("correction")),
            archived=bool(d.get("archived")),
            groupe_number=d.get("groupe"),
            message_ids=frozenset(d.get("messages") or ()),
            avis_ids=frozenset(d.get("avis") or ()),
            avis_answered_ids=frozenset(d.get("avis_answered") or ()),
            traitements_count=int(d.get("traitements") or 0),
            champs_digest=d.get("champs_digest"),
            status=d.get("status") or "visible",
            status_at=dt(d.get("status_at")),
            observed_at=dt(d.get("observed_at")),
        )


def fingerprint(snapshot: Snapshot) -> str:
    """A short digest of what a snapshot says about the dossier (not when it was read)."""
    text = replace(snapshot, observed_at=None).to_json()
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def summary_changed(previous: Snapshot | None, summary: DossierSummary) -> bool:
    """Whether a listed dossier differs from what the feed knew (worth a full read).

    DS dates are to the second: a dossier read while the second of its last change was still
    running may have changed again in that same second with an identical summary. Such a
    dossier is read again when it is listed again (rare outside tests: it takes a poll within
    seconds of a change).
    """
    if previous is None or previous.status != "visible":
        return True
    if (
        previous.observed_at is None
        or previous.observed_at < summary.date_derniere_modification + DATE_PRECISION + CLOCK_SKEW
    ):
        return True
    return (
        previous.date_derniere_modification != summary.date_derniere_modification
        or previous.state != summary.state
        or previous.archived != summary.archived
        or previous.date_champs != summary.date_derniere_modification_champs
        or previous.date_annotations != summary.date_derniere_modification_annotations
        or previous.date_correction != summary.date_derniere_correction_en_attente
        or previous.groupe_number != summary.groupe_number
    )


def _sorted_traitements(dossier: Dossier) -> list[Traitement]:
    # Stable: same-second traitements keep DS's order, so an index names one for good.
    return sorted(dossier.traitements, key=lambda t: t.date)


def observe(summary: DossierSummary, dossier: Dossier, observed_at: datetime) -> Snapshot:
    """The snapshot of a dossier as it is now (its list summary plus its full read, started at
    `observed_at`)."""
    return Snapshot(
        state=dossier.state,
        date_derniere_modification=summary.date_derniere_modification,
        date_champs=summary.date_derniere_modification_champs,
        date_annotations=summary.date_derniere_modification_annotations,
        date_correction=summary.date_derniere_correction_en_attente,
        archived=dossier.archived,
        groupe_number=summary.groupe_number,
        message_ids=frozenset(m.id for m in dossier.messages),
        avis_ids=frozenset(a.id for a in dossier.avis),
        avis_answered_ids=frozenset(a.id for a in dossier.avis if a.date_reponse is not None),
        traitements_count=len(dossier.traitements),
        champs_digest=champs_digest(dossier),
        observed_at=observed_at,
    )


def champs_digest(dossier: Dossier) -> str:
    text = json.dumps([(c.id, c.value) for c in dossier.champs], ensure_ascii=False)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _before(value: datetime | None, baseline: datetime) -> datetime | None:
    if value is None:
        return None
    return value if value < baseline else baseline - _JUST_BEFORE


def as_of(summary: DossierSummary, dossier: Dossier, baseline: datetime) -> Snapshot:
    """The dossier as it was at `baseline`, rebuilt from its history.

    Used the first time a feed sees a dossier: everything dated before the feed existed is
    taken as already known, everything after it as news.
    """
    if dossier.date_depot >= baseline:
        return Snapshot(state=None)
    traitements = _sorted_traitements(dossier)
    earlier = [t for t in traitements if t.date < baseline]
    if earlier:
        state: DossierState = earlier[-1].state
    elif traitements:
        # Deposited before the baseline but nothing traced until after it: still as deposited.
        state = DossierState.EN_CONSTRUCTION
    else:
        state = dossier.state
    correction = summary.date_derniere_correction_en_attente
    return Snapshot(
        state=state,
        date_derniere_modification=_before(summary.date_derniere_modification, baseline),
        date_champs=_before(summary.date_derniere_modification_champs, baseline),
        date_annotations=_before(summary.date_derniere_modification_annotations, baseline),
        date_correction=correction if correction and correction < baseline else None,
        archived=dossier.archived,
        groupe_number=summary.groupe_number,
        message_ids=frozenset(m.id for m in dossier.messages if m.created_at < baseline),
        avis_ids=frozenset(a.id for a in dossier.avis if a.date_question < baseline),
        avis_answered_ids=frozenset(
            a.id for a in dossier.avis if a.date_reponse is not None and a.date_reponse < baseline
        ),
        traitements_count=len(earlier),
    )


def baseline(
    previous: Snapshot | None, summary: DossierSummary, dossier: Dossier, start: datetime
) -> Snapshot:
    """What to compare a dossier with: the feed's snapshot, or, for a dossier the feed never
    read in full (first sight, or only seen in the trash listing), the dossier as it was when
    the feed started (its trash status kept, so that a return is still told)."""
    if previous is not None and previous.observed_at is not None:
        return previous
    rebuilt = as_of(summary, dossier, start)
    if previous is None:
        return rebuilt
    return replace(rebuilt, status=previous.status, status_at=previous.status_at)


def classify(previous: Snapshot, current: Snapshot, dossier: Dossier) -> list[Change]:
    """The changes between `previous` and `current` (the snapshot of `dossier`), oldest first.

    Nothing announced but something moved: a single `updated` change (card refresh only).
    """
    changes: list[Change] = []
    deposited = previous.state is None
    if deposited:
        changes.append(Change(dossier.date_depot, "deposited", Deposited()))
    if previous.status == "trash":
        changes.append(
            Change(
                current.date_derniere_modification or dossier.date_derniere_modification,
                f"restored:{_iso(dossier.date_derniere_modification)}",
                Restored(at=dossier.date_derniere_modification),
            )
        )
    changes.extend(_state_changes(previous, dossier))
    staff = dossier.staff_emails
    for message in dossier.messages:
        if message.id in previous.message_ids or message.discarded_at is not None:
            continue
        if not dossier.is_from_usager(message.email, staff):
            continue
        changes.append(
            Change(
                message.created_at,
                f"message:{message.id}",
                MessageReceived(
                    message_id=message.id,
                    email=message.email,
                    body=message.body,
                    attachments=tuple(f.filename for f in message.attachments),
                    at=message.created_at,
                ),
            )
        )
    for avis in dossier.avis:
        if avis.id not in previous.avis_ids:
            changes.append(
                Change(
                    avis.date_question,
                    f"avis:{avis.id}",
                    AvisRequested(
                        avis_id=avis.id,
                        question=avis.question,
                        claimant=avis.claimant_email,
                        expert=avis.expert_email,
                        at=avis.date_question,
                    ),
                    announce=False,
                )
            )
        if avis.date_reponse is not None and avis.id not in previous.avis_answered_ids:
            changes.append(
                Change(
                    avis.date_reponse,
                    f"avis_given:{avis.id}",
                    AvisGiven(
                        avis_id=avis.id,
                        reponse=avis.reponse,
                        expert=avis.expert_email,
                        at=avis.date_reponse,
                    ),
                )
            )
    correction = current.date_correction
    if correction is not None and correction != previous.date_correction and not deposited:
        changes.append(
            Change(
                correction,
                f"correction:{_iso(correction)}",
                CorrectionRequested(at=correction),
            )
        )
    if (
        previous.date_correction is not None
        and correction is None
        and not deposited
        and dossier.state is DossierState.EN_CONSTRUCTION
    ):
        # Closed while still en construction: the usager corrected. (Passing the dossier en
        # instruction closes it too, and that state change is the news then.)
        resolved_at = dossier.date_derniere_modification
        changes.append(
            Change(
                resolved_at,
                f"correction_resolved:{_iso(previous.date_correction)}",
                CorrectionResolved(at=resolved_at),
            )
        )
    champs = current.date_champs or dossier.date_derniere_modification
    if previous.champs_digest is not None and current.champs_digest is not None:
        edited = current.champs_digest != previous.champs_digest
    else:  # first sight: only the date can tell
        edited = (
            current.date_champs is not None
            and previous.date_champs is not None
            and current.date_champs > previous.date_champs
        )
    if edited and not deposited:
        changes.append(
            Change(
                champs,
                f"champs:{_iso(champs)}:{current.champs_digest}",
                ChampsEdited(at=champs),
            )
        )
    if not changes and replace(current, observed_at=None) != replace(previous, observed_at=None):
        at = current.date_derniere_modification or dossier.date_derniere_modification
        changes.append(Change(at, f"updated:{_iso(at)}", Updated(at=at), announce=False))
    changes.sort(key=lambda c: c.at)
    return changes


def _state_changes(previous: Snapshot, dossier: Dossier) -> list[Change]:
    traitements = _sorted_traitements(dossier)
    running = previous.state
    changes: list[Change] = []
    start = min(previous.traitements_count, len(traitements))
    for index in range(start, len(traitements)):
        traitement = traitements[index]
        if running is None:
            running = traitement.state  # the deposit itself
            continue
        if traitement.state == running:
            continue
        changes.append(
            Change(
                traitement.date,
                f"traitement:{index}",
                StateChanged(
                    from_state=running.value,
                    to_state=traitement.state.value,
                    by=traitement.email_agent_traitant,
                    motivation=traitement.motivation,
                    traitement_event=traitement.event,
                    at=traitement.date,
                ),
                broadcast=True,
            )
        )
        running = traitement.state
    if running is not None and running != dossier.state:
        # DS moved the state without a traitement we could read: say so, without a name.
        at = dossier.date_derniere_modification
        changes.append(
            Change(
                at,
                f"state:{dossier.state.value}:{_iso(at)}",
                StateChanged(from_state=running.value, to_state=dossier.state.value, at=at),
                broadcast=True,
            )
        )
    return changes


def classify_deletion(
    previous: Snapshot | None, deleted: DeletedDossier
) -> tuple[Change | None, Snapshot]:
    """A dossier listed by `deletedDossiers` / `pendingDeletedDossiers`: the change (None when
    already known) and the snapshot to keep."""
    status: Status = "trash" if deleted.pending else "deleted"
    base = previous or Snapshot(state=deleted.state)
    if previous is not None and previous.status == status:
        return None, previous
    if previous is not None and previous.status == "deleted":
        return None, previous  # a late trash listing of a dossier already gone for good
    snapshot = replace(base, status=status, status_at=deleted.date_supression)
    kind = Trashed if deleted.pending else Deleted
    change = Change(
        deleted.date_supression,
        f"{kind.kind.value}:{_iso(deleted.date_supression)}",
        kind(reason=deleted.reason, state=deleted.state.value, at=deleted.date_supression),
    )
    return change, snapshot


def _iso(value: datetime) -> str:
    return value.isoformat()


class DossierClassifier:
    """The functions above as the port's `ChangeClassifier`: what DS's spec hands the feed
    processor (`dsbot.services.feed`), which reads DS's pages without knowing DS's models."""

    def from_json(self, text: str) -> Snapshot:
        return Snapshot.from_json(text)

    def summary_changed(self, previous: Snapshot | None, summary: DossierSummary) -> bool:
        return summary_changed(previous, summary)

    def baseline(
        self, previous: Snapshot | None, summary: DossierSummary, read: Dossier, start: datetime
    ) -> Snapshot:
        return baseline(previous, summary, read, start)

    def observe(self, summary: DossierSummary, read: Dossier, observed_at: datetime) -> Snapshot:
        return observe(summary, read, observed_at)

    def classify(self, previous: Snapshot, current: Snapshot, read: Dossier) -> list[Change]:
        return classify(previous, current, read)

    def classify_deletion(
        self, previous: Snapshot | None, entry: DeletedDossier
    ) -> tuple[Change | None, Snapshot]:
        return classify_deletion(previous, entry)

    def fingerprint(self, snapshot: Snapshot) -> str:
        return fingerprint(snapshot)

    # The port's `Followers`, from the same read: who follows the dossier in DS (its
    # `instructeurs`, a follow made in DS or from Slack alike), and who instructs its groupe.

    def followers(self, read: Dossier) -> tuple[ItemPerson, ...]:
        return tuple(ItemPerson(p.id, p.email) for p in read.followers)

    def members(self, read: Dossier) -> tuple[ItemPerson, ...]:
        return tuple(ItemPerson(p.id, p.email) for p in read.groupe_instructeur.instructeurs)
