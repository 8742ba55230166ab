"""Étiquettes and Annotations privées from the card's « Plus » menu, end to end: signed Slack
payloads to the bot over HTTP, the modal filled from the DS sandbox, the changes made in DS as
the linked instructeur, and exactly what DS saved and refused told to the user."""

from __future__ import annotations

import json
import time
from typing import Any

from dsbot.backends.ds.annotations import AnnotationType
from dsbot.notifications.model import ItemRef
from dsbot.slack import ids
from tests.e2e.scene import ALICE, BRUNO, CHANNEL_ID, TEAM_ID, Opened, Scene, wait_until


def menu(scene: Scene, option: str, number: int, *, user: str = ALICE, ts: str | None = None):
    """Choose `option` in the card's overflow menu, as Slack sends it; the opened modal."""
    before = len(scene.slack.calls("views.open"))
    response_url = scene.slack.response_url(channel=CHANNEL_ID, message_ts=ts, user=user)
    trigger_id = f"{time.time():.6f}.{user}.trigger"
    container: dict[str, Any] = {
        "type": "message",
        "channel_id": CHANNEL_ID,
        "is_ephemeral": ts is None,
    }
    if ts:
        container["message_ts"] = ts
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": trigger_id,
        "response_url": response_url,
        "container": container,
        "channel": {"id": CHANNEL_ID, "name": "general"},
        "actions": [
            {
                "type": "overflow",
                "action_id": ids.ACTION_CARD_MORE,
                "block_id": ids.BLOCK_CARD_ACTIONS,
                "selected_option": {
                    "text": {"type": "plain_text", "text": option},
                    "value": f"{option}:{number}",
                },
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if ts:
        payload["message"] = {"ts": ts, "type": "message", "text": "", "blocks": []}
    ack = scene.bot.interact(payload)
    assert ack.status_code == 200, ack.text
    call = scene.slack.wait_for("views.open", before + 1)[before]
    assert call.ok, call.response
    assert call.params["trigger_id"] == trigger_id
    view = call.response["view"]
    return Opened(
        view["id"], view["callback_id"], view["private_metadata"], trigger_id, response_url, ack
    )


def filled(scene: Scene, opened: Opened) -> dict[str, Any]:
    """The modal once the bot has read DS and updated it."""
    return scene.wait_for_view_update(opened)


def initial_state(view: dict[str, Any]) -> dict[str, Any]:
    """view.state.values as Slack sends it when the user changes nothing."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        el = block["element"]
        kind = el["type"]
        state: dict[str, Any] = {"type": kind}
        if kind == "plain_text_input" or kind == "number_input":
            state["value"] = el.get("initial_value")
        elif kind in ("checkboxes", "multi_static_select"):
            state["selected_options"] = el.get("initial_options") or []
        elif kind == "static_select":
            state["selected_option"] = el.get("initial_option")
        elif kind == "datepicker":
            state["selected_date"] = el.get("initial_date")
        elif kind == "datetimepicker":
            state["selected_date_time"] = el.get("initial_date_time")
        values[block["block_id"]] = {el["action_id"]: state}
    return values


def block_of(view: dict[str, Any], label: str) -> dict[str, Any]:
    return next(
        b for b in view["blocks"] if b["type"] == "input" and b["label"]["text"].startswith(label)
    )


def option(value: str) -> dict[str, Any]:
    return {"value": value, "text": {"type": "plain_text", "text": value}}


def submit(scene: Scene, opened: Opened, values: dict[str, Any], *, user: str = ALICE) -> dict:
    """Submit the modal as it is now (Slack sends its blocks back with the state)."""
    view = scene.slack.view(opened.view_id)
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": f"{time.time():.6f}.{user}.trigger",
        "view": {
            "id": opened.view_id,
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "blocks": view["blocks"],
            "state": {"values": values},
            "hash": "h",
        },
    }
    response = scene.bot.interact(payload)
    assert response.status_code == 200, response.text
    return response.json() if response.content else {}


def label_names(scene: Scene) -> list[str]:
    return [lb["name"] for lb in scene.control.demarches()[0]["labels"]]


def sheet(scene: Scene, number: int):
    return scene.bot.services.ds.get_dossier_annotations(number)


def value_of(sheet_: Any, type_: AnnotationType) -> Any:
    desc = next(d for d in sheet_.descriptors if d.type is type_)
    return sheet_.annotation_for(desc).value


# --- Étiquettes ----------------------------------------------------------------------------------


def test_labels_added_then_removed_as_the_linked_instructeur(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    ts = scene.channel_card(number)
    before = scene.ds(number)
    opened = menu(scene, ids.MORE_ETIQUETTES, number, ts=ts)
    assert opened.callback_id == ids.VIEW_ETIQUETTES
    view = filled(scene, opened)
    block = block_of(view, "Étiquettes")
    offered = {o["text"]["text"].split(" ", 1)[1]: o["value"] for o in block["element"]["options"]}
    assert set(offered) == set(label_names(scene))
    # Each label shows its colour.
    assert any(o["text"]["text"].startswith("🔴 ") for o in block["element"]["options"])
    wanted = [n for n in offered if n not in before["labels"]][:2]

    values = initial_state(view)
    selected = values[ids.BLOCK_LABELS][ids.ACTION_LABELS_INPUT]["selected_options"]
    selected += [{"value": offered[n], "text": {"type": "plain_text", "text": n}} for n in wanted]
    assert submit(scene, opened, values) == {}

    after = wait_until(
        lambda: set(wanted) <= set((d := scene.ds(number))["labels"]) and d, what="labels in DS"
    )
    # Labels do not move DS's modification date: the action refreshed the card itself.
    assert after["dateDerniereModification"] == before["dateDerniereModification"]
    scene.slack.wait_for("chat.update")
    card = json.dumps(scene.slack.message(CHANNEL_ID, ts)["blocks"], ensure_ascii=False)
    assert all(name in card for name in wanted)
    assert f"Étiquettes modifiées par <@{ALICE}>" in card
    [notice] = scene.notices(opened)
    assert all(f"« {name} »" in notice for name in wanted)
    row = wait_until(lambda: [r for r in scene.audit() if r["action"] == "etiquettes"])[0]
    assert row["result"] == "ok" and row["slack_user_id"] == ALICE and row["instructeur_id"]

    # Untick one: it is removed, the other stays.
    again = menu(scene, ids.MORE_ETIQUETTES, number, ts=ts)
    view = filled(scene, again)
    values = initial_state(view)
    state = values[ids.BLOCK_LABELS][ids.ACTION_LABELS_INPUT]
    assert {o["value"] for o in state["selected_options"]} >= {offered[n] for n in wanted}
    state["selected_options"] = [
        o for o in state["selected_options"] if o["value"] != offered[wanted[0]]
    ]
    assert submit(scene, again, values) == {}
    wait_until(lambda: wanted[0] not in scene.ds(number)["labels"], what="label removed")
    assert wanted[1] in scene.ds(number)["labels"]
    assert scene.ops("DsbotAjouterLabel") == 2 and scene.ops("DsbotSupprimerLabel") == 1


def test_labels_refused_for_an_instructeur_of_another_groupe(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = menu(scene, ids.MORE_ETIQUETTES, number, user=BRUNO)
    view = filled(scene, opened)
    # No form, no submit button: only why.
    assert "submit" not in view or not view.get("submit")
    assert "groupe" in json.dumps(view["blocks"], ensure_ascii=False)

    # A modal Alice opened, submitted by Bruno: its seal is Alice's, so it is refused at once,
    # before any job (issue 16); nothing reaches DS.
    alices = menu(scene, ids.MORE_ETIQUETTES, number)
    view = filled(scene, alices)
    values = initial_state(view)
    first = block_of(view, "Étiquettes")["element"]["options"][0]
    values[ids.BLOCK_LABELS][ids.ACTION_LABELS_INPUT]["selected_options"] = [first]
    before = scene.ds(number)["labels"]
    answer = submit(scene, alices, values, user=BRUNO)
    assert answer["response_action"] == "update"
    assert "ouvert par une autre personne" in json.dumps(answer["view"], ensure_ascii=False)
    assert scene.audit() == []
    assert scene.ds(number)["labels"] == before
    assert scene.ops("DsbotAjouterLabel") == 0


def test_labels_refused_once_the_dossier_is_deleted(scene: Scene) -> None:
    number = scene.dossier("accepte")
    opened = menu(scene, ids.MORE_ETIQUETTES, number)
    view = filled(scene, opened)
    values = initial_state(view)
    first = block_of(view, "Étiquettes")["element"]["options"][0]
    values[ids.BLOCK_LABELS][ids.ACTION_LABELS_INPUT]["selected_options"] = [first]
    # Meanwhile the dossier went to the trash in DS.
    scene.control.trash(number)
    assert submit(scene, opened, values) == {}
    [notice] = scene.notices(opened)
    # Gone from DS: the answer of a number nobody may see.
    assert f"Le dossier n° {number} est introuvable, ou vous ne pouvez pas le voir" in notice
    row = wait_until(lambda: [r for r in scene.audit() if r["action"] == "etiquettes"])[0]
    assert row["result"] == "refused"
    assert scene.ops("DsbotAjouterLabel") == 0


# --- Annotations ---------------------------------------------------------------------------------


def test_annotations_modal_has_one_typed_prefilled_input_per_annotation(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    current = sheet(scene, number)
    opened = menu(scene, ids.MORE_ANNOTATIONS, number)
    assert opened.callback_id == ids.VIEW_ANNOTATIONS
    view = filled(scene, opened)
    kinds = {
        b["label"]["text"].removesuffix(" *"): b["element"]["type"]
        for b in view["blocks"]
        if b["type"] == "input"
    }
    assert kinds["Référence interne"] == "plain_text_input"
    assert kinds["Commentaire de l’instructeur"] == "plain_text_input"
    assert kinds["Dossier complet"] == "checkboxes"
    assert kinds["Visite sur place effectuée"] == "static_select"
    assert kinds["Date de passage en commission"] == "datepicker"
    assert kinds["Date et heure de la visite"] == "datetimepicker"
    assert kinds["Nombre de pièces reçues"] == "number_input"
    assert kinds["Montant accordé (€)"] == "number_input"
    assert kinds["Avis du service"] == "static_select"
    assert kinds["Points de vigilance"] == "multi_static_select"
    assert kinds["Suivi des relances"] == "checkboxes"  # add a row
    assert block_of(view, "Commentaire de l’instructeur")["element"]["multiline"] is True
    # Pre-filled with DS's values.
    text = value_of(current, AnnotationType.TEXT)
    assert block_of(view, "Référence interne")["element"].get("initial_value") == (text or None)
    date = value_of(current, AnnotationType.DATE)
    assert block_of(view, "Date de passage en commission")["element"].get("initial_date") == date


def test_annotations_of_each_type_saved_as_the_linked_instructeur(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    ts = scene.channel_card(number)
    opened = menu(scene, ids.MORE_ANNOTATIONS, number, ts=ts)
    view = filled(scene, opened)
    values = initial_state(view)

    def put(label: str, **state: Any) -> None:
        block = block_of(view, label)
        values[block["block_id"]][block["element"]["action_id"]].update(state)

    put("Référence interne", value="REF-2026-042")
    put("Commentaire de l’instructeur", value="Visite faite.\nRAS.")
    put("Dossier complet", selected_options=[option("on")])
    put("Visite sur place effectuée", selected_option=option("true"))
    put("Date de passage en commission", selected_date="2026-03-05")
    put("Date et heure de la visite", selected_date_time=1772704800)
    put("Nombre de pièces reçues", value="7")
    put("Montant accordé (€)", value="1250.5")
    put("Avis du service", selected_option=option("Réservé"))
    put("Points de vigilance", selected_options=[option("Budget"), option("Foncier")])
    put("Suivi des relances", selected_options=[option("on")])
    rows_before = len(
        next(
            a
            for a in sheet(scene, number).annotations
            if a.rows is not None and a.typename == "RepetitionChamp"
        ).rows
    )
    assert submit(scene, opened, values) == {}

    [notice] = scene.notices(opened)
    assert "Enregistré" in notice and "« Avis du service »" in notice
    after = sheet(scene, number)
    assert value_of(after, AnnotationType.TEXT) == "REF-2026-042"
    assert value_of(after, AnnotationType.TEXTAREA) == "Visite faite.\nRAS."
    assert value_of(after, AnnotationType.CHECKBOX) is True
    assert value_of(after, AnnotationType.YES_NO) is True
    assert value_of(after, AnnotationType.DATE) == "2026-03-05"
    assert value_of(after, AnnotationType.INTEGER) == 7
    assert value_of(after, AnnotationType.DECIMAL) == 1250.5
    assert value_of(after, AnnotationType.DROP_DOWN) == "Réservé"
    assert set(value_of(after, AnnotationType.MULTIPLE_DROP_DOWN)) == {"Budget", "Foncier"}
    from dsbot.backends.ds.models import parse_datetime

    moment = parse_datetime(value_of(after, AnnotationType.DATETIME))
    assert moment is not None and int(moment.timestamp()) == 1772704800
    rows_after = len(next(a for a in after.annotations if a.typename == "RepetitionChamp").rows)
    assert rows_after == rows_before + 1
    # The card and the audit say who did it.
    scene.slack.wait_for("chat.update")
    card = json.dumps(scene.slack.message(CHANNEL_ID, ts)["blocks"], ensure_ascii=False)
    assert f"Annotations privées modifiées par <@{ALICE}>" in card
    row = wait_until(lambda: [r for r in scene.audit() if r["action"] == "annotations"])[0]
    assert row["result"] == "ok" and row["instructeur_id"]
    assert scene.ops("DsbotModifierAnnotations") == 1


def test_only_changed_annotations_are_sent(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = menu(scene, ids.MORE_ANNOTATIONS, number)
    view = filled(scene, opened)
    assert submit(scene, opened, initial_state(view)) == {}
    [notice] = scene.notices(opened)
    assert "Rien à changer" in notice
    assert scene.ops("DsbotModifierAnnotations") == 0


def test_a_partial_failure_is_reported_exactly(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = menu(scene, ids.MORE_ANNOTATIONS, number)
    view = filled(scene, opened)
    values = initial_state(view)
    ref = block_of(view, "Référence interne")
    mail = block_of(view, "Courriel du référent")
    values[ref["block_id"]][ids.ACTION_ANNOTATION_INPUT]["value"] = "REF-9"
    values[mail["block_id"]][ids.ACTION_ANNOTATION_INPUT]["value"] = "pas-une-adresse"
    assert submit(scene, opened, values) == {}

    [notice] = scene.notices(opened)
    assert "Enregistré : « Référence interne »." in notice
    assert "Non enregistré : « Courriel du référent »." in notice
    # DS's refusal, in DS's words.
    assert "est invalide" in notice
    assert value_of(sheet(scene, number), AnnotationType.TEXT) == "REF-9"
    row = wait_until(lambda: [r for r in scene.audit() if r["action"] == "annotations"])[0]
    assert row["result"] == "partial" and "est invalide" in row["error"]


def test_a_drop_down_value_outside_the_options_is_refused_in_the_modal(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = menu(scene, ids.MORE_ANNOTATIONS, number)
    view = filled(scene, opened)
    values = initial_state(view)
    avis = block_of(view, "Avis du service")
    values[avis["block_id"]][ids.ACTION_ANNOTATION_INPUT]["selected_option"] = option("Météo")
    answer = submit(scene, opened, values)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [avis["block_id"]]
    assert "options" in answer["errors"][avis["block_id"]]
    assert scene.ops("DsbotModifierAnnotations") == 0


def test_annotations_refused_for_an_instructeur_of_another_groupe(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = menu(scene, ids.MORE_ANNOTATIONS, number, user=BRUNO)
    view = filled(scene, opened)
    assert not view.get("submit")
    assert not [b for b in view["blocks"] if b["type"] == "input"]
    # Nothing of the dossier's annotations is shown to him.
    assert "Référence interne" not in json.dumps(view["blocks"], ensure_ascii=False)


def test_a_lost_answer_is_recovered_by_a_reread_without_resend(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = menu(scene, ids.MORE_ANNOTATIONS, number)
    view = filled(scene, opened)
    values = initial_state(view)
    ref = block_of(view, "Référence interne")
    values[ref["block_id"]][ids.ACTION_ANNOTATION_INPUT]["value"] = "REF-LOST"
    scene.control.faults(ambiguous_mutations=1)
    assert submit(scene, opened, values) == {}

    [notice] = scene.notices(opened)
    assert "Enregistré : « Référence interne »." in notice
    assert value_of(sheet(scene, number), AnnotationType.TEXT) == "REF-LOST"
    assert scene.ops("DsbotModifierAnnotations") == 1
    row = wait_until(lambda: [r for r in scene.audit() if r["action"] == "annotations"])[0]
    assert row["result"] == "ok" and row["recovered"] is True


def test_a_forged_menu_value_is_refused(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    response_url = scene.slack.response_url(channel=CHANNEL_ID, message_ts=None, user=ALICE)
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": ALICE, "team_id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": "1.trigger",
        "response_url": response_url,
        "container": {"type": "message", "channel_id": CHANNEL_ID, "is_ephemeral": True},
        "actions": [
            {
                "type": "overflow",
                "action_id": ids.ACTION_CARD_MORE,
                "selected_option": {"value": f"etiquettes:{number}:x"},
            }
        ],
    }
    assert scene.bot.interact(payload).status_code == 200
    reply = scene.slack.wait_for_response(response_url)[0].body
    assert "text" in reply and not scene.slack.calls("views.open")


def test_labels_after_a_lost_answer_thread_note_and_no_resend(scene: Scene) -> None:
    from datetime import UTC, datetime

    from dsbot.store import notifications

    number = scene.dossier("en_instruction")
    parent = scene.slack.client().chat_postMessage(channel="C0FOLLOW", text="Dossier")["ts"]
    with scene.bot.services.store.connect() as db:
        notifications.set_parent_ts(
            db, TEAM_ID, "C0FOLLOW", ItemRef.ds(number), parent, datetime.now(UTC)
        )
    before = scene.ds(number)["labels"]
    opened = menu(scene, ids.MORE_ETIQUETTES, number)
    view = filled(scene, opened)
    values = initial_state(view)
    new = next(
        o
        for o in block_of(view, "Étiquettes")["element"]["options"]
        if o["text"]["text"].split(" ", 1)[1] not in before
    )
    values[ids.BLOCK_LABELS][ids.ACTION_LABELS_INPUT]["selected_options"].append(new)
    scene.control.faults(ambiguous_mutations=1)
    assert submit(scene, opened, values) == {}

    [note] = wait_until(lambda: scene.slack.thread("C0FOLLOW", parent), what="thread note")
    assert f"Étiquettes modifiées par <@{ALICE}>" in note["text"]
    name = new["text"]["text"].split(" ", 1)[1]
    assert name in scene.ds(number)["labels"]
    assert scene.ops("DsbotAjouterLabel") == 1
    row = wait_until(lambda: [r for r in scene.audit() if r["action"] == "etiquettes"])[0]
    assert row["result"] == "ok" and row["recovered"] is True
