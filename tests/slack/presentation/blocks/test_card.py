from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dsbot.backends.ds.models import DS_CONTACT_EMAIL, DossierState
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.card import (
    ACTED_ACCEPTER,
    ACTED_KEY_BY_ACTION,
    REASON_NOT_IN_GROUPE,
    REASON_NOT_LINKED,
    ActedNote,
    Viewer,
    build_dossier_card,
    legal_actions,
)
from dsbot.slack.presentation.views import dossier_detail
from dsbot.texts import Texts
from tests.slack.presentation.blocks.blockkit import (
    all_text,
    as_dict,
    assert_within_slack_limits,
    block,
    button_ids,
    buttons,
    find_block,
    mrkdwn_texts,
    tokens,
)
from tests.slack.presentation.blocks.factories import (
    DEPOT,
    DS_WEB_BASE,
    INSTRUCTEUR,
    make_dossier,
    make_file,
    make_message,
    make_personne_morale,
    make_personne_physique,
)

FR = Texts("fr")
EN = Texts("en")
CAN_ACT = Viewer(instructeur_id=INSTRUCTEUR.id, can_act=True)
NOT_LINKED = Viewer(instructeur_id=None, can_act=False, reason_key=REASON_NOT_LINKED)

DANGER = {ids.ACTION_REFUSER, ids.ACTION_CLASSER_SANS_SUITE}

EXPECTED_ACTIONS = {
    DossierState.EN_CONSTRUCTION: [ids.ACTION_PASSER_EN_INSTRUCTION, ids.ACTION_REPONDRE],
    DossierState.EN_INSTRUCTION: [
        ids.ACTION_ACCEPTER,
        ids.ACTION_REFUSER,
        ids.ACTION_CLASSER_SANS_SUITE,
        ids.ACTION_REPONDRE,
    ],
    DossierState.ACCEPTE: [
        ids.ACTION_REPASSER_EN_INSTRUCTION,
        ids.ACTION_ARCHIVER,
        ids.ACTION_REPONDRE,
    ],
    DossierState.REFUSE: [
        ids.ACTION_REPASSER_EN_INSTRUCTION,
        ids.ACTION_ARCHIVER,
        ids.ACTION_REPONDRE,
    ],
    DossierState.SANS_SUITE: [
        ids.ACTION_REPASSER_EN_INSTRUCTION,
        ids.ACTION_ARCHIVER,
        ids.ACTION_REPONDRE,
    ],
}

VISIBLE_START = {
    ids.ACTION_PASSER_EN_INSTRUCTION: "Passer en instruction",
    ids.ACTION_ACCEPTER: "Accepter",
    ids.ACTION_REFUSER: "Refuser",
    ids.ACTION_CLASSER_SANS_SUITE: "Classer sans suite",
    ids.ACTION_REPASSER_EN_INSTRUCTION: "Repasser en instruction",
    ids.ACTION_REPONDRE: "Répondre",
    ids.ACTION_ARCHIVER: "Archiver",
    ids.ACTION_VOIR_DANS_DS: "Voir dans DS",
    ids.ACTION_PARTAGER: "Partager dans le canal",
}


def card(dossier=None, *, viewer=CAN_ACT, texts=FR, **kwargs):
    message = build_dossier_card(
        dossier_detail(dossier or make_dossier(), texts, DS_WEB_BASE),
        viewer=viewer,
        texts=texts,
        **kwargs,
    )
    assert_within_slack_limits(message)
    return message


def starts_with_word(text: str, words: str) -> bool:
    """Visible text starts with `words`, an emoji (or other symbols) before them allowed."""
    return re.match(rf"^[^\w]*{re.escape(words)}", text) is not None


def menu_values(message) -> list[tuple[str, int]]:
    """The options of the card's « Plus d'actions… » menu, decoded."""
    return [ids.decode_more(o["value"]) for o in menu(message)["options"]]


def menu(message) -> dict:
    [found] = [
        e
        for b in as_dict(message)["blocks"]
        for e in b.get("elements") or ()
        if e.get("action_id") == ids.ACTION_CARD_MORE
    ]
    return found


