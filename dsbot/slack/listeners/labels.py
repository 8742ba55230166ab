"""Étiquettes, from the card's menu: the démarche's labels, those of the dossier ticked.

Labels do not move DS's `updated_at` (docs/ds-api.md, "Change feed"): the card is refreshed by
the action itself, not by the next poll.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.models.views import View

from dsbot.slack import ids
from dsbot.slack.interaction import edit_flow
from dsbot.slack.interaction.menu import MORE_HANDLERS
from dsbot.slack.interaction.outcomes import Audience
from dsbot.slack.presentation.blocks.edits import EditOrigin, build_labels_modal
from dsbot.slack.services import AppServices


def open_labels(
    services: AppServices, body: dict[str, Any], client: WebClient, number: int
) -> None:
    edit_flow.open_edit(services, body, client, number, ids.MORE_ETIQUETTES, fill_labels)


def fill_labels(services: AppServices, audience: Audience, origin: EditOrigin) -> Any:
    """The form, once DS said the user may act; else why not."""
    dossier = edit_flow.checked(services, audience, origin)
    if isinstance(dossier, View):  # why the user may not act
        return dossier
    demarche = services.ds.get_demarche(dossier.demarche.number)
    current = dossier.labels
    shown = EditOrigin(**{**origin.__dict__, "labels": tuple(lb.id for lb in current)})
    return build_labels_modal(shown, demarche.labels, current, services.texts)


MORE_HANDLERS[ids.MORE_ETIQUETTES] = open_labels


def register(app: App) -> None:
    app.view(ids.VIEW_ETIQUETTES)(edit_flow.handle_submit)
