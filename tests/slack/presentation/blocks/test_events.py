from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from dsbot.backends.ds.models import DossierState
from dsbot.notifications.model import (
    AvisGiven,
    AvisRequested,
    ChampsEdited,
    ChangeKind,
    ChangeParams,
    CorrectionRequested,
    CorrectionResolved,
    Deleted,
    Deposited,
    ItemStateChanged,
    MessageReceived,
    Restored,
    StateChanged,
    Trashed,
    Updated,
)
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.events import (
    EVENT_AVIS,
    EVENT_CHAMPS,
    EVENT_CORRECTION,
    EVENT_CORRECTION_RESOLVED,
    EVENT_DELETED,
    EVENT_DEPOSE,
    EVENT_KEYS,
    EVENT_MESSAGE,
    EVENT_RESTORED,
    EVENT_STATE_CHANGED,
    EVENT_TRASH,
    build_burst_summary,
    build_change_message,
    build_event_message,
)
from dsbot.texts import Texts
from tests.slack.presentation.blocks.blockkit import (
    all_text,
    assert_within_slack_limits,
    block,
    find_block,
    tokens,
)
from tests.slack.presentation.blocks.factories import make_summary

FR = Texts("fr")
EN = Texts("en")
AT = datetime(2025, 5, 6, 14, 0, tzinfo=UTC)
AT_TOKEN = f"<!date^{int(AT.timestamp())}^"

EXPECTED_FR = {
    EVENT_DEPOSE: "Nouveau dossier n° 77 déposé",
    EVENT_MESSAGE: "Nouveau message de usager@example.org sur le dossier n° 77",
    EVENT_AVIS: "Nouvel avis rendu sur le dossier n° 77",
    EVENT_CORRECTION: "Correction demandée à l’usager sur le dossier n° 77",
    EVENT_CORRECTION_RESOLVED: "Correction apportée par l’usager au dossier n° 77",
    EVENT_CHAMPS: "Dossier n° 77 modifié par l’usager",
    EVENT_TRASH: "Dossier n° 77 placé dans la corbeille",
    EVENT_DELETED: "Dossier n° 77 supprimé définitivement",
    EVENT_RESTORED: "Dossier n° 77 restauré",
}


def event(key, texts=FR, **params):
    if key == EVENT_MESSAGE:
        params.setdefault("author", "usager@example.org")
    message = build_event_message(key, dossier_number=77, texts=texts, **params)
    assert_within_slack_limits(message)
    return message


def line(message) -> str:
    return block(message, ids.BLOCK_EVENT)["text"]["text"]


@pytest.mark.parametrize("key", sorted(EXPECTED_FR))
def test_each_event_has_its_sentence_and_date(key):
    message = event(key, at=AT)
    assert EXPECTED_FR[key] in line(message)
    assert AT_TOKEN in line(message)
    assert message.text


def test_every_event_key_is_covered():
    assert set(EVENT_KEYS) == {*EXPECTED_FR, EVENT_STATE_CHANGED}


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (DossierState.EN_CONSTRUCTION, "repassé en construction"),
        (DossierState.EN_INSTRUCTION, "passé en instruction"),
        (DossierState.ACCEPTE, "accepté"),
        (DossierState.REFUSE, "refusé"),
        (DossierState.SANS_SUITE, "classé sans suite"),
    ],
)
def test_state_change_says_the_new_state_who_and_when(state, words):
    message = event(EVENT_STATE_CHANGED, state=state, by="U0ABCDEF", at=AT)
    text = line(message)
    assert f"Dossier n° 77 {words} par <@U0ABCDEF>" in text
    assert AT_TOKEN in text


def test_state_change_by_an_email_from_ds_web_interface():
    text = line(event(EVENT_STATE_CHANGED, state="refuse", by="agent@interieur.gouv.fr"))
    assert "refusé par agent@interieur.gouv.fr" in text
    assert "<@" not in text


def test_new_message_with_escaped_excerpt():
    body = "Bonjour <!channel>, voici <https://evil|le lien> & merci\n" + "suite " * 500
    message = event(EVENT_MESSAGE, author="<!here>@x.fr", body=body, at=AT)
    excerpt = block(message, ids.BLOCK_EVENT_EXCERPT)["elements"][0]["text"]
    assert excerpt.startswith(
        "> Bonjour &lt;!channel&gt;, voici &lt;https://evil|le lien&gt; &amp;"
    )
    assert excerpt.endswith("…")
    assert len(excerpt) <= 520
    assert all(t.startswith("!date^") for t in tokens(message))
    assert "&lt;!here&gt;@x.fr" in line(message)
    assert "Bonjour" in message.text


def test_url_makes_the_number_a_link():
    url = "https://demarche.numerique.gouv.fr/procedures/42/dossiers/77"
    text = line(event(EVENT_DEPOSE, url=url))
    assert f"n° <{url}|77>" in text


