"""The results of a search (`/ds cherche`, the Home's search box): pure builders.

Each line carries what the Home's lines carry (number, démarche, state, age), never the
demandeur: the card, opened by the line's button, shows the rest to whoever may see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, ButtonElement, SectionBlock

from dsbot.slack import ids
from dsbot.slack.presentation.blocks.common import (
    BUTTON_TEXT_MAX,
    SlackMessage,
    escape_truncate,
    make_message,
    mrkdwn,
    plain,
)
from dsbot.slack.presentation.blocks.home import entry_line
from dsbot.store.index import IndexEntry
from dsbot.texts import Texts

QUERY_SHOWN_MAX = 100


def search_blocks(
    query: str,
    entries: Sequence[IndexEntry],
    now: datetime,
    texts: Texts,
    *,
    action_id: str,
    limit: int,
) -> list[Block]:
    """A heading line, then one line per dossier with a button (`action_id`) opening its card."""
    shown = escape_truncate(" ".join(query.split()), QUERY_SHOWN_MAX)
    if not entries:
        return [
            SectionBlock(block_id="search_none", text=mrkdwn(texts("search.none", query=shown)))
        ]
    blocks: list[Block] = [
        SectionBlock(
            block_id="search_results",
            text=mrkdwn(
                texts(
                    "search.results.one" if len(entries) == 1 else "search.results",
                    count=len(entries),
                    query=shown,
                    limit=limit,
                )
            ),
        )
    ]
    for entry in entries:
        blocks.append(
            SectionBlock(
                block_id=f"search_{entry.number}",
                text=mrkdwn(entry_line(entry, now, texts)),
                accessory=ButtonElement(
                    action_id=action_id,
                    text=plain(texts("search.open"), BUTTON_TEXT_MAX),
                    value=ids.encode_ref(entry.number),
                ),
            )
        )
    return blocks


def build_search_results(
    query: str, entries: Sequence[IndexEntry], now: datetime, texts: Texts, *, limit: int
) -> SlackMessage:
    """The ephemeral answer of `/ds cherche`."""
    blocks = search_blocks(
        query, entries, now, texts, action_id=ids.ACTION_SEARCH_OPEN, limit=limit
    )
    shown = escape_truncate(" ".join(query.split()), QUERY_SHOWN_MAX)
    key = (
        "search.none"
        if not entries
        else "search.results.one"
        if len(entries) == 1
        else "search.results"
    )
    return make_message(texts(key, count=len(entries), query=shown, limit=limit), blocks)
