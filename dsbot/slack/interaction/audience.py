"""Who a channel's messages reach, as Slack says it: shared with another organisation
(`conversations.info`: `is_ext_shared`, `is_org_shared`, `is_shared`, `is_pending_ext_shared`),
and guests among its members (`conversations.members`, then `users.info`: `is_restricted`,
`is_ultra_restricted`). Counts and flags only: no name of a guest leaves here.

dsbot.services.channel_exposure decides what follows (a confirmation, a pause, an alert).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dsbot.texts import Texts

# conversations.info's flags of a channel shared beyond the workspace, in the order they are
# told; `is_shared` alone (shared between workspaces of one organisation) counts too.
SHARE_FLAGS = ("is_ext_shared", "is_pending_ext_shared", "is_org_shared", "is_shared")
MEMBERS_PAGE = 200


@dataclass(frozen=True)
class Audience:
    shared: tuple[str, ...] = ()  # the SHARE_FLAGS set on the channel
    guests: int = 0  # 1 when at least one member is a guest (the check stops at the first)

    @property
    def exposed(self) -> bool:
        return bool(self.shared or self.guests)

    @property
    def codes(self) -> tuple[str, ...]:
        """For the audit: the flags, and `guests`."""
        return self.shared + (("guests",) if self.guests else ())

    def reasons(self, t: Texts) -> str:
        """Why the channel is exposed, in a sentence's words."""
        parts = []
        if {"is_ext_shared", "is_org_shared", "is_shared"} & set(self.shared):
            parts.append(t("exposure.shared"))
        elif "is_pending_ext_shared" in self.shared:
            parts.append(t("exposure.pending"))
        if self.guests:
            parts.append(t("exposure.guests"))
        return t("exposure.and").join(parts)


def shared_flags(info: dict[str, Any]) -> tuple[str, ...]:
    return tuple(flag for flag in SHARE_FLAGS if info.get(flag) is True)


def is_guest(client: WebClient, user_id: str) -> bool:
    """Whether `user_id` is a guest of the workspace (single- or multi-channel); a user Slack
    does not show (another organisation's) counts as one."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        if exc.response.get("error") in ("user_not_found", "user_not_visible"):
            return True
        raise
    if user.get("is_bot") or user.get("deleted"):
        return False
    return bool(user.get("is_restricted") or user.get("is_ultra_restricted"))


def members(client: WebClient, channel_id: str) -> Iterator[str]:
    cursor = ""
    while True:
        page = client.conversations_members(channel=channel_id, limit=MEMBERS_PAGE, cursor=cursor)
        yield from page.get("members") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return


def channel_audience(
    client: WebClient, channel_id: str, info: dict[str, Any] | None = None
) -> Audience:
    """The channel's audience (`info`: its conversations.info, when already read)."""
    if info is None:
        info = client.conversations_info(channel=channel_id)["channel"]
    # One guest is enough to ask for a confirmation: the check stops there (one users.info
    # per member otherwise, Tier 4).
    guests = next((1 for user in members(client, channel_id) if is_guest(client, user)), 0)
    return Audience(shared_flags(info), guests)
