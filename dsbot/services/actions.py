"""Acting on a dossier as the real instructeur: authorize, decide, call DS, audit.

Free of Slack and of GraphQL: the caller describes what the user asked for (`ActionRequest`,
its file behind the `Attachment` protocol) and gets back what happened (`ActionOutcome`), which
the Slack layer turns into messages.

Every call re-reads the dossier and re-checks the caller (linked, instructeur of the dossier's
groupe) and the transition, whatever the card showed. A key per request, stored in SQLite, makes
a double submit run once. Files are uploaded before any mutation, so a failed upload leaves the
dossier untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from dsbot.backends import registry
from dsbot.backends.errors import BackendAuthFailed, BackendError, BackendRefused
from dsbot.backends.port import (
    AnnotationChange,
    AnnotationEdits,
    Attachments,
    Backend,
    BackendName,
    DossierState,
    Follow,
    Labels,
    MessageRemoval,
    Messaging,
    Primed,
    Reassign,
    StateMoves,
)
from dsbot.logs import get_logger
from dsbot.redact import redact
from dsbot.services.access import Access, DossierAccessService, NotForYou, Numbered
from dsbot.services.audit import AuditService
from dsbot.store import Store
from dsbot.store import audit as q
from dsbot.store.locks import ItemBusy, ItemLocks

log = get_logger(__name__)


# What the service reads of a dossier, as protocols: the access check hands it the backend's
# own read (DS's `Dossier`, with its groupes, labels and messages), which it does not import.
class Person(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def email(self) -> str: ...


class Message(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def email(self) -> str: ...

    @property
    def body(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


class Label(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


class GroupeInstructeur(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def closed(self) -> bool: ...

    @property
    def instructeurs(self) -> Sequence[Person]: ...

    def has_instructeur(self, instructeur_id: str) -> bool: ...


class Dossier(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def state(self) -> DossierState: ...

    @property
    def archived(self) -> bool: ...

    @property
    def demarche(self) -> Numbered: ...

    @property
    def groupe_instructeur(self) -> GroupeInstructeur: ...

    @property
    def followers(self) -> Sequence[Person]: ...

    @property
    def labels(self) -> Sequence[Label]: ...

    @property
    def visible_messages(self) -> Sequence[Message]: ...


class DossierReads(Protocol):
    """What the service still reads with DS's client itself: the dossier after an action, its
    state and groupe just before a change of groupe, and its démarche's groupes
    (`open_groupes`)."""

    def get_dossier(self, number: int) -> Any: ...

    def get_dossier_state(self, number: int) -> Any: ...

    def get_demarche(self, number: int) -> Any: ...


class ActionKind(StrEnum):
    """What the instructeur asks for; the value is what the audit table records."""

    PASSER_EN_INSTRUCTION = "passer_en_instruction"
    ACCEPTER = "accepter"
    REFUSER = "refuser"
    CLASSER_SANS_SUITE = "classer_sans_suite"
    REPASSER_EN_INSTRUCTION = "repasser_en_instruction"
    REPONDRE = "repondre"
    ARCHIVER = "archiver"
    # From the card's menu.
    SUIVRE = "suivre"
    NE_PLUS_SUIVRE = "ne_plus_suivre"
    DEMANDER_CORRECTION = "demander_correction"
    CHANGER_GROUPE = "changer_groupe"
    REPASSER_EN_CONSTRUCTION = "repasser_en_construction"
    DESARCHIVER = "desarchiver"
    SUPPRIMER_MESSAGE = "supprimer_message"
    # From the card's menu too: labels and annotations privées, in any state.
    ETIQUETTES = "etiquettes"
    ANNOTATIONS = "annotations"

    @property
    def is_edit(self) -> bool:
        """Labels or annotations: several DS changes, each saved or refused on its own."""
        return self in (ActionKind.ETIQUETTES, ActionKind.ANNOTATIONS)

    @property
    def is_decision(self) -> bool:
        return self in _DECISIONS

    @property
    def needs_text(self) -> bool:
        """DS requires a motivation (refuser, classer sans suite) or a message body."""
        return self in (
            ActionKind.REFUSER,
            ActionKind.CLASSER_SANS_SUITE,
            ActionKind.REPONDRE,
            ActionKind.DEMANDER_CORRECTION,
        )

    @property
    def takes_file(self) -> bool:
        return self.is_decision or self in (ActionKind.REPONDRE, ActionKind.DEMANDER_CORRECTION)

    @property
    def can_silence(self) -> bool:
        """The DS mutation has `disableNotification` (no e-mail to the usager)."""
        return self in _SILENCEABLE


class CorrectionReason(StrEnum):
    """Why a correction is asked: DS's `CorrectionReason`."""

    INCOMPLETE = "incomplete"
    INCORRECT = "incorrect"
    OUTDATED = "outdated"


