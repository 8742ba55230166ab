"""Socket Mode's door: the payload's shape checked before Bolt reads it, as the HTTP edge does
(dsbot.slack.transport.edge). A payload of another shape than Slack's is acknowledged, so that
Slack does not send it again, and goes no further."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin.client import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from dsbot.logs import get_logger
from dsbot.slack.transport.shapes import problem

log = get_logger(__name__)


class GuardedSocketModeHandler(SocketModeHandler):
    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]  # as Bolt's own
        found = problem(req.payload)
        if found is not None:
            log.warning("socket_mode.refused", reason=found)  # a path, never a value
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        super().handle(client, req)