def test_trash_reason_is_translated():
    assert "(à la demande de l’usager)" in line(event(EVENT_TRASH, reason="user_request"))
    assert "(requested by the applicant)" in line(event(EVENT_TRASH, EN, reason="user_request"))
    assert "(&lt;x&gt;)" in line(event(EVENT_TRASH, reason="<x>"))


def test_avis_and_correction_carry_an_excerpt():
    avis = event(EVENT_AVIS, by="expert@example.org", body="Avis favorable")
    assert "par expert@example.org" in line(avis)
    assert "Avis favorable" in block(avis, ids.BLOCK_EVENT_EXCERPT)["elements"][0]["text"]
    correction = event(EVENT_CORRECTION, body="Merci de joindre le RIB")
    assert "RIB" in all_text(correction)


def test_no_excerpt_block_without_body():
    assert find_block(event(EVENT_CHAMPS), ids.BLOCK_EVENT_EXCERPT) is None
    assert find_block(event(EVENT_AVIS, body="  \n "), ids.BLOCK_EVENT_EXCERPT) is None


def test_wrong_params_fail_loudly():
    with pytest.raises(ValueError):
        build_event_message("nope", dossier_number=1, texts=FR)
    with pytest.raises(TypeError):
        build_event_message(EVENT_STATE_CHANGED, dossier_number=1, texts=FR)
    with pytest.raises(TypeError):
        build_event_message(EVENT_DEPOSE, dossier_number=1, texts=FR, statee="accepte")


def test_english_events():
    text = line(event(EVENT_STATE_CHANGED, EN, state="accepte", by="U0ABCDEF"))
    assert text == "✅ Dossier #77 accepted by <@U0ABCDEF>"


def test_burst_summary_counts_per_state_and_first_numbers():
    dossiers = [make_summary(number=100 + i, state=DossierState.EN_CONSTRUCTION) for i in range(25)]
    dossiers += [make_summary(number=200 + i, state=DossierState.ACCEPTE) for i in range(5)]
    message = build_burst_summary("Subvention <vélo>", dossiers, FR, limit=20)
    assert_within_slack_limits(message)
    summary = block(message, ids.BLOCK_BURST_SUMMARY)["text"]["text"]
    assert "Subvention &lt;vélo&gt;" in summary
    assert "30" in summary
    assert "🟡 En construction : 25" in summary
    assert "✅ Accepté : 5" in summary
    assert "Refusé" not in summary
    numbers = block(message, ids.BLOCK_BURST_NUMBERS)["elements"][0]["text"]
    assert numbers.startswith("Dossiers : 100, 101,")
    assert "119" in numbers and "120" not in numbers
    assert "et 10 autres" in numbers
    assert "30" in message.text


def test_burst_summary_without_overflow_and_deduplicated():
    dossiers = [make_summary(number=5), make_summary(number=3), make_summary(number=5)]
    message = build_burst_summary("D", dossiers, EN)
    numbers = block(message, ids.BLOCK_BURST_NUMBERS)["elements"][0]["text"]
    assert numbers == "Dossiers: 5, 3"


# --- from typed outbox payloads ------------------------------------------------------------

AT_CHANGE = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CHANGES: dict[ChangeKind, ChangeParams] = {
    ChangeKind.DEPOSITED: Deposited(at=AT_CHANGE),
    ChangeKind.STATE_CHANGED: StateChanged(to_state="accepte", by="a@x.fr", at=AT_CHANGE),
    ChangeKind.MESSAGE_RECEIVED: MessageReceived(email="u@x.fr", body="Voici", at=AT_CHANGE),
    ChangeKind.AVIS_REQUESTED: AvisRequested(question="Conforme ?", expert="e@x.fr"),
    ChangeKind.AVIS_GIVEN: AvisGiven(reponse="Favorable", expert="e@x.fr", at=AT_CHANGE),
    ChangeKind.CORRECTION_REQUESTED: CorrectionRequested(at=AT_CHANGE),
    ChangeKind.CORRECTION_RESOLVED: CorrectionResolved(at=AT_CHANGE),
    ChangeKind.CHAMPS_EDITED: ChampsEdited(at=AT_CHANGE),
    ChangeKind.TRASHED: Trashed(reason="user_request", state="accepte"),
    ChangeKind.DELETED: Deleted(reason="expired", state="accepte"),
    ChangeKind.RESTORED: Restored(at=AT_CHANGE),
    ChangeKind.ITEM_STATE_CHANGED: ItemStateChanged(
        title="Demande n° 7",
        from_state="e_sub_transmis",
        from_label="Transmis",
        to_state="e_sub_instruit",
        to_label="Instruit",
        to_color="#FFE7A8",
        by="Claire Martin",
        comment="Complet <b>",
        at=AT_CHANGE,
    ),
}


@pytest.mark.parametrize("kind", [k for k in ChangeKind if k is not ChangeKind.UPDATED])
def test_every_announced_change_kind_has_its_thread_reply(kind):
    message = build_change_message(
        CHANGES[kind], dossier_number=7, texts=Texts("fr"), mention=lambda e: "U0LINKED"
    )
    assert_within_slack_limits(message)
    assert "7" in message.text


