"""Annotations privées read with their types and written back, a lost answer recovered by a
re-read (never a resend), and DS's check that a choice is one of the options."""

from __future__ import annotations

import pytest

from dsbot.backends.ds.annotations import AnnotationChange, AnnotationScalar, AnnotationType
from dsbot.backends.ds.errors import DSPartialMutationError


@pytest.fixture
def instructeur(ds_env):
    return ds_env.instructeur()


def by_type(sheet, type_):
    desc = next(d for d in sheet.descriptors if d.type is type_)
    return desc, sheet.annotation_for(desc)


def test_sheet_has_typed_descriptors_values_and_labels(ds_env, client):
    ref = ds_env.dossier("en_instruction")
    sheet = client.get_dossier_annotations(ref.number)
    assert sheet.dossier_id == ref.id and sheet.number == ref.number
    types = {d.type for d in sheet.descriptors}
    assert {AnnotationType.TEXT, AnnotationType.DATE, AnnotationType.DROP_DOWN} <= types
    assert AnnotationType.REPETITION in types
    drop, _ = by_type(sheet, AnnotationType.DROP_DOWN)
    assert drop.options == ("Favorable", "Réservé", "Défavorable")
    multiple, _ = by_type(sheet, AnnotationType.MULTIPLE_DROP_DOWN)
    assert multiple.options and not multiple.other_option
    # Each descriptor has its annotation on the dossier.
    assert all(sheet.annotation_for(d) is not None for d in sheet.descriptors)


def test_typed_values_round_trip(ds_env, client, instructeur):
    ref = ds_env.dossier("en_instruction")
    sheet = client.get_dossier_annotations(ref.number)
    wanted: dict[AnnotationType, AnnotationScalar] = {
        AnnotationType.CHECKBOX: True,
        AnnotationType.YES_NO: False,
        AnnotationType.DATE: "2026-03-05",
        AnnotationType.INTEGER: 12,
        AnnotationType.DECIMAL: 1250.5,
        AnnotationType.DROP_DOWN: "Réservé",
        AnnotationType.MULTIPLE_DROP_DOWN: ("Budget", "Foncier"),
        AnnotationType.TEXTAREA: "Deux lignes\net une autre",
    }
    changes = []
    for type_, value in wanted.items():
        _, annotation = by_type(sheet, type_)
        changes.append(AnnotationChange(annotation.id, type_, value))
    saved = client.modifier_annotations(ref, instructeur["id"], [c.to_input() for c in changes])
    assert len(saved.saved) == len(changes) and not saved.recovered
    after = client.get_dossier_annotations(ref.number)
    for type_, value in wanted.items():
        assert by_type(after, type_)[1].value == value, type_


def test_a_choice_outside_the_options_is_refused_the_others_saved(ds_env, client, instructeur):
    ref = ds_env.dossier("en_instruction")
    sheet = client.get_dossier_annotations(ref.number)
    _, multiple = by_type(sheet, AnnotationType.MULTIPLE_DROP_DOWN)
    _, text = by_type(sheet, AnnotationType.TEXT)
    with pytest.raises(DSPartialMutationError) as info:
        client.modifier_annotations(
            ref,
            instructeur["id"],
            [
                AnnotationChange(
                    multiple.id, AnnotationType.MULTIPLE_DROP_DOWN, ("Météo",)
                ).to_input(),
                AnnotationChange(text.id, AnnotationType.TEXT, "REF-42").to_input(),
            ],
        )
    # DS's words: the champ's error format is the bare message, with no label and no value.
    assert info.value.messages == ["doit être dans les options proposées"]
    assert [c.id for c in info.value.result] == [text.id]


def test_a_lost_answer_is_recovered_by_a_reread_not_a_resend(ds_env, client, instructeur):
    ref = ds_env.dossier("en_instruction")
    sheet = client.get_dossier_annotations(ref.number)
    _, text = by_type(sheet, AnnotationType.TEXT)
    _, date = by_type(sheet, AnnotationType.DATE)
    ds_env.control.faults(ambiguous_mutations=1)
    saved = client.modifier_annotations(
        ref,
        instructeur["id"],
        [
            AnnotationChange(text.id, AnnotationType.TEXT, "REF-7").to_input(),
            AnnotationChange(date.id, AnnotationType.DATE, "2026-04-01").to_input(),
        ],
    )
    assert saved.recovered is True
    assert {c.id for c in saved.saved} == {text.id, date.id}
    assert ds_env.op_count("DsbotModifierAnnotations") == 1
    assert ds_env.op_count("DsbotGetDossierAnnotationsValues") == 1


def test_a_lost_answer_with_part_applied_names_what_was_saved(ds_env, client, instructeur):
    ref = ds_env.dossier("en_instruction")
    sheet = client.get_dossier_annotations(ref.number)
    _, text = by_type(sheet, AnnotationType.TEXT)
    _, drop = by_type(sheet, AnnotationType.MULTIPLE_DROP_DOWN)
    ds_env.control.faults(ambiguous_mutations=1)
    with pytest.raises(DSPartialMutationError) as info:
        client.modifier_annotations(
            ref,
            instructeur["id"],
            [
                AnnotationChange(text.id, AnnotationType.TEXT, "REF-8").to_input(),
                AnnotationChange(drop.id, AnnotationType.MULTIPLE_DROP_DOWN, ("Nope",)).to_input(),
            ],
        )
    assert [c.id for c in info.value.result] == [text.id]
    assert ds_env.op_count("DsbotModifierAnnotations") == 1
