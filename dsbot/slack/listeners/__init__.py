"""Listeners by kind. Each module exposes `register(app)`; they stay thin."""

# No `from __future__ import annotations` here: it would bind the name `annotations` in this
# package, hiding the listener module of that name.
from slack_bolt import App

from dsbot.slack.listeners import (
    actions,
    annotations,
    commands,
    decisions,
    home,
    items,
    labels,
    more,
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
    more.register(app)
    labels.register(app)
    annotations.register(app)
