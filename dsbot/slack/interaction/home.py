"""Publishing App Home tabs: on `app_home_opened`, after a click in the tab, and again
(debounced) when the feed saw one of the viewer's dossiers change.

Everything shown comes from the local index (`dsbot.services.home`): opening the Home costs
no DS request. Who sees what follows docs/interface.md, "Who may see a dossier": a guest sees
nothing, someone not linked learns how to get linked, a linked instructeur sees their
groupes' dossiers, an admin every dossier the bot follows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dsbot.logs import get_logger
from dsbot.services import personal
from dsbot.services.home import HomeState, load_home
from dsbot.services.linking import LinkingService
from dsbot.services.search import MAX_RESULTS, find
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.common import escape
from dsbot.slack.presentation.blocks.home import build_home, build_home_guest, build_home_unlinked
from dsbot.slack.presentation.blocks.search import search_blocks
from dsbot.store import Store
from dsbot.store import index as q
from dsbot.store.notifications import write
from dsbot.texts import Texts

log = get_logger(__name__)

# A Home is published again at most this often when its dossiers keep changing.
REFRESH_DEBOUNCE = timedelta(seconds=30)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class HomeViewer:
    """Who is looking: `sees_dossiers` is False for guests and people not linked."""

    instructeur_id: str | None
    sees_all: bool
    guest: bool = False
    reason_key: str | None = None
    email: str | None = None

    @property
    def sees_dossiers(self) -> bool:
        return not self.guest and (self.sees_all or self.instructeur_id is not None)


class HomePublisher:
    def __init__(
        self,
        store: Store,
        slack: WebClient,
        linking: LinkingService,
        texts: Texts,
        *,
        clock: Callable[[], datetime] = utc_now,
        debounce: timedelta = REFRESH_DEBOUNCE,
    ) -> None:
        self.store = store
        self.slack = slack
        self.linking = linking
        self.texts = texts
        self.clock = clock
        self.debounce = debounce

    def viewer(self, team_id: str, user_id: str) -> HomeViewer:
        profile = self.linking.users.profile(user_id)
        if profile.is_restricted:
            return HomeViewer(None, False, guest=True)
        status = self.linking.resolve(team_id, user_id)
        return HomeViewer(
            status.instructeur_id,
            sees_all=self.linking.is_admin(user_id),
            reason_key=status.reason,
            email=status.email,
        )

    def render(
        self,
        team_id: str,
        user_id: str,
        state: HomeState | None = None,
        search: str | None = None,
    ) -> tuple[HomeViewer, HomeState, dict[str, Any]]:
        """The viewer, the state shown, and the view (`state` None: as last shown; `search`:
        what was typed in the search box, answered from the index, never stored)."""
        viewer = self.viewer(team_id, user_id)
        if viewer.guest:
            return viewer, HomeState(), build_home_guest(self.texts)
        if not viewer.sees_dossiers:
            reason = self.texts(
                viewer.reason_key or "link.reason_no_match", email=escape(viewer.email or "?")
            )
            return viewer, HomeState(), build_home_unlinked(reason, self.texts)
        if state is None:
            with self.store.connect() as db:
                tab = q.get_home(db, team_id, user_id)
            state = HomeState.from_json(tab.view_state) if tab else HomeState()
        data = load_home(
            self.store,
            instructeur_id=viewer.instructeur_id,
            sees_all=viewer.sees_all,
            state=state,
        )
        if viewer.instructeur_id is not None:
            modes = personal.modes_of(self.store, team_id, user_id)
            data = replace(data, notifications=tuple((t.value, m.value) for t, m in modes.items()))
        results = None
        if search is not None and search.strip():
            entries = find(
                self.store, search, instructeur_id=viewer.instructeur_id, sees_all=viewer.sees_all
            )
            results = search_blocks(
                search,
                entries,
                self.clock(),
                self.texts,
                action_id=ids.ACTION_HOME_OPEN,
                limit=MAX_RESULTS,
            )
        return viewer, state, build_home(data, self.clock(), self.texts, results)

    def publish(
        self,
        team_id: str,
        user_id: str,
        state: HomeState | None = None,
        search: str | None = None,
    ) -> None:
        viewer, state, view = self.render(team_id, user_id, state, search)
        self.slack.views_publish(user_id=user_id, view=view)
        with write(self.store) as db:
            q.save_home(
                db,
                team_id,
                user_id,
                instructeur_id=viewer.instructeur_id if viewer.sees_dossiers else None,
                sees_all=viewer.sees_all and not viewer.guest,
                view_state=state.to_json(),
                published_at=self.clock(),
            )

    def refresh_due(self) -> int:
        """Publish again the Homes the feed marked out of date, each at most once per
        `debounce`. Returns how many were published; a Slack failure waits for next time."""
        with self.store.connect() as db:
            due = q.due_homes(db, self.clock() - self.debounce)
        published = 0
        for tab in due:
            try:
                self.publish(tab.team_id, tab.slack_user_id, HomeState.from_json(tab.view_state))
                published += 1
            except SlackApiError as exc:
                log.warning(
                    "home.publish_failed", user=tab.slack_user_id, error=exc.response.get("error")
                )
        return published
