"""ActionService on its own: the transitions it allows, and the failures that are hard to stage
against the sandbox (DS silent after a mutation, a decision failing after the passage en
instruction). DS is a small in-memory stand-in given to the constructor."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from dsbot.backends.ds.backend import DSBackend
from dsbot.backends.ds.errors import DSMutationError, DSTimeout
from dsbot.backends.ds.models import Demarche, Dossier, DossierState, MutationResult
from dsbot.services.access import DossierAccessService
from dsbot.services.actions import (
    ActionKind,
    ActionRequest,
    ActionService,
    Plan,
    Status,
    plan_for,
)
from dsbot.services.audit import AuditService
from dsbot.services.directory import InstructeurDirectory
from dsbot.services.linking import LinkingService, SlackProfile
from dsbot.store import audit as q
from dsbot.texts import get_texts
from tests.slack.presentation.blocks.factories import INSTRUCTEUR, make_dossier

S = DossierState
K = ActionKind


@pytest.mark.parametrize(
    "kind,state,archived,plan",
    [
        (K.PASSER_EN_INSTRUCTION, S.EN_CONSTRUCTION, False, Plan.GO),
        (K.PASSER_EN_INSTRUCTION, S.EN_INSTRUCTION, False, Plan.NOT_ALLOWED),
        (K.ACCEPTER, S.EN_INSTRUCTION, False, Plan.GO),
        (K.REFUSER, S.EN_CONSTRUCTION, False, Plan.INSTRUCTION_FIRST),
        (K.CLASSER_SANS_SUITE, S.ACCEPTE, False, Plan.NOT_ALLOWED),
        (K.REPASSER_EN_INSTRUCTION, S.REFUSE, False, Plan.GO),
        (K.REPASSER_EN_INSTRUCTION, S.EN_INSTRUCTION, False, Plan.NOT_ALLOWED),
        (K.ARCHIVER, S.SANS_SUITE, False, Plan.GO),
        (K.ARCHIVER, S.ACCEPTE, True, Plan.NOT_ALLOWED),
        (K.ARCHIVER, S.EN_INSTRUCTION, False, Plan.NOT_ALLOWED),
        (K.REPONDRE, S.EN_CONSTRUCTION, False, Plan.GO),
        (K.REPONDRE, S.ACCEPTE, False, Plan.GO),
        (K.SUIVRE, S.ACCEPTE, True, Plan.GO),
        (K.NE_PLUS_SUIVRE, S.EN_CONSTRUCTION, False, Plan.GO),
        (K.DEMANDER_CORRECTION, S.EN_CONSTRUCTION, False, Plan.GO),
        (K.DEMANDER_CORRECTION, S.EN_INSTRUCTION, False, Plan.GO),
        (K.DEMANDER_CORRECTION, S.EN_INSTRUCTION, True, Plan.NOT_ALLOWED),
        (K.DEMANDER_CORRECTION, S.REFUSE, False, Plan.NOT_ALLOWED),
        (K.CHANGER_GROUPE, S.EN_INSTRUCTION, False, Plan.GO),
        (K.CHANGER_GROUPE, S.SANS_SUITE, False, Plan.NOT_ALLOWED),
        (K.REPASSER_EN_CONSTRUCTION, S.EN_INSTRUCTION, False, Plan.GO),
        (K.REPASSER_EN_CONSTRUCTION, S.EN_CONSTRUCTION, False, Plan.NOT_ALLOWED),
        (K.DESARCHIVER, S.ACCEPTE, True, Plan.GO),
        (K.DESARCHIVER, S.ACCEPTE, False, Plan.NOT_ALLOWED),
        (K.SUPPRIMER_MESSAGE, S.ACCEPTE, True, Plan.GO),
    ],
)
def test_transitions(kind: ActionKind, state: DossierState, archived: bool, plan: Plan) -> None:
    assert plan_for(kind, state, archived=archived) is plan


class FakeDS:
    """One dossier in memory; `fail[name]` makes that call raise, `unreadable` every read."""

    def __init__(self, dossier: Dossier) -> None:
        self.dossier = dossier
        self.calls: list[str] = []
        self.fail: dict[str, Exception] = {}
        self.unreadable = False

    def get_dossier(self, number: int) -> Dossier:
        if self.unreadable:
            raise DSTimeout("Timeout on Query.dossier", code="timeout")
        return self.dossier

    def get_demarche(self, number: int) -> Demarche:
        groupe = self.dossier.groupe_instructeur
        return Demarche(id="D", number=number, title="T", state="publiee", groupes=(groupe,))

    def _call(self, name: str, state: DossierState | None = None, **kw: Any) -> MutationResult:
        self.calls.append(name)
        if name in self.fail:
            error = self.fail[name]
            if isinstance(error, DSTimeout):
                # Applied, then no answer, and DS stops answering altogether.
                self.dossier = replace(self.dossier, state=state or self.dossier.state)
                self.unreadable = True
            raise error
        if state is not None:
            self.dossier = replace(self.dossier, state=state)
        return MutationResult(self.dossier.id, state)

    def upload_file(self, dossier: Any, data: bytes, **kw: Any) -> str:
        self._call("upload_file")
        return "signed-blob-id"

    def passer_en_instruction(self, dossier: Any, instructeur_id: str, **kw: Any):
        return self._call("passer_en_instruction", S.EN_INSTRUCTION)

    def accepter(self, dossier: Any, instructeur_id: str, **kw: Any):
        return self._call("accepter", S.ACCEPTE)

    def refuser(self, dossier: Any, instructeur_id: str, **kw: Any):
        return self._call("refuser", S.REFUSE)


class Users:
    def profile(self, user_id: str) -> SlackProfile:
        return SlackProfile(user_id=user_id, email=INSTRUCTEUR.email)


def service(store, ds: FakeDS) -> ActionService:
    directory = InstructeurDirectory(store, ds)
    linking = LinkingService(store, directory, Users())
    access = DossierAccessService(ds, linking, directory)
    backend = DSBackend(ds, get_texts("fr"), "https://ds.example")
    return ActionService(ds, access, AuditService(store), store, backend=backend)


def request(kind: ActionKind = K.ACCEPTER, key: str = "k1", **kw: Any) -> ActionRequest:
    return ActionRequest(team_id="T", user_id="U1", number=1234, kind=kind, key=key, **kw)


def test_silent_ds_after_a_mutation_is_uncertain_and_not_retried(store) -> None:
    ds = FakeDS(make_dossier(state=S.EN_INSTRUCTION))
    ds.fail["accepter"] = DSTimeout("Timeout on Mutation.dossierAccepter", code="timeout")
    actions = service(store, ds)

    outcome = actions.perform(request())
    assert outcome.status is Status.FAILED and outcome.uncertain
    # The same submission again does not resend the mutation blindly.
    ds.unreadable = False
    again = actions.perform(request())
    assert again.status is Status.DUPLICATE
    assert ds.calls == ["accepter"]
    with store.connect() as db:
        assert q.key_status(db, "k1") == q.KEY_DONE


def test_decision_failing_after_the_passage_en_instruction_says_so(store) -> None:
    ds = FakeDS(make_dossier(state=S.EN_CONSTRUCTION))
    ds.fail["refuser"] = DSMutationError(["Le dossier est en attente de correction"])
    actions = service(store, ds)

    outcome = actions.perform(request(K.REFUSER, text="Incomplet", instruction_first=True))
    assert outcome.status is Status.FAILED
    assert outcome.passed_en_instruction and outcome.changed
    assert outcome.dossier is not None and outcome.dossier.state is S.EN_INSTRUCTION
    # A retry of the same submission only decides: the dossier is already en instruction.
    del ds.fail["refuser"]
    retried = actions.perform(request(K.REFUSER, text="Incomplet", instruction_first=True))
    assert retried.status is Status.DONE
    assert ds.calls == ["passer_en_instruction", "refuser", "refuser"]


def test_en_construction_without_confirmation_changes_nothing(store) -> None:
    ds = FakeDS(make_dossier(state=S.EN_CONSTRUCTION))
    outcome = service(store, ds).perform(request(K.ACCEPTER))
    assert outcome.status is Status.NEEDS_INSTRUCTION
    assert ds.calls == []


def test_preview_reads_and_changes_nothing(store) -> None:
    ds = FakeDS(make_dossier(state=S.ACCEPTE))
    actions = service(store, ds)
    assert actions.preview("T", "U1", 1234, K.REFUSER).status is Status.NOT_ALLOWED
    assert actions.preview("T", "U1", 1234, K.ARCHIVER).status is Status.READY
    assert ds.calls == []
    assert AuditService(store).rows() == []


def test_changer_groupe_only_to_an_open_groupe_of_the_demarche(store) -> None:
    # FakeDS's démarche has only the dossier's own groupe: any other id is not offered.
    ds = FakeDS(make_dossier(state=S.EN_INSTRUCTION))
    actions = service(store, ds)
    own = ds.dossier.groupe_instructeur.id
    for key, groupe_id in (("k1", own), ("k2", "R3JvdXBlSW5zdHJ1Y3RldXItOTk="), ("k3", None)):
        outcome = actions.perform(request(K.CHANGER_GROUPE, key=key, groupe_id=groupe_id))
        assert outcome.status is Status.NOT_ALLOWED
    assert ds.calls == []
    assert [r["result"] for r in AuditService(store).rows()] == ["refused"] * 3


def test_suivre_toggles_on_what_ds_says_now(store) -> None:
    followed = make_dossier(state=S.EN_INSTRUCTION, followers=(INSTRUCTEUR,))
    calls: list[bool] = []

    class FollowDS(FakeDS):
        def bascule_suivi(self, dossier: Any, instructeur_id: str, *, follow: bool) -> None:
            calls.append(follow)

    outcome = service(store, FollowDS(followed)).perform(request(K.SUIVRE))
    assert outcome.status is Status.DONE and outcome.kind is K.NE_PLUS_SUIVRE
    assert calls == [False]
    [row] = AuditService(store).rows()
    assert row["action"] == "ne_plus_suivre"
