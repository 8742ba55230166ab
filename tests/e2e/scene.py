"""The stage of the action tests: the bot over real HTTP, the DS sandbox and the fake Slack,
with people, dossiers and cards arranged, and clicks and submits played as Slack sends them."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from dsbot.slack import ids
from tests.fakes.bot import CHANNEL_ID, TEAM_ID, BotUnderTest

ALICE = "U0ALICE01"  # instructeur of the dossiers' groupe
BRUNO = "U0BRUNO01"  # instructeur of another groupe of the same démarche
CLARA = "U0CLARA01"  # nobody in DS


def md5_b64(data: bytes) -> str:
    """DS's checksum: base64 of the binary MD5."""
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    # Short pauses first (most conditions hold within milliseconds), then up to 50 ms.
    pause = 0.002
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


@dataclass
class Opened:
    """A modal opened by a click: what views.open received, and the click's answers."""

    view_id: str
    callback_id: str
    private_metadata: str
    trigger_id: str
    response_url: str
    ack: httpx.Response | None  # None when the test read views.open without clicking


@dataclass
class Scene:
    bot: BotUnderTest
    demarche: int
    groupe: int
    alice_email: str
    bruno_email: str

    @property
    def control(self) -> Any:
        return self.bot.sandbox.control

    @property
    def slack(self) -> Any:
        return self.bot.fake_slack

    # --- arranging ------------------------------------------------------------------------------

    def dossier(self, state: str = "en_instruction") -> int:
        return self.control.create_dossier(self.demarche, state, self.groupe)["number"]

    def decide_in_ds(self, number: int, state: str, email: str) -> None:
        """A change made in DS's web interface by the instructeur `email`."""
        self.control.set_state(number, state, instructeur=email)

    def linked(self, user: str = ALICE) -> bool:
        return self.bot.services.linking.current(TEAM_ID, user) is not None

    def ds(self, number: int) -> dict[str, Any]:
        return self.control.dossier(number)

    def ops(self, name: str) -> int:
        """How many GraphQL requests of this operation the sandbox received."""
        return self.control.stats()["by_operation"].get(name, 0)

    def channel_card(self, number: int) -> str:
        """A message standing for the dossier's card in the channel; its ts."""
        posted = self.slack.client().chat_postMessage(
            channel=CHANNEL_ID, text=f"Dossier {number}", blocks=[]
        )
        return posted["ts"]

    def pdf(self, size: int = 30_000, name: str = "decision.pdf") -> tuple[dict, bytes]:
        content = b"%PDF-1.4\n" + bytes(range(256)) * (size // 256) + b"\n%%EOF\n"
        return self.slack.add_file(content, name, "application/pdf"), content

    # --- playing --------------------------------------------------------------------------------

    def click(
        self, action_id: str, number: int, *, user: str = ALICE, message_ts: str | None = None
    ) -> Opened:
        before = len(self.slack.calls("views.open"))
        ack, response_url, trigger_id = self.bot.click(
            action_id,
            ids.encode_ref(number),
            user=user,
            message_ts=message_ts,
            ephemeral=message_ts is None,
        )
        assert ack.status_code == 200, ack.text
        call = self.slack.wait_for("views.open", before + 1)[before]
        assert call.ok, call.response
        view = call.response["view"]
        return Opened(
            view["id"], view["callback_id"], view["private_metadata"], trigger_id, response_url, ack
        )

    def pick(
        self,
        option: str,
        number: int,
        *,
        user: str = ALICE,
        message_ts: str | None = None,
        value: str | None = None,
    ) -> tuple[httpx.Response, str, str]:
        """Pick an option of the card's « Plus d'actions… » menu, as Slack sends it (a
        static_select's block_actions); returns (ack, response_url, trigger_id)."""
        response_url = self.slack.response_url(channel=CHANNEL_ID, message_ts=message_ts, user=user)
        trigger_id = f"{time.time():.6f}.{user}.trigger"
        container: dict[str, Any] = {
            "type": "message",
            "channel_id": CHANNEL_ID,
            "is_ephemeral": message_ts is None,
        }
        if message_ts:
            container["message_ts"] = message_ts
        selected = value if value is not None else ids.encode_more(option, number)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A0TEST",
            "trigger_id": trigger_id,
            "response_url": response_url,
            "container": container,
            "channel": {"id": CHANNEL_ID, "name": "general"},
            "actions": [
                {
                    "type": "static_select",
                    "action_id": ids.ACTION_CARD_MORE,
                    "block_id": ids.BLOCK_CARD_ACTIONS,
                    "selected_option": {
                        "text": {"type": "plain_text", "text": option},
                        "value": selected,
                    },
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if message_ts:
            payload["message"] = {"ts": message_ts, "type": "message", "text": "", "blocks": []}
        ack = self.bot.interact(payload)
        assert ack.status_code == 200, ack.text
        return ack, response_url, trigger_id

    def pick_modal(
        self, option: str, number: int, *, user: str = ALICE, message_ts: str | None = None
    ) -> Opened:
        """Pick a menu option that opens a modal; the modal as views.open received it."""
        before = len(self.slack.calls("views.open"))
        ack, response_url, trigger_id = self.pick(option, number, user=user, message_ts=message_ts)
        call = self.slack.wait_for("views.open", before + 1)[before]
        assert call.ok, call.response
        view = call.response["view"]
        return Opened(
            view["id"], view["callback_id"], view["private_metadata"], trigger_id, response_url, ack
        )

    def submit(self, opened: Opened, values: dict[str, Any], *, user: str = ALICE) -> dict:
        """Submit the modal; the HTTP ack's JSON body ({} when it simply closes)."""
        response = self.bot.submit_view(
            opened.callback_id,
            values,
            user=user,
            private_metadata=self.current_metadata(opened),
            view_id=opened.view_id,
        )
        assert response.status_code == 200, response.text
        return response.json() if response.content else {}

    def current_metadata(self, opened: Opened) -> str:
        """The modal's private_metadata now (views.update may have changed it)."""
        return self.slack.view(opened.view_id)["private_metadata"]

    def wait_for_view_update(self, opened: Opened) -> dict[str, Any]:
        versions = wait_until(
            lambda: (v := self.slack.view_versions(opened.view_id))[1:] and v,
            what="views.update of the modal",
        )
        return versions[-1]

    def notices(self, opened: Opened, count: int = 1) -> list[str]:
        """Ephemeral answers posted to the click's response_url (card replacements left out)."""

        def found() -> list[str]:
            return [
                r.body.get("text", "")
                for r in self.slack.responses(opened.response_url)
                if not r.body.get("replace_original")
            ]

        return wait_until(lambda: len(n := found()) >= count and n, what=f"{count} notice(s)")

    def audit(self) -> list[dict[str, Any]]:
        from dsbot.services.audit import AuditService

        return AuditService(self.bot.services.store).rows()


def text_values(block_id: str, action_id: str, text: str | None) -> dict[str, Any]:
    return {block_id: {action_id: {"type": "plain_text_input", "value": text}}}


def file_values(block_id: str, action_id: str, *files: dict) -> dict[str, Any]:
    return {block_id: {action_id: {"type": "file_input", "files": list(files)}}}


def checkbox_values(block_id: str, action_id: str, value: str, on: bool = True) -> dict:
    selected = [{"value": value, "text": {"type": "plain_text", "text": value}}] if on else []
    return {block_id: {action_id: {"type": "checkboxes", "selected_options": selected}}}


def decision_values(
    motivation: str | None = None, file: dict | None = None, *, silent: bool = False, **extra
) -> dict[str, Any]:
    values = {
        **text_values(ids.BLOCK_MOTIVATION, ids.ACTION_MOTIVATION_INPUT, motivation),
        **file_values(
            ids.BLOCK_JUSTIFICATIF, ids.ACTION_JUSTIFICATIF_INPUT, *([file] if file else [])
        ),
        **checkbox_values(
            ids.BLOCK_DISABLE_NOTIFICATION,
            ids.ACTION_DISABLE_NOTIFICATION_INPUT,
            "disable_notification",
            silent,
        ),
    }
    values.update(extra)
    return values


def reply_values(body: str | None, file: dict | None = None) -> dict[str, Any]:
    return {
        **text_values(ids.BLOCK_MESSAGE_BODY, ids.ACTION_MESSAGE_BODY_INPUT, body),
        **file_values(
            ids.BLOCK_MESSAGE_ATTACHMENT,
            ids.ACTION_MESSAGE_ATTACHMENT_INPUT,
            *([file] if file else []),
        ),
    }


def select_values(block_id: str, action_id: str, value: str | None) -> dict[str, Any]:
    selected = {"value": value, "text": {"type": "plain_text", "text": value}} if value else None
    return {block_id: {action_id: {"type": "static_select", "selected_option": selected}}}


def correction_values(
    reason: str | None, body: str | None, file: dict | None = None
) -> dict[str, Any]:
    return {
        **select_values(ids.BLOCK_CORRECTION_REASON, ids.ACTION_CORRECTION_REASON_INPUT, reason),
        **reply_values(body, file),
    }
