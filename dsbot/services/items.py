"""Items of any backend as one person sees them, and actions taken as that person.

Free of Slack: the listeners ask "what may this person see and do on this item", "prepare this
action", "perform it", and turn the answers into cards and modals. Works on the backend port
only (`dsbot/backends/port/`), so a new backend needs nothing here.

Privacy: an item's content goes to a person who has connected their own credential and whom
the backend lets see it (the read is made with *their* credential), or to an admin (read with
the bot's credential, no actions). Everyone else is told how to connect.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from dsbot.backends.errors import BackendAuthFailed, BackendRefused
from dsbot.backends.port import (
    ActionForm,
    ActionRequest,
    ActionResult,
    Backend,
    BackendName,
    FeedSource,
    Item,
    ItemAction,
    ItemSource,
)
from dsbot.logs import get_logger
from dsbot.redact import redact
from dsbot.services.audit import AuditService
from dsbot.services.credentials import CredentialVault, SecretKeyError
from dsbot.store import Store
from dsbot.store import audit as q
from dsbot.store.locks import ItemBusy, ItemLocks

log = get_logger(__name__)


class Access(StrEnum):
    """Why a person sees what they see; each value other than CONNECTED has a text."""

    CONNECTED = "connected"  # their own credential: content and their actions
    ADMIN = "admin"  # not connected, but an admin: content, no actions
    NOT_CONNECTED = "not_connected"
    BAD_CREDENTIAL = "bad_credential"  # stored, but the backend no longer accepts it
    NO_KEY = "no_key"  # DSBOT_SECRET_KEY missing or malformed
    OFF = "off"  # the backend is not configured
    GUEST = "guest"  # a Slack guest: no content, no credential, whatever the backend


class GuestRefused(Exception):
    """A Slack guest may not connect a credential (the guest rule, for every backend)."""


@dataclass(frozen=True)
class ItemView:
    access: Access
    item: Item | None = None
    actions: tuple[ItemAction, ...] = ()
    detail: str = ""  # the one-line reason of NO_KEY

    @property
    def can_act(self) -> bool:
        return self.access is Access.CONNECTED


@dataclass(frozen=True)
class Prepared:
    """What a click leads to: the form to fill, or why not (`refusal`: the backend's words
    when it gave some, "" when the person simply may not take the action now)."""

    access: Access
    form: ActionForm | None = None
    refusal: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Performed:
    access: Access
    result: ActionResult | None = None
    duplicate: bool = False
    detail: str = ""
    # Another action on the item held its lock: nothing was done (dsbot/store/locks.py).
    busy: bool = False


class ItemService:
    def __init__(
        self,
        store: Store,
        backends: Mapping[BackendName, Backend],
        vault: CredentialVault,
        audit: AuditService,
        admins: Collection[str],
        *,
        clock: Callable[[], datetime] | None = None,
        feeds: Mapping[BackendName, FeedSource] | None = None,
        is_guest: Callable[[str], bool] = lambda user_id: False,
    ) -> None:
        self.store = store
        # The guest rule of DS's cards, for every backend: a Slack guest (restricted or
        # ultra-restricted) sees no item's content and connects no credential.
        self.is_guest = is_guest
        self.backends = dict(backends)
        # What changed in each backend, read by the bot (the poller's and subscriptions').
        self.feeds = dict(feeds or {})
        self.vault = vault
        self.audit = audit
        self.admins = frozenset(admins)
        self.clock = clock or (lambda: datetime.now(UTC))
        # One action at a time per item, across processes (dsbot/store/locks.py).
        self.locks = ItemLocks(store)

    def enabled(self, backend: BackendName) -> bool:
        return backend in self.backends

    # --- who is this person in the backend ---------------------------------------------------

    def _source(
        self, team_id: str, user_id: str, backend: BackendName
    ) -> tuple[ItemSource | None, Access, str]:
        """The backend as this person, or why not."""
        port = self.backends.get(backend)
        if port is None:
            return None, Access.OFF, ""
        if self.is_guest(user_id):
            return None, Access.GUEST, ""
        try:
            self.vault.check_key()
            credential = self.vault.get(team_id, user_id, backend.value)
        except SecretKeyError as exc:
            return None, Access.NO_KEY, str(exc)
        if credential is None:
            if user_id in self.admins:
                return port.reader(), Access.ADMIN, ""
            return None, Access.NOT_CONNECTED, ""
        return port.as_person(credential), Access.CONNECTED, ""

    def connect(self, team_id: str, user_id: str, backend: BackendName, credential: str) -> None:
        """Check the credential with the backend, then store it encrypted. Raises
        BackendAuthFailed, SecretKeyError, GuestRefused, or KeyError when the backend is off."""
        if self.is_guest(user_id):
            raise GuestRefused(user_id)
        self.vault.check_key()
        self.backends[backend].check_credential(credential)
        self.vault.put(team_id, user_id, backend.value, credential)
        log.info("credential.connected", user=user_id, backend=backend.value)

    def disconnect(self, team_id: str, user_id: str, backend: BackendName) -> bool:
        removed = self.vault.remove(team_id, user_id, backend.value)
        log.info("credential.disconnected", user=user_id, backend=backend.value, removed=removed)
        return removed

    # --- reading ---------------------------------------------------------------------------------

    def view(self, team_id: str, user_id: str, backend: BackendName, ref: str) -> ItemView:
        """The item and the actions this person may take now. Raises BackendNotFound when the
        backend does not show them the item."""
        source, access, detail = self._source(team_id, user_id, backend)
        if source is None:
            return ItemView(access, detail=detail)
        try:
            item = source.get_item(ref)
        except BackendAuthFailed:
            return ItemView(Access.BAD_CREDENTIAL)
        actions: tuple[ItemAction, ...] = ()
        if access is Access.CONNECTED:
            actions = tuple(source.available_actions(item.ref))
        return ItemView(access, item, actions)

    def shared_view(self, backend: BackendName, ref: str) -> ItemView:
        """The item for a channel: read by the bot, with every action that leaves the current
        state (each click is checked again as the person who clicks)."""
        source = self.backends[backend].reader()
        item = source.get_item(ref)
        return ItemView(
            Access.CONNECTED, item, tuple(source.available_actions(ref, for_anyone=True))
        )

    # --- acting ----------------------------------------------------------------------------------

    def prepare(
        self, team_id: str, user_id: str, backend: BackendName, ref: str, action: ItemAction
    ) -> Prepared:
        source, access, detail = self._source(team_id, user_id, backend)
        if source is None or access is not Access.CONNECTED:
            # An admin without a credential may read, never act: they must connect too.
            return Prepared(
                Access.NOT_CONNECTED if access is Access.ADMIN else access, detail=detail
            )
        try:
            why_not = source.why_not(ref, action)
            if why_not is not None:
                return Prepared(access, refusal=why_not)
            return Prepared(access, form=source.action_form(ref, action))
        except BackendAuthFailed:
            return Prepared(Access.BAD_CREDENTIAL)
        except BackendRefused as exc:
            return Prepared(access, refusal=exc.message)

    def perform(
        self, team_id: str, user_id: str, backend: BackendName, request: ActionRequest, key: str
    ) -> Performed:
        """The action as this person, once per `key`; every attempt is audited."""
        source, access, detail = self._source(team_id, user_id, backend)
        if source is None or access is not Access.CONNECTED:
            access = Access.NOT_CONNECTED if access is Access.ADMIN else access
            self._audit(team_id, user_id, backend, request, key, "refused", error=access.value)
            return Performed(access, detail=detail)
        with self.store.connect() as db:
            claimed = q.claim_key(db, key, self.clock())
        if not claimed:
            self._audit(team_id, user_id, backend, request, key, "duplicate")
            return Performed(access, duplicate=True)
        try:
            with self.locks.hold(backend.value, request.ref):
                result = source.perform(request)
        except ItemBusy:
            self._finish(key, q.KEY_FAILED)
            self._audit(team_id, user_id, backend, request, key, "refused", error="busy")
            return Performed(access, busy=True)
        except BaseException as exc:
            # Unknown outcome: the key stays used, so a resubmit cannot make a second change.
            self._finish(key, q.KEY_DONE)
            self._audit(
                team_id,
                user_id,
                backend,
                request,
                key,
                "error",
                error=redact(f"{type(exc).__name__}: {exc}"),
            )
            raise
        self._finish(key, q.KEY_DONE if result.done else q.KEY_FAILED)
        self._audit(
            team_id,
            user_id,
            backend,
            request,
            key,
            "ok" if result.done else "refused",
            error=result.refusal,
            recovered=result.recovered,
            who=_actor(result),
            number=_item_number(result),
        )
        return Performed(access, result)

    def _finish(self, key: str, status: str) -> None:
        with self.store.connect() as db:
            q.finish_key(db, key, status)

    def _audit(
        self,
        team_id: str,
        user_id: str,
        backend: BackendName,
        request: ActionRequest,
        key: str,
        result: str,
        *,
        error: str | None = None,
        recovered: bool = False,
        who: str | None = None,
        number: int | None = None,
    ) -> None:
        if number is None:
            number = int(request.ref) if request.ref.isdigit() else 0
        self.audit.record(
            team_id=team_id,
            slack_user_id=user_id,
            instructeur_id=who,
            # The item's own number (its backend's id, even when it was named by another
            # reference): the feed knows the bot's own changes by it.
            dossier_number=number,
            action=request.action.id,
            result=result,
            motivation_length=len(request.comment) if request.comment else None,
            error=error,
            recovered=recovered,
            action_key=key,
            backend=backend.value,
        )


def _actor(result: ActionResult) -> str | None:
    """Who the backend recorded as the author of the change (its newest state change)."""
    if result.item is None:
        return None
    return next((h.who for h in result.item.history if h.is_state_change), None)


__all__ = ["Access", "ItemService", "ItemView", "Performed", "Prepared"]


def _item_number(result: ActionResult) -> int | None:
    ref = result.item.ref if result.item is not None else ""
    return int(ref) if ref.isdigit() else None
