"""Annotations privées, from the card's menu: one typed input per annotation of the démarche,
pre-filled with the dossier's values; the types the modal does not edit are shown read-only,
with a link to DS."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.models.views import View

from dsbot.slack import ids
from dsbot.slack.interaction import edit_flow
from dsbot.slack.interaction.menu import MORE_HANDLERS
from dsbot.slack.interaction.outcomes import Audience
from dsbot.slack.presentation.blocks.edits import EditOrigin, build_annotations_modal
from dsbot.slack.presentation.views import dossier_url
from dsbot.slack.services import AppServices


def open_annotations(
    services: AppServices, body: dict[str, Any], client: WebClient, number: int
) -> None:
    edit_flow.open_edit(services, body, client, number, ids.MORE_ANNOTATIONS, fill_annotations)


def fill_annotations(services: AppServices, audience: Audience, origin: EditOrigin) -> Any:
    """The form, once DS said the user may act; else why not."""
    dossier = edit_flow.checked(services, audience, origin)
    if isinstance(dossier, View):  # why the user may not act
        return dossier
    sheet = services.ds.get_dossier_annotations(origin.number)
    url = dossier_url(services.settings.ds_web_base, dossier.demarche.number, origin.number)
    # DS's tab of the annotations privées (docs/ds-api.md, "Web URLs").
    return build_annotations_modal(origin, sheet, services.texts, f"{url}/annotations-privees")


MORE_HANDLERS[ids.MORE_ANNOTATIONS] = open_annotations


def register(app: App) -> None:
    app.view(ids.VIEW_ANNOTATIONS)(edit_flow.handle_submit)
