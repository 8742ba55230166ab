"""DS as an implementation of the backend port (`dsbot/backends/port.py`), over the existing
DS client (`dsbot.backends.ds.client.DSClient`), without changing it.

An item is a dossier addressed by its number; its actions are the state mutations DS allows
from the dossier's state (docs/ds-api.md, "State machine"); a person is an instructeur: DS acts
with the bot's token and the instructeur's id, so the port's "credential" is that id (the Slack
link, `dsbot.services.linking`, finds it). Whether the instructeur belongs to the dossier's
groupe stays `DossierAccessService`'s decision; the DS cards and buttons keep their own
builders and `ActionService` (file uploads, silent decisions, instruction first), which this
adapter does not replace.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from dsbot.backends.ds import errors as e
from dsbot.backends.ds.models import Dossier, DossierState
from dsbot.backends.port import (
    ActionForm,
    ActionInput,
    ActionRequest,
    ActionResult,
    BackendName,
    BadCredential,
    HistoryEntry,
    InputKind,
    Item,
    ItemAction,
    ItemState,
    NotFound,
    Refused,
)

# The states' colours, matching the emojis of the DS cards.
STATE_COLORS: dict[DossierState, str] = {
    DossierState.EN_CONSTRUCTION: "#F5C518",
    DossierState.EN_INSTRUCTION: "#2F6FEB",
    DossierState.ACCEPTE: "#1F9D55",
    DossierState.REFUSE: "#D93025",
    DossierState.SANS_SUITE: "#E8E8E8",
}
# Action id (the audit's `ActionKind` value) → the state it leads to.
TARGETS: dict[str, DossierState] = {
    "passer_en_instruction": DossierState.EN_INSTRUCTION,
    "accepter": DossierState.ACCEPTE,
    "refuser": DossierState.REFUSE,
    "classer_sans_suite": DossierState.SANS_SUITE,
    "repasser_en_instruction": DossierState.EN_INSTRUCTION,
}
MOTIVATION = "motivation"
MOTIVATION_REQUIRED = ("refuser", "classer_sans_suite")
DECISIONS = ("accepter", "refuser", "classer_sans_suite")


def moves_from(state: DossierState) -> tuple[str, ...]:
    """The state mutations DS accepts from `state`, in button order."""
    if state is DossierState.EN_CONSTRUCTION:
        return ("passer_en_instruction",)
    if state is DossierState.EN_INSTRUCTION:
        return DECISIONS
    return ("repasser_en_instruction",)


def dossier_url(web_base: str, demarche: int, number: int) -> str:
    """The instructeur's page of a dossier (docs/ds-api.md, "Web URLs")."""
    return f"{web_base.rstrip('/')}/procedures/{demarche}/dossiers/{number}"


class DSSource:
    """The port's `ItemSource` over a `DSClient`, as one instructeur (or as the bot)."""

    def __init__(
        self,
        client: Any,
        label: Callable[..., str],
        web_base: str,
        instructeur_id: str | None = None,
    ) -> None:
        self.client = client
        self.label = label
        self.web_base = web_base
        self.instructeur_id = instructeur_id

    def state(self, state: DossierState) -> ItemState:
        return ItemState(state.value, self.label(f"state.{state.value}"), STATE_COLORS[state])

    def action(self, action_id: str) -> ItemAction:
        target = TARGETS.get(action_id)
        return ItemAction(
            action_id, self.label(f"button.{action_id}"), self.state(target) if target else None
        )

    def to_item(self, dossier: Dossier, history: int = 5) -> Item:
        entries = [
            HistoryEntry(t.date, t.email_agent_traitant or "", t.motivation or "", True)
            for t in dossier.traitements
        ] + [HistoryEntry(m.created_at, m.email, m.body) for m in dossier.visible_messages]
        entries.sort(key=lambda h: h.at or datetime.min, reverse=True)
        return Item(
            backend=BackendName.DS,
            ref=str(dossier.number),
            title=self.label("item.ds_title", number=dossier.number),
            kind=dossier.demarche.title,
            state=self.state(dossier.state),
            modified_at=dossier.date_derniere_modification,
            url=dossier_url(self.web_base, dossier.demarche.number, dossier.number),
            history=tuple(entries[:history]),
        )

    def _dossier(self, ref: str) -> Dossier:
        if not ref.isdigit():
            raise NotFound(ref)
        try:
            return self.client.get_dossier(int(ref))
        except (e.DSNotFound, e.DSPermissionDenied) as exc:
            raise NotFound(ref) from exc
        except e.DSNotAuthenticated as exc:
            raise BadCredential(exc.message) from exc

    def get_item(self, ref: str, *, history: int = 5) -> Item:
        return self.to_item(self._dossier(ref), history)

    def available_actions(self, ref: str, *, for_anyone: bool = False) -> list[ItemAction]:
        if self.instructeur_id is None and not for_anyone:
            return []
        dossier = self._dossier(ref)
        return [self.action(a) for a in moves_from(dossier.state)]

    def why_not(self, ref: str, action: ItemAction) -> str | None:
        return None if action in self.available_actions(ref) else ""

    def action_form(self, ref: str, action: ItemAction) -> ActionForm:
        if action.id not in TARGETS:
            raise Refused(action.id)
        inputs: tuple[ActionInput, ...] = ()
        if action.id in DECISIONS:
            inputs = (
                ActionInput(
                    MOTIVATION,
                    self.label("modal.motivation.label"),
                    InputKind.LONG_TEXT,
                    required=action.id in MOTIVATION_REQUIRED,
                ),
            )
        return ActionForm(self.action(action.id), ask_comment=False, inputs=inputs)

    def perform(self, request: ActionRequest) -> ActionResult:
        if self.instructeur_id is None:
            raise BadCredential("no instructeur")
        dossier = self._dossier(request.ref)
        kind = request.action.id
        if kind not in moves_from(dossier.state):
            return ActionResult(done=False, refusal="")
        mutation = getattr(self.client, kind)
        kwargs: dict[str, Any] = {}
        motivation = request.values.get(MOTIVATION)
        if kind in DECISIONS and motivation:
            kwargs["motivation"] = str(motivation)
        try:
            result = mutation(dossier, self.instructeur_id, **kwargs)
        except e.DSMutationError as exc:
            return ActionResult(done=False, refusal=exc.message)
        return ActionResult(
            done=True, item=self.get_item(request.ref), recovered=bool(result.recovered)
        )

    def changed_since(self, scope: str, since: datetime) -> list[Item]:
        items: list[Item] = []
        for page in self.client.feed_pages(demarche=int(scope), updated_since=since):
            for summary in page.dossiers:
                items.append(
                    Item(
                        backend=BackendName.DS,
                        ref=str(summary.number),
                        title=self.label("item.ds_title", number=summary.number),
                        kind="",
                        state=self.state(summary.state),
                        modified_at=summary.date_derniere_modification,
                    )
                )
        items.sort(key=lambda i: i.modified_at or datetime.min, reverse=True)
        return items


class DSBackend:
    """The port's `Backend` for DS: one token for everything, the instructeur id per person."""

    name = BackendName.DS

    def __init__(self, client: Any, label: Callable[..., str], web_base: str) -> None:
        self.client = client
        self.label = label
        self.web_base = web_base

    def reader(self) -> DSSource:
        return DSSource(self.client, self.label, self.web_base)

    def as_person(self, credential: str) -> DSSource:
        return DSSource(self.client, self.label, self.web_base, instructeur_id=credential)

    def check_credential(self, credential: str) -> None:
        if not credential:
            raise BadCredential("no instructeur id")