@pytest.mark.parametrize("state", list(DossierState))
def test_each_state_offers_exactly_its_legal_buttons(state):
    message = card(make_dossier(state=state))
    expected = [*EXPECTED_ACTIONS[state], ids.ACTION_VOIR_DANS_DS, ids.ACTION_PARTAGER]
    # Five buttons at most: a sixth (Partager) moves into the menu.
    assert button_ids(message) == expected[:5]
    moved = [ids.MORE_PARTAGER] if len(expected) > 5 else []
    assert [o for o, _ in menu_values(message) if o == ids.MORE_PARTAGER] == moved
    assert ids.ACTION_REPASSER_EN_INSTRUCTION not in button_ids(
        card(make_dossier(state=DossierState.EN_INSTRUCTION))
    )


@pytest.mark.parametrize("state", list(DossierState))
def test_button_texts_start_with_the_interface_words_and_carry_the_dossier(state):
    message = card(make_dossier(number=987, state=state))
    for button in buttons(message):
        assert starts_with_word(button["text"]["text"], VISIBLE_START[button["action_id"]])
        assert ids.decode_ref(button["value"]) == 987


def test_archived_termine_dossier_has_no_archiver_button():
    message = card(make_dossier(state=DossierState.ACCEPTE, archived=True))
    assert ids.ACTION_ARCHIVER not in button_ids(message)
    assert ids.ACTION_REPASSER_EN_INSTRUCTION in button_ids(message)
    assert "Archivé" in all_text(message)


def test_legal_actions_never_offer_repasser_en_construction():
    for state in DossierState:
        for archived in (False, True):
            assert "dossier_repasser_en_construction" not in legal_actions(
                dossier_detail(make_dossier(state=state, archived=archived), FR, DS_WEB_BASE)
            )


def test_button_styles():
    styles = {b["action_id"]: b.get("style") for b in buttons(card())}
    assert styles[ids.ACTION_ACCEPTER] == "primary"
    for action_id in DANGER:
        assert styles[action_id] == "danger"
    assert styles[ids.ACTION_REPONDRE] is None


@pytest.mark.parametrize("state", list(DossierState))
def test_no_confirm_dialog_every_action_opens_a_modal(state):
    # A Slack confirm dialog before the confirmation modal would ask the same question twice.
    for button in buttons(card(make_dossier(state=state))):
        assert "confirm" not in button


@pytest.mark.parametrize("state", list(DossierState))
def test_viewer_who_cannot_act_gets_no_action_button_and_the_reason(state):
    message = card(make_dossier(state=state), viewer=NOT_LINKED)
    # Sharing is an act too: only those who may act are offered it.
    assert button_ids(message) == [ids.ACTION_VOIR_DANS_DS]
    reason = block(message, ids.BLOCK_CARD_CANNOT_ACT)
    assert reason is not None
    text = reason["elements"][0]["text"]
    assert "/ds moi" in text
    assert "/ds lier" in text


def test_reason_not_in_groupe_names_the_groupe_escaped():
    dossier = make_dossier()
    dossier = replace(
        dossier, groupe_instructeur=replace(dossier.groupe_instructeur, label="Nord & <Sud>")
    )
    viewer = Viewer(instructeur_id="X", can_act=False, reason_key=REASON_NOT_IN_GROUPE)
    text = block(card(dossier, viewer=viewer), ids.BLOCK_CARD_CANNOT_ACT)["elements"][0]["text"]
    assert "Nord &amp; &lt;Sud&gt;" in text


def test_viewer_who_can_act_sees_no_reason_line():
    assert find_block(card(), ids.BLOCK_CARD_CANNOT_ACT) is None


def test_share_only_when_ephemeral():
    small = make_dossier(state=DossierState.EN_CONSTRUCTION)
    assert ids.ACTION_PARTAGER in button_ids(card(small, ephemeral=True))
    assert ids.ACTION_PARTAGER not in button_ids(card(small, ephemeral=False))
    # En instruction, Partager would be a sixth button: it is in the menu instead.
    big = make_dossier(state=DossierState.EN_INSTRUCTION)
    assert (ids.MORE_PARTAGER, big.number) in menu_values(card(big, ephemeral=True))
    assert ids.MORE_PARTAGER not in [o for o, _ in menu_values(card(big, ephemeral=False))]


# --- the « Plus d'actions… » menu --------------------------------------------------------------

