"""What every renderer is given besides the row and what was prepared for it."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from dsbot.store import Store
from dsbot.texts import Texts


@dataclass(frozen=True)
class RenderContext:
    """`store` and `client`: where a digest finds the channel's cards and their permalinks
    (None: a digest's lines link to DS)."""

    texts: Texts
    ds_web_base: str
    store: Store | None = None
    client: WebClient | None = None
    # DSBOT_CHANNEL_DETAIL: "minimal" leaves the demandeur's name, e-mail and SIRET, and the
    # texts people wrote, out of what is posted in channels (docs/privacy.md).
    channel_detail: str = "full"

    @property
    def minimal(self) -> bool:
        return self.channel_detail == "minimal"
