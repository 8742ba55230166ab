"""Listeners by kind. Each module exposes `register(app)`; they stay thin."""

from __future__ import annotations

from slack_bolt import App

from dsbot.slack.listeners import (
    actions,
    commands,
    decisions,
    home,
    items,
    shortcuts,
    unfurl,
)


def register_listeners(app: App) -> None:
    commands.register(app)
    actions.register(app)
    decisions.register(app)
    items.register(app)
    home.register(app)
    unfurl.register(app)
    shortcuts.register(app)
