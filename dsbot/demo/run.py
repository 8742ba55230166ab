"""The demo's orchestration: sandbox, subscription, feed and sender, and DS activity."""

from __future__ import annotations

import dataclasses
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, cast

from slack_sdk import WebClient

from dsbot.backends import registry
from dsbot.backends.port import BackendName
from dsbot.config import ConfigError, Settings
from dsbot.demo import NEEDS_CHANNEL
from dsbot.demo.dynacase_scenario import FAMILY, DynacaseScenario
from dsbot.demo.scenario import Scenario
from dsbot.demo.terminal_slack import TerminalSlack
from dsbot.notifications.cycle import Poller
from dsbot.runtime import build_poller
from dsbot.sandboxes.ds.server import SandboxServer
from dsbot.sandboxes.dynacase.server import DynacaseSandbox
from dsbot.services.feed import FeedProcessor
from dsbot.services.item_subscriptions import ItemSubscriptionService
from dsbot.services.subscriptions import SubscriptionService
from dsbot.slack.presentation.blocks.card import Viewer, build_dossier_card
from dsbot.slack.presentation.render_terminal import render_message
from dsbot.slack.presentation.views import dossier_detail
from dsbot.slack.transport.web_client import make_web_client
from dsbot.texts import get_texts

DEMO_TEAM = "T0DEMO"
DEMO_CHANNEL = "C0DEMO"
DEMO_CHANNEL_NAME = "instruction-demo"


@dataclass
class DemoOptions:
    seed: int = 2026
    interval: float = 3.0
    cycles: int = 0  # 0: until Ctrl-C
    channel: str | None = None  # a real Slack channel id, when Slack tokens are set
    dynacase: bool = False  # run the Dynacase sandbox too, and follow one of its families


@dataclass
class DemoSummary:
    cycles: int  # one event in DS each
    steps: list[str]
    posted: int
    updated: int
    dynacase_events: int = 0  # with --dynacase, one a cycle too


def run_demo(
    settings: Settings,
    options: DemoOptions,
    out: TextIO,
    stop: threading.Event | None = None,
) -> DemoSummary:
    stop = stop or threading.Event()
    forward = None
    channel = DEMO_CHANNEL
    if settings.slack_bot_token:
        if not options.channel:
            raise ConfigError(NEEDS_CHANNEL)
        forward = make_web_client(settings, retry_rate_limits=False)
        channel = options.channel

    with tempfile.TemporaryDirectory(prefix="dsbot-demo-") as tmp:
        sandbox = SandboxServer(seed=options.seed, demarches=1, dossiers=40).start()
        demo_settings = dataclasses.replace(
            settings,
            ds_api_url=sandbox.graphql_url,
            ds_api_token=sandbox.token,
            db_path=str(Path(tmp) / "demo.db"),
        )
        ds = registry.get(BackendName.DS).client(demo_settings)
        dynacase: DynacaseSandbox | None = None
        if options.dynacase:
            dynacase = DynacaseSandbox(seed=options.seed).start()
            demo_settings = dataclasses.replace(
                demo_settings, dynacase_api_url=dynacase.api_url, dynacase_token=dynacase.token
            )
        slack = TerminalSlack(out, forward=forward, channel_names={channel: DEMO_CHANNEL_NAME})
        scenario: Scenario | None = None
        dynacase_scenario: DynacaseScenario | None = None
        steps: list[str] = []
        cycles = dynacase_events = 0
        try:
            # TerminalSlack answers the part of WebClient the Sender calls, and nothing else.
            web = cast(WebClient, slack)
            # Posting to a real Slack: its limit of one message a second per channel holds.
            pacing = 1.0 if forward is not None else 0.0
            poller = build_poller(demo_settings, ds=ds, slack=web, pacing=pacing)
            # The digest is shown once, at the end, whatever the time of day; there is no
            # Home tab in a terminal to refresh.
            poller.digests = None
            poller.homes = None
            demarche = ds.get_demarche(sorted(_demarche_numbers(sandbox))[0])
            _introduce(out, demo_settings, ds, demarche.number, demarche.title, slack)
            _show_home(out, poller, ds, demarche.number, slack, settings.lang)
            _show_link_preview(out, demo_settings, ds, demarche.number, slack)
            SubscriptionService(poller.store, ds).subscribe(
                DEMO_TEAM, channel, demarche.number, created_by="U0DEMO"
            )
            scenario = Scenario(sandbox.base_url, ds, demarche.number)
            if dynacase is not None:
                dynacase_scenario = _follow_dynacase(out, demo_settings, poller, dynacase, channel)
            while not stop.is_set() and (options.cycles == 0 or cycles < options.cycles):
                what = scenario.step()
                steps.append(what)
                out.write(f"▶ Dans DS : {what}\n\n")
                if dynacase_scenario is not None:
                    # A change made in Dynacase's own interface, outside dsbot.
                    out.write(f"▶ Dans Dynacase : {dynacase_scenario.step()}\n\n")
                    dynacase_events += 1
                out.flush()
                report = poller.run_cycle()
                if not report.ok:
                    out.write(f"  (cycle incomplet : {report.summary()})\n\n")
                cycles += 1
                stop.wait(options.interval)
            _show_digest(out, demo_settings, poller, channel, slack)
        finally:
            if scenario is not None:
                scenario.close()
            if dynacase_scenario is not None:
                dynacase_scenario.close()
            if dynacase is not None:
                dynacase.stop()
            ds.close()
            sandbox.stop()
    return DemoSummary(cycles, steps, slack.posted, slack.updated, dynacase_events)


