"""What every Slack listener is handed: the app's settings and services, fully built.

Its own module so that the app factory and the listeners both import it without importing each
other. It is built in one place, `dsbot.app_runtime.build_services`; every field is required, so a
listener never checks whether a service is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk import WebClient

from dsbot.backends.ds.client import DSClient
from dsbot.backends.ds.models import Dossier
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


@dataclass
class AppServices:
    settings: Settings
    texts: Texts
    store: Store
    ds: DSClient
    slack: WebClient
    directory: InstructeurDirectory
    linking: LinkingService
    access: DossierAccessService[Dossier]
    jobs: Jobs
    subscriptions: SubscriptionService
    actions: ActionService
    # Items of the other backends, acted on with each person's own token.
    items: ItemService
    # Channel subscriptions to the other backends' scopes (None: no such backend configured).
    item_subscriptions: ItemSubscriptionService | None = None
    # The one per-person read budget of every path that reads a backend for someone.
    read_budget: ReadBudget = field(default_factory=ReadBudget)