# The state moves and which of them decide: DS's spec, one table for the card and here (the
# dossiers acted on here are DS's: their reads and rights are the access check's).
_DS = registry.get(BackendName.DS)
assert _DS.moves_from is not None, "DS's spec names its state machine"
moves_from = _DS.moves_from
TARGETS = _DS.moves
_DECISIONS = frozenset(ActionKind(name) for name in _DS.decisions)
_SILENCEABLE = frozenset(ActionKind(name) for name in TARGETS)
# A dossier the usager may still change: DS accepts a correction request or a new groupe.
_OPEN_STATES = (DossierState.EN_CONSTRUCTION, DossierState.EN_INSTRUCTION)


class Plan(StrEnum):
    GO = "go"
    # A decision on a dossier still en_construction: DS needs it en_instruction first.
    INSTRUCTION_FIRST = "instruction_first"
    NOT_ALLOWED = "not_allowed"


def plan_for(kind: ActionKind, state: DossierState, *, archived: bool) -> Plan:
    """What DS's state machine allows from `state` (docs/ds-api.md, "State machine")."""
    if kind.is_edit or kind in (
        ActionKind.REPONDRE,
        ActionKind.SUIVRE,
        ActionKind.NE_PLUS_SUIVRE,
        ActionKind.SUPPRIMER_MESSAGE,
    ):
        # DS takes messages, follows, labels and annotations in every state (docs/ds-api.md,
        # "Mutations").
        return Plan.GO
    if kind is ActionKind.DEMANDER_CORRECTION:
        return Plan.GO if state in _OPEN_STATES and not archived else Plan.NOT_ALLOWED
    if kind is ActionKind.CHANGER_GROUPE:
        return Plan.GO if state in _OPEN_STATES else Plan.NOT_ALLOWED
    if kind is ActionKind.REPASSER_EN_CONSTRUCTION:
        return Plan.GO if state is DossierState.EN_INSTRUCTION else Plan.NOT_ALLOWED
    if kind is ActionKind.DESARCHIVER:
        return Plan.GO if archived else Plan.NOT_ALLOWED
    if kind.value in TARGETS:
        if kind.value in moves_from(state):
            return Plan.GO
        if kind.is_decision and state is DossierState.EN_CONSTRUCTION:
            return Plan.INSTRUCTION_FIRST
        return Plan.NOT_ALLOWED
    # ARCHIVER
    return Plan.GO if state.is_termine and not archived else Plan.NOT_ALLOWED


class AttachmentError(Exception):
    """The user's file could not be obtained (too large, not downloadable...).

    `key` is a text key saying what happened and what to do; `params` fill it in.
    """

    def __init__(self, message: str, *, key: str, **params: Any) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


class Attachment(Protocol):
    """A file the user attached, fetched only once the action is authorized."""

    @property
    def filename(self) -> str: ...

    @property
    def content_type(self) -> str: ...

    def read(self) -> bytes:
        """The bytes, or AttachmentError."""
        ...


@dataclass(frozen=True)
class LabelEdit:
    """The labels the user ticked on or off, compared with what their modal showed."""

    add: tuple[Label, ...] = ()
    remove: tuple[Label, ...] = ()


