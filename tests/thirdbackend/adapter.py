"""Ledger behind dsbot's port: a `Backend` (the bot's reader, a person's source), an
`ItemSource` over Ledger's HTTP API and a `FeedSource` over its event log. Only the port, the
error root and the registry's types are used, as a folder of `dsbot/backends/` would."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from dsbot.backends.errors import (
    BackendAuthFailed,
    BackendError,
    BackendNotFound,
    BackendRefused,
    BackendUnavailable,
)
from dsbot.backends.port import (
    ActionForm,
    ActionRequest,
    ActionResult,
    BackendName,
    Change,
    FeedBatch,
    FeedCursor,
    HistoryEntry,
    Item,
    ItemAction,
    ItemState,
)

NAME = "ledger"


def _state(data: dict[str, Any]) -> ItemState:
    return ItemState(str(data["id"]), str(data["label"]), str(data.get("color") or ""))


class LedgerClient:
    """Ledger's HTTP API as one token."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=5
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(f"Ledger: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise BackendUnavailable("Ledger", http_status=response.status_code)
        message = str((response.json() or {}).get("error", "")) if response.is_error else ""
        errors: dict[int, type[BackendError]] = {
            401: BackendAuthFailed,
            403: BackendRefused,
            404: BackendNotFound,
            409: BackendRefused,
        }
        if response.is_error:
            raise errors.get(response.status_code, BackendError)(
                message, http_status=response.status_code
            )
        return response.json()


class LedgerSource:
    """The port's `ItemSource` as one person (or the bot)."""

    def __init__(self, client: LedgerClient) -> None:
        self.client = client

    def _item(self, data: dict[str, Any], history: int = 5) -> Item:
        return Item(
            backend=BackendName(NAME),
            ref=str(data["ref"]),
            title=str(data["title"]),
            kind=str(data["scope_title"]),
            state=_state(data["state"]),
            modified_at=datetime.fromisoformat(data["modified_at"]),
            url=f"{self.client.base_url}/fiche/{data['ref']}",
            history=tuple(
                HistoryEntry(
                    datetime.fromisoformat(h["at"]), h["who"], h["text"], h["state_change"]
                )
                for h in data["history"][:history]
            ),
        )

    def get_item(self, ref: str, *, history: int = 5) -> Item:
        return self._item(self.client.call("GET", f"/items/{ref}"), history)

    def available_actions(self, ref: str, *, for_anyone: bool = False) -> list[ItemAction]:
        params = {"for_anyone": "1"} if for_anyone else {}
        found = self.client.call("GET", f"/items/{ref}/actions", params=params)
        return [ItemAction(a["id"], a["label"], target=_state(a["target"])) for a in found]

    def why_not(self, ref: str, action: ItemAction) -> str | None:
        mine = self.available_actions(ref)
        return None if any(a.id == action.id for a in mine) else ""

    def action_form(self, ref: str, action: ItemAction) -> ActionForm:
        return ActionForm(action, ask_comment=True, comment_required=action.id == "instruire")

    def perform(self, request: ActionRequest) -> ActionResult:
        try:
            data = self.client.call(
                "POST",
                f"/items/{request.ref}/actions/{request.action.id}",
                json={"comment": request.comment or ""},
            )
        except BackendRefused as exc:
            return ActionResult(False, refusal=exc.message)
        return ActionResult(True, item=self._item(data))

    def changed_since(self, scope: str, since: datetime) -> list[Item]:
        cursor = self.client.call("GET", f"/scopes/{scope}/cursor", params={"since": since})
        batch = LedgerFeed(self.client).changes(scope, FeedCursor(str(cursor["cursor"])))
        return [self.get_item(c.ref) for c in batch.changes]


class LedgerBackend:
    """The port's `Backend`: `client` is the bot's (its feed reads over it too)."""

    def __init__(self, client: LedgerClient) -> None:
        self.name = BackendName(NAME)
        self.client = client

    def reader(self) -> LedgerSource:
        return LedgerSource(self.client)

    def as_person(self, credential: str) -> LedgerSource:
        return LedgerSource(LedgerClient(self.client.base_url, credential))

    def check_credential(self, credential: str) -> None:
        LedgerClient(self.client.base_url, credential).call("GET", "/me")


class LedgerFeed:
    """The port's `FeedSource`: a cursor is the sequence number of the last event read."""

    def __init__(self, client: LedgerClient) -> None:
        self.client = client

    def start(self, scope: str, since: datetime) -> FeedCursor:
        found = self.client.call(
            "GET", f"/scopes/{scope}/cursor", params={"since": since.isoformat()}
        )
        return FeedCursor(str(found["cursor"]))

    def changes(self, scope: str, cursor: FeedCursor) -> FeedBatch:
        found = self.client.call("GET", f"/scopes/{scope}/changes", params={"after": cursor})
        changes = tuple(
            Change(c["ref"], datetime.fromisoformat(c["at"]), _state(c["state"]))
            for c in found["changes"]
        )
        return FeedBatch(changes, FeedCursor(str(found["cursor"])))
