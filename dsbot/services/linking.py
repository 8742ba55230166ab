"""Who a Slack user is in DS: automatic match by verified e-mail, or an admin's explicit link."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from dsbot.logs import get_logger
from dsbot.services.directory import InstructeurDirectory, Person
from dsbot.store import Store
from dsbot.store import links as q
from dsbot.store.links import LinkRow

log = get_logger(__name__)

# `method` of a tombstone row left by `delier`.
UNLINKED = "unlinked"


@dataclass(frozen=True)
class SlackProfile:
    user_id: str
    email: str | None
    email_confirmed: bool = True
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    # A Slack guest (single- or multi-channel): never shown dossier content.
    is_restricted: bool = False


class SlackUsers(Protocol):
    """What linking needs from Slack (over users.info in dsbot.slack.transport.users)."""

    def profile(self, user_id: str) -> SlackProfile: ...


class NotAnInstructeur(Exception):
    """The e-mail given to `lier` is not an instructeur of any démarche dsbot knows."""

    def __init__(self, email: str) -> None:
        super().__init__(email)
        self.email = email


@dataclass(frozen=True)
class LinkStatus:
    link: LinkRow | None
    # Text key explaining why there is no link (None when linked).
    reason: str | None = None
    email: str | None = None

    @property
    def instructeur_id(self) -> str | None:
        return self.link.instructeur_id if self.link else None


class LinkingService:
    def __init__(
        self,
        store: Store,
        directory: InstructeurDirectory,
        users: SlackUsers,
        admins: frozenset[str] = frozenset(),
    ) -> None:
        self.store = store
        self.directory = directory
        self.users = users
        self.admins = admins

    def is_admin(self, user_id: str) -> bool:
        """DSBOT_ADMINS alone is enough; workspace admins and owners are admins too."""
        if user_id in self.admins:
            return True
        profile = self.users.profile(user_id)
        return profile.is_admin or profile.is_owner

    def current(self, team_id: str, user_id: str) -> LinkRow | None:
        with self.store.connect() as db:
            return q.get_link(db, team_id, user_id)

    def resolve(self, team_id: str, user_id: str, candidates: Iterable[Person] = ()) -> LinkStatus:
        """The user's link, trying the automatic e-mail match when there is none yet.

        `candidates` are instructeurs known from context (the groupe of the dossier being
        opened), matched when the directory has no entry for the e-mail yet.
        """
        existing = self.current(team_id, user_id)
        if existing and existing.method == UNLINKED:
            return LinkStatus(None, reason="link.reason_unlinked")
        if existing and existing.method == "admin":
            return LinkStatus(existing, email=existing.email)
        profile = self.users.profile(user_id)
        email = (profile.email or "").lower() or None
        if existing and existing.email == email:
            return LinkStatus(existing, email=email)
        if existing:
            # The Slack e-mail changed since the automatic match: it no longer proves identity.
            with self.store.connect() as db:
                q.delete_link(db, team_id, user_id)
            log.info("link.auto_dropped", user=user_id, reason="slack_email_changed")
        if profile.is_bot:
            return LinkStatus(None, reason="link.reason_bot")
        if not email:
            return LinkStatus(None, reason="link.reason_no_email")
        if not profile.email_confirmed:
            return LinkStatus(None, reason="link.reason_unconfirmed", email=email)
        ids = self.directory.find(email)
        if not ids:
            ids = sorted({p.id for p in candidates if p.email.lower() == email})
        if len(ids) != 1:
            reason = "link.reason_no_match" if not ids else "link.reason_ambiguous"
            return LinkStatus(None, reason=reason, email=email)
        row = LinkRow(team_id, user_id, ids[0], email, "auto", user_id, q.now_iso())
        with self.store.connect() as db:
            q.save_link(db, row)
        log.info("link.auto", user=user_id, instructeur=ids[0])
        return LinkStatus(row, email=email)

    def link(self, team_id: str, admin_id: str, target_id: str, email: str) -> LinkRow:
        """Admin override. Refuses an e-mail that is not a DS instructeur."""
        ids = self.directory.find(email)
        if len(ids) != 1:
            raise NotAnInstructeur(email)
        row = LinkRow(team_id, target_id, ids[0], email.lower(), "admin", admin_id, q.now_iso())
        with self.store.connect() as db:
            q.save_link(db, row)
        log.info("link.admin", admin=admin_id, user=target_id, instructeur=ids[0])
        return row

    def unlink(self, team_id: str, admin_id: str, target_id: str) -> bool:
        """Remove a link. A tombstone stops the automatic match from re-creating it."""
        with self.store.connect() as db:
            existing = q.get_link(db, team_id, target_id)
            q.save_link(db, LinkRow(team_id, target_id, "", "", UNLINKED, admin_id, q.now_iso()))
        log.info("link.removed", admin=admin_id, user=target_id)
        return existing is not None and existing.method != UNLINKED
