"""One answer for "not for you": a person who may not see a dossier gets the same words and
blocks, after the same DS requests, whether the number exists or not (README, « Sécurité »).

Over real HTTP (the bot, the DS sandbox, the fake Slack), every path that names a dossier:
`/ds dossier`, a card's button and its submission, the card's menu, the Home's « Ouvrir »,
« Partager ». An unknown number and a hidden one are compared with the number blanked out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dsbot.slack import ids
from tests.e2e.scene import BRUNO, CHANNEL_ID, CLARA, Scene, decision_values, wait_until


def unknown_like(number: int) -> int:
    """A number DS does not know, as long as `number` (the answers are compared as text)."""
    return int("9" * len(str(number)))


def same_answer(scene: Scene, hidden: int, ask: Callable[[int], Any]) -> None:
    """`ask` the hidden number, then the unknown one: the answers are identical but for the
    number, and each cost the same DS requests."""
    unknown = unknown_like(hidden)
    answers, costs = [], []
    for number in (hidden, unknown):
        before = scene.control.stats()["graphql_requests"]
        answer = json.dumps(ask(number), ensure_ascii=False, sort_keys=True)
        costs.append(scene.control.stats()["graphql_requests"] - before)
        answers.append(answer.replace(str(number), "‹n›"))
    assert answers[0] == answers[1]
    assert "‹n›" in answers[0] and "introuvable, ou vous ne pouvez pas le voir" in answers[0]
    assert costs[0] == costs[1] >= 1


def test_hidden_and_unknown_dossiers_get_one_answer_on_every_path(scene: Scene) -> None:
    hidden = scene.dossier("en_instruction")
    bot, slack = scene.bot, scene.slack

    def command(user: str) -> Callable[[int], Any]:
        def ask(number: int) -> Any:
            ack, url = bot.command(f"dossier {number}", user=user)
            assert ack.status_code == 200
            # The "loading" answer first, then the card or the refusal replacing it.
            return slack.wait_for_response(url, count=1)[-1].body

        return ask

    def button(user: str) -> Callable[[int], Any]:
        def ask(number: int) -> Any:
            opened = scene.click(ids.ACTION_ACCEPTER, number, user=user)
            explained = scene.wait_for_view_update(opened)["blocks"]
            assert scene.submit(opened, decision_values("OK"), user=user) == {}
            return [explained, scene.notices(opened)]

        return ask

    def menu(user: str) -> Callable[[int], Any]:
        def ask(number: int) -> Any:
            opened = scene.pick_modal(ids.MORE_CHANGER_GROUPE, number, user=user)
            return scene.wait_for_view_update(opened)["blocks"]

        return ask

    def home_open(user: str) -> Callable[[int], Any]:
        def ask(number: int) -> Any:
            before = len(slack.calls("chat.postMessage"))
            ack, _, _ = bot.click(ids.ACTION_HOME_OPEN, ids.encode_ref(number), user=user)
            assert ack.status_code == 200

            def answered() -> Any:
                # The DM to this person about this number (other jobs may post meanwhile).
                calls = slack.calls("chat.postMessage")[before:]
                return next(
                    (
                        c
                        for c in calls
                        if c.params.get("channel") == user
                        and f"n° {number} " in str(c.params.get("text"))
                    ),
                    None,
                )

            call = wait_until(answered, what="the Home's answer")
            return [call.params.get("text"), call.params.get("blocks")]

        return ask

    def share(user: str) -> Callable[[int], Any]:
        def ask(number: int) -> Any:
            ack, url, _ = bot.click(ids.ACTION_PARTAGER, ids.encode_ref(number), user=user)
            assert ack.status_code == 200
            return slack.wait_for_response(url, count=1)[-1].body

        return ask

    # Bruno is linked (an instructeur of another groupe), Clara is not: each has one answer.
    for user in (BRUNO, CLARA):
        for path in (command, button, menu, home_open, share):
            same_answer(scene, hidden, path(user))
    rows = wait_until(lambda: len(r := scene.audit()) >= 4 and r)
    assert {r["result"] for r in rows} == {"refused"}
    assert not slack.messages(CHANNEL_ID)  # nothing shared