MENU_START = {
    ids.MORE_SUIVRE: ("Suivre", "Ne plus suivre"),
    ids.MORE_ETIQUETTES: ("Étiquettes",),
    ids.MORE_ANNOTATIONS: ("Annotations",),
    ids.MORE_CORRECTION: ("Demander une correction",),
    ids.MORE_CHANGER_GROUPE: ("Changer de groupe",),
    ids.MORE_REPASSER_EN_CONSTRUCTION: ("Repasser en construction",),
    ids.MORE_DESARCHIVER: ("Désarchiver",),
    ids.MORE_SUPPRIMER_MESSAGE: ("Supprimer un message",),
    ids.MORE_PARTAGER: ("Partager dans le canal",),
}
ALWAYS = [ids.MORE_SUIVRE, ids.MORE_ETIQUETTES, ids.MORE_ANNOTATIONS]


@pytest.mark.parametrize("archived", [False, True])
@pytest.mark.parametrize("ephemeral", [False, True])
@pytest.mark.parametrize("state", list(DossierState))
def test_at_most_five_buttons_and_a_valid_menu(state, ephemeral, archived):
    message = card(make_dossier(state=state, archived=archived), ephemeral=ephemeral)
    assert len(buttons(message)) <= 5
    select = menu(message)
    # A static select: an overflow menu would be capped at 5 options.
    assert select["type"] == "static_select"
    assert select["placeholder"]["text"] == "Plus d’actions…"
    for option in select["options"]:
        name, number = ids.decode_more(option["value"])
        assert number == 4242 or number > 0
        assert any(starts_with_word(option["text"]["text"], w) for w in MENU_START[name])


def test_menu_options_follow_the_state():
    mine = (make_message(), make_message(id="Q29tbWVudGFpcmUtMg==", email=INSTRUCTEUR.email))

    def options(state, archived=False, **kw):
        dossier = make_dossier(state=state, archived=archived, **{"messages": mine, **kw})
        return [o for o, _ in menu_values(card(dossier, ephemeral=False))]

    assert options(DossierState.EN_CONSTRUCTION) == [
        *ALWAYS,
        ids.MORE_CORRECTION,
        ids.MORE_CHANGER_GROUPE,
        ids.MORE_SUPPRIMER_MESSAGE,
    ]
    assert options(DossierState.EN_INSTRUCTION) == [
        *ALWAYS,
        ids.MORE_CORRECTION,
        ids.MORE_CHANGER_GROUPE,
        ids.MORE_REPASSER_EN_CONSTRUCTION,
        ids.MORE_SUPPRIMER_MESSAGE,
    ]
    assert options(DossierState.ACCEPTE) == [*ALWAYS, ids.MORE_SUPPRIMER_MESSAGE]
    assert options(DossierState.REFUSE, archived=True) == [
        *ALWAYS,
        ids.MORE_DESARCHIVER,
        ids.MORE_SUPPRIMER_MESSAGE,
    ]
    # None of the viewer's messages (only the usager's): nothing to delete.
    assert ids.MORE_SUPPRIMER_MESSAGE not in options(
        DossierState.ACCEPTE, messages=(make_message(),)
    )


def test_menu_says_suivre_or_ne_plus_suivre_for_the_viewer():
    followed = make_dossier(followers=(INSTRUCTEUR,))
    texts = {o["value"]: o["text"]["text"] for o in menu(card(followed))["options"]}
    assert texts[ids.encode_more(ids.MORE_SUIVRE, followed.number)].startswith("Ne plus suivre")
    free = make_dossier(followers=())
    texts = {o["value"]: o["text"]["text"] for o in menu(card(free))["options"]}
    assert texts[ids.encode_more(ids.MORE_SUIVRE, free.number)].startswith("Suivre")


def test_no_menu_for_a_viewer_who_cannot_act():
    message = card(viewer=NOT_LINKED)
    assert not [
        e
        for b in as_dict(message)["blocks"]
        for e in b.get("elements") or ()
        if e.get("action_id") == ids.ACTION_CARD_MORE
    ]


def test_voir_dans_ds_links_to_the_instructeur_page():
    dossier = make_dossier(number=5678)
    message = build_dossier_card(
        dossier_detail(dossier, FR, "https://www.demarches-simplifiees.fr/"),
        viewer=CAN_ACT,
        texts=FR,
    )
    link = next(b for b in buttons(message) if b["action_id"] == ids.ACTION_VOIR_DANS_DS)
    assert link["url"] == "https://www.demarches-simplifiees.fr/procedures/42/dossiers/5678"


