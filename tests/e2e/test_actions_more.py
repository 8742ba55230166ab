"""The card's « Plus d'actions… » menu, end to end: signed menu selections and modal
submissions to the bot over HTTP, the DS sandbox showing what the instructeur did, the audit
row, the card refreshed and a note in the dossier's notification thread; and for each action a
refusal that changes nothing in DS."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from dsbot.notifications.model import ItemRef
from dsbot.slack import ids
from dsbot.store.notifications import set_parent_ts
from tests.e2e.scene import (
    ALICE,
    BRUNO,
    CHANNEL_ID,
    TEAM_ID,
    Opened,
    Scene,
    correction_values,
    md5_b64,
    select_values,
    wait_until,
)

MENU_MUTATIONS = (
    "DsbotBasculeSuivi",
    "DsbotEnvoyerMessage",
    "DsbotChangerGroupeInstructeur",
    "DsbotRepasserEnConstruction",
    "DsbotDesarchiver",
    "DsbotSupprimerMessage",
)


def mutations(scene: Scene) -> int:
    return sum(scene.ops(name) for name in MENU_MUTATIONS)


def notification(scene: Scene, number: int) -> str:
    """The dossier's notification message in the channel (its card, and its thread); its ts."""
    ts = scene.channel_card(number)
    with scene.bot.services.store.connect() as db:
        set_parent_ts(db, TEAM_ID, CHANNEL_ID, ItemRef.ds(number), ts, datetime.now(UTC))
    return ts


def card_after(scene: Scene, ts: str, words: str) -> str:
    """The channel card once chat.update put `words` on it."""

    def text() -> str | None:
        found = json.dumps(scene.slack.message(CHANNEL_ID, ts)["blocks"], ensure_ascii=False)
        return found if words in found else None

    return wait_until(text, what=f"card with {words!r}")


def thread_note(scene: Scene, ts: str, words: str) -> str:
    def note() -> str | None:
        for call in scene.slack.calls("chat.postMessage"):
            if call.params.get("thread_ts") == ts and words in call.params.get("text", ""):
                return call.params["text"]
        return None

    return wait_until(note, what=f"thread note with {words!r}")


def audit_row(scene: Scene, action: str, result: str = "ok") -> dict[str, Any]:
    return wait_until(
        lambda: [r for r in scene.audit() if r["action"] == action and r["result"] == result],
        what=f"audit {action} {result}",
    )[-1]


def info_text(view: dict) -> str:
    assert "submit" not in view or view["submit"] is None
    return json.dumps(view["blocks"], ensure_ascii=False)


def instructeur_id(scene: Scene, email: str) -> str:
    for demarche in scene.control.demarches():
        for groupe in demarche["groupes"]:
            for person in groupe["instructeurs"]:
                if person["email"] == email:
                    return person["id"]
    raise AssertionError(email)


def choice_options(view: dict, block_id: str) -> list[dict]:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return block["element"]["options"]


def wait_choice_modal(scene: Scene, opened: Opened) -> dict:
    """The modal once the job filled it from DS (it opens with a loading text)."""
    return scene.wait_for_view_update(opened)


# --- Suivre / Ne plus suivre ------------------------------------------------------------------


def test_suivre_then_ne_plus_suivre_at_once(scene: Scene) -> None:
    # En construction: nobody follows yet (passing en instruction makes the instructeur follow).
    number = scene.dossier("en_construction")
    assert scene.alice_email not in scene.ds(number)["followers"]
    ts = notification(scene, number)
    scene.pick(ids.MORE_SUIVRE, number, message_ts=ts)

    wait_until(lambda: scene.alice_email in scene.ds(number)["followers"], what="followed")
    card = card_after(scene, ts, f"Suivi par <@{ALICE}>")
    # The card's « Suivi par » field names who follows.
    assert scene.alice_email in card
    thread_note(scene, ts, f"Suivi par <@{ALICE}>")
    row = audit_row(scene, "suivre")
    assert row["slack_user_id"] == ALICE and row["instructeur_id"]

    # The same option again: DS says Alice follows, so she stops following.
    scene.pick(ids.MORE_SUIVRE, number, message_ts=ts)
    wait_until(lambda: scene.alice_email not in scene.ds(number)["followers"], what="unfollowed")
    card_after(scene, ts, f"Plus suivi par <@{ALICE}>")
    audit_row(scene, "ne_plus_suivre")
    assert scene.ops("DsbotBasculeSuivi") == 2


