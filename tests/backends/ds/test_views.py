"""A DS dossier as the port's view types: what the card, the preview and the digest show is
decided here, from the dossier, and the Slack builders only render it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dsbot.backends import registry
from dsbot.backends.ds.models import (
    DS_CONTACT_EMAIL,
    Avis,
    DossierState,
    Label,
)
from dsbot.backends.ds.views import dossier_detail, page_url, states
from dsbot.backends.port import BackendName, ItemLabel, ItemPerson
from dsbot.texts import Texts
from tests.slack.presentation.blocks.factories import (
    DEPOT,
    DS_WEB_BASE,
    INSTRUCTEUR,
    OTHER_INSTRUCTEUR,
    make_dossier,
    make_file,
    make_message,
    make_personne_morale,
    make_personne_physique,
)

FR = Texts("fr")
TERMINE = (DossierState.ACCEPTE, DossierState.REFUSE, DossierState.SANS_SUITE)


def detail(**overrides):
    return dossier_detail(make_dossier(**overrides), FR, DS_WEB_BASE)


def test_the_view_names_the_dossier_its_demarche_state_groupe_and_page():
    view = detail(number=77, state=DossierState.REFUSE, archived=True)
    assert view.backend is BackendName.DS
    assert (view.ref, view.kind, view.title) == ("77", "Subvention vélo", "Dossier n° 77")
    assert (view.state.id, view.state.label, view.state.emoji) == ("refuse", "Refusé", "❌")
    assert view.url == f"{DS_WEB_BASE}/procedures/42/dossiers/77"
    assert view.groupe == "Préfecture du Rhône" and view.archived
    assert view.followers == (ItemPerson(INSTRUCTEUR.id, INSTRUCTEUR.email),)
    assert view.labels == (ItemLabel("TGFiZWwtMQ==", "Urgent", "rouge"),)


def test_the_demandeur_is_one_personal_field_with_a_line_per_fact():
    [person] = detail(demandeur=make_personne_physique(nom=" Martin ", prenom="Léa")).fields
    assert person.personal and person.label == "Demandeur"
    assert person.lines == ("Mme Martin Léa", "sophie.lefevre@example.org")
    [company] = detail(demandeur=make_personne_morale(), usager_email=None).fields
    assert company.lines == ("Boulangerie Dupont SARL", "SIRET 13002526500013")
    [nameless] = detail(demandeur=make_personne_morale(raison_sociale=""), usager_email=None).fields
    assert nameless.lines == ("Raison sociale non renseignée", "SIRET 13002526500013")
    [nobody] = detail(demandeur=None, usager_email=None).fields
    assert nobody.lines == ("Demandeur non renseigné",)


@pytest.mark.parametrize("state", list(DossierState))
def test_dates_are_those_that_hold_in_the_state(state):
    # DS keeps the instruction's and decision's dates when a dossier goes back.
    view = detail(
        state=state,
        date_passage_en_instruction=DEPOT + timedelta(days=1),
        date_traitement=DEPOT + timedelta(days=5),
    )
    labels = [d.label for d in view.dates]
    expected = ["Dépôt"]
    if state is not DossierState.EN_CONSTRUCTION:
        expected.append("Passage en instruction")
    if state in TERMINE:
        expected.append("Décision")
    assert labels == [*expected, "Expiration"]
    briefs = {d.label: d.brief for d in view.dates}
    assert briefs["Dépôt"] == "Déposé {date}" and briefs["Expiration"] == ""
    [expiration] = [d for d in view.dates if d.label == "Expiration"]
    assert not expiration.with_time
    by = {d.label: d.by for d in view.dates}
    assert by.get("Décision") == (INSTRUCTEUR.email if state in TERMINE else None)


def test_notices_keep_a_slot_for_their_date():
    view = detail(date_suppression_par_usager=DEPOT + timedelta(days=9))
    [notice] = view.notices
    assert "{date}" in notice.text and notice.at == DEPOT + timedelta(days=9)
    assert detail().notices == ()


@pytest.mark.parametrize("archived", [False, True])
@pytest.mark.parametrize("state", list(DossierState))
def test_actions_are_the_state_moves_then_archiver_and_repondre(state, archived):
    view = detail(state=state, archived=archived)
    ids = [a.id for a in view.actions]
    moves = {
        DossierState.EN_CONSTRUCTION: ["passer_en_instruction"],
        DossierState.EN_INSTRUCTION: ["accepter", "refuser", "classer_sans_suite"],
    }.get(state, ["repasser_en_instruction"])
    archiver = ["archiver"] if state in TERMINE and not archived else []
    assert ids == [*moves, *archiver, "repondre"]
    assert all(a.target is not None for a in view.actions[: len(moves)])
    assert all(a.target is None for a in view.actions[len(moves) :])
    assert "repasser_en_construction" not in ids


def test_menu_entries_follow_the_state():
    always = ["suivre", "etiquettes", "annotations"]
    assert list(detail(state=DossierState.EN_CONSTRUCTION).menu) == [
        *always,
        "correction",
        "changer_groupe",
    ]
    assert list(detail(state=DossierState.EN_INSTRUCTION).menu) == [
        *always,
        "correction",
        "changer_groupe",
        "repasser_en_construction",
    ]
    assert list(detail(state=DossierState.ACCEPTE).menu) == always
    assert list(detail(state=DossierState.REFUSE, archived=True).menu) == [*always, "desarchiver"]


def test_who_may_delete_a_message_is_who_wrote_one():
    theirs = make_message(id="bWluZQ==", email=OTHER_INSTRUCTEUR.email.upper())
    view = detail(messages=(make_message(), theirs))
    assert view.deletable_by == frozenset({OTHER_INSTRUCTEUR.id})
    assert view.others_messages
    usager_only = detail(messages=(make_message(),))
    assert usager_only.deletable_by == frozenset() and not usager_only.others_messages
    gone = make_message(email=INSTRUCTEUR.email, discarded_at=DEPOT)
    assert detail(messages=(gone,)).deletable_by == frozenset()


def test_the_last_message_is_the_newest_a_person_wrote():
    older = make_message(body="Premier", created_at=DEPOT)
    newer = make_message(
        body="Second", created_at=DEPOT + timedelta(days=3), attachments=(make_file(),)
    )
    notice = make_message(email=DS_CONTACT_EMAIL, created_at=DEPOT + timedelta(days=4))
    view = detail(messages=(newer, older, notice))
    assert view.message_count == 2
    assert view.last_message is not None
    assert (view.last_message.text, view.last_message.at) == ("Second", newer.created_at)
    assert view.last_message.author == newer.email
    assert view.last_message.attachments == ("decision.pdf",)
    assert detail(messages=(notice,)).last_message is None


def test_the_motivation_is_quoted_once_decided():
    file = make_file(filename="motif.pdf")
    decided = detail(state=DossierState.REFUSE, motivation="Hors délai", motivation_attachment=file)
    assert decided.motivation is not None
    assert decided.motivation.text == "Hors délai"
    assert decided.motivation.attachments == ("motif.pdf",)
    assert detail(state=DossierState.EN_INSTRUCTION, motivation="Hors délai").motivation is None
    assert detail(state=DossierState.ACCEPTE, motivation=None).motivation is None


def test_the_registry_exposes_the_views_states_and_page_urls():
    spec = registry.get(BackendName.DS)
    assert spec.detail is dossier_detail and spec.states is states and spec.url is page_url
    assert [s.id for s in states(FR)] == [s.value for s in DossierState]
    assert page_url(DS_WEB_BASE + "/", "42", "7") == f"{DS_WEB_BASE}/procedures/42/dossiers/7"
    labelled = detail(labels=(Label("x", "Bleu", "bleu-france"),))
    assert [lb.name for lb in labelled.labels] == ["Bleu"]


def test_the_card_shows_each_avis_answered_or_pending_for_n_days():
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    asked = now - timedelta(days=12)
    dossier = make_dossier(
        avis=(
            Avis("A1", "Conforme au PLU ?", None, asked, None, "i@gouv.fr", "expert@cerema.fr"),
            Avis("A2", "Avis du SDIS", "Favorable", asked, asked + timedelta(days=2), None, None),
        )
    )
    detail = dossier_detail(dossier, Texts("fr"), "https://ds.example", now=now)
    (field,) = [f for f in detail.fields if f.label == "Avis"]
    assert field.personal  # never in a link preview or a minimal channel card
    assert field.lines == (
        "• Conforme au PLU ? — expert@cerema.fr, demandé le 08/11/2026 · ⏳ en attente depuis"
        " 12 jours",
        "• Avis du SDIS — ?, demandé le 08/11/2026 · répondu le 10/11/2026",
    )
    assert not [
        f
        for f in dossier_detail(make_dossier(), Texts("fr"), "x", now=now).fields
        if f.label == "Avis"
    ]
