"""`/ds`: the listener called directly, with recording `ack`/`respond` and inline jobs."""

from __future__ import annotations

import json

import pytest

from dsbot.backends.ds.client import DSClient
from dsbot.ratelimit import RateLimiter
from tests.fakes.process import free_port
from tests.slack.listeners.conftest import (
    ADMIN,
    ALICE,
    CHANNEL,
    CLARA,
    Recorder,
    Registry,
    Services,
    make_services,
)


@pytest.fixture
def run(services: Services, listeners: Registry):
    """`/ds <text>` as Bolt delivers it; the recorded (ack, respond)."""

    def send(text: str, user: str = ALICE, channel: str = CHANNEL, into: Services = services):
        ack, respond = Recorder(), Recorder()
        command = {"text": text, "channel_id": channel, "user_id": user, "command": "/ds"}
        listeners.call(
            "command",
            "/ds",
            ack=ack,
            command=command,
            body=command,
            respond=respond,
            context=into.context(user, channel),
        )
        assert into.jobs.failures == []  # every failure was answered by the listener
        return ack, respond

    return send


def test_help_is_acked_at_once_and_marks_admin_commands_for_admins(run, services: Services):
    ack, respond = run("", user=CLARA)
    answer = ack.only
    assert answer["response_type"] == "ephemeral" and answer["blocks"]
    assert "/ds dossier" in json.dumps(answer["blocks"], ensure_ascii=False)
    assert respond.calls == [] and services.jobs.submitted == []
    for_admin = run("aide", user=ADMIN)[0].only
    assert "vous en faites partie" in json.dumps(for_admin["blocks"], ensure_ascii=False)
    assert "vous en faites partie" not in json.dumps(answer["blocks"], ensure_ascii=False)


def test_an_unknown_subcommand_gets_the_help_naming_it(run, services: Services):
    ack, _ = run("abonnez 12")
    assert "« abonnez »" in json.dumps(ack.only["blocks"], ensure_ascii=False)


def test_bad_input_is_refused_in_the_ack_with_the_input_escaped(run, services: Services):
    ack, respond = run("dossier <!channel>")
    answer = ack.only
    assert answer["response_type"] == "ephemeral"
    assert "&lt;!channel&gt;" in answer["text"] and "<!channel>" not in answer["text"]
    assert "n’est pas un numéro de dossier" in answer["text"]
    assert respond.calls == [] and services.jobs.submitted == []  # nothing in the background


def test_a_dossier_is_acked_as_loading_then_shown_with_its_actions(run, services: Services, world):
    number = world.dossier("en_instruction")
    ack, respond = run(f"dossier {number}")
    assert ack.only["text"] == services.texts("dossier.loading", number=number)
    assert services.jobs.submitted == ["show_dossier"]  # after the ack, off Bolt's threads
    card = respond.only
    assert card["replace_original"] is True and card["response_type"] == "ephemeral"
    assert card["text"].startswith(f"Dossier n° {number} ")
    action_ids = [
        element["action_id"]
        for block in card["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert "dossier_accepter" in action_ids  # Alice is an instructeur of its groupe


def test_the_bare_number_shortcut_shows_the_dossier(run, services: Services, world):
    number = world.dossier("en_construction")
    _, respond = run(str(number))
    assert respond.only["text"].startswith(f"Dossier n° {number} ")


def test_an_unknown_dossier_is_explained_with_its_number(run, services: Services):
    _, respond = run("dossier 987654")
    answer = respond.only
    assert answer["replace_original"] is True
    assert "987654" in answer["text"] and "introuvable" in answer["text"]


def test_ds_unreachable_is_explained_not_silent(run, world, tmp_path):
    # A DS that refuses connections: the job fails and its error handler answers the user.
    dead = DSClient(
        f"http://127.0.0.1:{free_port()}/api/v2/graphql",
        "sandbox-token",
        limiter=RateLimiter(10_000, 60.0),
        sleep=lambda _: None,
        max_read_retries=0,
        connect_timeout=1.0,
    )
    services = make_services(world, str(tmp_path / "down.db"), ds=dead)
    ack, respond = run("dossier 12", into=services)
    assert ack.only["text"] == services.texts("dossier.loading", number=12)
    answer = respond.only
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is True
    assert answer["text"] == services.texts("error.ds_unavailable")
    dead.close()


def test_whoami_names_the_linked_instructeur_or_says_why_not(run, services: Services, world):
    _, respond = run("moi")
    assert world.alice_email in respond.only["text"]
    _, respond = run("moi", user=CLARA)
    assert respond.only["text"].startswith("Vous n’êtes lié à aucun instructeur DS.")


def test_admin_commands_are_refused_to_others(run, services: Services):
    for text in (f"lier <@{CLARA}> clara@exemple.fr", "abonner 1001", f"delier <@{CLARA}>"):
        ack, respond = run(text, user=CLARA)
        assert ack.only == {}
        assert respond.only["text"] == services.texts("error.admin_only"), text


def test_an_admin_links_and_unlinks_a_user(run, services: Services, world):
    _, respond = run(f"lier <@{CLARA}> {world.alice_email}", user=ADMIN)
    assert respond.only["text"] == services.texts(
        "link.linked", user=f"<@{CLARA}>", email=world.alice_email
    )
    assert world.alice_email in run("moi", user=CLARA)[1].only["text"]
    _, respond = run(f"lier <@{CLARA}> personne@exemple.fr", user=ADMIN)
    assert "n’est instructeur d’aucune démarche" in respond.only["text"]
    _, respond = run(f"delier <@{CLARA}>", user=ADMIN)
    assert respond.only["text"] == services.texts("link.unlinked", user=f"<@{CLARA}>")


def test_subscribe_list_and_unsubscribe(run, services: Services, world):
    demarche = world.demarche
    _, respond = run("abonnements")
    assert respond.only["text"] == services.texts("subscriptions.none")
    _, respond = run(f"abonner {demarche}", user=ADMIN)
    assert respond.only["text"].startswith(
        f"Ce canal suit désormais la démarche {demarche}, à partir de maintenant."
    )
    _, respond = run("abonnements", user=CLARA)
    listing = respond.only["text"]
    assert listing.startswith(services.texts("subscriptions.header"))
    assert str(demarche) in listing and f"<@{ADMIN}>" in listing
    _, respond = run(f"desabonner {demarche}", user=ADMIN)
    assert respond.only["text"] == services.texts("subscriptions.removed", demarche=demarche)
    _, respond = run(f"desabonner {demarche}", user=ADMIN)
    assert respond.only["text"] == services.texts("subscriptions.not_found", demarche=demarche)


def test_subscribe_checks_the_channel_and_the_demarche_first(run, services: Services, world):
    services.slack.add_channel("C0ARCHIVE", is_archived=True)
    services.slack.add_channel("C0PRIVATE", is_private=True, is_member=False)
    cases = {
        "C0ARCHIVE": "Ce canal est archivé",
        "C0PRIVATE": "(not_in_channel)",
        "C0UNKNOWN": "(channel_not_found)",
    }
    for channel, expected in cases.items():
        _, respond = run(f"abonner {world.demarche}", user=ADMIN, channel=channel)
        assert expected in respond.only["text"], channel
    _, respond = run("abonner 999999", user=ADMIN)
    assert respond.only["text"].startswith("La démarche 999999 est introuvable")
    assert run("abonnements")[1].only["text"] == services.texts("subscriptions.none")
