"""The change classifier, as a pure function: one test per kind of change, and for noise."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dsbot.backends.ds.classify import (
    ChangeKind,
    Snapshot,
    as_of,
    baseline,
    classify,
    classify_deletion,
    observe,
    summary_changed,
)
from dsbot.backends.ds.models import (
    DS_CONTACT_EMAIL,
    Avis,
    Champ,
    DeletedDossier,
    DemarcheRef,
    Dossier,
    DossierState,
    DossierSummary,
    GroupeInstructeur,
    Message,
    Profile,
    Traitement,
)
from dsbot.notifications.model import MessageReceived, StateChanged, Trashed

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USAGER = "usager@example.org"
INSTRUCTEUR = Profile(id="SW5zdHJ1Y3RldXItMQ==", email="agent@interieur.gouv.fr")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def deposit(minutes: float = 0) -> Traitement:
    return Traitement(DossierState.EN_CONSTRUCTION, "depose", at(minutes), None, None)


def make_dossier(**overrides: Any) -> Dossier:
    values: dict[str, Any] = {
        "id": "RG9zc2llci0x",
        "number": 1,
        "state": DossierState.EN_CONSTRUCTION,
        "archived": False,
        "demarche": DemarcheRef("UHJvY2VkdXJlLTE=", 10, "Subvention"),
        "groupe_instructeur": GroupeInstructeur("R3JvdXBl", 5, "Rhône", False, (INSTRUCTEUR,)),
        "date_depot": at(0),
        "date_derniere_modification": at(0),
        "usager_email": USAGER,
        "traitements": (deposit(),),
    }
    return Dossier(**(values | overrides))


def summary_of(dossier: Dossier, **overrides: Any) -> DossierSummary:
    values: dict[str, Any] = {
        "id": dossier.id,
        "number": dossier.number,
        "state": dossier.state,
        "archived": dossier.archived,
        "date_depot": dossier.date_depot,
        "date_derniere_modification": dossier.date_derniere_modification,
        "date_derniere_modification_champs": dossier.date_depot,
        "date_derniere_modification_annotations": dossier.date_depot,
        "groupe_number": dossier.groupe_instructeur.number,
    }
    return DossierSummary(**(values | overrides))


LATER = at(24 * 60)  # read long after the changes: no same-second doubt


def diff(before: Dossier, after: Dossier, **summary_overrides):
    previous = observe(summary_of(before), before, LATER)
    current = observe(summary_of(after, **summary_overrides), after, LATER)
    return classify(previous, current, after)


def kinds(changes) -> list[ChangeKind]:
    return [c.kind for c in changes]


def test_a_dossier_deposited_after_the_baseline_is_new():
    dossier = make_dossier(date_depot=at(5), traitements=(deposit(5),))
    summary = summary_of(dossier)
    changes = classify(as_of(summary, dossier, at(1)), observe(summary, dossier, LATER), dossier)
    assert kinds(changes) == [ChangeKind.DEPOSITED]
    assert changes[0].announce and changes[0].at == at(5)


def test_a_dossier_deposited_before_the_baseline_is_not_new():
    dossier = make_dossier(date_derniere_modification=at(3))
    summary = summary_of(dossier)
    changes = classify(as_of(summary, dossier, at(1)), observe(summary, dossier, LATER), dossier)
    assert ChangeKind.DEPOSITED not in kinds(changes)
    assert all(not c.announce for c in changes)


def test_history_before_the_baseline_is_known_and_later_events_are_news():
    old_message = Message("m1", USAGER, "avant", at(1))
    new_message = Message("m2", USAGER, "après", at(20))
    dossier = make_dossier(
        state=DossierState.EN_INSTRUCTION,
        messages=(old_message, new_message),
        traitements=(
            deposit(),
            Traitement(DossierState.EN_INSTRUCTION, "passe_en_instruction", at(30), "a@x", None),
        ),
        date_derniere_modification=at(30),
    )
    summary = summary_of(dossier)
    changes = classify(as_of(summary, dossier, at(10)), observe(summary, dossier, LATER), dossier)
    assert kinds(changes) == [ChangeKind.MESSAGE_RECEIVED, ChangeKind.STATE_CHANGED]
    message, state = changes[0].params, changes[1].params
    assert isinstance(message, MessageReceived) and message.message_id == "m2"
    assert isinstance(state, StateChanged) and state.from_state == "en_construction"


def test_state_change_says_who_when_and_from_what():
    before = make_dossier()
    after = make_dossier(
        state=DossierState.EN_INSTRUCTION,
        date_derniere_modification=at(10),
        traitements=(
            deposit(),
            Traitement(
                DossierState.EN_INSTRUCTION,
                "passe_en_instruction",
                at(10),
                INSTRUCTEUR.email,
                None,
            ),
        ),
    )
    (change,) = diff(before, after)
    assert change.kind is ChangeKind.STATE_CHANGED
    assert change.broadcast and change.announce
    assert change.at == at(10)
    assert change.params.from_state == "en_construction"
    assert change.params.to_state == "en_instruction"
    assert change.params.by == INSTRUCTEUR.email
    assert change.ident == "traitement:1"


def test_two_state_changes_between_polls_are_two_events_in_order():
    before = make_dossier()
    after = make_dossier(
        state=DossierState.ACCEPTE,
        date_derniere_modification=at(12),
        traitements=(
            deposit(),
            Traitement(DossierState.EN_INSTRUCTION, None, at(10), "a@x", None),
            Traitement(DossierState.ACCEPTE, None, at(12), "b@x", "OK"),
        ),
    )
    changes = diff(before, after)
    assert [(c.params.from_state, c.params.to_state) for c in changes] == [
        ("en_construction", "en_instruction"),
        ("en_instruction", "accepte"),
    ]
    assert changes[1].params.motivation == "OK"


def test_state_change_without_traitement_is_still_reported():
    before = make_dossier(traitements=())
    after = make_dossier(
        traitements=(), state=DossierState.EN_INSTRUCTION, date_derniere_modification=at(4)
    )
    (change,) = diff(before, after)
    assert change.kind is ChangeKind.STATE_CHANGED
    assert change.params.by is None and change.params.to_state == "en_instruction"


def test_new_usager_message():
    before = make_dossier()
    message = Message("m1", USAGER, "Voici le justificatif", at(7))
    after = make_dossier(messages=(message,), date_derniere_modification=at(7))
    (change,) = diff(before, after)
    assert change.kind is ChangeKind.MESSAGE_RECEIVED
    assert change.params.body == "Voici le justificatif"
    assert change.ident == "message:m1" and not change.broadcast


def test_message_from_an_instructeur_is_not_announced():
    before = make_dossier()
    message = Message("m1", INSTRUCTEUR.email, "Merci", at(7))
    after = make_dossier(messages=(message,), date_derniere_modification=at(7))
    changes = diff(before, after)
    assert kinds(changes) == [ChangeKind.UPDATED]
    assert not changes[0].announce


def test_message_author_without_known_usager_email_falls_back_to_staff_list():
    before = make_dossier(usager_email=None)
    messages = (
        Message("m1", INSTRUCTEUR.email, "interne", at(7)),
        Message("m2", "tiers@example.org", "question", at(8)),
    )
    after = make_dossier(usager_email=None, messages=messages, date_derniere_modification=at(8))
    changes = diff(before, after)
    assert [c.params.message_id for c in changes] == ["m2"]


def test_ds_notice_on_a_transition_is_not_an_usager_message_even_without_usager_email():
    # DS writes a notice from its contact address on every instructeur transition; with no
    # usager e-mail to compare with, only its sender tells it from the usager's messages.
    for usager_email in (None, USAGER):
        before = make_dossier(usager_email=usager_email)
        accepted = Traitement(DossierState.ACCEPTE, "accepte", at(7), INSTRUCTEUR.email, None)
        messages = (
            Message("m1", DS_CONTACT_EMAIL, "[Votre dossier nº 1 a été accepté] …", at(7)),
            Message("m2", "Contact@Demarches-Simplifiees.fr", "[Votre dossier nº 1] …", at(7)),
        )
        after = make_dossier(
            usager_email=usager_email,
            state=DossierState.ACCEPTE,
            traitements=(deposit(), accepted),
            messages=messages,
            date_derniere_modification=at(7),
        )
        assert kinds(diff(before, after)) == [ChangeKind.STATE_CHANGED], usager_email


def test_discarded_message_is_not_announced():
    before = make_dossier()
    message = Message("m1", USAGER, "oups", at(7), discarded_at=at(8))
    after = make_dossier(messages=(message,), date_derniere_modification=at(8))
    assert kinds(diff(before, after)) == [ChangeKind.UPDATED]


def test_new_avis_and_its_answer():
    question = Avis("a1", "Votre avis ?", None, at(3), None, INSTRUCTEUR.email, "expert@x.fr")
    before = make_dossier()
    asked = make_dossier(avis=(question,), date_derniere_modification=at(3))
    changes = diff(before, asked)
    assert kinds(changes) == [ChangeKind.AVIS_REQUESTED]
    assert not changes[0].announce  # an instructeur asked it: the news is the answer
    answered = make_dossier(
        avis=(replace(question, reponse="Favorable", date_reponse=at(9)),),
        date_derniere_modification=at(9),
    )
    changes = diff(asked, answered)
    assert kinds(changes) == [ChangeKind.AVIS_GIVEN]
    assert changes[0].params.reponse == "Favorable"


def test_correction_requested():
    before = make_dossier()
    after = make_dossier(
        date_derniere_modification=at(6), date_derniere_correction_en_attente=at(6)
    )
    changes = diff(before, after, date_derniere_correction_en_attente=at(6))
    assert kinds(changes) == [ChangeKind.CORRECTION_REQUESTED]


def _pending_then(after: Dossier):
    pending = make_dossier(
        date_derniere_modification=at(6), date_derniere_correction_en_attente=at(6)
    )
    previous = observe(
        summary_of(pending, date_derniere_correction_en_attente=at(6)), pending, LATER
    )
    return classify(previous, observe(summary_of(after), after, LATER), after)


def test_correction_resolved_when_the_usager_corrects():
    corrected = make_dossier(date_derniere_modification=at(9))
    changes = _pending_then(corrected)
    assert kinds(changes) == [ChangeKind.CORRECTION_RESOLVED]
    assert changes[0].announce and changes[0].at == at(9)


def test_correction_closed_by_passing_en_instruction_is_only_the_state_change():
    passed = make_dossier(
        state=DossierState.EN_INSTRUCTION,
        date_derniere_modification=at(9),
        traitements=(
            deposit(),
            Traitement(DossierState.EN_INSTRUCTION, "passe_en_instruction", at(9), None, None),
        ),
    )
    changes = _pending_then(passed)
    assert ChangeKind.CORRECTION_RESOLVED not in kinds(changes)
    assert ChangeKind.STATE_CHANGED in kinds(changes)


def test_champs_edited():
    before = make_dossier(champs=(Champ("c1", "TextChamp", "Nom", "Dupont"),))
    after = make_dossier(
        champs=(Champ("c1", "TextChamp", "Nom", "Dupond"),), date_derniere_modification=at(15)
    )
    changes = diff(before, after, date_derniere_modification_champs=at(15))
    assert kinds(changes) == [ChangeKind.CHAMPS_EDITED]
    assert changes[0].at == at(15)


def test_champs_edited_in_the_same_second_is_seen_by_its_values():
    before = make_dossier(champs=(Champ("c1", "TextChamp", "Nom", "Dupont"),))
    after = make_dossier(champs=(Champ("c1", "TextChamp", "Nom", "Dupond"),))
    assert kinds(diff(before, after)) == [ChangeKind.CHAMPS_EDITED]


def test_champs_date_without_new_values_is_noise():
    dossier = make_dossier(champs=(Champ("c1", "TextChamp", "Nom", "Dupont"),))
    changes = diff(dossier, dossier, date_derniere_modification_champs=at(15))
    assert kinds(changes) == [ChangeKind.UPDATED]


def test_follow_or_annotation_bump_is_noise():
    before = make_dossier()
    followed = make_dossier(followers=(INSTRUCTEUR,), date_derniere_modification=at(2))
    changes = diff(before, followed)
    assert kinds(changes) == [ChangeKind.UPDATED]
    assert not changes[0].announce
    annotated = make_dossier(date_derniere_modification=at(3))
    changes = diff(before, annotated, date_derniere_modification_annotations=at(3))
    assert kinds(changes) == [ChangeKind.UPDATED] and not changes[0].announce


def test_nothing_changed_gives_nothing():
    dossier = make_dossier()
    assert diff(dossier, dossier) == []


def test_summary_changed_only_when_a_light_field_moved():
    dossier = make_dossier()
    summary = summary_of(dossier)
    snapshot = observe(summary, dossier, LATER)
    assert summary_changed(None, summary)
    assert not summary_changed(snapshot, summary)
    assert summary_changed(snapshot, replace(summary, date_derniere_modification=at(1)))
    assert summary_changed(snapshot, replace(summary, groupe_number=6))
    assert summary_changed(replace(snapshot, status="trash"), summary)


def test_a_dossier_read_in_the_second_of_its_change_is_read_again():
    # DS dates are to the second: a later change in that second has the same summary.
    dossier = make_dossier(date_derniere_modification=at(10))
    summary = summary_of(dossier)
    read_too_soon = observe(summary, dossier, at(10) + timedelta(milliseconds=300))
    assert summary_changed(read_too_soon, summary)
    assert not summary_changed(observe(summary, dossier, at(11)), summary)


def test_snapshot_round_trips_through_json():
    dossier = make_dossier(messages=(Message("m1", USAGER, "x", at(1)),))
    snapshot = replace(
        observe(summary_of(dossier), dossier, LATER), status="trash", status_at=at(3)
    )
    assert Snapshot.from_json(snapshot.to_json()) == snapshot


def deleted(pending: bool, minutes: float = 30) -> DeletedDossier:
    return DeletedDossier(
        "RGVsZXRlZA==", 1, DossierState.EN_CONSTRUCTION, "user_request", at(minutes), pending
    )


def test_moved_to_trash_then_deleted_then_listed_again():
    dossier = make_dossier()
    snapshot = observe(summary_of(dossier), dossier, LATER)
    change, snapshot = classify_deletion(snapshot, deleted(pending=True))
    assert change is not None and change.kind is ChangeKind.TRASHED
    assert isinstance(change.params, Trashed) and change.params.reason == "user_request"
    assert snapshot.status == "trash"
    again, same = classify_deletion(snapshot, deleted(pending=True))
    assert again is None and same == snapshot
    change, snapshot = classify_deletion(snapshot, deleted(pending=False, minutes=40))
    assert change is not None
    assert change.kind is ChangeKind.DELETED and snapshot.status == "deleted"
    late, _ = classify_deletion(snapshot, deleted(pending=True))
    assert late is None


def test_restored_from_trash():
    dossier = make_dossier()
    _, trashed = classify_deletion(
        observe(summary_of(dossier), dossier, LATER), deleted(pending=True)
    )
    back = make_dossier(date_derniere_modification=at(45))
    changes = classify(trashed, observe(summary_of(back), back, LATER), back)
    assert kinds(changes) == [ChangeKind.RESTORED]
    assert changes[0].announce


def test_deletion_of_a_dossier_never_seen_keeps_a_snapshot():
    change, snapshot = classify_deletion(None, deleted(pending=False))
    assert change is not None and change.kind is ChangeKind.DELETED
    assert snapshot.status == "deleted" and snapshot.state is DossierState.EN_CONSTRUCTION


def test_a_dossier_only_seen_in_the_trash_is_compared_with_its_past_once_back():
    # Never read in full by the feed, trashed, then restored: its old messages are not news.
    old = Message("m1", USAGER, "ancien", at(1))
    dossier = make_dossier(messages=(old,), date_derniere_modification=at(50))
    _, trashed = classify_deletion(None, deleted(pending=True))
    before = baseline(trashed, summary_of(dossier), dossier, at(10))
    changes = classify(before, observe(summary_of(dossier), dossier, LATER), dossier)
    assert kinds(changes) == [ChangeKind.RESTORED]


def test_baseline_is_the_snapshot_once_the_dossier_was_read():
    dossier = make_dossier()
    snapshot = observe(summary_of(dossier), dossier, LATER)
    assert baseline(snapshot, summary_of(dossier), dossier, at(10)) is snapshot
    assert baseline(None, summary_of(dossier), dossier, at(10)) == as_of(
        summary_of(dossier), dossier, at(10)
    )
