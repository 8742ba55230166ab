"""The bot token scopes dsbot needs, and why.

`manifest.yml` declares exactly these (a test keeps them in step), and `dsbot check` compares
them with the `x-oauth-scopes` header that Slack returns from `auth.test`, so that a missing
scope is reported at set-up time instead of as a `missing_scope` error in the middle of an
instructeur's action.
"""

from __future__ import annotations

BOT_SCOPES: dict[str, str] = {
    "commands": "the /ds slash command",
    "chat:write": "post dossier cards and notifications, update them in place, reply in threads",
    "chat:write.public": (
        "post notifications in public channels subscribed with /ds abonner without inviting the bot"
    ),
    "files:read": (
        "download the justificatif or attachment an instructeur gives in a modal's file_input"
    ),
    "users:read": "users.info: an admin check (is_admin/is_owner) and the caller's profile",
    "users:read.email": "users.info profile.email, to link a Slack user to a DS instructeur",
    "channels:read": (
        "conversations.info and conversations.members on a public channel when it is subscribed"
        " (shared outside? guests?), and its member_joined_channel and channel_shared events"
    ),
    "groups:read": "the same on a private channel",
    "im:write": (
        "open a direct message to an admin when a subscription fails for good, and to a "
        "person for their personal notifications"
    ),
    "channels:history": (
        "after a crash, find a notification already posted in a public channel (its metadata) "
        "instead of posting it twice"
    ),
    "groups:history": "the same in a private channel",
    "im:history": "the same in a person's direct messages (personal notifications)",
    "links:read": "link_shared events for the DS dossier URLs of manifest.yml's unfurl_domains",
    "links:write": "chat.unfurl: the compact preview of a dossier link",
}


def missing_scopes(granted: str | list[str] | tuple[str, ...] | set[str]) -> list[str]:
    """The scopes of BOT_SCOPES absent from `granted`.

    `granted` is either the raw comma-separated `x-oauth-scopes` header or a collection of
    scope names; the answer keeps BOT_SCOPES' order so that reports read the same every time.
    """
    names = granted.split(",") if isinstance(granted, str) else granted
    have = {name.strip() for name in names if name.strip()}
    return [scope for scope in BOT_SCOPES if scope not in have]
