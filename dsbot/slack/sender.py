"""The delivery engine wired to Slack, for `dsbot run` and `dsbot poll`: the engine
(`dsbot.notifications.delivery`) with the Slack transport (`dsbot.slack.transport`), the
renderer table (`dsbot.slack.rendering`) and a prepare step over the DS reader and the port's
backends."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from dsbot.backends.port import Backend, BackendName
from dsbot.notifications.delivery.engine import DeliveryService, utc_now
from dsbot.notifications.delivery.prepare import Preparer
from dsbot.notifications.delivery.scheduler import (
    BURST_THRESHOLD,
    POST_INTERVAL,
    TIER3_BURST,
    TIER3_PER_MINUTE,
)
from dsbot.slack.rendering import RenderContext, TableRenderer
from dsbot.slack.transport import SlackTransport
from dsbot.store import Store
from dsbot.texts import Texts

__all__ = ["Sender"]


class Sender(DeliveryService):
    """The delivery service over slack_sdk. `fetch_dossier(number)` reads a dossier for its
    card (DSClient's get_dossier, or the feed's RecentDossiers.get); `backends`: the port's
    backends whose items have cards.

    `pacing` is the time between two posts in one channel, counted from the end of the
    previous one; `tier3_per_minute` the workspace's budget for chat.update and history reads.
    """

    def __init__(
        self,
        store: Store,
        client: WebClient,
        fetch_dossier: Callable[[int], Any],
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
        channel_detail: str = "full",
    ) -> None:
        super().__init__(
            store,
            SlackTransport(client, history_pages=history_pages),
            TableRenderer(
                RenderContext(
                    texts, ds_web_base, store=store, client=client, channel_detail=channel_detail
                ),
            ),
            Preparer(store, fetch_dossier, backends),
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
