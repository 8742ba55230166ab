"""DS as an implementation of the backend port (`dsbot/backends/port/`), over the existing
DS client (`dsbot.backends.ds.client.DSClient`), without changing it.

An item is a dossier addressed by its number; its actions are the state mutations DS allows
from the dossier's state (docs/ds-api.md, "State machine"); a person is an instructeur: DS acts
with the bot's token and the instructeur's id, so the port's "credential" is that id (the Slack
link, `dsbot.services.linking`, finds it). Whether the instructeur belongs to the dossier's
groupe stays `DossierAccessService`'s decision; DS actions keep their own `ActionService`
(file uploads, silent decisions, instruction first), which this adapter does not replace.

This module is also the one place where a DS state becomes an `ItemState` and a state move an
`ItemAction`: the DS card, notifications and modals render those (`item_state`,
`state_actions`, `motivation_input`), so that DS and Dynacase share the Slack builders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dsbot.backends.ds import errors as e
from dsbot.backends.ds.annotations import AnnotationChange, AnnotationScalar, same_value
from dsbot.backends.ds.models import Dossier, DossierState, Label
from dsbot.backends.ds.upload import MAX_FILE_SIZE, checksum_of
from dsbot.backends.errors import BackendAuthFailed, BackendNotFound, BackendRefused
from dsbot.backends.port import (
    ANNOTATION_INPUT_KINDS,
    ActionForm,
    ActionInput,
    ActionRequest,
    ActionResult,
    ActionStyle,
    BackendName,
    EditResult,
    HistoryEntry,
    InputKind,
    InputValue,
    Item,
    ItemAction,
    ItemAnnotation,
    ItemLabel,
    ItemState,
)

# The states' colours, matching their emojis.
STATE_COLORS: dict[DossierState, str] = {
    DossierState.EN_CONSTRUCTION: "#F5C518",
    DossierState.EN_INSTRUCTION: "#2F6FEB",
    DossierState.ACCEPTE: "#1F9D55",
    DossierState.REFUSE: "#D93025",
    DossierState.SANS_SUITE: "#E8E8E8",
}
# DS's own signs for its states, as the DS cards and notifications have always shown them.
STATE_EMOJI: dict[DossierState, str] = {
    DossierState.EN_CONSTRUCTION: "🟡",
    DossierState.EN_INSTRUCTION: "🔵",
    DossierState.ACCEPTE: "✅",
    DossierState.REFUSE: "❌",
    DossierState.SANS_SUITE: "⚪",
}
# Action id (the audit's `ActionKind` value) → the state it leads to.
TARGETS: dict[str, DossierState] = {
    "passer_en_instruction": DossierState.EN_INSTRUCTION,
    "accepter": DossierState.ACCEPTE,
    "refuser": DossierState.REFUSE,
    "classer_sans_suite": DossierState.SANS_SUITE,
    "repasser_en_instruction": DossierState.EN_INSTRUCTION,
}
# Going forward stands out; a decision that closes the dossier against the usager warns.
STYLES: dict[str, ActionStyle] = {
    "passer_en_instruction": ActionStyle.PRIMARY,
    "accepter": ActionStyle.PRIMARY,
    "refuser": ActionStyle.DANGER,
    "classer_sans_suite": ActionStyle.DANGER,
}
# The annotation types that are one of the port's input kinds (the port holds the table).
INPUT_KINDS = ANNOTATION_INPUT_KINDS
MOTIVATION = "motivation"
MOTIVATION_REQUIRED = ("refuser", "classer_sans_suite")
DECISIONS = ("accepter", "refuser", "classer_sans_suite")
# The moves that may go without telling the usager (`disableNotification`), and those that
# take no option at all: with the decisions, every `StateMoves.move` DS knows.
SILENCEABLE = ("passer_en_instruction", "repasser_en_instruction")
PLAIN_MOVES = ("repasser_en_construction", "archiver", "desarchiver")


def moves_from(state: DossierState) -> tuple[str, ...]:
    """The state mutations DS accepts from `state`, in button order."""
    if state is DossierState.EN_CONSTRUCTION:
        return ("passer_en_instruction",)
    if state is DossierState.EN_INSTRUCTION:
        return DECISIONS
    return ("repasser_en_instruction",)


def item_state(state: DossierState, label: Callable[..., str]) -> ItemState:
    """A dossier state as people read it; `label` is the text catalog (`dsbot.texts.Texts`)."""
    return ItemState(
        state.value, label(f"state.{state.value}"), STATE_COLORS[state], STATE_EMOJI[state]
    )


def item_action(action_id: str, label: Callable[..., str]) -> ItemAction:
    """One of DS's state mutations (a `TARGETS` id) as an action."""
    target = TARGETS[action_id]
    return ItemAction(
        action_id, label(f"button.{action_id}"), item_state(target, label), STYLES.get(action_id)
    )


def state_actions(state: DossierState, label: Callable[..., str]) -> tuple[ItemAction, ...]:
    """The state mutations DS accepts from `state`, as actions, in button order."""
    return tuple(item_action(a, label) for a in moves_from(state))


