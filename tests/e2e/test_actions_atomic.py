"""Check and act atomically: a dossier's lock is held from the permission check to DS's answer,
and « Changer de groupe » reads the groupe again just before it acts (README, « Sécurité »).

The bot's real services against the DS sandbox over HTTP; the two actions run in two threads,
the first held right after its permission check (events, no sleep) while the second tries.
"""

from __future__ import annotations

import threading
from typing import Any

from dsbot.services.actions import REASON_GROUPE_MOVED, ActionKind, ActionRequest, Status
from dsbot.slack import ids
from dsbot.slack.interaction.outcomes import explain
from tests.e2e.scene import ALICE, Scene
from tests.fakes.bot import TEAM_ID

MUTATION = "DsbotChangerGroupeInstructeur"


def targets(scene: Scene) -> list[dict[str, Any]]:
    [demarche] = [d for d in scene.control.demarches() if d["number"] == scene.demarche]
    return [g for g in demarche["groupes"] if g["number"] != scene.groupe and not g["closed"]]


def change(number: int, groupe_id: str, key: str) -> ActionRequest:
    return ActionRequest(
        team_id=TEAM_ID,
        user_id=ALICE,
        number=number,
        kind=ActionKind.CHANGER_GROUPE,
        key=key,
        groupe_id=groupe_id,
    )


def held_after_check(scene: Scene, then: Any = None) -> tuple[threading.Event, threading.Event]:
    """Make the next permission check stop once done, until `go` is set; `checked` says it
    stopped. `then(number)` runs at that moment (a change made in DS meanwhile)."""
    access = scene.bot.services.actions.access
    real_open = access.open
    checked, go = threading.Event(), threading.Event()

    def open_then_wait(team_id: str, user_id: str, number: int) -> Any:
        result = real_open(team_id, user_id, number)
        access.open = real_open  # only the first caller stops
        if then is not None:
            then(number)
        checked.set()
        assert go.wait(10)
        return result

    access.open = open_then_wait
    return checked, go


def test_two_simultaneous_groupe_changes_make_one_mutation(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    first, second = targets(scene)[:2]
    actions = scene.bot.services.actions
    # The second waits this long for the first to finish (3 s in production) before refusing.
    actions.locks.wait = 0.2
    before = scene.ops(MUTATION)
    checked, go = held_after_check(scene)
    outcomes: list[Any] = []
    worker = threading.Thread(
        target=lambda: outcomes.append(actions.perform(change(number, first["id"], "k1")))
    )
    worker.start()
    assert checked.wait(10)
    # The first holds the lock between its check and its mutation: the second is refused.
    busy = actions.perform(change(number, second["id"], "k2"))
    go.set()
    worker.join(10)

    assert busy.status is Status.BUSY
    assert outcomes[0].status is Status.DONE
    assert scene.ops(MUTATION) == before + 1
    assert scene.ds(number)["groupe"] == first["number"]
    text = explain(busy, ids.ACTION_CHANGER_GROUPE, scene.bot.services.texts)
    assert text is not None and f"Une autre action est en cours sur le dossier n° {number}" in text
    rows = {r["action_key"]: r for r in scene.audit()}
    assert rows["k1"]["result"] == "ok"
    assert rows["k2"]["result"] == "refused" and rows["k2"]["error"].startswith("busy")
    # Released: the next action on the dossier is not refused as busy.
    again = actions.perform(change(number, second["id"], "k3"))
    assert again.status is not Status.BUSY


def test_a_groupe_changed_after_the_check_is_not_changed_again(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    first, second = targets(scene)[:2]
    ds = scene.bot.services.ds

    def moved_in_ds(n: int) -> None:
        ds.changer_groupe_instructeur(ds.get_dossier(n), first["id"])

    checked, go = held_after_check(scene, then=moved_in_ds)
    go.set()
    before = scene.ops(MUTATION)
    outcome = scene.bot.services.actions.perform(change(number, second["id"], "k1"))

    assert checked.is_set()
    assert outcome.status is Status.REFUSED
    assert outcome.access is not None and outcome.access.reason_key == REASON_GROUPE_MOVED
    assert scene.ops(MUTATION) == before + 1  # only the change made in DS meanwhile
    assert scene.ds(number)["groupe"] == first["number"]
    text = explain(outcome, ids.ACTION_CHANGER_GROUPE, scene.bot.services.texts) or ""
    assert "vient de changer de groupe instructeur" in text
    [row] = [r for r in scene.audit() if r["action_key"] == "k1"]
    assert row["result"] == "refused" and row["error"] == REASON_GROUPE_MOVED
