"""The Slack side of the outbox: posts, updates and finds messages by their metadata.

`SlackOutbox` implements `dsbot.services.delivery.SlackPort` over a slack_sdk WebClient: it
renders rows with the Block Kit builders (a dossier card from a fresh DS read), calls Slack,
and turns Slack's answers into the port's two exceptions. Everything else (the exactly-once
state machine, pacing, retries, pausing a channel) is the delivery service's.

`Sender` wires the two together for `dsbot run` and `dsbot poll`. Finding a message after a
crash reads the channel's history (or the thread's replies): that needs the history scopes
(channels:history, groups:history).
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import SectionBlock

from dsbot.backends.ds.backend import dossier_url
from dsbot.backends.ds.models import Dossier
from dsbot.backends.port import Backend, BackendName
from dsbot.redact import redact
from dsbot.services.delivery import (
    DeliveryService,
    DeliveryTag,
    DrainReport,
    NoAnswer,
    SlackRefused,
    utc_now,
)
from dsbot.services.outbox import BURST_THRESHOLD
from dsbot.services.pacing import POST_INTERVAL, TIER3_BURST, TIER3_PER_MINUTE
from dsbot.slack.blocks import events
from dsbot.slack.blocks.card import Viewer, build_dossier_card
from dsbot.slack.blocks.common import SlackMessage, make_message, mrkdwn
from dsbot.slack.blocks.item import ItemViewer, build_item_card
from dsbot.slack.digest import render_digest
from dsbot.slack.views import dossier_detail
from dsbot.store import Store
from dsbot.store.notifications import AlertPayload, OutboxRow, SummaryPayload, ThreadPayload
from dsbot.store.payloads import Digest, ItemRef, ItemStateChanged
from dsbot.texts import Texts

__all__ = ["METADATA_EVENT_TYPE", "DrainReport", "Sender", "SlackOutbox"]

METADATA_EVENT_TYPE = "dsbot_outbox"
# Channel cards are seen by everyone: the buttons are shown and each click is authorized then.
CHANNEL_VIEWER = Viewer(instructeur_id=None, can_act=True)
HISTORY_PAGE = 200
NETWORK_ERRORS = (URLError, OSError, TimeoutError, http.client.HTTPException)


class SlackOutbox:
    """`SlackPort` over a WebClient. `fetch_dossier(number)` reads a dossier (DSClient's
    get_dossier, or the feed's RecentDossiers.get)."""

    def __init__(
        self,
        client: WebClient,
        fetch_dossier: Callable[[int], Dossier],
        texts: Texts,
        *,
        ds_web_base: str,
        history_pages: int = 3,
        store: Store | None = None,
        backends: Mapping[BackendName, Backend] | None = None,
    ) -> None:
        self.client = client
        self.fetch_dossier = fetch_dossier
        self.texts = texts
        self.ds_web_base = ds_web_base
        self.history_pages = history_pages
        # Where a digest finds the channel's cards, to link each line to its card.
        self.store = store
        self.backends = dict(backends or {})

    # --- rendering -------------------------------------------------------------------------

    def render_card(self, number: int) -> SlackMessage:
        return build_dossier_card(
            dossier_detail(self.fetch_dossier(number), self.texts, self.ds_web_base),
            viewer=CHANNEL_VIEWER,
            texts=self.texts,
            ephemeral=False,
        )

    def render_gone_card(self, number: int) -> SlackMessage:
        return events.build_gone_card(number, self.texts)

    def render_item_card(self, item: ItemRef) -> SlackMessage:
        # Read with the bot's token; the buttons are every transition leaving the state, and
        # a click is checked again with the clicker's own token (dsbot.slack.listeners.items).
        reader = self.backends[BackendName(item.backend)].reader()
        found = reader.get_item(item.ref)
        actions = reader.available_actions(item.ref, for_anyone=True)
        return build_item_card(
            found, actions, viewer=ItemViewer(can_act=True), texts=self.texts, ephemeral=False
        )

    def render_item_gone_card(self, item: ItemRef) -> SlackMessage:
        text = self.texts("notify.item.card_gone")
        return make_message(text, [SectionBlock(text=mrkdwn(text))])

    def render_event(self, row: OutboxRow, mention: Callable[[str], str]) -> SlackMessage:
        payload = row.payload
        assert isinstance(payload, ThreadPayload) and row.dossier_number is not None
        if isinstance(payload.change, ItemStateChanged):
            return events.build_item_change_message(
                payload.change, title=payload.change.title, texts=self.texts
            )
        number = row.dossier_number
        url = dossier_url(self.ds_web_base, payload.demarche, number) if payload.demarche else None
        return events.build_change_message(
            payload.change, dossier_number=number, texts=self.texts, url=url, mention=mention
        )

    def render_summary(self, row: OutboxRow) -> SlackMessage:
        assert isinstance(row.payload, SummaryPayload)
        return events.build_outbox_summary(row.payload, self.texts)

    def render_alert(self, row: OutboxRow) -> SlackMessage:
        assert isinstance(row.payload, AlertPayload)
        return events.build_alert(row.payload, self.texts)

    def render_digest(self, row: OutboxRow) -> SlackMessage:
        assert isinstance(row.payload, Digest) and self.store is not None
        return render_digest(
            self.store,
            self.client,
            self.texts,
            self.ds_web_base,
            row.team_id,
            row.channel_id,
            row.payload,
        )

    # --- calls -----------------------------------------------------------------------------

    def post(
        self,
        channel: str,
        message: SlackMessage,
        *,
        tag: DeliveryTag,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> str:
        kwargs: dict[str, Any] = {}
        if thread_ts is not None:
            kwargs = {"thread_ts": thread_ts, "reply_broadcast": broadcast}
        with _answers():
            response = self.client.chat_postMessage(
                channel=channel,
                metadata=_metadata(tag),
                unfurl_links=False,
                unfurl_media=False,
                **kwargs,
                **message.as_kwargs(),
            )
        return str(response["ts"])

    def update(self, channel: str, ts: str, message: SlackMessage, *, tag: DeliveryTag) -> None:
        with _answers():
            self.client.chat_update(
                channel=channel, ts=ts, metadata=_metadata(tag), **message.as_kwargs()
            )

    def find(
        self,
        channel: str,
        tag: DeliveryTag,
        *,
        thread_ts: str | None = None,
        before_page: Callable[[], None] = lambda: None,
    ) -> str | None:
        pages = self._replies(channel, thread_ts) if thread_ts else self._history(channel)
        with _answers():
            for messages in _paced(pages, before_page):
                for message in messages:
                    payload = (message.get("metadata") or {}).get("event_payload") or {}
                    if payload.get("outbox_id") == tag.outbox_id and payload.get("db") == tag.db:
                        return str(message["ts"])
        return None

    def _history(self, channel: str) -> Iterator[list[dict[str, Any]]]:
        cursor = None
        for _ in range(self.history_pages):
            response = self.client.conversations_history(
                channel=channel, limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor
            )
            yield response.get("messages") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def _replies(self, channel: str, thread_ts: str) -> Iterator[list[dict[str, Any]]]:
        cursor = None
        while True:
            response = self.client.conversations_replies(
                channel=channel,
                ts=thread_ts,
                limit=HISTORY_PAGE,
                include_all_metadata=True,
                cursor=cursor,
            )
            yield response.get("messages") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return


def _paced(pages: Iterator[Any], before_page: Callable[[], None]) -> Iterator[Any]:
    while True:
        before_page()
        try:
            yield next(pages)
        except StopIteration:
            return


def _metadata(tag: DeliveryTag) -> dict[str, Any]:
    return {
        "event_type": METADATA_EVENT_TYPE,
        "event_payload": {"outbox_id": tag.outbox_id, "db": tag.db},
    }


class _answers:
    """Slack's answers as the port's exceptions."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, SlackApiError):
            raise _refused(exc) from exc
        if isinstance(exc, NETWORK_ERRORS):
            raise NoAnswer(redact(f"{type(exc).__name__}: {exc}")) from exc


def _refused(exc: SlackApiError) -> SlackRefused:
    response = exc.response
    try:
        error = str(response.get("error") or "")
    except AttributeError:
        error = ""
    status = getattr(response, "status_code", 200)
    return SlackRefused(error or "unknown_error", status=status, retry_after=_retry_after(exc))


def _retry_after(exc: SlackApiError) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name)
        if value:
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                return None
    return None


class Sender(DeliveryService):
    """The delivery service over slack_sdk: what `dsbot run` and `dsbot poll` use.

    `pacing` is the time between two posts in one channel, counted from the end of the
    previous one; `tier3_per_minute` the workspace's budget for chat.update and history reads.
    """

    def __init__(
        self,
        store: Store,
        client: WebClient,
        fetch_dossier: Callable[[int], Dossier],
        texts: Texts,
        *,
        ds_web_base: str,
        ops_channel: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        pacing: float = POST_INTERVAL,
        tier3_per_minute: float = TIER3_PER_MINUTE,
        tier3_burst: int = TIER3_BURST,
        burst_threshold: int = BURST_THRESHOLD,
        max_attempts: int = 8,
        retry_base: float = 5.0,
        retry_cap: float = 900.0,
        workers: int = 4,
        history_pages: int = 3,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        backends: Mapping[BackendName, Backend] | None = None,
    ) -> None:
        super().__init__(
            store,
            SlackOutbox(
                client,
                fetch_dossier,
                texts,
                ds_web_base=ds_web_base,
                history_pages=history_pages,
                store=store,
                backends=backends,
            ),
            ops_channel=ops_channel,
            clock=clock,
            post_interval=pacing,
            tier3_per_minute=tier3_per_minute,
            tier3_burst=tier3_burst,
            burst_threshold=burst_threshold,
            max_attempts=max_attempts,
            retry_base=retry_base,
            retry_cap=retry_cap,
            workers=workers,
            monotonic=monotonic,
            sleep=sleep,
        )
