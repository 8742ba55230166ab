"""Invisible and control characters never reach Slack from a usager's text: the one pure
function, checked against Unicode itself, and a card built from a dossier full of them."""

from __future__ import annotations

import json
import unicodedata

from dsbot.slack.presentation.blocks.card import Viewer, build_dossier_card
from dsbot.slack.presentation.views import dossier_detail
from dsbot.slack.presentation.visible import visible
from dsbot.texts import get_texts
from tests.slack.presentation.blocks.factories import make_dossier, make_message

RLO, ZWSP, ZWJ, BOM, LRI = "\u202e", "\u200b", "\u200d", "\ufeff", "\u2066"
TRAPS = f"{RLO}{ZWSP}{ZWJ}{BOM}{LRI}\u200e\x00\x07\x1b\x7f\x85\x9b\u00ad\U000e0041"


def test_every_control_and_format_character_goes_but_newline_and_tab() -> None:
    # Planes 0, 1 and 14 hold every Cc and Cf code point (the others have none assigned).
    codes = [*range(0x20000), *range(0xE0000, 0xE1000)]
    unseen = [
        chr(c)
        for c in codes
        if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs") and chr(c) not in "\n\t"
    ]
    assert len(unseen) > 250
    # Line breaks (CR, NEL) become newlines; everything else is gone.
    assert set(visible("".join(unseen))) <= {"\n"}


def test_what_is_seen_is_kept() -> None:
    text = "Équipe « Vélo » : 3 < 5 & 7 > 2\n\tsuite — 中文 العربية 👩🏽 🇫🇷 e\u0301"
    assert visible(text) == text
    assert visible("ligne\r\nsuite\rfin\u2028là") == "ligne\nsuite\nfin\nlà"
    assert visible(f"facture{RLO}fdp.exe") == "facturefdp.exe"


def test_a_card_of_a_dossier_full_of_traps_shows_none_of_them() -> None:
    t = get_texts("fr")
    dossier = make_dossier(
        usager_email=f"so{ZWSP}phie@example.org",
        messages=(make_message(body=f"Bonjour{TRAPS}, voici{RLO}fdp.exe la pièce"),),
        motivation=f"Dossier{TRAPS} complet",
    )
    card = build_dossier_card(
        dossier_detail(dossier, t, "https://ds.example"),
        viewer=Viewer(instructeur_id="X", can_act=True, reason_key=None),
        texts=t,
        ephemeral=True,
    )
    shown = json.loads(json.dumps([card.text, card.blocks], default=lambda b: b.to_dict()))
    dumped = json.dumps(shown, ensure_ascii=False)
    assert "sophie@example.org" in dumped and "voicifdp.exe" in dumped
    assert not any(char in dumped for char in TRAPS)
