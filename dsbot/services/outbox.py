"""What to send where: turning a dossier's changes into outbox rows for each subscription.

Rows are written by the feed in the same transaction as its cursor and snapshots, with a
dedupe key each, so a page processed twice (crash, overlap) never queues a message twice.
The delivery engine (`dsbot.notifications.delivery`) reads them back. Each row's payload is a
typed dataclass of `dsbot.notifications.model`, one per `OutboxKind`: `ParentPayload` (the
dossier's card, posted once then updated in place), `ThreadPayload` (one event in the card's
thread, carrying the change's own dataclass), `SummaryPayload` (many new dossiers at once),
`AlertPayload` (an operational message).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from dsbot.backends.port import DossierState, DossierSummary
from dsbot.notifications.model import (
    Change,
    ChangeKind,
    Deleted,
    ItemRef,
    ParentPayload,
    StateChanged,
    ThreadPayload,
    Trashed,
    summary_from_json,
    summary_to_json,
)
from dsbot.store import notifications as q
from dsbot.store.notifications import OutboxEntry, Subscription

# Events that put the dossier's card in the channel if it is not there yet. A deletion of a
# dossier the channel never saw is not worth a new message.
CREATES_PARENT = frozenset(ChangeKind) - {ChangeKind.TRASHED, ChangeKind.DELETED}
# How far apart an action recorded in `audit` and DS's date for it may be, to be the same.
OWN_ACTION_WINDOW = timedelta(minutes=2)

# What each bot action (the `audit.action` column, with or without its `dossier_` prefix)
# makes happen in DS, to recognise our own changes in the feed.
_STATE = ChangeKind.STATE_CHANGED
_OWN_ACTION_EFFECTS: dict[str, tuple[tuple[ChangeKind, str | None], ...]] = {
    "passer_en_instruction": ((_STATE, "en_instruction"),),
    "repasser_en_instruction": ((_STATE, "en_instruction"),),
    "accepter": ((_STATE, "accepte"),),
    "refuser": ((_STATE, "refuse"),),
    "classer_sans_suite": ((_STATE, "sans_suite"),),
    "repasser_en_construction": ((_STATE, "en_construction"),),
    # A message asking for a correction flags the dossier, and moves it back to
    # en_construction when it was en_instruction (docs/ds-api.md, "Mutations").
    "repondre": ((ChangeKind.CORRECTION_REQUESTED, None), (_STATE, "en_construction")),
    "envoyer_message": ((ChangeKind.CORRECTION_REQUESTED, None), (_STATE, "en_construction")),
    "demander_correction": (
        (ChangeKind.CORRECTION_REQUESTED, None),
        (_STATE, "en_construction"),
    ),
    # Deleting the message that asked a correction withdraws the request.
    "supprimer_message": ((ChangeKind.CORRECTION_RESOLVED, None),),
    # Following, a groupe change and (un)archiving are not announced at all (`updated`, card
    # refresh only): nothing to silence.
}


@dataclass(frozen=True)
class DossierContext:
    """What the planner needs to know of the dossier besides its changes."""

    number: int
    state: DossierState | None  # now (for a deleted dossier: its state when deleted)
    date_derniere_modification: datetime | None = None
    version: str = ""  # changes whenever what the card shows may have changed
    demarche_title: str | None = None
    summary: DossierSummary | None = None


def summary_payload(summary: DossierSummary) -> dict[str, Any]:
    """A summary as JSON (what a parent payload stores)."""
    return summary_to_json(summary)


def summary_from_payload(d: dict[str, Any]) -> DossierSummary:
    return summary_from_json(d)


def _own_action_matches(action: str, change: Change) -> bool:
    effects = _OWN_ACTION_EFFECTS.get(action.removeprefix("dossier_"), ())
    params = change.params
    return any(
        kind is change.kind
        and (to_state is None or (isinstance(params, StateChanged) and params.to_state == to_state))
        for kind, to_state in effects
    )


def silence_own_actions(
    changes: list[Change], own_actions: Iterable[tuple[str, datetime]]
) -> list[Change]:
    """Changes the bot itself made (recorded in `audit`) only refresh the card: whoever clicked
    already saw the result, and the channel already has the card updated by the action."""
    own = list(own_actions)
    if not own:
        return changes
    result = []
    for change in changes:
        if change.announce and any(
            abs(change.at - at) <= OWN_ACTION_WINDOW and _own_action_matches(action, change)
            for action, at in own
        ):
            change = replace(change, announce=False)
        result.append(change)
    return result


def passes_states(sub: Subscription, change: Change, state: DossierState | None) -> bool:
    """Whether the subscription's state filter lets this change through.

    A state change counts for the states on both of its sides (leaving a followed state is
    news too); other changes count for the dossier's current state.
    """
    if not sub.states:
        return True
    params = change.params
    if isinstance(params, StateChanged):
        return params.from_state in sub.states or params.to_state in sub.states
    if isinstance(params, Trashed | Deleted):
        return params.state in sub.states
    return state is not None and state.value in sub.states


def plan_deliveries(
    db: Database,
    subscriptions: Iterable[Subscription],
    dossier: DossierContext,
    changes: list[Change],
) -> list[OutboxEntry]:
    """The outbox rows for one dossier's changes, for every subscription that wants them.

    A subscription sees only what happened from its `since` on. Announced changes put the
    card in the channel (or update it) and, except the deposit itself, add a thread event.
    Anything else that moved refreshes a card the channel already has.
    """
    entries: list[OutboxEntry] = []
    if not changes:
        return entries
    number = dossier.number
    item = ItemRef.ds(number)
    # DS dates are to the second: two changes in one second need two card refreshes.
    card_stamp = (dossier.date_derniere_modification or changes[-1].at).isoformat()
    if dossier.version:
        card_stamp += f":{dossier.version}"
    for sub in subscriptions:
        recent = [c for c in changes if c.at >= sub.since]
        if not recent:
            continue
        # Changes dated before the subscription existed are history, asked for with
        # `/ds abonner … depuis <date>`: the channel gets one summary of those dossiers (see
        # coalesce_bursts), not each one's story in a thread.
        live_from = sub.created_at.replace(microsecond=0)
        if all(c.at < live_from for c in recent):
            shown = q.parent_ts(db, sub.team_id, sub.channel_id, item) is not None
            if not shown and dossier.summary is not None:
                backfill = ParentPayload(
                    create=True,
                    new=True,
                    backfill=True,
                    demarche=sub.demarche_number,
                    demarche_title=dossier.demarche_title,
                    summary=dossier.summary,
                )
                key = f"{sub.team_id}:{sub.channel_id}:{number}:backfill"
                entries.append(OutboxEntry(sub.team_id, sub.channel_id, item, backfill, key))
            continue
        recent = [c for c in recent if c.at >= live_from]
        announced = [c for c in recent if c.announce and passes_states(sub, c, dossier.state)]
        prefix = f"{sub.team_id}:{sub.channel_id}:{number}"
        has_card = q.parent_ts(db, sub.team_id, sub.channel_id, item) is not None
        creates = any(c.kind in CREATES_PARENT for c in announced)
        if not (has_card or creates or q.pending_parent(db, sub.channel_id, item)):
            continue  # nothing this channel shows, nothing worth a new message
        new = any(c.kind is ChangeKind.DEPOSITED for c in announced)
        parent = ParentPayload(
            create=creates,
            new=new,
            demarche=sub.demarche_number,
            demarche_title=dossier.demarche_title,
            summary=dossier.summary if new else None,
        )
        entries.append(
            OutboxEntry(sub.team_id, sub.channel_id, item, parent, f"{prefix}:card:{card_stamp}")
        )
        for change in announced:
            if change.kind is ChangeKind.DEPOSITED:
                continue  # the card itself says it
            entries.append(
                OutboxEntry(
                    sub.team_id,
                    sub.channel_id,
                    item,
                    ThreadPayload(
                        change.params,
                        broadcast=change.broadcast,
                        create_parent=change.kind in CREATES_PARENT,
                        demarche=sub.demarche_number,
                    ),
                    f"{prefix}:{change.ident}",
                )
            )
    return entries