# Each dossier change's event key and the facts it passes on (`mention` gives "<@U…>" ids).
_EXPECTED_EVENTS: dict[ChangeKind, tuple[str, dict[str, object]]] = {
    ChangeKind.DEPOSITED: (EVENT_DEPOSE, {"at": AT_CHANGE}),
    ChangeKind.STATE_CHANGED: (
        EVENT_STATE_CHANGED,
        {"at": AT_CHANGE, "state": "accepte", "by": "U:a@x.fr"},
    ),
    ChangeKind.MESSAGE_RECEIVED: (
        EVENT_MESSAGE,
        {"at": AT_CHANGE, "author": "u@x.fr", "body": "Voici"},
    ),
    ChangeKind.AVIS_REQUESTED: (EVENT_AVIS, {"body": "Conforme ?", "by": "U:e@x.fr"}),
    ChangeKind.AVIS_GIVEN: (EVENT_AVIS, {"at": AT_CHANGE, "body": "Favorable", "by": "U:e@x.fr"}),
    ChangeKind.CORRECTION_REQUESTED: (EVENT_CORRECTION, {"at": AT_CHANGE}),
    ChangeKind.CORRECTION_RESOLVED: (EVENT_CORRECTION_RESOLVED, {"at": AT_CHANGE}),
    ChangeKind.CHAMPS_EDITED: (EVENT_CHAMPS, {"at": AT_CHANGE}),
    ChangeKind.TRASHED: (EVENT_TRASH, {"reason": "user_request"}),
    ChangeKind.DELETED: (EVENT_DELETED, {}),
    ChangeKind.RESTORED: (EVENT_RESTORED, {"at": AT_CHANGE}),
}


@pytest.mark.parametrize("kind", list(_EXPECTED_EVENTS))
def test_each_change_kind_is_told_by_its_own_event_with_its_facts(kind):
    texts = Texts("fr")
    url = "https://ds.example/dossiers/7"
    key, params = _EXPECTED_EVENTS[kind]
    message = build_change_message(
        CHANGES[kind], dossier_number=7, texts=texts, url=url, mention=lambda e: f"U:{e}"
    )
    expected = build_event_message(key, dossier_number=7, texts=texts, url=url, **params)
    assert message.text == expected.text
    assert message.blocks == expected.blocks


def test_a_change_without_its_optional_facts_leaves_them_out():
    texts = Texts("fr")
    bare: dict[ChangeParams, tuple[str, dict[str, object]]] = {
        StateChanged(to_state="accepte"): (EVENT_STATE_CHANGED, {"state": "accepte"}),
        AvisGiven(): (EVENT_AVIS, {}),
        AvisRequested(): (EVENT_AVIS, {}),
        Trashed(): (EVENT_TRASH, {}),
    }
    for change, (key, params) in bare.items():
        message = build_change_message(change, dossier_number=7, texts=texts)
        expected = build_event_message(key, dossier_number=7, texts=texts, **params)
        assert message.text == expected.text


def test_a_change_renders_its_facts():
    texts = Texts("fr")
    state = build_change_message(
        CHANGES[ChangeKind.STATE_CHANGED],
        dossier_number=7,
        texts=texts,
        url="https://ds.example/dossiers/7",
        mention=lambda email: "U0LINKED" if email == "a@x.fr" else email,
    )
    assert "<@U0LINKED>" in state.text and "|7>" in state.text
    message = build_change_message(
        CHANGES[ChangeKind.MESSAGE_RECEIVED], dossier_number=7, texts=texts
    )
    assert "u@x.fr" in message.text and "Voici" in message.text
    anonymous = build_change_message(MessageReceived(), dossier_number=7, texts=texts)
    assert texts("notify.usager") in anonymous.text


def test_a_card_refresh_is_no_thread_reply():
    with pytest.raises(ValueError, match="updated"):
        build_change_message(Updated(), dossier_number=7, texts=Texts("fr"))


def test_a_document_state_change_says_from_where_to_where_by_whom_and_why():
    texts = Texts("fr")
    change = CHANGES[ChangeKind.ITEM_STATE_CHANGED]
    assert isinstance(change, ItemStateChanged)
    message = build_change_message(change, dossier_number=-7, texts=texts)
    assert message.text == (
        "🟡 *Demande n° 7* est passé de *Transmis* à *Instruit* par Claire Martin"
    )
    shown = str(message.blocks)
    assert "> Complet &lt;b&gt;" in shown  # the comment, quoted and inert
    first = dataclasses.replace(
        change, from_state=None, from_label=None, to_color=None, by=None, comment=None
    )
    assert build_change_message(first, dossier_number=-7, texts=texts).text == (
        "⚪ *Demande n° 7* est passé à l’état *Instruit*"
    )