def _follow_dynacase(
    out: TextIO, settings: Settings, poller: Poller, dynacase: DynacaseSandbox, channel: str
) -> DynacaseScenario:
    """Subscribe the demo channel to a Dynacase family, as `/ds abonner dynacase` does
    (`settings` name the Dynacase sandbox)."""
    spec = registry.get(BackendName.DYNACASE)
    with spec.client(settings) as client:
        feeds = {BackendName.DYNACASE: spec.feed(client, settings)}
        ItemSubscriptionService(poller.store, feeds).subscribe(
            DEMO_TEAM, channel, BackendName.DYNACASE, FAMILY, created_by="U0DEMO"
        )
    out.write(
        f"Un bac à sable Dynacase tourne aussi ; #{DEMO_CHANNEL_NAME} suit sa famille {FAMILY}\n"
        "(`/ds abonner dynacase " + FAMILY + "`). Les changements faits dans Dynacase même\n"
        "arrivent en carte, mise à jour sur place, avec chaque changement d’état dans son fil.\n\n"
    )
    return DynacaseScenario(dynacase.base_url)


def _demarche_numbers(sandbox: SandboxServer) -> list[int]:
    import httpx

    answer = httpx.get(sandbox.base_url + "/_sandbox/demarches", timeout=10)
    return [d["number"] for d in answer.json()["demarches"]]


def _introduce(
    out: TextIO,
    settings: Settings,
    ds: Any,
    demarche: int,
    title: str,
    slack: TerminalSlack,
) -> None:
    texts = get_texts(settings.lang)
    out.write(
        "dsbot demo — un bac à sable DS tourne en local ; dsbot le scrute comme il scruterait\n"
        f"demarche.numerique.gouv.fr et publie dans #{DEMO_CHANNEL_NAME}, abonné à la démarche\n"
        f"{demarche} :\n    « {title} »\n"
        "Des usagers et des instructeurs agissent dans DS pendant la démo ; chaque effet côté\n"
        "Slack s’affiche ci-dessous. Ctrl-C pour arrêter.\n\n"
    )
    feed = next(ds.feed_pages(demarche=demarche, updated_since=_epoch()), None)
    if feed and feed.dossiers:
        dossier = ds.get_dossier(feed.dossiers[0].number)
        viewer = Viewer(instructeur_id=None, can_act=True)
        card = build_dossier_card(
            dossier_detail(dossier, texts, settings.ds_web_base),
            viewer=viewer,
            texts=texts,
            ephemeral=True,
        )
        out.write(f"━━ /ds dossier {dossier.number} (réponse visible de vous seul)\n")
        out.write(render_message(card, width=slack.width, color=slack.color) + "\n\n")