@dataclass(frozen=True)
class EditReport:
    """What a labels or annotations edit did, item by item (DS applies them one by one)."""

    # Names (label names, annotation labels) saved in DS, and those DS did not take.
    saved: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    # DS's refusals, in DS's words.
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionRequest:
    team_id: str
    user_id: str
    number: int
    kind: ActionKind
    # Idempotency key: the same key never runs the action twice.
    key: str
    # The motivation of a decision, or the body of a message to the usager.
    text: str | None = None
    attachment: Attachment | None = None
    disable_notification: bool = False
    # The user confirmed passing an en_construction dossier en instruction before the decision.
    instruction_first: bool = False
    # ETIQUETTES: the labels to add and remove; ANNOTATIONS: the values the user changed.
    labels: LabelEdit | None = None
    annotations: tuple[AnnotationChange, ...] = ()
    # DEMANDER_CORRECTION: why.
    correction: CorrectionReason | None = None
    # CHANGER_GROUPE: the GraphQL id of the groupe to move the dossier to.
    groupe_id: str | None = None
    # SUPPRIMER_MESSAGE: the GraphQL id of the message to delete.
    message_id: str | None = None


class Status(StrEnum):
    READY = "ready"  # from `preview` only: the action may go ahead
    DONE = "done"
    DUPLICATE = "duplicate"  # the key already ran or is running: nothing done again
    REFUSED = "refused"  # the user may not act on this dossier (see access.reason_key)
    NOT_ALLOWED = "not_allowed"  # the dossier's state does not allow it (stale card...)
    NEEDS_INSTRUCTION = "needs_instruction"  # en_construction, not confirmed to pass it first
    FAILED = "failed"  # DS or the file said no (see error)
    PARTIAL = "partial"  # an edit: DS saved some items and refused others (see report)
    BUSY = "busy"  # another action on this dossier holds its lock: nothing was checked or done


# Why a « Changer de groupe » was refused after its check: the groupe changed just before.
REASON_GROUPE_MOVED = "action.reason_groupe_moved"

# What the audit table records for each status.
AUDIT_RESULT: dict[Status, str] = {
    Status.DONE: "ok",
    Status.DUPLICATE: "duplicate",
    Status.REFUSED: "refused",
    Status.NOT_ALLOWED: "refused",
    Status.NEEDS_INSTRUCTION: "refused",
    Status.FAILED: "error",
    Status.PARTIAL: "partial",
    Status.BUSY: "refused",
}


@dataclass(frozen=True)
class ActionOutcome:
    status: Status
    kind: ActionKind
    number: int
    # The freshest read of the dossier: after the action when it was done.
    dossier: Dossier | None = None
    access: Access | None = None
    error: BaseException | None = None
    # DS's answer was lost but a re-read showed the action applied.
    recovered: bool = False
    # The dossier was passed en instruction before the decision (which may have failed).
    passed_en_instruction: bool = False
    # FAILED without knowing whether DS applied the mutation: check in DS before retrying.
    uncertain: bool = False
    at: datetime | None = None
    # Labels and annotations: which items were saved and which refused.
    report: EditReport | None = None

    @property
    def changed(self) -> bool:
        """Whether DS was changed, so the card needs a refresh."""
        if self.report is not None:
            return bool(self.report.saved)
        return self.status is Status.DONE or self.passed_en_instruction


@dataclass
class _FileFacts:
    name: str | None = None
    checksum: str | None = None


def _lacking(capability: str) -> BackendAuthFailed:
    """The DS adapter has every capability used here: this guards a mis-wired backend, not a
    user's request."""
    return BackendAuthFailed(f"no {capability} capability")


