"""A notification engine wired to the DS sandbox and the fake Slack, both real HTTP servers.

    with NotifyHarness() as h:
        h.subscribe("C1", h.demarche)
        number = h.create_dossier()
        h.cycle()
        assert h.cards("C1") ...

Used by the feed tests and the end-to-end notification tests.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dsbot.backends.ds.client import DSClient
from dsbot.config import Settings
from dsbot.notifications.cycle import CycleReport, Poller
from dsbot.runtime import build_poller
from dsbot.sandboxes.ds.server import SandboxServer
from dsbot.services.subscriptions import SubscriptionService
from dsbot.slack.transport.scopes import BOT_SCOPES
from dsbot.store import Store
from dsbot.store import notifications as q
from tests.fakes.db_template import premigrated
from tests.fakes.ds_sandbox import SandboxControl
from tests.fakes.slack_api import TEAM_ID, FakeSlack

HISTORY_SCOPES = ("channels:history", "groups:history")
TOKEN = "sandbox-token"
ADMIN = "U0ADMIN"
OPS = "C0OPS"


class NotifyHarness:
    def __init__(
        self,
        tmp_path: Path,
        *,
        dossiers: int = 20,
        demarches: int = 1,
        seed: int = 7,
        page_size: int = 100,
        sandbox: SandboxServer | None = None,
        **poller_options: Any,
    ) -> None:
        self.tmp_path = tmp_path
        self._own_sandbox = sandbox is None
        self.sandbox = sandbox or SandboxServer(seed=seed, demarches=demarches, dossiers=dossiers)
        # These tests are about what the feed queues, at pacing 0: no per-channel posting limit
        # (tests/slack/test_sender.py covers Slack's).
        self.slack = FakeSlack(scopes=[*BOT_SCOPES, *HISTORY_SCOPES], post_interval=None)
        self.page_size = page_size
        # The bot's clock is the sandbox's: a test moves both with `advance()` instead of
        # sleeping, and "from now" means the same instant on both sides.
        self.poller_options: dict[str, Any] = {
            "backoff_base": 0.0,
            "ops_channel": OPS,
            "clock": self.ds_now,
        } | poller_options
        self.store = Store(premigrated(tmp_path / "dsbot.db"))

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> NotifyHarness:
        if self._own_sandbox:
            self.sandbox.start()
        self.slack.start()
        self.slack.add_user(ADMIN, "admin@example.org")
        self.store.migrate()
        self.control = SandboxControl(self.sandbox.base_url)
        self.ds = self.ds_client()
        self.subscriptions = SubscriptionService(self.store, self.ds, clock=self.ds_now)
        self.poller = self.make_poller()
        self.demarches = self.control.demarches()
        self.demarche = self.demarches[0]["number"]
        return self

    def __exit__(self, *exc: object) -> None:
        self.ds.close()
        self.control.close()
        self.slack.stop()
        if self._own_sandbox:
            self.sandbox.stop()

    def ds_now(self) -> datetime:
        """The sandbox's time (see `SandboxControl.advance`)."""
        assert self.sandbox.app is not None
        return datetime.fromtimestamp(self.sandbox.app.clock.peek_us() / 1e6, UTC)

    def advance(self, seconds: float = 1.0) -> None:
        """Lets `seconds` pass for DS and the bot (DS shows times to the second: one second
        makes what happens next strictly later than what happened before)."""
        self.control.advance(seconds)

    def ds_client(self, url: str | None = None, token: str = TOKEN) -> DSClient:
        # No retries inside the client: every fault must reach the feed, to be tested there.
        return DSClient(url or self.sandbox.graphql_url, token, max_read_retries=0, timeout=5.0)

    def make_poller(self, ds: DSClient | None = None, **options: Any) -> Poller:
        """A poller on this harness' database (options override the harness' ones)."""
        opts = self.poller_options | options
        env = {"DS_API_URL": self.sandbox.graphql_url, "DS_API_TOKEN": TOKEN, **self.slack.env()}
        ops = opts.pop("ops_channel", None)
        if ops:
            env["DSBOT_OPS_CHANNEL"] = ops
        return build_poller(
            Settings.from_mapping(env),
            store=self.store,
            ds=ds or self.ds,
            slack=self.slack.client(),
            pacing=0.0,
            page_size=self.page_size,
            **opts,
        )

    # --- DS "web interface" (the sandbox control API) -----------------------------------------

    def create_dossier(self, demarche: int | None = None, **fields: Any) -> int:
        return self.control.create_dossier(demarche or self.demarche, **fields)["number"]

    def message(self, number: int, body: str) -> str:
        return self.control.add_message(number, body)["id"]

    def stats(self) -> dict[str, int]:
        return self.control.stats()["by_operation"]

    def generated_dossiers(self, count: int) -> list[int]:
        """Numbers of dossiers the sandbox generated (existing before any subscription)."""
        data = self.ds.execute("demarche_dossiers", {"number": self.demarche, "first": count})
        return [n["number"] for n in data["demarche"]["dossiers"]["nodes"]]

    # --- dsbot side ----------------------------------------------------------------------------

    def subscribe(self, channel: str, demarche: int | None = None, **options: Any):
        options.setdefault("created_by", ADMIN)
        return self.subscriptions.subscribe(TEAM_ID, channel, demarche or self.demarche, **options)

    def cycle(self, poller: Poller | None = None) -> CycleReport:
        return (poller or self.poller).run_cycle()

    def settle(self, max_cycles: int = 10) -> None:
        """Cycles until one finds nothing new and leaves nothing to send."""
        for _ in range(max_cycles):
            report = self.cycle()
            if report.ok and not any(f.enqueued for f in report.feeds) and not self.open_rows():
                return
        raise AssertionError("the engine did not settle")

    def open_rows(self) -> list[q.OutboxRow]:
        with self.store.connect() as db:
            return q.open_rows(db)

    def feed(self, demarche: int | None = None) -> q.Feed:
        with self.store.connect() as db:
            feed = q.get_feed(db, q.feed_key(demarche or self.demarche, None))
        assert feed is not None
        return feed

    # --- what Slack shows ------------------------------------------------------------------------

    def cards(self, channel: str) -> dict[int, dict]:
        """The parent message of each dossier in the channel (by dossier number)."""
        with self.store.connect() as db:
            rows = db.execute(
                "SELECT CAST(ref AS INTEGER), ts FROM channel_messages WHERE channel_id = ?"
                " AND backend = 'ds'",
                [channel],
            ).fetchall()
        found = {}
        for number, ts in rows:
            message = self.slack.message(channel, ts)
            assert message is not None, f"card of {number} missing in Slack"
            found[number] = message
        parents = [m for m in self.slack.top_level(channel) if not m.get("reply_broadcast")]
        assert len(parents) == len(found), "a top-level message without its card row"
        return found

    def thread(self, channel: str, number: int) -> list[dict]:
        card = self.cards(channel)[number]
        return self.slack.thread(channel, card["ts"])


def utc_now() -> datetime:
    return datetime.now(UTC)
