"""The `/ds` slash command: parse with the table of subcommands, ack at once, then do the work
in the job pool. What each subcommand does is in `dsbot/slack/commands/handlers.py`."""

from __future__ import annotations

import html
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from dsbot.logs import get_logger
from dsbot.slack.commands import grammar as g
from dsbot.slack.commands.handlers import answer_error, run_help
from dsbot.slack.commands.table import CommandTable, Invocation, Subcommand
from dsbot.slack.interaction.errors import PayloadError
from dsbot.slack.interaction.urls import checked_reply_url
from dsbot.slack.middleware import SERVICES_KEY, actor
from dsbot.slack.presentation.blocks.common import escape, truncate
from dsbot.slack.services import AppServices

log = get_logger(__name__)

COMMAND = "/ds"


def register(app: App, table: CommandTable | None = None) -> None:
    subcommands = table if table is not None else _default_table()

    def on_command(
        ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext
    ) -> None:
        handle_ds(ack, command, respond, context, subcommands)

    app.command(COMMAND)(on_command)


def _default_table() -> CommandTable:
    from dsbot.slack.commands.subcommands import default_table

    return default_table()


def handle_ds(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    table: CommandTable,
) -> None:
    """Parse with the table, answer bad arguments and help in the ack, then run the entry: on
    this thread if it acks itself, else in the job pool after an empty ack."""
    services: AppServices = context[SERVICES_KEY]
    t = services.texts
    team_id, user_id = actor(context)
    try:
        # Every answer after the ack goes to it: a forged response_url gets nothing.
        checked_reply_url(services, command)
    except PayloadError as exc:
        log.warning("command.refused", error=type(exc).__name__, reason=str(exc))
        ack(text=t("error.bad_payload"), response_type="ephemeral")
        return
    parsed = table.parse(command.get("text", ""))
    cmd = parsed.request
    call = Invocation(ack, respond, command, services, team_id, user_id, table)

    if isinstance(cmd, g.Invalid):
        # The params echo what the user typed: escaped, so `<!channel>` stays inert. Slack may
        # have escaped it already (should_escape): unescape first, or `&lt;` shows as text.
        params = {k: truncate(escape(html.unescape(v)), 100) for k, v in cmd.params.items()}
        ack(text=t(cmd.error_key, **params), response_type="ephemeral")
        return
    entry = parsed.entry
    if entry is None:
        assert isinstance(cmd, g.Help)  # the table names no entry only for help
        run_help(call, cmd)
        return
    if not entry.in_job:
        entry.run(call, cmd)
        return
    ack()
    services.jobs.submit(run_command, call, entry, cmd, on_error=answer_error(call))


def run_command(call: Invocation, entry: Subcommand[Any], cmd: object) -> None:
    """An entry's job: admins checked first (the check may ask Slack), then its handler."""
    if entry.admins_only and not call.services.linking.is_admin(call.user_id):
        call.respond(text=call.services.texts("error.admin_only"), response_type="ephemeral")
        return
    entry.run(call, cmd)
