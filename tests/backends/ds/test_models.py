"""Model helpers that encode DS facts."""

from datetime import UTC, datetime

from dsbot.backends.ds.models import DossierState, Traitement
from tests.slack.presentation.blocks.factories import make_dossier

SAME_SECOND = datetime(2026, 3, 4, 9, 30, 0, tzinfo=UTC)


def test_last_traitement_breaks_same_second_ties_by_ds_order():
    traitements = (
        Traitement(
            DossierState.EN_INSTRUCTION, "passe_en_instruction", SAME_SECOND, "a@x.fr", None
        ),
        Traitement(DossierState.ACCEPTE, "accepte", SAME_SECOND, "b@x.fr", "ok"),
    )
    dossier = make_dossier(traitements=traitements)
    assert dossier.last_traitement is not None
    assert dossier.last_traitement.state is DossierState.ACCEPTE
    assert dossier.last_traitement.email_agent_traitant == "b@x.fr"


def test_last_traitement_prefers_the_later_date():
    later = SAME_SECOND.replace(minute=31)
    traitements = (
        Traitement(DossierState.ACCEPTE, "accepte", later, "b@x.fr", None),
        Traitement(
            DossierState.EN_INSTRUCTION, "passe_en_instruction", SAME_SECOND, "a@x.fr", None
        ),
    )
    last = make_dossier(traitements=traitements).last_traitement
    assert last is not None and last.email_agent_traitant == "b@x.fr"
