"""Channels that receive personal data: a channel with guests or shared with another
organisation is subscribed only on an admin's explicit `confirmer`, audited; a subscribed channel
that gains a guest or a share is paused and an alert queued until an admin decides."""

from __future__ import annotations

import json

import pytest

from dsbot.services.channel_exposure import ALERT_KEY, AUDIT_ACTION
from dsbot.store.audit import audit_rows
from tests.slack.listeners.conftest import ADMIN, ALICE, CHANNEL, Recorder, Registry, Services

GUEST = "U0GUEST"
PARTNERS = "C0PARTNERS"


@pytest.fixture
def run(services: Services, listeners: Registry):
    def send(text: str, channel: str, user: str = ADMIN) -> str:
        ack, respond = Recorder(), Recorder()
        command = {"text": text, "channel_id": channel, "user_id": user, "command": "/ds"}
        context = services.context(user, channel)
        listeners.call(
            "command",
            "/ds",
            ack=ack,
            command=command,
            body=command,
            respond=respond,
            context=context,
        )
        assert services.jobs.failures == []
        return str(respond.only["text"])

    return send


def audited(services: Services) -> list[tuple[str, str, int, str | None]]:
    with services.app.store.connect() as db:
        rows = list(audit_rows(db))
    return [
        (r["result"], r["slack_user_id"], r["dossier_number"], r["error"])
        for r in rows
        if r["action"] == AUDIT_ACTION
    ]


def alerts(services: Services) -> list[tuple[str, dict]]:
    with services.app.store.connect() as db:
        rows = db.execute("SELECT channel_id, payload FROM outbox WHERE kind = 'alert'").fetchall()
    return [(channel, json.loads(payload)) for channel, payload in rows]


def test_a_guest_channel_is_refused_then_accepted_with_confirmation(run, services: Services):
    services.slack.add_user(GUEST, "invite@partenaire.fr", is_restricted=True)
    services.slack.add_channel(PARTNERS, name="partenaires", members=(ADMIN, ALICE, GUEST))
    demarche = services.world.demarche

    refused = run(f"abonner {demarche}", PARTNERS)
    assert refused.startswith("🔒 Abonnement refusé")
    assert "il compte au moins un invité parmi ses membres" in refused and "confirmer" in refused
    assert services.app.subscriptions.list("T0UNIT", PARTNERS) == []

    accepted = run(f"abonner {demarche} confirmer", PARTNERS)
    assert accepted.startswith(f"Ce canal suit désormais la démarche {demarche}")
    assert "Abonnement confirmé alors que il compte au moins un invité" in accepted
    [subscription] = services.app.subscriptions.list("T0UNIT", PARTNERS)
    assert subscription.active
    assert audited(services) == [
        ("refused", ADMIN, demarche, f"{PARTNERS}: guests"),
        ("ok", ADMIN, demarche, f"{PARTNERS}: guests"),
    ]
    # A channel without guests nor share needs no confirmation, and nothing is audited for it.
    assert run(f"abonner {demarche}", CHANNEL).startswith("Ce canal suit désormais")
    assert len(audited(services)) == 2


def test_a_channel_shared_with_another_organisation_is_refused_with_the_reason(run, services):
    services.slack.add_channel(PARTNERS, name="partenaires", is_ext_shared=True, is_shared=True)
    refused = run(f"abonner {services.world.demarche}", PARTNERS)
    assert "il est partagé avec une autre organisation" in refused
    assert audited(services)[0][3] == f"{PARTNERS}: is_ext_shared, is_shared"


def test_a_channel_that_gains_a_guest_is_paused_and_alerted(run, services, listeners):
    demarche = services.world.demarche
    context = services.context(ADMIN, CHANNEL)

    def joined(user: str) -> None:
        event = {
            "type": "member_joined_channel",
            "user": user,
            "channel": CHANNEL,
            "team": "T0UNIT",
        }
        listeners.call("event", "member_joined_channel", event=event, context=context)

    joined(GUEST)  # no subscription yet: nothing to protect, nobody is even looked up
    assert services.slack.called("users_info") == [] and alerts(services) == []
    assert run(f"abonner {demarche}", CHANNEL).startswith("Ce canal suit désormais")

    joined(ALICE)  # a member of the workspace: nothing changes
    assert services.app.subscriptions.list("T0UNIT", CHANNEL)[0].active and alerts(services) == []

    services.slack.add_user(GUEST, "invite@partenaire.fr", is_ultra_restricted=True)
    joined(GUEST)
    [paused] = services.app.subscriptions.list("T0UNIT", CHANNEL)
    assert not paused.active and paused.paused_reason == "un invité a rejoint le canal"
    # No DSBOT_OPS_CHANNEL here: the admin who subscribed it is told.
    [(target, payload)] = alerts(services)
    assert target == ADMIN and payload["text_key"] == ALERT_KEY
    assert payload["params"]["channel"] == f"<#{CHANNEL}>"
    assert payload["params"]["demarches"] == str(demarche)
    joined(GUEST)  # Slack's retry of the event: already paused, no second alert
    assert len(alerts(services)) == 1

    # The admin decides: the channel now has a guest, so subscribing again needs `confirmer`.
    services.slack.members[CHANNEL] = [ADMIN, GUEST]
    assert run(f"abonner {demarche}", CHANNEL).startswith("🔒 Abonnement refusé")
    assert not services.app.subscriptions.list("T0UNIT", CHANNEL)[0].active
    run(f"abonner {demarche} confirmer", CHANNEL)
    assert services.app.subscriptions.list("T0UNIT", CHANNEL)[0].active


def test_a_channel_shared_later_is_paused(run, services, listeners):
    run(f"abonner {services.world.demarche}", CHANNEL)
    event = {"type": "channel_shared", "channel": CHANNEL, "connected_team_id": "T0OTHER"}
    listeners.call("event", "channel_shared", event=event, context=services.context(ADMIN, CHANNEL))
    [paused] = services.app.subscriptions.list("T0UNIT", CHANNEL)
    assert paused.paused_reason == "le canal est désormais partagé avec une autre organisation"
    assert len(alerts(services)) == 1
