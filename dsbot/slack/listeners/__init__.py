"""Listeners by feature. Each module registers its own listeners (`register(app)`) and imports
no other listener module (tests/test_layers.py); what two features share lives in
`dsbot.slack.interaction`. A new feature is a module here and a line in FEATURES."""

# No `from __future__ import annotations` here: it would bind the name `annotations` in this
# package, hiding the listener module of that name.
from collections.abc import Callable
from types import ModuleType

from slack_bolt import App

from dsbot.slack.listeners import (
    actions,
    annotations,
    audience,
    commands,
    decisions,
    home,
    items,
    labels,
    more,
    shortcuts,
    unfurl,
)

# In registration order: Bolt tries listeners in the order they were added.
FEATURES: tuple[ModuleType, ...] = (
    commands,
    actions,
    decisions,
    items,
    home,
    unfurl,
    shortcuts,
    more,
    labels,
    annotations,
    audience,
)


def register_listeners(app: App) -> None:
    for feature in FEATURES:
        register: Callable[[App], None] = feature.register
        register(app)