def test_header_state_and_groupe():
    message = card(make_dossier(number=4321, state=DossierState.SANS_SUITE))
    header = block(message, ids.BLOCK_CARD_HEADER)["text"]["text"]
    assert "4321" in header
    assert "Subvention vélo" in header
    facts = " ".join(f["text"] for f in block(message, ids.BLOCK_CARD_FACTS)["fields"])
    assert "⚪ Classé sans suite" in facts
    assert "Préfecture du Rhône" in facts
    assert INSTRUCTEUR.email in facts
    assert "Urgent" in facts


def test_each_state_has_its_own_emoji():
    emojis = set()
    for state in DossierState:
        facts = block(card(make_dossier(state=state)), ids.BLOCK_CARD_FACTS)["fields"][0]["text"]
        emojis.add(facts.split("\n")[1].split(" ")[0])
    assert len(emojis) == len(DossierState)


def test_personne_physique_with_civilite():
    message = card(make_dossier(demandeur=make_personne_physique(civilite="M", nom="Bernard")))
    assert "M. Bernard Sophie" in all_text(message)


def test_personne_morale_shows_raison_sociale_and_siret():
    message = card(make_dossier(demandeur=make_personne_morale()))
    text = all_text(message)
    assert "Boulangerie Dupont SARL" in text
    assert "13002526500013" in text


def test_personne_morale_without_raison_sociale():
    message = card(make_dossier(demandeur=make_personne_morale(raison_sociale=None)))
    assert "Raison sociale non renseignée" in all_text(message)
    assert "13002526500013" in all_text(message)


@pytest.mark.parametrize(
    "demandeur",
    [None, make_personne_physique(nom="", prenom=" ", civilite=None)],
    ids=["none", "blank"],
)
def test_empty_demandeur_says_so(demandeur):
    message = card(make_dossier(demandeur=demandeur, usager_email=None))
    assert "Demandeur non renseigné" in all_text(message)


def test_dates_are_slack_date_tokens_with_iso_fallback():
    message = card(make_dossier(state=DossierState.ACCEPTE))
    dates = " ".join(f["text"] for f in block(message, ids.BLOCK_CARD_DATES)["fields"])
    depot = int(DEPOT.timestamp())
    assert f"<!date^{depot}^{{date_short_pretty}} {{time}}|2025-03-04 09:30+00:00>" in dates
    found = re.findall(r"<!date\^(\d+)\^[^|>]+\|([^>]+)>", dates)
    # dépôt, passage en instruction, traitement, expiration
    assert len(found) == 4
    for unix, fallback in found:
        assert datetime.fromisoformat(fallback).timestamp() // 60 == int(unix) // 60 or (
            len(fallback) == 10  # the expiration shows a date only
        )


def test_dates_after_going_back_show_only_what_is_running():
    # DS keeps datePassageEnInstruction and dateTraitement when a dossier goes back, and has
    # no dateExpiration en instruction.
    instruite = DEPOT + timedelta(days=2)
    decidee = DEPOT + timedelta(days=5)
    back = make_dossier(
        state=DossierState.EN_CONSTRUCTION,
        date_passage_en_instruction=instruite,
        date_traitement=decidee,
    )
    dates = " ".join(f["text"] for f in block(card(back), ids.BLOCK_CARD_DATES)["fields"])
    assert "Passage en instruction" not in dates and "Décision" not in dates
    reopened = make_dossier(
        state=DossierState.EN_INSTRUCTION,
        date_passage_en_instruction=DEPOT + timedelta(days=6),
        date_traitement=decidee,
        date_expiration=None,
    )
    dates = " ".join(f["text"] for f in block(card(reopened), ids.BLOCK_CARD_DATES)["fields"])
    assert f"<!date^{int((DEPOT + timedelta(days=6)).timestamp())}^" in dates
    assert f"<!date^{int(decidee.timestamp())}^" not in dates
    assert "Décision" not in dates and "Expiration" not in dates


def test_ds_notices_are_left_out_of_the_messagerie_summary():
    said = make_message(id="m1", body="Voici le RIB.", created_at=DEPOT)
    notice = make_message(
        id="m2",
        email=DS_CONTACT_EMAIL,
        body="[Votre dossier nº 1234 est en cours d’instruction] …",
        created_at=DEPOT + timedelta(days=1),
    )
    message = card(make_dossier(messages=(said, notice)))
    facts = " ".join(f["text"] for f in block(message, ids.BLOCK_CARD_FACTS)["fields"])
    assert "1 message" in facts
    section = block(message, ids.BLOCK_CARD_LAST_MESSAGE)["text"]["text"]
    assert "Voici le RIB." in section
    assert DS_CONTACT_EMAIL not in all_text(message)


