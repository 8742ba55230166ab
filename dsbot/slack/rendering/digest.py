"""Rendering a digest for a channel: the message, with each dossier's link (its card in the
channel when there is one). Used by the outbox sender and by `dsbot digest --dry-run`."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dsbot.notifications.model import Digest, ItemRef
from dsbot.slack.presentation.blocks.common import SlackMessage
from dsbot.slack.presentation.blocks.digest import build_digest
from dsbot.slack.presentation.views import dossier_url
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.texts import Texts


def digest_links(
    store: Store, client: WebClient, ds_web_base: str, team_id: str, channel_id: str, digest: Digest
) -> dict[int, str]:
    """Each listed dossier's link: its card in the channel when there is one (by
    chat.getPermalink), else its page in DS."""
    links: dict[int, str] = {}
    demarches = {
        line.number: line.demarche_number
        for part in digest.demarches
        for _, lines in part.categories.values()
        for line in lines
    }
    for number, demarche in sorted(demarches.items()):
        with store.connect() as db:
            ts = q.parent_ts(db, team_id, channel_id, ItemRef.ds(number))
        if ts is not None:
            try:
                permalink = client.chat_getPermalink(channel=channel_id, message_ts=ts)
                links[number] = str(permalink["permalink"])
                continue
            except SlackApiError:
                pass  # the card is gone or unreadable: DS's page will do
        links[number] = dossier_url(ds_web_base, demarche, number)
    return links


def render_digest(
    store: Store,
    client: WebClient | None,
    texts: Texts,
    ds_web_base: str,
    team_id: str,
    channel_id: str,
    digest: Digest,
) -> SlackMessage:
    """`client` None (a dry run): links go to DS, no Slack call."""
    if client is None:
        links = {
            line.number: dossier_url(ds_web_base, line.demarche_number, line.number)
            for part in digest.demarches
            for _, lines in part.categories.values()
            for line in lines
        }
    else:
        links = digest_links(store, client, ds_web_base, team_id, channel_id, digest)
    return build_digest(digest, texts, links)
