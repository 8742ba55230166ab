from __future__ import annotations

from datetime import UTC, datetime

from dsbot.backends.ds.models import DossierState
from dsbot.slack.commands.subcommands import default_table
from dsbot.slack.presentation.blocks.card import REASON_NOT_LINKED, Viewer, build_dossier_card
from dsbot.slack.presentation.blocks.events import EVENT_STATE_CHANGED, build_event_message
from dsbot.slack.presentation.blocks.help import build_help
from dsbot.slack.presentation.render_terminal import display_width, render_message, render_mrkdwn
from dsbot.slack.presentation.views import dossier_detail
from dsbot.texts import Texts
from tests.slack.presentation.blocks.factories import (
    DS_WEB_BASE,
    INSTRUCTEUR,
    make_dossier,
    make_message,
    make_personne_physique,
)

FR = Texts("fr")


def render_card(dossier, viewer=None, **kwargs):
    viewer = viewer or Viewer(instructeur_id=INSTRUCTEUR.id, can_act=True)
    message = build_dossier_card(
        dossier_detail(dossier, FR, DS_WEB_BASE), viewer=viewer, texts=FR, ephemeral=True
    )
    return render_message(message, **kwargs)


def test_card_shows_the_key_facts_and_buttons():
    dossier = make_dossier(
        state=DossierState.EN_INSTRUCTION,
        demandeur=make_personne_physique(nom="Martin & Fils", prenom="<Jean>"),
        messages=(make_message(body="Voici *le* document"),),
    )
    out = render_card(dossier)
    assert "Dossier n° 1234 · Subvention vélo" in out
    assert "🔵 En instruction" in out
    assert "Mme Martin & Fils <Jean>" in out  # entities turned back into characters
    assert "Préfecture du Rhône" in out
    assert "2025-03-04 09:30+00:00" in out  # date token shown through its fallback
    assert "<!date" not in out
    assert "│ Voici le document" in out  # quote drawn, bold markers dropped without color
    for label in ("[ Accepter ]", "[ Refuser ]", "[ Classer sans suite ]", "[ Répondre ]"):
        assert label in out
    assert "[ Voir dans DS ↗ ]" in out
    assert f"{DS_WEB_BASE}/procedures/42/dossiers/1234" in out
    assert "\x1b[" not in out


def test_lines_respect_the_width():
    out = render_card(make_dossier(), width=60)
    for line in out.split("\n"):
        if "https://" not in line:
            assert display_width(line) <= 60, line


def test_narrow_terminal_puts_fields_on_lines():
    out = render_card(make_dossier(), width=30)
    assert "\nÉtat\n🔵 En instruction\n" in out


def test_two_columns_when_wide_enough():
    out = render_card(make_dossier(), width=100)
    first = next(line for line in out.split("\n") if line.startswith("État"))
    assert "Demandeur" in first


def test_viewer_without_rights_sees_the_reason():
    out = render_card(make_dossier(), Viewer(None, False, REASON_NOT_LINKED), width=200)
    assert "/ds moi" in out
    assert "[ Accepter ]" not in out


def test_color_mode_uses_ansi_styles():
    out = render_card(make_dossier(), color=True)
    assert "\x1b[1m" in out  # bold header/field titles
    assert "\x1b[31m[ Refuser ]" in out  # danger in red
    assert "\x1b[32m[ Accepter ]" in out  # primary in green
    assert "\x1b[2m" in out  # dimmed context


def test_event_message_and_plain_dict():
    message = build_event_message(
        EVENT_STATE_CHANGED,
        dossier_number=12,
        texts=FR,
        state="accepte",
        by="U0ABCDEF",
        at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
        url="https://ds.example/procedures/1/dossiers/12",
    )
    out = render_message(message, width=200)
    assert out == (
        "✅ Dossier n° 12 (https://ds.example/procedures/1/dossiers/12) accepté par @U0ABCDEF"
        " · 2025-01-02 03:04+00:00"
    )
    assert "@U0ABCDEF" in out
    assert render_message({"text": "*Bonjour* &lt;x&gt;"}) == "Bonjour <x>"


def test_help_renders_usage_with_angle_brackets():
    out = render_message(
        build_help(FR, table=default_table(), is_admin=False, unknown="zz"), width=1000
    )
    assert out.startswith("Commande inconnue : « zz »")
    assert "`/ds dossier <numéro>`" in out
    assert "(alias : `/ds subscribe`)" in out


def test_render_mrkdwn_tokens():
    assert render_mrkdwn("<https://a.b/c|voir> <https://x.y> <@U1|marie> <#C1|general>") == (
        "voir (https://a.b/c) https://x.y @marie #general"
    )
    assert render_mrkdwn("<!here> <!subteam^S1|@equipe> _italique_ ~barré~") == (
        "@here @equipe italique barré"
    )
    assert render_mrkdwn("prenom_nom@x.fr") == "prenom_nom@x.fr"


def test_unknown_blocks_do_not_crash():
    out = render_message(
        {
            "text": "x",
            "blocks": [
                {"type": "divider"},
                {"type": "image", "image_url": "https://i", "alt_text": "logo"},
                {
                    "type": "rich_text",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "riche"}],
                        }
                    ],
                },
                {"type": "video"},
            ],
        },
        width=20,
    )
    assert out.split("\n") == ["─" * 20, "", "[image: logo]", "", "riche", "", "[video]"]