def test_naive_datetimes_are_taken_as_utc():
    naive = datetime(2025, 1, 2, 3, 4)
    message = card(make_dossier(date_depot=naive))
    unix = int(naive.replace(tzinfo=UTC).timestamp())
    assert f"<!date^{unix}^" in all_text(message)


def test_messages_count_and_last_visible_message():
    old = make_message(id="m1", body="Premier message", created_at=DEPOT)
    last = make_message(
        id="m2",
        email="agent@interieur.gouv.fr",
        body="Merci de compléter la pièce 3",
        created_at=DEPOT + timedelta(days=3),
        attachments=(make_file(filename="courrier.pdf"),),
    )
    discarded = make_message(
        id="m3",
        body="Message supprimé",
        created_at=DEPOT + timedelta(days=4),
        discarded_at=DEPOT + timedelta(days=5),
    )
    message = card(make_dossier(messages=(old, last, discarded)))
    facts = " ".join(f["text"] for f in block(message, ids.BLOCK_CARD_FACTS)["fields"])
    assert "2 messages" in facts
    section = block(message, ids.BLOCK_CARD_LAST_MESSAGE)["text"]["text"]
    assert "agent@interieur.gouv.fr" in section
    assert "Merci de compléter la pièce 3" in section
    assert f"<!date^{int(last.created_at.timestamp())}^" in section
    assert "1 pièce jointe" in section
    assert "Message supprimé" not in all_text(message)


def test_no_messages():
    message = card(make_dossier(messages=()))
    assert find_block(message, ids.BLOCK_CARD_LAST_MESSAGE) is None
    assert "Aucun message" in all_text(message)


def test_motivation_shown_when_decided_only():
    decided = card(make_dossier(state=DossierState.REFUSE, motivation="Pièce manquante"))
    assert "Pièce manquante" in block(decided, ids.BLOCK_CARD_MOTIVATION)["text"]["text"]
    reopened = card(make_dossier(state=DossierState.EN_INSTRUCTION, motivation="Ancienne"))
    assert find_block(reopened, ids.BLOCK_CARD_MOTIVATION) is None


def test_motivation_attachment_is_named():
    message = card(
        make_dossier(
            state=DossierState.ACCEPTE,
            motivation="OK",
            motivation_attachment=make_file(filename="arrêté.pdf"),
        )
    )
    assert "arrêté.pdf" in block(message, ids.BLOCK_CARD_MOTIVATION)["text"]["text"]


def test_very_long_motivation_and_message_body_stay_within_limits():
    long_text = ("Considérant les pièces fournies & les textes <en vigueur>, " * 200)[:10_000]
    many_lines = "\n".join(f"ligne {i} <x>" for i in range(5000))
    message = card(
        make_dossier(
            state=DossierState.REFUSE,
            motivation=long_text,
            messages=(make_message(body=many_lines),),
            labels=tuple(
                replace(make_dossier().labels[0], id=str(i), name="L" * 300) for i in range(50)
            ),
        )
    )
    motivation = block(message, ids.BLOCK_CARD_MOTIVATION)["text"]["text"]
    assert motivation.endswith("…")
    assert "Considérant les pièces fournies &amp; les textes &lt;en vigueur&gt;" in motivation
    assert block(message, ids.BLOCK_CARD_LAST_MESSAGE)["text"]["text"].endswith("…")
    # Cutting never leaves half an entity behind.
    for text in mrkdwn_texts(message):
        assert re.search(r"&(?!amp;|lt;|gt;)", text) is None


def test_long_titles_and_names_are_cut_to_the_header_and_field_limits():
    dossier = make_dossier(
        demarche=replace(make_dossier().demarche, title="Très longue démarche " * 30),
        demandeur=make_personne_morale(raison_sociale="&" * 5000),
        usager_email="u" * 3000 + "@example.org",
    )
    message = card(dossier)
    header = block(message, ids.BLOCK_CARD_HEADER)["text"]["text"]
    assert header.endswith("…")
    assert len(header) <= 150


