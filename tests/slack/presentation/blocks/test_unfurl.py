"""The dossier link preview: compact, nothing personal, mrkdwn-safe."""

from __future__ import annotations

import json

from dsbot.backends.ds.models import DossierState, Label, PersonnePhysique
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.unfurl import build_unfurl
from dsbot.slack.presentation.views import dossier_detail
from dsbot.texts import Texts
from tests.fakes.slack_rules import check_blocks
from tests.slack.presentation.blocks.factories import (
    DS_WEB_BASE,
    make_dossier,
    make_message,
    with_state,
)

FR = Texts("fr")


def shown(preview: dict) -> str:
    return json.dumps(preview, ensure_ascii=False)


def test_preview_has_number_demarche_state_groupe_dates_labels_and_a_link():
    dossier = make_dossier()
    preview = build_unfurl(dossier_detail(dossier, FR, DS_WEB_BASE), FR)
    assert [b["block_id"] for b in preview["blocks"]] == [
        ids.BLOCK_UNFURL_SUMMARY,
        ids.BLOCK_UNFURL_DATES,
    ]
    text = shown(preview)
    assert "Dossier n° 1234 · Subvention vélo" in text
    assert "En instruction" in text and dossier.groupe_instructeur.label in text
    assert "Urgent" in text
    assert "<!date^" in text
    assert f"<{DS_WEB_BASE}/procedures/42/dossiers/1234|Ouvrir dans DS>" in text
    assert check_blocks(preview["blocks"]) == []


def test_preview_holds_nothing_personal():
    dossier = make_dossier(messages=(make_message(body="Mon IBAN est FR76 3000"),))
    text = shown(build_unfurl(dossier_detail(dossier, FR, DS_WEB_BASE), FR))
    demandeur = dossier.demandeur
    assert isinstance(demandeur, PersonnePhysique)
    for secret in (demandeur.nom, demandeur.prenom, dossier.usager_email, "FR76", "Demandeur"):
        assert secret and secret not in text
    # No e-mail at all: neither the usager's nor the followers'.
    assert "@" not in text


def test_data_from_ds_is_inert_mrkdwn():
    dossier = make_dossier(
        labels=(Label(id="TGFiZWwtMg==", name="<!channel> & co", color="bleu"),),
    )
    text = shown(build_unfurl(dossier_detail(dossier, FR, DS_WEB_BASE), FR))
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; co" in text


def test_decided_dossier_shows_its_decision_date():
    dossier = with_state(make_dossier(), DossierState.ACCEPTE)
    text = shown(build_unfurl(dossier_detail(dossier, FR, DS_WEB_BASE), FR))
    assert "Accepté" in text and "décidé" in text
