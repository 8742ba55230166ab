"""The handlers of the card's « Plus d'actions… » menu, by option: a registry of its own, so
that the menu's listener and the modules adding options (Étiquettes, Annotations) do not import
each other."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from dsbot.slack.services import AppServices

# (services, the block_actions body, the Web API client, the dossier number) → None.
MoreHandler = Callable[[AppServices, dict[str, Any], WebClient, int], None]

MORE_HANDLERS: dict[str, MoreHandler] = {}
