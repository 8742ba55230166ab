"""The stage of the Dynacase-in-Slack tests: the bot over real HTTP with both backends
configured, the Dynacase sandbox, the fake Slack, and people who connect their own tokens."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

from dsbot.slack import ids
from tests.e2e.scene import wait_until
from tests.fakes.bot import CHANNEL_ID, TEAM_ID, BotUnderTest

# A fixed Fernet key: tests are deterministic (32 bytes, url-safe base64).
SECRET_KEY = "ZHNib3QtdGVzdHMtc2VjcmV0LWtleS0wMTIzNDU2Nzg="
CLAIRE = "U0CLAIRE1"  # c.martin: Instruire, Renvoyer
PAUL = "U0PAUL001"  # p.durand: Accorder, Refuser, Valider, Rejeter, Annuler
LUCAS = "U0LUCAS01"  # l.petit: reads only
NOBODY = "U0NOBODY1"  # never connected
LOGINS = {CLAIRE: "c.martin", PAUL: "p.durand", LUCAS: "l.petit"}


@dataclass
class Opened:
    view_id: str
    response_url: str


@dataclass
class DynacaseScene:
    bot: BotUnderTest
    dynacase: Any
    _triggers: int = 0

    @property
    def slack(self) -> Any:
        return self.bot.fake_slack

    @property
    def control(self) -> Any:
        return self.dynacase.control

    # --- arranging ------------------------------------------------------------------------------

    def subvention(self, state: str = "e_sub_transmis", montant: float = 12_000) -> dict:
        """A new request for a grant, moved to `state` in Dynacase by the people allowed to."""
        doc = self.control.create_document(
            "DEMANDE_SUBVENTION",
            "Fête de quartier des Lices",
            user="s.bernard",
            sub_organisme="Comité des Lices",
            sub_objet="Fête de quartier",
            sub_montant=montant,
        )
        if state != "e_sub_brouillon":
            self.control.set_state(doc["initid"], "e_sub_transmis", user="s.bernard")
        if state == "e_sub_instruit":
            self.control.set_state(
                doc["initid"],
                "e_sub_instruit",
                user="c.martin",
                parameters={"sub_avis": "favorable", "sub_date_instruction": "2026-11-02"},
            )
        return doc

    def token(self, user: str) -> str:
        return self.control.token(LOGINS[user])

    # --- playing --------------------------------------------------------------------------------

    def connect(self, user: str, token: str | None = None) -> dict[str, Any]:
        """`/ds connecter dynacase`, then submit the token in the modal; the modal's last
        version once the bot has answered."""
        before = len(self.slack.calls("views.open"))
        ack, _ = self.command("connecter dynacase", user)
        assert ack.status_code == 200
        call = self.slack.wait_for("views.open", before + 1)[before]
        view = call.response["view"]
        assert view["callback_id"] == ids.VIEW_BACKEND_CONNECT
        values = {
            ids.BLOCK_CONNECT_CREDENTIAL: {
                ids.ACTION_CONNECT_CREDENTIAL_INPUT: {
                    "type": "plain_text_input",
                    "value": token if token is not None else self.token(user),
                }
            }
        }
        answer = self.bot.submit_view(
            ids.VIEW_BACKEND_CONNECT,
            values,
            user=user,
            private_metadata=view["private_metadata"],
            view_id=view["id"],
        )
        assert answer.status_code == 200
        assert answer.json()["response_action"] == "update"
        return wait_until(
            lambda: (v := self.slack.view_versions(view["id"]))[1:] and v[-1],
            what="connection answer",
        )

    def command(self, text: str, user: str) -> tuple[Any, str]:
        """`/ds <text>` as `bot.command` sends it, with a trigger_id of its own (Slack's are
        single-use; `bot.command`'s repeat within a second)."""
        self._triggers += 1
        response_url = self.slack.response_url(channel=CHANNEL_ID, user=user)
        form = {
            "team_id": TEAM_ID,
            "channel_id": CHANNEL_ID,
            "user_id": user,
            "command": "/ds",
            "text": text,
            "api_app_id": "A0TEST",
            "response_url": response_url,
            "trigger_id": f"{self._triggers}.{user}.trigger",
        }
        body = urllib.parse.urlencode(form).encode()
        return self.bot.post(body, "application/x-www-form-urlencoded"), response_url

    def card(self, user: str, ref: str | int) -> tuple[dict[str, Any], str]:
        """`/ds doc <ref>`: the ephemeral card that replaced the "loading" answer, and the
        response_url it came through."""
        ack, response_url = self.bot.command(f"doc {ref}", user=user)
        assert ack.status_code == 200
        body = self.slack.wait_for_response(response_url)[0].body
        return body, response_url

    def click(self, button: dict[str, Any], user: str, *, message_ts: str | None = None) -> Opened:
        before = len(self.slack.calls("views.open"))
        ack, response_url, _ = self.bot.click(
            button["action_id"],
            button["value"],
            user=user,
            message_ts=message_ts,
            ephemeral=message_ts is None,
        )
        assert ack.status_code == 200
        call = self.slack.wait_for("views.open", before + 1)[before]
        assert call.ok, call.response
        return Opened(call.response["view"]["id"], response_url)

    def settled_view(self, opened: Opened, versions: int = 2) -> dict[str, Any]:
        """The modal once it has at least `versions` versions (opened, then filled…)."""
        return wait_until(
            lambda: len(v := self.slack.view_versions(opened.view_id)) >= versions and v[-1],
            what=f"modal version {versions}",
        )

    def submit(self, opened: Opened, values: dict[str, Any], user: str) -> dict[str, Any]:
        view = self.slack.view(opened.view_id)
        answer = self.bot.submit_view(
            view["callback_id"],
            values,
            user=user,
            private_metadata=view["private_metadata"],
            view_id=opened.view_id,
        )
        assert answer.status_code == 200, answer.text
        return answer.json() if answer.content else {}

    def audit(self) -> list[dict[str, Any]]:
        from dsbot.services.audit import AuditService

        return AuditService(self.bot.services.store).rows()


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks") or ()
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def action_buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The transition buttons of a card, by label."""
    return {
        b["text"]["text"]: b
        for b in buttons(message)
        if b["action_id"].startswith(ids.ACTION_ITEM_ACTION_PREFIX)
    }


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks") or message, ensure_ascii=False)


def form_values(comment: str | None = None, **inputs: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if comment is not None:
        values[ids.BLOCK_ITEM_COMMENT] = {
            ids.ACTION_ITEM_COMMENT_INPUT: {"type": "plain_text_input", "value": comment}
        }
    for input_id, state in inputs.items():
        values[ids.BLOCK_ITEM_INPUT_PREFIX + input_id] = {ids.ACTION_ITEM_INPUT: state}
    return values


def select(value: str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
    }


def date_input(value: str) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": value}


def number_input(value: str) -> dict[str, Any]:
    return {"type": "number_input", "value": value}
