"""The App Home tab: `app_home_opened`, « Voir plus », the state filter and « Ouvrir ».

Each handler acks at once and hands the work to the job pool (docs/slack.md, "Acknowledge
within 3 seconds"). Publishing twice shows the same thing, so Slack's event retries are
harmless (docs/slack.md, "Events API retries").
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from dsbot.logs import get_logger
from dsbot.notifications.model import Mode, Topic
from dsbot.services import personal
from dsbot.services.home import SECTION_NAMES, HomeState
from dsbot.slack import ids
from dsbot.slack.commands.handlers import show_dossier
from dsbot.slack.interaction.home import HomePublisher
from dsbot.slack.middleware import SERVICES_KEY, actor
from dsbot.slack.presentation.blocks.card import Viewer, build_dossier_card
from dsbot.slack.presentation.blocks.home import build_home_note
from dsbot.slack.presentation.error_texts import ds_error_text
from dsbot.slack.presentation.views import dossier_detail
from dsbot.slack.services import AppServices

log = get_logger(__name__)


def register(app: App) -> None:
    app.event("app_home_opened")(handle_home_opened)
    app.action(ids.ACTION_HOME_MORE)(handle_more)
    app.action(ids.ACTION_HOME_FILTER)(handle_filter)
    app.action(ids.ACTION_HOME_OPEN)(handle_open)
    app.action(ids.ACTION_HOME_SEARCH)(handle_search)
    app.action(ids.ACTION_SEARCH_OPEN)(handle_search_open)
    app.action(ids.ACTION_HOME_NOTIFY)(handle_notify)


def publisher(services: AppServices) -> HomePublisher:
    return HomePublisher(services.store, services.slack, services.linking, services.texts)


def publish(
    services: AppServices,
    team_id: str,
    user_id: str,
    state: HomeState | None = None,
    search: str | None = None,
) -> None:
    """The person's Home, read again; when their read budget is spent, a note in the tab instead
    (nothing read, and the state they last saw is kept for the next refresh)."""
    if not services.read_budget.spend(team_id, user_id, "App Home"):
        note = services.texts("budget.home_note", limit=services.read_budget.limit)
        services.slack.views_publish(user_id=user_id, view=build_home_note(note, services.texts))
        return
    publisher(services).publish(team_id, user_id, state, search)


def handle_home_opened(event: dict[str, Any], context: BoltContext) -> None:
    # Bolt acks events itself as soon as the listener returns.
    if event.get("tab", "home") != "home":
        return
    services: AppServices = context[SERVICES_KEY]
    team_id = context.team_id or ""
    user_id = event.get("user") or context.user_id or ""
    services.jobs.submit(publish, services, team_id, user_id)


def _view_state(body: dict[str, Any]) -> HomeState:
    """What the tab showed, as it comes back from Slack: checked, a default when unusable."""
    view = body.get("view")
    return HomeState.loads(view.get("private_metadata") if isinstance(view, dict) else None)


def _action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    return first if isinstance(first, dict) else {}


def handle_more(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    team_id, user_id = actor(context)
    section = _action(body).get("value")
    state = _view_state(body)
    if section in SECTION_NAMES:
        state = state.more(section)
    services.jobs.submit(publish, services, team_id, user_id, state)


def handle_filter(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    team_id, user_id = actor(context)
    selected = _action(body).get("selected_option")
    value = str(selected.get("value") or "") if isinstance(selected, dict) else ""
    state = _view_state(body).filtered("" if value == "open" else value)
    services.jobs.submit(publish, services, team_id, user_id, state)


def handle_search(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The Home's search box: the Home again, with the dossiers found (from the index)."""
    ack()
    services: AppServices = context[SERVICES_KEY]
    team_id, user_id = actor(context)
    text = str(_action(body).get("value") or "")
    services.jobs.submit(publish, services, team_id, user_id, _view_state(body), text)


def handle_search_open(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """A result of `/ds cherche`: the card, ephemeral, as `/ds dossier` shows it."""
    ack()
    services: AppServices = context[SERVICES_KEY]
    team_id, user_id = actor(context)
    try:
        number = ids.decode_ref(_action(body).get("value"))
    except ValueError:
        log.warning("search.foreign_value", user=user_id)
        return
    t = services.texts
    if not services.read_budget.spend(team_id, user_id, "search card"):
        limit = services.read_budget.limit
        respond(text=t("dossier.rate_limited", limit=limit), response_type="ephemeral")
        return
    services.jobs.submit(show_dossier, services, team_id, user_id, number, respond)


def handle_notify(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """A personal notification topic's mode chosen in the Home: saved, then the tab again."""
    ack()
    services: AppServices = context[SERVICES_KEY]
    team_id, user_id = actor(context)
    selected = _action(body).get("selected_option")
    value = str(selected.get("value") or "") if isinstance(selected, dict) else ""
    topic, _, mode = value.partition(":")
    try:
        modes = {Topic(topic): Mode(mode)}
    except ValueError:
        log.warning("home.foreign_notification_choice", user=user_id)
        return
    services.jobs.submit(save_notifications, services, team_id, user_id, modes, _view_state(body))


def save_notifications(
    services: AppServices,
    team_id: str,
    user_id: str,
    modes: dict[Topic, Mode],
    state: HomeState,
) -> None:
    personal.set_modes(services.store, team_id, user_id, modes)
    publish(services, team_id, user_id, state)


def handle_open(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services: AppServices = context[SERVICES_KEY]
    team_id, user_id = actor(context)
    try:
        number = ids.decode_ref(_action(body).get("value"))
    except ValueError:
        log.warning("home.foreign_button_value", user=user_id)
        return
    if not services.read_budget.spend(team_id, user_id, "App Home card"):
        limit = services.read_budget.limit
        services.jobs.submit(
            services.slack.chat_postMessage,
            channel=user_id,
            text=services.texts("budget.spent", limit=limit),
        )
        return

    def on_error(exc: BaseException) -> None:
        text = services.texts(
            "home.open_failed", number=number, error=ds_error_text(exc, services.texts)
        )
        services.slack.chat_postMessage(channel=user_id, text=text)

    services.jobs.submit(open_card, services, team_id, user_id, number, on_error=on_error)


def open_card(services: AppServices, team_id: str, user_id: str, number: int) -> None:
    """The card, in the user's direct messages with the app (a Home tab holds no messages),
    for a linked instructeur of the dossier's groupe or an admin; a reason for anyone else."""
    t = services.texts
    home = publisher(services)
    viewer = home.viewer(team_id, user_id)
    if viewer.guest:
        services.slack.chat_postMessage(channel=user_id, text=t("home.guest"))
        return
    dossier, access = services.access.open(team_id, user_id, number)
    if not access.allowed and not viewer.sees_all:
        reason = t(access.reason_key or "link.reason_no_match", email="?")
        services.slack.chat_postMessage(
            channel=user_id, text=t("home.open_failed", number=number, error=reason)
        )
        return
    card = build_dossier_card(
        dossier_detail(dossier, t, services.settings.ds_web_base),
        viewer=Viewer(
            instructeur_id=access.instructeur_id,
            can_act=access.allowed,
            reason_key=access.reason_key,
        ),
        texts=t,
        ephemeral=False,
    )
    services.slack.chat_postMessage(channel=user_id, text=card.text, blocks=card.blocks)
