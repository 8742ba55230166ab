"""What every Slack listener is handed: the app's settings and services, fully built.

Its own module so that the app factory and the listeners both import it without importing each
other. It is built in one place, `dsbot.app_runtime.build_services`; every field is required, so a
listener never checks whether a service is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from slack_sdk import WebClient

from dsbot.config import Settings
from dsbot.services.access import DossierAccessService
from dsbot.services.actions import ActionService
from dsbot.services.directory import InstructeurDirectory
from dsbot.services.item_subscriptions import ItemSubscriptionService
from dsbot.services.items import ItemService
from dsbot.services.linking import LinkingService
from dsbot.services.subscriptions import SubscriptionService
from dsbot.slack.interaction.budget import ReadBudget
from dsbot.slack.jobs import Jobs
from dsbot.store import Store
from dsbot.texts import Texts


class DossierClient(Protocol):
    """What the Slack layer still asks DS's client itself, beside the services: the annotations'
    sheet and the démarche's labels for their modals, and closing it when the app stops. The
    registry builds it (`registry.get("ds").client(settings)`); its answers are DS's own models,
    which the modals' builders read."""

    def get_dossier_annotations(self, number: int) -> Any: ...

    def get_demarche(self, number: int) -> Any: ...

    def close(self) -> None: ...


@dataclass
class AppServices:
    settings: Settings
    texts: Texts
    store: Store
    ds: DossierClient
    slack: WebClient
    directory: InstructeurDirectory
    linking: LinkingService
    access: DossierAccessService[Any]
    jobs: Jobs
    subscriptions: SubscriptionService
    actions: ActionService
    # Items of the other backends, acted on with each person's own token.
    items: ItemService
    # Channel subscriptions to the other backends' scopes (None: no such backend configured).
    item_subscriptions: ItemSubscriptionService | None = None
    # The one per-person read budget of every path that reads a backend for someone.
    read_budget: ReadBudget = field(default_factory=ReadBudget)