@pytest.mark.parametrize(
    "payload",
    ["<!channel>", "<https://evil.example|click>", "<@U0123ABC>", "<!subteam^S1|@team> & co"],
)
def test_mrkdwn_injection_is_inert(payload):
    dossier = make_dossier(
        demarche=replace(make_dossier().demarche, title=f"Démarche {payload}"),
        demandeur=make_personne_physique(nom=payload, prenom=payload),
        usager_email=f"{payload}@example.org",
        messages=(make_message(email=payload, body=f"Bonjour {payload}"),),
        state=DossierState.REFUSE,
        motivation=payload,
        labels=(replace(make_dossier().labels[0], name=payload),),
        followers=(replace(INSTRUCTEUR, email=payload),),
    )
    for message in (card(dossier), card(dossier, viewer=NOT_LINKED)):
        for token in tokens(message):
            # The only tokens left are ours: date tokens.
            assert token.startswith("!date^"), token
        assert "&lt;" in all_text(message)
        assert "&amp;" in " ".join(mrkdwn_texts(message)) or "&" not in payload


def test_personne_morale_injection_is_inert():
    dossier = make_dossier(
        demandeur=make_personne_morale(raison_sociale="<!here> SARL", siret="<!channel>")
    )
    message = card(dossier)
    assert all(t.startswith("!date^") for t in tokens(message))
    assert "&lt;!here&gt; SARL" in all_text(message)


def test_data_sections_are_verbatim_so_slack_does_not_autolink():
    message = card(make_dossier(demandeur=make_personne_physique(nom="@channel #general")))
    facts = block(message, ids.BLOCK_CARD_FACTS)
    assert all(f.get("verbatim") is True for f in facts["fields"])


def test_fallback_text_is_set_and_escaped():
    dossier = make_dossier(demarche=replace(make_dossier().demarche, title="A <!channel>"))
    message = card(dossier)
    assert "1234" in message.text
    assert "En instruction" in message.text
    assert "<!channel>" not in message.text
    assert "&lt;!channel&gt;" in message.text


def test_acted_note_mentions_the_slack_user_and_the_date():
    at = datetime(2025, 4, 1, 10, 0, tzinfo=UTC)
    message = card(
        make_dossier(state=DossierState.ACCEPTE),
        acted=ActedNote(who="U012AB3CD", action_key=ACTED_ACCEPTER, at=at),
    )
    text = block(message, ids.BLOCK_CARD_ACTED)["elements"][0]["text"]
    assert text.startswith("✅ Accepté par <@U012AB3CD>")
    assert f"<!date^{int(at.timestamp())}^" in text


def test_acted_note_with_an_email_is_not_a_mention():
    message = card(
        acted=ActedNote(who="<!channel>@x.fr", action_key=ACTED_ACCEPTER, at=DEPOT),
    )
    text = block(message, ids.BLOCK_CARD_ACTED)["elements"][0]["text"]
    assert "&lt;!channel&gt;@x.fr" in text


def test_every_action_has_an_acted_text_in_both_languages():
    at = DEPOT
    for action_id, key in ACTED_KEY_BY_ACTION.items():
        for texts in (FR, EN):
            note = ActedNote(who="U1ABC", action_key=key, at=at)
            text = block(card(acted=note, texts=texts), ids.BLOCK_CARD_ACTED)["elements"][0]
            assert "<@U1ABC>" in text["text"], action_id


def test_notices_for_pending_correction_and_deletion():
    message = card(
        make_dossier(
            date_derniere_correction_en_attente=DEPOT,
            date_suppression_par_usager=DEPOT + timedelta(days=1),
        )
    )
    notices = " ".join(e["text"] for e in block(message, ids.BLOCK_CARD_NOTICES)["elements"])
    assert "Correction demandée" in notices
    assert "supprimé par l’usager" in notices


def test_english_catalog_renders_english():
    message = card(make_dossier(state=DossierState.EN_INSTRUCTION), texts=EN)
    text = all_text(message)
    assert "Under review" in text
    assert "Applicant" in text
    assert "En instruction" not in text
    # The button words are the interface's, whatever the language.
    for button in buttons(message):
        assert starts_with_word(button["text"]["text"], VISIBLE_START[button["action_id"]])


def test_every_block_is_serializable_json():
    message = card(make_dossier(state=DossierState.ACCEPTE, motivation="x"))
    assert json.loads(json.dumps(message.blocks)) == message.blocks
    assert message.as_kwargs() == {"text": message.text, "blocks": message.blocks}


def test_acted_note_accepts_the_button_action_id():
    note = ActedNote(who="U1ABC", action_key=ids.ACTION_REFUSER, at=DEPOT)
    text = block(card(acted=note), ids.BLOCK_CARD_ACTED)["elements"][0]["text"]
    assert text.startswith("❌ Refusé par <@U1ABC>")