class ActionService:
    """Every change goes through the DS backend's capabilities (`dsbot/backends/port/`),
    acting as the instructeur: its state moves, labels, annotations, messages and corrections
    with their file, follows, a change of groupe, a message withdrawn. DS's client (`ds`) is
    only read: the dossier after an action, the démarche's groupes."""

    def __init__(
        self,
        ds: DossierReads,
        access: DossierAccessService[Any],
        audit: AuditService,
        store: Store,
        *,
        backend: Backend,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.ds = ds
        self.backend = backend
        self.access = access
        self.audit = audit
        self.store = store
        self.clock = clock or (lambda: datetime.now(UTC))
        # One action at a time per dossier, across processes (dsbot/store/locks.py).
        self.locks = ItemLocks(store)

    # --- checks --------------------------------------------------------------------------

    def preview(self, team_id: str, user_id: str, number: int, kind: ActionKind) -> ActionOutcome:
        """May this user start `kind` on the dossier now? Reads DS, changes nothing.

        READY, or REFUSED / NOT_ALLOWED / NEEDS_INSTRUCTION as `perform` would answer; a
        BackendError propagates.
        """
        dossier, access = self.access.open(team_id, user_id, number)
        status = self._check(kind, dossier, access, instruction_first=False)
        return ActionOutcome(status or Status.READY, kind, number, dossier, access)

    def open_groupes(self, dossier: Dossier) -> tuple[GroupeInstructeur, ...]:
        """The groupes of the dossier's démarche it may move to: open, and not its own."""
        demarche = self.ds.get_demarche(dossier.demarche.number)
        return tuple(
            g for g in demarche.groupes if not g.closed and g.id != dossier.groupe_instructeur.id
        )

    @staticmethod
    def _check(
        kind: ActionKind, dossier: Dossier, access: Access, *, instruction_first: bool
    ) -> Status | None:
        if not access.allowed:
            return Status.REFUSED
        plan = plan_for(kind, dossier.state, archived=dossier.archived)
        if plan is Plan.NOT_ALLOWED:
            return Status.NOT_ALLOWED
        if plan is Plan.INSTRUCTION_FIRST and not instruction_first:
            return Status.NEEDS_INSTRUCTION
        return None

    def _acting(self, dossier: Dossier, instructeur_id: str) -> object:
        """The DS backend as the instructeur, told of the fresh read so it need not read again."""
        source = self.backend.as_person(instructeur_id)
        if isinstance(source, Primed):
            source.prime(dossier)
        return source

    # --- the action ----------------------------------------------------------------------

    def perform(self, request: ActionRequest) -> ActionOutcome:
        """Authorize on a fresh read, then act in DS as the user's instructeur. Audited.

        Never raises for DS or file failures (they come back as FAILED with the error); an
        unexpected exception is audited and propagates.
        """
        with self.store.connect() as db:
            claimed = q.claim_key(db, request.key, self.clock())
        if not claimed:
            log.info("action.duplicate", kind=request.kind, dossier=request.number)
            outcome = ActionOutcome(Status.DUPLICATE, request.kind, request.number)
            self._audit(request, outcome, _FileFacts())
            return outcome
        facts = _FileFacts()
        try:
            outcome = self._run_locked(request, facts)
        except BaseException as exc:
            self._finish_key(request.key, "error")
            self._audit(
                request,
                ActionOutcome(Status.FAILED, request.kind, request.number, error=exc),
                facts,
            )
            raise
        # The same key may run again only if DS was surely not changed by this request.
        if outcome.status in (Status.DONE, Status.PARTIAL) or outcome.uncertain:
            self._finish_key(request.key, q.KEY_DONE)
        else:
            self._finish_key(request.key, q.KEY_FAILED)
        self._audit(request, outcome, facts)
        return outcome

    def _run_locked(self, request: ActionRequest, facts: _FileFacts) -> ActionOutcome:
        """`_run` holding the dossier's lock, from the permission check to DS's answer: a
        second action on the dossier meanwhile (any process) is refused as BUSY."""
        try:
            with self.locks.hold(BackendName.DS.value, str(request.number)):
                return self._run(request, facts)
        except ItemBusy:
            log.info("action.busy", dossier=request.number, kind=request.kind.value)
            return ActionOutcome(Status.BUSY, request.kind, request.number)

    def _run(self, request: ActionRequest, facts: _FileFacts) -> ActionOutcome:
        kind, number = request.kind, request.number

        def failed(exc: Exception, dossier: Dossier | None = None, **kw: Any) -> ActionOutcome:
            log.info("action.failed", kind=kind, dossier=number, error=type(exc).__name__)
            return ActionOutcome(Status.FAILED, kind, number, dossier, access, exc, **kw)

        access: Access | None = None
        try:
            dossier, access = self.access.open(request.team_id, request.user_id, number)
        except NotForYou as exc:
            # Refused, with the one answer an unknown number gets too.
            unseen = Access(exc.instructeur_id, False, exc.reason_key)
            return ActionOutcome(Status.REFUSED, kind, number, access=unseen, error=exc)
        except BackendError as exc:
            return failed(exc)
        refusal = self._check(kind, dossier, access, instruction_first=request.instruction_first)
        if refusal is not None:
            return ActionOutcome(refusal, kind, number, dossier, access)
        instructeur_id = access.instructeur_id
        assert instructeur_id is not None
        if kind is ActionKind.SUIVRE and any(p.id == instructeur_id for p in dossier.followers):
            # One menu option toggles: what it does depends on DS now, not on the card.
            kind = ActionKind.NE_PLUS_SUIVRE
            request = replace(request, kind=kind)
        try:
            if not self._target_allowed(request, dossier, instructeur_id):
                return ActionOutcome(Status.NOT_ALLOWED, kind, number, dossier, access)
            moved = self._moved_meanwhile(request, dossier, access, instructeur_id)
        except BackendError as exc:
            return failed(exc, dossier)
        if moved is not None:
            return moved
        if kind.is_edit:
            return self._run_edit(request, dossier, access, instructeur_id)

        try:
            blob_id = self._upload(request, dossier, instructeur_id, facts)
        except (AttachmentError, BackendError) as exc:
            return failed(exc, dossier)

        passed = False
        if plan_for(kind, dossier.state, archived=dossier.archived) is Plan.INSTRUCTION_FIRST:
            try:
                self._moves(dossier, instructeur_id).move(
                    str(dossier.number),
                    ActionKind.PASSER_EN_INSTRUCTION.value,
                    silent=request.disable_notification,
                )
            except BackendError as exc:
                return failed(exc, dossier)
            passed = True

        try:
            recovered = self._mutate(request, dossier, instructeur_id, blob_id)
        except BackendError as exc:
            after = self._reread(number) if passed or exc.ambiguous else dossier
            # No answer, and DS could not be read back either: the mutation may have applied.
            uncertain = exc.ambiguous and after is None
            return failed(exc, after, passed_en_instruction=passed, uncertain=uncertain)
        after = self._reread(number)
        if (
            kind is ActionKind.CHANGER_GROUPE
            and after is not None
            and not after.groupe_instructeur.has_instructeur(instructeur_id)
        ):
            # The caller handed the dossier to a groupe they are not in: they lost it.
            access = replace(access, allowed=False, reason_key="access.reason_not_in_groupe")
        return ActionOutcome(
            Status.DONE,
            kind,
            number,
            after,
            access,
            recovered=recovered,
            passed_en_instruction=passed,
            at=self.clock(),
        )

    def _run_edit(
        self, request: ActionRequest, dossier: Dossier, access: Access, instructeur_id: str
    ) -> ActionOutcome:
        kind, number = request.kind, request.number
        try:
            if kind is ActionKind.ETIQUETTES:
                labels = self._acting(dossier, instructeur_id)
                if not isinstance(labels, Labels):
                    raise _lacking("labels")
                report, recovered = self._edit_labels(
                    request.labels or LabelEdit(), dossier, labels
                )
            else:
                report, recovered = self._edit_annotations(request, dossier, instructeur_id)
        except BackendError as exc:
            log.info("action.failed", kind=kind, dossier=number, error=type(exc).__name__)
            after = self._reread(number) if exc.ambiguous else dossier
            uncertain = exc.ambiguous and after is None
            return ActionOutcome(
                Status.FAILED, kind, number, after, access, exc, uncertain=uncertain
            )
        error: BackendError | None = None
        if report.refused:
            # The backend's refusals as one, in its words (the audit keeps them).
            error = BackendRefused(" ; ".join(report.messages) or "Erreur inconnue")
        if report.refused and not report.saved:
            status = Status.FAILED
        elif report.refused:
            status = Status.PARTIAL
        else:
            status = Status.DONE
        return ActionOutcome(
            status,
            kind,
            number,
            self._reread(number) if report.saved else dossier,
            access,
            error,
            recovered=recovered,
            at=self.clock(),
            report=report,
        )

    def _edit_labels(
        self, edit: LabelEdit, dossier: Dossier, labels: Labels
    ) -> tuple[EditReport, bool]:
        """Add and remove labels one by one, against the fresh read: a label someone else put
        or removed meanwhile is left as they made it."""
        current = {lb.id for lb in dossier.labels}
        steps = [(lb, True) for lb in edit.add if lb.id not in current]
        steps += [(lb, False) for lb in edit.remove if lb.id in current]
        saved: list[str] = []
        refused: list[str] = []
        messages: list[str] = []
        recovered = False
        ref = str(dossier.number)
        for index, (label, add) in enumerate(steps):
            mutate = labels.add_label if add else labels.remove_label
            try:
                recovered = mutate(ref, label.id) or recovered
            except BackendRefused as exc:
                refused.append(label.name)
                # DS's refusals carry each of its messages; another refusal has its words.
                messages.extend(getattr(exc, "messages", None) or [exc.message])
                continue
            except BackendError as exc:
                if not saved:
                    raise
                # DS stopped answering half-way: what was saved stays, the rest is not sent.
                refused.extend(lb.name for lb, _ in steps[index:])
                messages.append(exc.message)
                break
            saved.append(label.name)
        return EditReport(tuple(saved), tuple(refused), tuple(messages)), recovered

    def _edit_annotations(
        self, request: ActionRequest, dossier: Dossier, instructeur_id: str
    ) -> tuple[EditReport, bool]:
        """Send only the values that differ from DS's, so that an annotation someone else
        changed meanwhile, and the user left alone, keeps their value."""
        edits = self._acting(dossier, instructeur_id)
        if not isinstance(edits, AnnotationEdits):
            raise _lacking("annotation edits")
        result = edits.edit_annotations(str(dossier.number), request.annotations)
        label = {c.id: c.label for c in request.annotations}
        return (
            EditReport(
                tuple(label[i] for i in result.saved),
                tuple(label[i] for i in result.refused),
                result.messages,
            ),
            result.recovered,
        )

    def _target_allowed(
        self, request: ActionRequest, dossier: Dossier, instructeur_id: str
    ) -> bool:
        """The groupe or message the user picked is one the modal could offer them.

        The picked value comes back in the submission: checked again here. For a groupe this
        is the only guard: DS changes groupes as the token's administrateur, not as the user.
        """
        if request.kind is ActionKind.CHANGER_GROUPE:
            if not request.groupe_id:
                return False
            return any(g.id == request.groupe_id for g in self.open_groupes(dossier))
        if request.kind is ActionKind.SUPPRIMER_MESSAGE:
            return any(m.id == request.message_id for m in own_messages(dossier, instructeur_id))
        if request.kind is ActionKind.DEMANDER_CORRECTION:
            return request.correction is not None
        return True

    def _moved_meanwhile(
        self, request: ActionRequest, dossier: Dossier, access: Access, instructeur_id: str
    ) -> ActionOutcome | None:
        """« Changer de groupe »: the groupe read again just before acting. DS does not check
        the instructeur for this mutation, so the refusal is ours: the dossier left the groupe
        it was read in, or the user left that groupe, since the permission check."""
        if request.kind is not ActionKind.CHANGER_GROUPE:
            return None
        fresh = self.ds.get_dossier_state(request.number)
        groupe = fresh.groupe_instructeur
        if groupe.id == dossier.groupe_instructeur.id and groupe.has_instructeur(instructeur_id):
            return None
        log.info("action.groupe_moved_meanwhile", dossier=request.number)
        lost = replace(access, allowed=False, reason_key=REASON_GROUPE_MOVED)
        return ActionOutcome(Status.REFUSED, request.kind, request.number, fresh, lost)

    def _upload(
        self, request: ActionRequest, dossier: Dossier, instructeur_id: str, facts: _FileFacts
    ) -> str | None:
        attachment = request.attachment
        if attachment is None or not request.kind.takes_file:
            return None
        facts.name = attachment.filename
        data = attachment.read()
        files = self._acting(dossier, instructeur_id)
        if not isinstance(files, Attachments):
            raise _lacking("attachments")
        facts.checksum = files.checksum(data)
        return files.attach(
            str(dossier.number),
            data,
            filename=attachment.filename,
            content_type=attachment.content_type,
        )

    def _mutate(
        self, request: ActionRequest, dossier: Dossier, instructeur_id: str, blob_id: str | None
    ) -> bool:
        """Run the DS mutation; True when its answer was lost and a re-read showed it applied."""
        kind = request.kind
        silent = request.disable_notification
        text = (request.text or "").strip() or None
        ref = str(dossier.number)
        if kind in (ActionKind.REPONDRE, ActionKind.DEMANDER_CORRECTION):
            messaging = self._acting(dossier, instructeur_id)
            if not isinstance(messaging, Messaging):
                raise _lacking("messaging")
            reason = None
            if kind is ActionKind.DEMANDER_CORRECTION:
                assert request.correction is not None
                reason = request.correction.value
            messaging.send_message(ref, text or "", attachment=blob_id, reason=reason)
            return False
        if kind in (ActionKind.SUIVRE, ActionKind.NE_PLUS_SUIVRE):
            follow = self._acting(dossier, instructeur_id)
            if not isinstance(follow, Follow):
                raise _lacking("follow")
            follow.follow(ref, following=kind is ActionKind.SUIVRE)
            return False
        if kind is ActionKind.CHANGER_GROUPE:
            assert request.groupe_id is not None
            groupes = self._acting(dossier, instructeur_id)
            if not isinstance(groupes, Reassign):
                raise _lacking("reassign")
            return groupes.reassign(ref, request.groupe_id)
        if kind is ActionKind.SUPPRIMER_MESSAGE:
            assert request.message_id is not None
            messages = self._acting(dossier, instructeur_id)
            if not isinstance(messages, MessageRemoval):
                raise _lacking("message removal")
            return messages.delete_message(ref, request.message_id)
        # The state moves, the decisions (with their motivation and justificatif) and the
        # archive: named like the kind, DS's own names.
        return self._moves(dossier, instructeur_id).move(
            ref, kind.value, text=text, attachment=blob_id, silent=silent
        )

    def _moves(self, dossier: Dossier, instructeur_id: str) -> StateMoves:
        moves = self._acting(dossier, instructeur_id)
        if not isinstance(moves, StateMoves):
            raise _lacking("state moves")
        return moves

    def _reread(self, number: int) -> Dossier | None:
        """The dossier after the action, for the card; None if DS cannot say right now."""
        try:
            dossier: Dossier = self.ds.get_dossier(number)
            return dossier
        except BackendError as exc:
            log.warning("action.reread_failed", dossier=number, error=type(exc).__name__)
            return None

    # --- bookkeeping ---------------------------------------------------------------------

    def _finish_key(self, key: str, status: str) -> None:
        with self.store.connect() as db:
            q.finish_key(db, key, status)

    def _audit(self, request: ActionRequest, outcome: ActionOutcome, facts: _FileFacts) -> None:
        error: str | None = None
        if outcome.status is Status.REFUSED and outcome.access is not None:
            error = outcome.access.reason_key
        elif outcome.status is Status.BUSY:
            error = "busy: another action on this dossier was in progress"
        elif outcome.status in (Status.NOT_ALLOWED, Status.NEEDS_INSTRUCTION) and outcome.dossier:
            error = f"state: {outcome.dossier.state.value}"
        elif outcome.error is not None:
            message = outcome.error.message if isinstance(outcome.error, BackendError) else None
            error = redact(message or f"{type(outcome.error).__name__}: {outcome.error}")
        text = (request.text or "").strip()
        try:
            self.audit.record(
                team_id=request.team_id,
                slack_user_id=request.user_id,
                instructeur_id=outcome.access.instructeur_id if outcome.access else None,
                dossier_number=request.number,
                # The kind that ran: a toggle (suivre) says which way it went.
                action=outcome.kind.value,
                result=AUDIT_RESULT.get(outcome.status, outcome.status.value),
                motivation_length=len(text) if text else None,
                file_name=facts.name,
                file_checksum=facts.checksum,
                error=error,
                recovered=outcome.recovered,
                action_key=request.key,
            )
        except Exception:
            # The action itself is done (or not) in DS; a lost audit row must not hide that.
            log.exception("audit.write_failed", dossier=request.number)


def own_messages(dossier: Dossier, instructeur_id: str) -> tuple[Message, ...]:
    """The instructeur's messages on the dossier that are still shown (DS matches by e-mail)."""
    profiles = (*dossier.groupe_instructeur.instructeurs, *dossier.followers)
    emails = {p.email.lower() for p in profiles if p.id == instructeur_id and p.email}
    return tuple(m for m in dossier.visible_messages if m.email.lower() in emails)


def build_action_service(
    store: Store, ds: DossierReads, access: DossierAccessService[Any], backend: Backend
) -> ActionService:
    """`backend`: the port's DS backend over the same client (the registry's `build`)."""
    return ActionService(ds, access, AuditService(store), store, backend=backend)
