"""Refusals that change nothing in DS: who may act is decided on a fresh read at submit time,
and a card that no longer matches DS is refreshed with what happened and who did it."""

from __future__ import annotations

import json

from dsbot.slack import ids
from tests.e2e.scene import (
    ALICE,
    BRUNO,
    CHANNEL_ID,
    CLARA,
    Scene,
    decision_values,
    wait_until,
)

MUTATIONS = (
    "DsbotAccepter",
    "DsbotRefuser",
    "DsbotClasserSansSuite",
    "DsbotPasserEnInstruction",
    "DsbotRepasserEnInstruction",
    "DsbotArchiver",
    "DsbotEnvoyerMessage",
    "DsbotCreateDirectUpload",
)


def mutations(scene: Scene) -> int:
    return sum(scene.ops(name) for name in MUTATIONS)


def info_text(view: dict) -> str:
    """What an explanation modal says; it must not be submittable."""
    assert "submit" not in view or view["submit"] is None
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_unlinked_user_changes_nothing_and_is_told_how_to_link(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_ACCEPTER, number, user=CLARA)
    # As soon as DS is read, the modal explains instead of offering to submit.
    assert "/ds lier" in info_text(scene.wait_for_view_update(opened))

    # A submission that raced the explanation is refused all the same.
    assert scene.submit(opened, decision_values("OK"), user=CLARA) == {}
    [notice] = scene.notices(opened)
    assert "vous ne pouvez pas le voir" in notice and "/ds lier" in notice
    assert scene.ds(number)["state"] == "en_instruction"
    assert mutations(scene) == 0
    [row] = wait_until(lambda: scene.audit())
    assert row["result"] == "refused" and row["slack_user_id"] == CLARA
    assert row["instructeur_id"] is None


def test_instructeur_of_another_groupe_changes_nothing(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    label = next(
        g["label"]
        for d in scene.control.demarches()
        for g in d["groupes"]
        if g["number"] == scene.groupe
    )
    opened = scene.click(ids.ACTION_REFUSER, number, user=BRUNO)
    explained = info_text(scene.wait_for_view_update(opened))
    assert "vous ne pouvez pas le voir" in explained and label not in explained

    assert scene.submit(opened, decision_values("Non."), user=BRUNO) == {}
    [notice] = scene.notices(opened)
    # Nothing of the dossier, not even its groupe: the answer an unknown number gets.
    assert "vous ne pouvez pas le voir" in notice and label not in notice
    assert scene.ds(number)["state"] == "en_instruction"
    assert mutations(scene) == 0
    [row] = wait_until(lambda: scene.audit())
    assert row["result"] == "refused" and row["instructeur_id"]  # linked, wrong groupe


def test_illegal_transition_changes_nothing(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    # "Repasser en instruction" is only for decided dossiers; an old card could still show it.
    opened = scene.click(ids.ACTION_REPASSER_EN_INSTRUCTION, number)
    assert "n’est pas possible" in info_text(scene.wait_for_view_update(opened))

    assert scene.submit(opened, {}) == {}
    [notice] = scene.notices(opened)
    assert "« Repasser en instruction » n’est pas possible" in notice
    assert "« En instruction »" in notice
    assert mutations(scene) == 0


def test_stale_card_is_refreshed_and_says_who_acted(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    ts = scene.channel_card(number)
    opened = scene.click(ids.ACTION_ACCEPTER, number, message_ts=ts)
    wait_until(scene.linked, what="the modal's first read")

    # Meanwhile Bruno's colleague refuses it in DS's web interface.
    scene.decide_in_ds(number, "refuse", scene.bruno_email)
    assert scene.submit(opened, decision_values("Conforme.")) == {}

    [notice] = scene.notices(opened)
    assert "il est « Refusé »" in notice
    assert scene.bruno_email in notice and "<!date^" in notice
    assert "La fiche a été mise à jour." in notice
    update = scene.slack.wait_for("chat.update")[0]
    assert update.params["ts"] == ts
    card = json.dumps(scene.slack.message(CHANNEL_ID, ts)["blocks"], ensure_ascii=False)
    assert "Refusé" in card
    assert scene.ops("DsbotAccepter") == 0
    assert scene.ds(number)["state"] == "refuse"


def test_a_second_decision_on_a_decided_dossier_is_refused(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    first = scene.click(ids.ACTION_ACCEPTER, number)
    second = scene.click(ids.ACTION_REFUSER, number)
    assert scene.submit(first, decision_values("Conforme.")) == {}
    wait_until(lambda: scene.ds(number)["state"] == "accepte")

    assert scene.submit(second, decision_values("Non conforme.")) == {}
    [notice] = scene.notices(second)
    assert "il est « Accepté »" in notice and scene.alice_email in notice
    assert scene.ops("DsbotRefuser") == 0
    assert scene.ds(number)["state"] == "accepte"
    assert ALICE in {r["slack_user_id"] for r in scene.audit()}


def test_a_forged_overlong_message_is_refused_in_the_modal(scene: Scene) -> None:
    """Slack's input stops at 3,000 characters (the modal's max_length); a submission forged
    past it is refused inline, and nothing reaches DS."""
    from tests.e2e.scene import reply_values

    number = scene.dossier("en_instruction")
    opened = scene.click(ids.ACTION_REPONDRE, number)
    view = scene.slack.view(opened.view_id)
    lengths = [
        b["element"].get("max_length")
        for b in view["blocks"]
        if b.get("type") == "input" and b["element"]["type"] == "plain_text_input"
    ]
    assert lengths == [3000]
    answer = scene.submit(opened, reply_values("x" * 300_000))
    assert answer["response_action"] == "errors"
    [error] = answer["errors"].values()
    assert "300000 caractères, 3000 au plus" in error
    assert scene.ops("DsbotEnvoyerMessage") == 0
    assert scene.submit(opened, reply_values("x" * 3000)) == {}  # the limit itself is fine
    wait_until(lambda: scene.ops("DsbotEnvoyerMessage") == 1, what="the message sent")
