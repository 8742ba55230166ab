"""A subscribed channel that gains a guest (`member_joined_channel`) or another organisation
(`channel_shared`): its notifications are paused and an ops alert goes out, until an admin
decides (`/ds abonner … confirmer` resumes, `/ds desabonner` stops). The events ack at once;
the check (users.info) and the pause run in the job pool. Handling an event twice pauses what
is already paused: nothing, and no second alert."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from dsbot.services.channel_exposure import ChannelExposure
from dsbot.slack.interaction.audience import is_guest
from dsbot.slack.middleware import SERVICES_KEY
from dsbot.slack.services import AppServices


def register(app: App) -> None:
    app.event("member_joined_channel")(handle_member_joined)
    app.event("channel_shared")(handle_channel_shared)


def pause(services: AppServices, team_id: str, channel_id: str, reason_key: str) -> list[str]:
    exposure = ChannelExposure(services.store, services.settings.ops_channel)
    return exposure.pause(team_id, channel_id, services.texts(reason_key))


def check_new_member(services: AppServices, team_id: str, channel_id: str, user_id: str) -> None:
    exposure = ChannelExposure(services.store, services.settings.ops_channel)
    if exposure.subscribed(team_id, channel_id) and is_guest(services.slack, user_id):
        pause(services, team_id, channel_id, "exposure.paused_guest")


def handle_member_joined(event: dict[str, Any], context: BoltContext) -> None:
    services: AppServices = context[SERVICES_KEY]
    team_id = context.team_id or ""
    services.jobs.submit(check_new_member, services, team_id, event["channel"], event["user"])


def handle_channel_shared(event: dict[str, Any], context: BoltContext) -> None:
    services: AppServices = context[SERVICES_KEY]
    team_id = context.team_id or ""
    services.jobs.submit(pause, services, team_id, event["channel"], "exposure.paused_shared")