def test_suivre_by_an_instructeur_of_another_groupe_changes_nothing(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    _, response_url, _ = scene.pick(ids.MORE_SUIVRE, number, user=BRUNO)
    notice = wait_until(
        lambda: [r.body.get("text", "") for r in scene.slack.responses(response_url)],
        what="notice",
    )[0]
    assert "introuvable, ou vous ne pouvez pas le voir" in notice
    assert scene.bruno_email not in scene.ds(number)["followers"]
    assert mutations(scene) == 0
    row = audit_row(scene, "suivre", "refused")
    assert row["slack_user_id"] == BRUNO


# --- Demander une correction ------------------------------------------------------------------


def test_demander_une_correction_with_a_file(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    ts = notification(scene, number)
    opened = scene.pick_modal(ids.MORE_CORRECTION, number, message_ts=ts)
    assert opened.callback_id == ids.VIEW_DEMANDER_CORRECTION

    # Reason and message are both required, each told under its input.
    answer = scene.submit(opened, correction_values(None, "  "))
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {ids.BLOCK_CORRECTION_REASON, ids.BLOCK_MESSAGE_BODY}
    answer = scene.submit(opened, correction_values("pas-un-motif", "Texte"))
    assert list(answer["errors"]) == [ids.BLOCK_CORRECTION_REASON]
    assert mutations(scene) == 0

    file, content = scene.pdf(name="pièces à fournir.pdf")
    body = "Merci de joindre l’avis d’imposition 2025."
    assert scene.submit(opened, correction_values("incomplete", body, file)) == {}

    dossier = wait_until(
        lambda: (d := scene.ds(number))["state"] == "en_construction" and d, what="correction"
    )
    [message] = [m for m in dossier["messages"] if m["body"] == body]
    assert message["email"] == scene.alice_email
    assert message["correction"]["reason"] == "incomplete"
    assert message["attachments"][0]["checksum"] == md5_b64(content)
    # The card shows the request and that it is pending; the thread is told.
    card = card_after(scene, ts, f"Correction demandée à l’usager par <@{ALICE}>")
    assert "en attente de sa réponse" in card
    thread_note(scene, ts, "Correction demandée")
    row = audit_row(scene, "demander_correction")
    assert row["file_name"] == "pièces à fournir.pdf"
    assert row["motivation_length"] == len(body)


def test_demander_une_correction_on_a_decided_dossier_changes_nothing(scene: Scene) -> None:
    number = scene.dossier("accepte")
    opened = scene.pick_modal(ids.MORE_CORRECTION, number)
    assert "n’est pas possible" in info_text(scene.wait_for_view_update(opened))

    # A submission that raced the explanation is refused all the same.
    assert scene.submit(opened, correction_values("incorrect", "Corrigez.")) == {}
    [notice] = scene.notices(opened)
    assert "n’a pas été modifié" in notice and "Demander une correction" in notice
    assert scene.ds(number)["state"] == "accepte"
    assert mutations(scene) == 0
    audit_row(scene, "demander_correction", "refused")


# --- Changer de groupe ------------------------------------------------------------------------


def other_groupes(scene: Scene) -> list[dict]:
    [demarche] = [d for d in scene.control.demarches() if d["number"] == scene.demarche]
    return [g for g in demarche["groupes"] if g["number"] != scene.groupe]


def test_changer_de_groupe_among_the_open_groupes(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    ts = notification(scene, number)
    opened = scene.pick_modal(ids.MORE_CHANGER_GROUPE, number, message_ts=ts)
    view = wait_choice_modal(scene, opened)
    [label_block] = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_GROUPE]
    assert label_block["label"]["text"] == "Groupe instructeur"
    offered = {o["value"] for o in choice_options(view, ids.BLOCK_GROUPE)}
    others = other_groupes(scene)
    assert offered == {g["id"] for g in others if not g["closed"]}

    target = next(
        g
        for g in others
        if not g["closed"] and scene.alice_email not in {i["email"] for i in g["instructeurs"]}
    )
    answer = scene.submit(
        opened, select_values(ids.BLOCK_GROUPE, ids.ACTION_GROUPE_INPUT, target["id"])
    )
    assert answer == {}
    wait_until(lambda: scene.ds(number)["groupe"] == target["number"], what="groupe changed")
    card_after(scene, ts, f"Groupe instructeur changé par <@{ALICE}>")
    thread_note(scene, ts, "Groupe instructeur changé")
    # Alice is not in the new groupe: she is told she lost the dossier.
    notice = next(n for n in scene.notices(opened) if "n’êtes pas instructeur" in n)
    assert target["label"] in notice
    row = audit_row(scene, "changer_groupe")
    assert row["slack_user_id"] == ALICE and row["instructeur_id"]
    assert scene.ops("DsbotChangerGroupeInstructeur") == 1


def test_changer_de_groupe_by_an_instructeur_of_another_groupe_changes_nothing(
    scene: Scene,
) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.pick_modal(ids.MORE_CHANGER_GROUPE, number, user=BRUNO)
    assert "vous ne pouvez pas le voir" in info_text(scene.wait_for_view_update(opened))

    # DS would do it (it acts as the administrateur): the bot's check is the only guard.
    target = next(g for g in other_groupes(scene) if not g["closed"])
    values = select_values(ids.BLOCK_GROUPE, ids.ACTION_GROUPE_INPUT, target["id"])
    assert scene.submit(opened, values, user=BRUNO) == {}
    [notice] = scene.notices(opened)
    assert "vous ne pouvez pas le voir" in notice
    assert scene.ds(number)["groupe"] == scene.groupe
    assert scene.ops("DsbotChangerGroupeInstructeur") == 0
    row = audit_row(scene, "changer_groupe", "refused")
    assert row["slack_user_id"] == BRUNO


def test_changer_de_groupe_to_a_groupe_not_offered_changes_nothing(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.pick_modal(ids.MORE_CHANGER_GROUPE, number)
    wait_choice_modal(scene, opened)
    closed = [g for g in other_groupes(scene) if g["closed"]]
    # A closed groupe, or the dossier's own: never offered, refused when forged.
    forged = closed[0]["id"] if closed else scene.ds(number)["id"].replace("Dossier", "X")
    values = select_values(ids.BLOCK_GROUPE, ids.ACTION_GROUPE_INPUT, forged)
    assert scene.submit(opened, values) == {}
    [notice] = scene.notices(opened)
    assert "ce choix n’est pas (ou plus) proposé" in notice
    assert scene.ds(number)["groupe"] == scene.groupe
    assert scene.ops("DsbotChangerGroupeInstructeur") == 0


# --- Repasser en construction, Désarchiver ----------------------------------------------------


def test_repasser_en_construction_after_confirmation(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    ts = notification(scene, number)
    opened = scene.pick_modal(ids.MORE_REPASSER_EN_CONSTRUCTION, number, message_ts=ts)
    assert opened.callback_id == ids.VIEW_REPASSER_EN_CONSTRUCTION
    assert scene.submit(opened, {}) == {}
    wait_until(lambda: scene.ds(number)["state"] == "en_construction", what="en construction")
    card_after(scene, ts, f"Repassé en construction par <@{ALICE}>")
    thread_note(scene, ts, "Repassé en construction")
    audit_row(scene, "repasser_en_construction")


def test_repasser_en_construction_a_dossier_en_construction_changes_nothing(
    scene: Scene,
) -> None:
    number = scene.dossier("en_construction")
    opened = scene.pick_modal(ids.MORE_REPASSER_EN_CONSTRUCTION, number)
    assert "n’est pas possible" in info_text(scene.wait_for_view_update(opened))
    assert scene.submit(opened, {}) == {}
    [notice] = scene.notices(opened)
    assert "Repasser en construction" in notice and "n’a pas été modifié" in notice
    assert scene.ops("DsbotRepasserEnConstruction") == 0
    audit_row(scene, "repasser_en_construction", "refused")


def archive_in_ds(scene: Scene, number: int) -> None:
    """Archived in DS's web interface by Alice."""
    ds = scene.bot.services.ds
    ds.archiver(ds.get_dossier(number), instructeur_id(scene, scene.alice_email))
    assert scene.ds(number)["archived"] is True


def test_desarchiver_after_confirmation(scene: Scene) -> None:
    number = scene.dossier("accepte")
    archive_in_ds(scene, number)
    ts = notification(scene, number)
    opened = scene.pick_modal(ids.MORE_DESARCHIVER, number, message_ts=ts)
    assert opened.callback_id == ids.VIEW_DESARCHIVER
    assert scene.submit(opened, {}) == {}
    wait_until(lambda: scene.ds(number)["archived"] is False, what="désarchivé")
    card_after(scene, ts, f"Désarchivé par <@{ALICE}>")
    thread_note(scene, ts, "Désarchivé")
    audit_row(scene, "desarchiver")
    assert scene.ops("DsbotDesarchiver") == 1


def test_desarchiver_a_dossier_not_archived_changes_nothing(scene: Scene) -> None:
    number = scene.dossier("accepte")
    opened = scene.pick_modal(ids.MORE_DESARCHIVER, number)
    assert "n’est pas possible" in info_text(scene.wait_for_view_update(opened))
    assert scene.submit(opened, {}) == {}
    [notice] = scene.notices(opened)
    assert "Désarchiver" in notice
    assert scene.ops("DsbotDesarchiver") == 0
    audit_row(scene, "desarchiver", "refused")


# --- Supprimer un message ---------------------------------------------------------------------


def test_supprimer_un_de_ses_messages(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    ds = scene.bot.services.ds
    alice = instructeur_id(scene, scene.alice_email)
    mine = ds.envoyer_message(ds.get_dossier(number), alice, "Message envoyé par erreur.")
    scene.control.add_message(number, "Message de l’usager.")
    ts = notification(scene, number)

    opened = scene.pick_modal(ids.MORE_SUPPRIMER_MESSAGE, number, message_ts=ts)
    view = wait_choice_modal(scene, opened)
    # Only the caller's own messages are offered.
    [option] = choice_options(view, ids.BLOCK_MESSAGE_CHOICE)
    assert option["value"] == mine.id and "Message envoyé par erreur." in option["text"]["text"]

    values = select_values(ids.BLOCK_MESSAGE_CHOICE, ids.ACTION_MESSAGE_CHOICE_INPUT, mine.id)
    assert scene.submit(opened, values) == {}
    wait_until(
        lambda: next(m for m in scene.ds(number)["messages"] if m["id"] == mine.id)["body"] == "",
        what="message deleted",
    )
    card_after(scene, ts, f"Message supprimé par <@{ALICE}>")
    thread_note(scene, ts, "Message supprimé")
    audit_row(scene, "supprimer_message")
    assert scene.ops("DsbotSupprimerMessage") == 1


def test_supprimer_the_usagers_message_changes_nothing(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    scene.control.add_message(number, "Message de l’usager.")
    opened = scene.pick_modal(ids.MORE_SUPPRIMER_MESSAGE, number)
    # Alice has no message of her own on this dossier: nothing to pick.
    assert "aucun message" in info_text(scene.wait_for_view_update(opened))

    usager = next(m for m in scene.ds(number)["messages"] if m["body"] == "Message de l’usager.")
    values = select_values(ids.BLOCK_MESSAGE_CHOICE, ids.ACTION_MESSAGE_CHOICE_INPUT, usager["id"])
    assert scene.submit(opened, values) == {}
    [notice] = scene.notices(opened)
    assert "n’a pas été modifié" in notice
    assert usager["body"] == next(
        m["body"] for m in scene.ds(number)["messages"] if m["id"] == usager["id"]
    )
    assert scene.ops("DsbotSupprimerMessage") == 0
    audit_row(scene, "supprimer_message", "refused")


# --- the menu itself --------------------------------------------------------------------------


def test_forged_menu_value_is_refused_and_nothing_happens(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    for value in ("suivre:0", "détruire:12", f"suivre:{2**31}", "suivre"):
        _, response_url, _ = scene.pick(ids.MORE_SUIVRE, number, value=value)

        def notices(url: str = response_url) -> list[str]:
            return [r.body.get("text", "") for r in scene.slack.responses(url)]

        notice = wait_until(notices)[0]
        assert "mal formée" in notice
    assert mutations(scene) == 0
    assert scene.slack.calls("views.open") == []
