"""Labels and annotations through ActionService: compared with a fresh read, applied one by one,
and reported item by item (DS saves some and refuses others)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from dsbot.backends.ds.annotations import (
    Annotation,
    AnnotationChange,
    AnnotationType,
    SavedAnnotations,
)
from dsbot.backends.ds.errors import DSMutationError, DSPartialMutationError
from dsbot.backends.ds.models import Champ, DossierState, Label
from dsbot.services.actions import ActionKind, EditReport, LabelEdit, Plan, Status, plan_for
from tests.services.test_actions import FakeDS, request, service
from tests.slack.presentation.blocks.factories import make_dossier

URGENT = Label("L1", "Urgent", "pink_macaron")
RELANCE = Label("L2", "À relancer", "yellow_tournesol")
VALIDE = Label("L3", "Validé", "green_emeraude")


class EditDS(FakeDS):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.annotations: dict[str, Annotation] = {}
        self.refuse: dict[str, str] = {}

    def ajouter_label(self, dossier: Any, label_id: str) -> bool:
        self.calls.append(f"+{label_id}")
        if label_id in self.refuse:
            raise DSMutationError([self.refuse[label_id]])
        label = next(lb for lb in (URGENT, RELANCE, VALIDE) if lb.id == label_id)
        self.dossier = replace(self.dossier, labels=(*self.dossier.labels, label))
        return False

    def supprimer_label(self, dossier: Any, label_id: str) -> bool:
        self.calls.append(f"-{label_id}")
        labels = tuple(lb for lb in self.dossier.labels if lb.id != label_id)
        self.dossier = replace(self.dossier, labels=labels)
        return False

    def get_annotation_values(self, number: int) -> tuple[Annotation, ...]:
        return tuple(self.annotations.values())

    def modifier_annotations(self, dossier: Any, instructeur_id: str, items: list) -> Any:
        self.calls.append("modifier_annotations:" + ",".join(i["id"] for i in items))
        saved = [Champ(i["id"], "TextChamp", "", "x") for i in items if i["id"] not in self.refuse]
        if len(saved) < len(items):
            raise DSPartialMutationError(
                [self.refuse[i["id"]] for i in items if i["id"] in self.refuse], result=saved
            )
        return SavedAnnotations(tuple(saved))


@pytest.mark.parametrize("state", list(DossierState))
def test_labels_and_annotations_in_every_state(state: DossierState) -> None:
    for kind in (ActionKind.ETIQUETTES, ActionKind.ANNOTATIONS):
        assert plan_for(kind, state, archived=state.is_termine) is Plan.GO
        assert not kind.can_silence and not kind.takes_file


def test_labels_are_compared_with_the_fresh_read(store) -> None:
    # RELANCE was put in DS after the modal opened, by someone else: it is left alone.
    ds = EditDS(make_dossier(state=DossierState.EN_INSTRUCTION, labels=(RELANCE,)))
    edit = LabelEdit(add=(URGENT, RELANCE), remove=(VALIDE,))
    outcome = service(store, ds).perform(request(ActionKind.ETIQUETTES, labels=edit))
    assert outcome.status is Status.DONE and outcome.changed
    assert ds.calls == ["+L1"]
    assert outcome.report == EditReport(saved=("Urgent",))


def test_a_label_refused_by_ds_is_reported_with_its_words(store) -> None:
    ds = EditDS(make_dossier(state=DossierState.EN_INSTRUCTION, labels=(VALIDE,)))
    ds.refuse["L2"] = "Ce label n’appartient pas à la même démarche que le dossier"
    edit = LabelEdit(add=(URGENT, RELANCE), remove=(VALIDE,))
    outcome = service(store, ds).perform(request(ActionKind.ETIQUETTES, labels=edit))
    assert outcome.status is Status.PARTIAL and outcome.changed
    assert outcome.report == EditReport(
        saved=("Urgent", "Validé"),
        refused=("À relancer",),
        messages=("Ce label n’appartient pas à la même démarche que le dossier",),
    )
    assert ds.calls == ["+L1", "+L2", "-L3"]


def test_only_annotations_that_differ_from_ds_are_sent(store) -> None:
    ds = EditDS(make_dossier(state=DossierState.ACCEPTE, labels=()))
    ds.annotations = {
        "A1": Annotation("A1", "D1", "Réf", "TextChamp", "R1", "R1"),
        "A2": Annotation("A2", "D2", "Date", "DateChamp", "5 mars", "2026-03-05"),
    }
    changes = (
        AnnotationChange("A1", AnnotationType.TEXT, "R1", "Réf"),
        AnnotationChange("A2", AnnotationType.DATE, "2026-04-01", "Date"),
    )
    actions = service(store, ds)
    outcome = actions.perform(request(ActionKind.ANNOTATIONS, annotations=changes))
    assert outcome.status is Status.DONE
    assert ds.calls == ["modifier_annotations:A2"]
    assert outcome.report == EditReport(saved=("Date",))

    nothing = actions.perform(request(ActionKind.ANNOTATIONS, key="k2", annotations=changes[:1]))
    assert nothing.status is Status.DONE and not nothing.changed
    assert nothing.report == EditReport()


def test_annotations_partly_refused(store) -> None:
    ds = EditDS(make_dossier(state=DossierState.EN_INSTRUCTION, labels=()))
    ds.refuse["A2"] = "est invalide"
    changes = (
        AnnotationChange("A1", AnnotationType.TEXT, "R2", "Réf"),
        AnnotationChange("A2", AnnotationType.EMAIL, "x", "Courriel"),
    )
    outcome = service(store, ds).perform(request(ActionKind.ANNOTATIONS, annotations=changes))
    assert outcome.status is Status.PARTIAL
    assert outcome.report == EditReport(("Réf",), ("Courriel",), ("est invalide",))
    # Everything refused: FAILED, nothing changed.
    ds.refuse["A1"] = "trop long"
    again = service(store, ds).perform(
        request(ActionKind.ANNOTATIONS, key="k2", annotations=changes)
    )
    assert again.status is Status.FAILED and not again.changed