def motivation_input(action_id: str, label: Callable[..., str]) -> ActionInput | None:
    """What a decision asks for besides its justificatif: the motivation (None otherwise)."""
    if action_id not in DECISIONS:
        return None
    return ActionInput(
        MOTIVATION,
        label("modal.motivation.label"),
        InputKind.LONG_TEXT,
        required=action_id in MOTIVATION_REQUIRED,
    )


def dossier_url(web_base: str, demarche: int, number: int) -> str:
    """The instructeur's page of a dossier (docs/ds-api.md, "Web URLs")."""
    return f"{web_base.rstrip('/')}/procedures/{demarche}/dossiers/{number}"


@dataclass(frozen=True)
class _DossierRef:
    """What a DS mutation needs of a dossier (`client.DossierRef`)."""

    id: str
    number: int


def _scalar(value: InputValue) -> AnnotationScalar:
    return value.isoformat() if isinstance(value, date) else value


def _label(label: Label) -> ItemLabel:
    return ItemLabel(label.id, label.name, label.color)


class DSSource:
    """The port's `ItemSource` over a `DSClient`, as one instructeur (or as the bot), with the
    port's capabilities `Annotations`, `AnnotationEdits`, `Labels`, `Attachments`,
    `Messaging`, `Follow`, `Reassign`, `StateMoves`, `MessageRemoval`, and
    `Primed`: DS mutations take a dossier's global id, so a dossier read elsewhere (the access
    check's fresh read) spares the read that would find it."""

    max_bytes = MAX_FILE_SIZE

    def __init__(
        self,
        client: Any,
        label: Callable[..., str],
        web_base: str,
        instructeur_id: str | None = None,
        *,
        known: dict[int, str] | None = None,
    ) -> None:
        self.client = client
        self.label = label
        self.web_base = web_base
        self.instructeur_id = instructeur_id
        # Dossier number → global id, as read from DS (never built: docs/ds-api.md); both are
        # fixed for a dossier's life, so the backend's sources share one memo.
        self.known: dict[int, str] = {} if known is None else known

    def prime(self, read: object) -> None:
        if isinstance(read, Dossier) and read.id:
            self.known[read.number] = read.id

    def state(self, state: DossierState) -> ItemState:
        return item_state(state, self.label)

    def action(self, action_id: str) -> ItemAction:
        return item_action(action_id, self.label)

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
            raise BackendNotFound(ref)
        try:
            dossier: Dossier = self.client.get_dossier(int(ref))
            self.prime(dossier)
            return dossier
        except (e.DSNotFound, e.DSPermissionDenied) as exc:
            raise BackendNotFound(ref) from exc
        except e.DSNotAuthenticated as exc:
            raise BackendAuthFailed(exc.message) from exc

    def get_item(self, ref: str, *, history: int = 5) -> Item:
        return self.to_item(self._dossier(ref), history)

    def available_actions(self, ref: str, *, for_anyone: bool = False) -> list[ItemAction]:
        if self.instructeur_id is None and not for_anyone:
            return []
        dossier = self._dossier(ref)
        return list(state_actions(dossier.state, self.label))

    def why_not(self, ref: str, action: ItemAction) -> str | None:
        return None if action in self.available_actions(ref) else ""

    def action_form(self, ref: str, action: ItemAction) -> ActionForm:
        if action.id not in TARGETS:
            raise BackendRefused(action.id)
        motivation = motivation_input(action.id, self.label)
        return ActionForm(
            self.action(action.id),
            ask_comment=False,
            inputs=(motivation,) if motivation else (),
        )

    def perform(self, request: ActionRequest) -> ActionResult:
        if self.instructeur_id is None:
            raise BackendAuthFailed("no instructeur")
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

    # --- capabilities ---------------------------------------------------------------------------

    def _number(self, ref: str) -> int:
        if not ref.isdigit():
            raise BackendNotFound(ref)
        return int(ref)

    def _person(self) -> str:
        """What DS acts as: the instructeur (the bot's token alone may not act)."""
        if self.instructeur_id is None:
            raise BackendAuthFailed("no instructeur")
        return self.instructeur_id

    def _ref(self, ref: str) -> _DossierRef:
        number = self._number(ref)
        if number not in self.known:
            self.prime(self.client.get_dossier_state(number))
        if number not in self.known:
            raise BackendNotFound(ref)
        return _DossierRef(self.known[number], number)

    def annotations(self, ref: str) -> tuple[ItemAnnotation, ...]:
        sheet = self.client.get_dossier_annotations(self._number(ref))
        return tuple(
            ItemAnnotation(a.id, a.label, a.string_value, a.typename) for a in sheet.annotations
        )

    def set_annotations(self, ref: str, values: Mapping[str, InputValue]) -> None:
        """Raises BackendRefused (`DSMutationError`) with DS's words, or with the id of an
        annotation this dossier has not or that cannot be written."""
        person = self._person()
        sheet = self.client.get_dossier_annotations(self._number(ref))
        changes = []
        for annotation_id, value in values.items():
            descriptor = sheet.descriptor_of(annotation_id)
            if descriptor is None or descriptor.type is None:
                raise BackendRefused(annotation_id)
            changes.append(AnnotationChange(annotation_id, descriptor.type, _scalar(value)))
        dossier = _DossierRef(sheet.dossier_id, sheet.number)
        self.client.modifier_annotations(dossier, person, [c.to_input() for c in changes])

    def labels(self, ref: str) -> tuple[ItemLabel, ...]:
        sheet = self.client.get_dossier_annotations(self._number(ref))
        return tuple(_label(lb) for lb in sheet.labels)

    def offered_labels(self, ref: str) -> tuple[ItemLabel, ...]:
        sheet = self.client.get_dossier_annotations(self._number(ref))
        return tuple(_label(lb) for lb in self.client.get_demarche(sheet.demarche_number).labels)

    def add_label(self, ref: str, label_id: str) -> bool:
        self._person()
        return bool(self.client.ajouter_label(self._ref(ref), label_id))

    def remove_label(self, ref: str, label_id: str) -> bool:
        self._person()
        return bool(self.client.supprimer_label(self._ref(ref), label_id))

    def attach(self, ref: str, content: bytes, *, filename: str, content_type: str) -> str:
        """A signedBlobId; over 20 MB, `DSFileTooLarge` (a BackendRefused) before any request."""
        if len(content) > self.max_bytes:
            raise e.DSFileTooLarge(len(content), self.max_bytes)
        return str(
            self.client.upload_file(
                self._ref(ref), content, filename=filename, content_type=content_type
            )
        )

    def send_message(
        self, ref: str, body: str, *, attachment: str | None = None, reason: str | None = None
    ) -> None:
        """`reason` (`incomplete`, `incorrect`, `outdated`): a correction request, which DS
        accepts on a dossier en construction or en instruction."""
        person = self._person()
        self.client.envoyer_message(
            self._ref(ref), person, body, attachment=attachment, correction=reason
        )

    def checksum(self, content: bytes) -> str:
        return checksum_of(content)

    def move(
        self,
        ref: str,
        move: str,
        *,
        text: str | None = None,
        attachment: str | None = None,
        silent: bool = False,
    ) -> bool:
        """One of DS's mutations by its name (`DECISIONS`, `SILENCEABLE`, `PLAIN_MOVES`); the
        client re-reads the dossier when the answer is lost (`recovered`)."""
        person = self._person()
        if move in DECISIONS:
            options: dict[str, Any] = {
                "motivation": text,
                "justificatif": attachment,
                "disable_notification": silent,
            }
        elif move in SILENCEABLE:
            options = {"disable_notification": silent}
        elif move in PLAIN_MOVES:
            options = {}
        else:
            raise BackendRefused(move)
        mutation = getattr(self.client, move)
        return bool(mutation(self._ref(ref), person, **options).recovered)

    def delete_message(self, ref: str, message_id: str) -> bool:
        person = self._person()
        return bool(self.client.supprimer_message(self._ref(ref), person, message_id).recovered)

    def edit_annotations(self, ref: str, changes: Sequence[AnnotationChange]) -> EditResult:
        """Compared with a light re-read of the typed values; DS saves the valid values even
        when it refuses others (`DSPartialMutationError`, with what it saved)."""
        person = self._person()
        current = {a.id: a for a in self.client.get_annotation_values(self._number(ref))}
        sent = [
            c
            for c in changes
            if c.id not in current or not same_value(c.type, current[c.id].value, c.value)
        ]
        if not sent:
            return EditResult()
        try:
            result = self.client.modifier_annotations(
                self._ref(ref), person, [c.to_input() for c in sent]
            )
        except e.DSPartialMutationError as exc:
            saved = {champ.id for champ in exc.result or ()}
            return EditResult(
                saved=tuple(c.id for c in sent if c.id in saved),
                refused=tuple(c.id for c in sent if c.id not in saved),
                messages=tuple(exc.messages),
            )
        return EditResult(saved=tuple(c.id for c in sent), recovered=bool(result.recovered))

    def follow(self, ref: str, *, following: bool = True) -> None:
        person = self._person()
        self.client.bascule_suivi(self._ref(ref), person, follow=following)

    def reassign(self, ref: str, group_id: str) -> bool:
        """DS changes groupes as the token's administrateur: the instructeur is only required
        here so that the bot's reader never moves a dossier."""
        self._person()
        return bool(self.client.changer_groupe_instructeur(self._ref(ref), group_id).recovered)


class DSBackend:
    """The port's `Backend` for DS: one token for everything, the instructeur id per person."""

    name = BackendName.DS

    def __init__(self, client: Any, label: Callable[..., str], web_base: str) -> None:
        self.client = client
        self.label = label
        self.web_base = web_base
        self.known: dict[int, str] = {}

    def reader(self) -> DSSource:
        return DSSource(self.client, self.label, self.web_base, known=self.known)

    def as_person(self, credential: str) -> DSSource:
        return DSSource(
            self.client, self.label, self.web_base, instructeur_id=credential, known=self.known
        )

    def check_credential(self, credential: str) -> None:
        if not credential:
            raise BackendAuthFailed("no instructeur id")
