"""Why an action was not possible names the state and who put the dossier in it: the facts
come from DS's spec (`reached_by`), the Slack layer only words them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from dsbot.backends.ds.models import Dossier, DossierState, Traitement
from dsbot.services.actions import ActionKind, ActionOutcome, Status
from dsbot.slack import ids
from dsbot.slack.interaction.outcomes import explain
from dsbot.texts import Texts
from tests.slack.presentation.blocks.factories import (
    DEPOT,
    INSTRUCTEUR,
    OTHER_INSTRUCTEUR,
    make_dossier,
)

T = Texts("fr")


def not_allowed(dossier: Dossier) -> str | None:
    outcome = ActionOutcome(Status.NOT_ALLOWED, ActionKind.ACCEPTER, 1234, dossier=dossier)
    return explain(outcome, ids.ACTION_ACCEPTER, T)


def test_a_refused_dossier_names_its_state_and_the_agent_of_the_decision():
    text = not_allowed(make_dossier(state=DossierState.REFUSE))
    assert text is not None
    assert "« refusé »" in text.lower()
    assert f"(par {INSTRUCTEUR.email}, <!date^" in text


def test_the_latest_traitement_into_the_current_state_is_the_one_named():
    dossier = make_dossier(state=DossierState.REFUSE)
    later = Traitement(
        DossierState.REFUSE, None, DEPOT + timedelta(days=9), OTHER_INSTRUCTEUR.email, None
    )
    # Newer, but into another state: not what put the dossier where it is.
    other = Traitement(
        DossierState.ACCEPTE, None, DEPOT + timedelta(days=12), "x@example.org", None
    )
    text = not_allowed(replace(dossier, traitements=(*dossier.traitements, later, other)))
    assert text is not None
    assert f"(par {OTHER_INSTRUCTEUR.email}," in text and INSTRUCTEUR.email not in text
    assert "x@example.org" not in text


def test_no_agent_no_by_and_archived_is_said():
    dossier = make_dossier(state=DossierState.ACCEPTE, archived=True)
    nobody = tuple(replace(tr, email_agent_traitant=None) for tr in dossier.traitements)
    text = not_allowed(replace(dossier, traitements=nobody))
    assert text is not None
    assert "(par " not in text
    assert T("card.archived") in text
