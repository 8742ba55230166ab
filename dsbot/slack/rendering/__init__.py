"""The outbox's renderers: a table `{OutboxKind: renderer}` of pure functions
(row + prepared data + context → SlackMessage).

A renderer reads no backend: what a card needs was read before, by the delivery engine's
prepare step (`dsbot.notifications.delivery.prepare`). A new outbox kind registers its
renderer here (`register`) beside its payload class (`dsbot.notifications.model`) and its texts.
"""

from __future__ import annotations

from collections.abc import Callable

from dsbot.notifications.model import OutboxKind
from dsbot.slack.presentation.blocks.common import SlackMessage
from dsbot.slack.rendering.context import RenderContext
from dsbot.slack.rendering.renderers import (
    render_alert,
    render_digest_row,
    render_erase,
    render_parent,
    render_personal,
    render_summary,
    render_thread,
)
from dsbot.store.notifications import OutboxRow

__all__ = ["RENDERERS", "RenderContext", "Renderer", "TableRenderer", "register"]

Renderer = Callable[[OutboxRow, object, RenderContext], SlackMessage]

RENDERERS: dict[OutboxKind, Renderer] = {
    OutboxKind.PARENT: render_parent,
    OutboxKind.THREAD: render_thread,
    OutboxKind.SUMMARY: render_summary,
    OutboxKind.ALERT: render_alert,
    OutboxKind.DIGEST: render_digest_row,
    OutboxKind.ERASE: render_erase,
    OutboxKind.PERSONAL: render_personal,
}


def register(kind: OutboxKind, renderer: Renderer) -> None:
    """The renderer of a new outbox kind."""
    RENDERERS[kind] = renderer


class TableRenderer:
    """The engine's `Renderer`: each row by its kind's renderer, in one context."""

    def __init__(self, context: RenderContext, table: dict[OutboxKind, Renderer] = RENDERERS):
        self.context = context
        self.table = table

    def render(self, row: OutboxRow, prepared: object) -> SlackMessage:
        return self.table[row.kind](row, prepared, self.context)
