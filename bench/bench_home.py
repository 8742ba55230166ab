"""App Home and digest benchmark: answered from the local index, against a rescan of DS.

    python bench/bench_home.py                  # a démarche of 12,000 dossiers
    python bench/bench_home.py --dossiers 20000 --opens 100

The DS sandbox runs in its own process (`dsbot sandbox`). The index is filled the way dsbot
fills it, by the feed reading every dossier of the démarche once: that first pass is also
exactly what a bot without an index would have to do on every Home opening or digest (list the
démarche, then read the dossiers in full for their groupe, followers and messages), so its DS
requests and time are printed beside. Then the instructeur whose groupes hold the most
dossiers is linked to a Slack user, and `app_home_opened` events signed like Slack's are sent
to the bot over HTTP: time until the fake Slack receives `views.publish` (p50, p99), DS
requests during them (the sandbox's `/_sandbox/stats`), and memory (tracemalloc: peak of one
Home rendering, and the traced memory after 1 and after all openings: it must stay flat).
The digest of a channel subscribed to the démarche is built the same way, from the index.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_feed import Sandbox

from dsbot.app_runtime import start
from dsbot.backends.ds.client import DSClient
from dsbot.services.digest import DigestScheduler
from dsbot.services.feed import FeedProcessor
from dsbot.services.subscriptions import SubscriptionService
from dsbot.slack.interaction.home import HomePublisher
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.store.index import busiest_instructeur as busiest_instructeur_in
from dsbot.store.links import LinkRow, save_link
from tests.fakes.bot import TEAM_ID, BotUnderTest, bot_settings
from tests.fakes.slack_api import FakeSlack

TOKEN = "sandbox-token"
USER = "U0BENCH01"
CHANNEL = "C0BENCH"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def requests(sandbox: Sandbox) -> int:
    return sum(sandbox.stats().values())


def busiest_instructeur(store: Store) -> tuple[str, int]:
    with store.connect() as db:
        found = busiest_instructeur_in(db)
    assert found is not None
    return found


def home_event(user: str) -> bytes:
    return json.dumps(
        {
            "token": "unused",
            "team_id": TEAM_ID,
            "api_app_id": "A0TEST",
            "type": "event_callback",
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0B"},
        }
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=12_000)
    parser.add_argument("--opens", type=int, default=50)
    args = parser.parse_args()

    sandbox = Sandbox(args.dossiers)
    fake_slack = FakeSlack().start()
    try:
        with tempfile.TemporaryDirectory() as tmp, DSClient(sandbox.graphql_url, TOKEN) as ds:
            db_path = str(Path(tmp) / "bench.db")
            store = Store(db_path)
            store.migrate()
            SubscriptionService(store, ds).subscribe(
                TEAM_ID,
                CHANNEL,
                sandbox.demarche,
                created_by="U0ADMIN",
                since=datetime(2000, 1, 1, tzinfo=UTC),
            )
            processor = FeedProcessor(store, ds, clock=lambda: datetime.now(UTC))
            with store.connect() as db:
                feed = q.get_feed(db, q.feed_key(sandbox.demarche, None))
            assert feed is not None
            before = requests(sandbox)
            started = time.perf_counter()
            result = processor.process(feed)
            rescan_seconds = time.perf_counter() - started
            assert result.ok, result.error
            rescan_requests = requests(sandbox) - before
            with q.write(store) as db:
                q.record_feed_success(db, feed.key, datetime.now(UTC))
            instructeur_id, in_groupes = busiest_instructeur(store)
            email = "bench@exemple.gouv.fr"
            with store.connect() as db:
                save_link(
                    db,
                    LinkRow(TEAM_ID, USER, instructeur_id, email, "admin", "U0ADMIN", "2026-01-01"),
                )
            fake_slack.add_user(USER, email)

            # --- the Home, over HTTP -------------------------------------------------------
            class Proxy:  # what bot_settings reads of a sandbox
                graphql_url = sandbox.graphql_url

                class control:
                    @staticmethod
                    def demarches() -> list[dict]:
                        return [{"number": sandbox.demarche}]

            settings = bot_settings(fake_slack, Proxy, db_path)
            runtime = start(settings, http=True, host="127.0.0.1", port=0, poller=False)
            if runtime.warmup is not None:
                runtime.warmup.result(timeout=60)
            bot = BotUnderTest(runtime, f"http://127.0.0.1:{runtime.http_port}", fake_slack, None)
            latencies: list[float] = []
            before = requests(sandbox)
            try:
                for _ in range(args.opens):
                    count = len(fake_slack.calls("views.publish"))
                    sent = time.perf_counter()
                    answer = bot.post(home_event(USER), "application/json")
                    assert answer.status_code == 200
                    while len(fake_slack.calls("views.publish")) == count:
                        time.sleep(0.001)
                    latencies.append(time.perf_counter() - sent)
                home_requests = requests(sandbox) - before
                view = fake_slack.home_view(USER)
                assert view is not None
                shown = sum(1 for b in view["blocks"] if b.get("accessory"))

                # Memory of the rendering itself, in this process.
                publisher = HomePublisher(
                    store, runtime.services.slack, runtime.services.linking, runtime.services.texts
                )
                gc.collect()
                tracemalloc.start()
                publisher.render(TEAM_ID, USER)
                after_one, peak = tracemalloc.get_traced_memory()
                for _ in range(args.opens):
                    publisher.render(TEAM_ID, USER)
                gc.collect()
                after_all, _ = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            finally:
                bot.http.close()
                runtime.stop()

            # --- the digest -----------------------------------------------------------------
            scheduler = DigestScheduler(store, digest_time=None)
            before = requests(sandbox)
            digest_times = []
            for _ in range(10):
                started = time.perf_counter()
                ((_, _, digest),) = scheduler.preview(channel=CHANNEL)
                digest_times.append(time.perf_counter() - started)
            digest_requests = requests(sandbox) - before
            counted = sum(sum(part.counts.values()) for part in digest.demarches)
    finally:
        fake_slack.stop()
        sandbox.close()

    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    print(f"démarche: {args.dossiers:,} dossiers; instructeur's groupes: {in_groupes:,} dossiers")
    print(f"rescan of DS (list + full reads): {rescan_requests} requests, {rescan_seconds:.1f} s")
    print(
        f"Home ({args.opens} app_home_opened → views.publish, {shown} lines shown): "
        f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, {home_requests} DS requests; "
        f"×{rescan_seconds / p50:,.0f} faster than the rescan"
    )
    print(
        f"Home memory: peak {peak / 1024:.0f} KiB for one rendering; traced "
        f"{after_one / 1024:.0f} KiB after 1, {after_all / 1024:.0f} KiB after {args.opens + 1}"
    )
    print(
        f"digest ({counted:,} dossiers counted): median "
        f"{statistics.median(digest_times) * 1000:.0f} ms, {digest_requests} DS requests"
    )


if __name__ == "__main__":
    main()
