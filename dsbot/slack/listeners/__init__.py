"""Listeners by kind. Each module exposes `register(app)`; they stay thin."""

from __future__ import annotations

from slack_bolt import App

from dsbot.slack.listeners import actions, commands, decisions, items, more


def register_listeners(app: App) -> None:
    commands.register(app)
    actions.register(app)
    decisions.register(app)
    items.register(app)
    more.register(app)
