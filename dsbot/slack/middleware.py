"""Cross-cutting listener concerns, written once."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltContext

from dsbot.slack.services import AppServices

SERVICES_KEY = "services"


def inject_services(services: AppServices) -> Callable[..., None]:
    """Global middleware: every listener finds the app's services in `context["services"]`."""

    def middleware(context: BoltContext, next: Callable[[], None]) -> None:
        context[SERVICES_KEY] = services
        next()

    return middleware


def actor(context: BoltContext) -> tuple[str, str]:
    """(team_id, user_id) of the person behind the request."""
    return context.team_id or "", context.user_id or ""