def _show_link_preview(
    out: TextIO, settings: Settings, ds: Any, demarche: int, slack: TerminalSlack
) -> None:
    """A dossier link pasted in the channel by an instructeur of its groupe, and its preview."""
    from dsbot.slack.presentation.blocks.unfurl import build_unfurl, unfurl_fallback

    texts = get_texts(settings.lang)
    feed = next(ds.feed_pages(demarche=demarche, updated_since=_epoch()), None)
    if not feed or not feed.dossiers:
        return
    dossier = ds.get_dossier(feed.dossiers[-1].number)
    detail = dossier_detail(dossier, texts, settings.ds_web_base)
    url = detail.url
    preview = build_unfurl(detail, texts)
    message = {"text": unfurl_fallback(detail, texts), "blocks": preview["blocks"]}
    out.write(
        f"━━ #{DEMO_CHANNEL_NAME} · un instructeur du groupe colle {url}\n"
        "   aperçu du lien (chat.unfurl), sans demandeur ni e-mail :\n"
    )
    out.write(render_message(message, width=slack.width, color=slack.color) + "\n\n")


def _epoch() -> datetime:
    return datetime(2000, 1, 1, tzinfo=UTC)


def _show_home(
    out: TextIO, poller: Poller, ds: Any, demarche: int, slack: TerminalSlack, lang: str
) -> None:
    """The Home tab of the instructeur with the most dossiers, from the local index (filled
    here at once; in `dsbot run` the feed fills it as dossiers change)."""
    from dsbot.services import index
    from dsbot.services.home import HomeState, load_home
    from dsbot.slack.presentation.blocks.home import build_home
    from dsbot.store import index as iq
    from dsbot.store.notifications import write

    numbers = [
        d.number
        for page in ds.feed_pages(demarche=demarche, updated_since=_epoch())
        for d in page.dossiers
    ]
    processor = poller.feeds.reader(BackendName.DS)
    assert isinstance(processor, FeedProcessor)
    details = processor.read_dossiers(numbers)
    now = datetime.now(UTC)
    with write(poller.store) as db:
        for _, dossier in details.values():
            index.record(db, dossier, now)
    with poller.store.connect() as db:
        busiest = iq.busiest_instructeur(db)
    if busiest is None:
        return
    texts = get_texts(lang)
    data = load_home(poller.store, instructeur_id=busiest[0], sees_all=False, state=HomeState())
    view = build_home(data, now, texts)
    out.write("━━ Onglet Accueil d’un instructeur (app_home_opened → views.publish)\n")
    out.write(
        render_message({"text": "", "blocks": view["blocks"]}, width=slack.width, color=slack.color)
        + "\n\n"
    )


def _show_digest(
    out: TextIO, settings: Settings, poller: Poller, channel: str, slack: TerminalSlack
) -> None:
    from dsbot.services.digest import DigestScheduler
    from dsbot.slack.rendering.digest import render_digest

    scheduler = DigestScheduler(
        poller.store, digest_time=settings.digest_time, reminder_days=settings.reminder_days
    )
    for team_id, channel_id, digest in scheduler.preview(channel=channel):
        message = render_digest(
            poller.store,
            None,
            get_texts(settings.lang),
            settings.ds_web_base,
            team_id,
            channel_id,
            digest,
        )
        out.write(f"━━ Résumé quotidien de #{DEMO_CHANNEL_NAME} (dsbot digest)\n")
        out.write(render_message(message, width=slack.width, color=slack.color) + "\n\n")
