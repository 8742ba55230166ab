"""`/ds abonner` in a channel that has guests or is shared with another organisation: refused
with the reason unless the admin adds `confirmer`; the choice is audited either way
(dsbot.services.channel_exposure)."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from dsbot.services.channel_exposure import ChannelExposure
from dsbot.slack.interaction.audience import Audience, channel_audience
from dsbot.slack.services import AppServices


@dataclass
class ExposureGate:
    services: AppServices
    team_id: str
    admin_id: str
    channel_id: str
    confirmed: bool
    backend: str = "ds"
    audience: Audience | None = None

    def refusal(self, scope: int | str) -> str | None:
        """Why the channel may not be subscribed as asked (its audience, or Slack's error), or
        None. A refusal for its audience is audited."""
        t = self.services.texts
        try:
            self.audience = channel_audience(self.services.slack, self.channel_id)
        except SlackApiError as exc:
            return t("error.slack", error=exc.response.get("error", ""))
        if not self.audience.exposed or self.confirmed:
            return None
        self._record(scope)
        return t("subscriptions.exposed", reasons=self.audience.reasons(t))

    def confirmed_note(self, scope: int | str) -> str:
        """After a confirmed subscription of an exposed channel: audited, and said."""
        if self.audience is None or not self.audience.exposed:
            return ""
        self._record(scope)
        return self.services.texts(
            "subscriptions.exposed_confirmed", reasons=self.audience.reasons(self.services.texts)
        )

    def _record(self, scope: int | str) -> None:
        assert self.audience is not None
        exposure = ChannelExposure(self.services.store, self.services.settings.ops_channel)
        exposure.record_choice(
            self.team_id,
            self.admin_id,
            self.channel_id,
            scope,
            self.audience.codes,
            confirmed=self.confirmed,
            backend=self.backend,
        )
