"""Cross-cutting listener concerns, written once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

SERVICES_KEY = "services"


def inject_services(services: Any) -> Callable[..., None]:
    """Global middleware: every listener finds the app's services in `context["services"]`."""

    def middleware(context: BoltContext, next: Callable[[], None]) -> None:
        context[SERVICES_KEY] = services
        next()

    return middleware


def actor(context: BoltContext) -> tuple[str, str]:
    """(team_id, user_id) of the person behind the request."""
    return context.team_id or "", context.user_id or ""
