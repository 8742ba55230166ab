"""Outbox delivery against a fake Slack that enforces Slack's per-channel posting limit
(a chat.postMessage less than 1 s after the previous one in the channel: 429, Retry-After 1).

    python bench/bench_delivery.py [--messages 100] [--seed 1]

Printed side by side, from the same run:
1. one channel, `--messages` posts: the previous pacing formula (next post timed from the
   START of the previous one, 429 retried after Retry-After) against dsbot's sender; 429s and
   messages per second. On a fake clock (Slack's answer time drawn per call, seeded), then a
   short check on the real clock.
2. 20 usager messages (each: a card chat.update and a thread reply): seconds until all show,
   when an update waits for a posting slot (before) and when it draws on the Tier 3 budget.
3. 8 channels x 5 posts on 4 workers: when each channel's first message goes out, workers that
   sleep per channel (before) against steps that give the worker back.
4. `dsbot run`: how long a 10-message drain holds up polling (drain inside the cycle, before)
   against the delivery thread.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_sdk.errors import SlackApiError

from dsbot.notifications.cycle import Poller
from dsbot.notifications.model import AlertPayload, MessageReceived, ParentPayload, ThreadPayload
from dsbot.slack.sender import Sender
from dsbot.store import Store
from dsbot.store import notifications as q
from dsbot.texts import Texts
from tests.backends.ds.fake_clock import FakeClock
from tests.fakes.slack_api import FakeSlack
from tests.slack.presentation.blocks.factories import make_dossier

DS_WEB = "https://demarche.numerique.gouv.fr"
TEAM = "T0BENCH"


def new_store(tmp: str, name: str) -> Store:
    store = Store(Path(tmp) / f"{name}.db")
    store.migrate()
    return store


def queue(store: Store, channel: str, payload, key: str, number: int | None = None) -> None:
    with q.write(store) as db:
        item = q.ItemRef.ds(number) if number is not None else None
        q.enqueue(db, q.OutboxEntry(TEAM, channel, item, payload, key), datetime.now(UTC))


def alerts(store: Store, channel: str, count: int, prefix: str = "") -> None:
    for n in range(count):
        queue(store, channel, AlertPayload("notify.usager"), f"{prefix}{channel}:{n}")


def sender_for(store: Store, slack: FakeSlack, clock=None, **options) -> Sender:
    dossiers = {n: make_dossier(number=n) for n in range(1, 21)}
    if clock is not None:
        options |= {"monotonic": clock, "sleep": clock.sleep}
    return Sender(
        store, slack.client(), dossiers.__getitem__, Texts("fr"), ds_web_base=DS_WEB, **options
    )


class OldPacing:
    """The previous sender's `_wait_turn`: the next post one interval after the START of the
    previous call, and a 429 retried after its Retry-After."""

    def __init__(self, now: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.now, self.sleep = now, sleep
        self.last: dict[str, float] = {}

    def wait_turn(self, channel: str) -> None:
        last = self.last.get(channel)
        if last is not None and (wait := last + 1.0 - self.now()) > 0:
            self.sleep(wait)
        self.last[channel] = self.now()

    def post(self, client, channel: str, text: str, **kwargs) -> int:
        """Post until accepted; returns the 429s it took."""
        refused = 0
        while True:
            self.wait_turn(channel)
            try:
                client.chat_postMessage(channel=channel, text=text, **kwargs)
                return refused
            except SlackApiError as exc:
                if exc.response.status_code != 429:
                    raise
                refused += 1
                self.sleep(float(exc.response.headers.get("Retry-After", 1)))


def rate(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else float("nan")


def one_channel(tmp: str, messages: int, seed: int, real: bool) -> tuple[dict, dict]:
    results = []
    for name in ("old", "new"):
        rng = random.Random(seed)
        clock = None if real else FakeClock()
        now = time.monotonic if clock is None else clock
        sleep = time.sleep if clock is None else clock.sleep
        with FakeSlack(clock=now, sleep=sleep) as slack:
            # Slack answers in 5 to 60 ms, never twice the same (real runs add loopback time).
            slack.set_latency("chat.postMessage", lambda rng=rng: rng.uniform(0.005, 0.06))
            started = now()
            if name == "old":
                pacing = OldPacing(now, sleep)
                client = slack.client()
                for n in range(messages):
                    pacing.post(client, "C1", f"message {n}")
            else:
                store = new_store(tmp, f"one-{name}-{real}")
                alerts(store, "C1", messages)
                sender = sender_for(store, slack, clock)
                while sender.drain().sent or q_open(store):
                    sleep(0.2)  # a 429 would be retried by the next drain
            elapsed = now() - started
            accepted = [c.at for c in slack.calls("chat.postMessage") if c.ok]
            results.append(
                {
                    "429": len(slack.rate_limited()),
                    "rate": rate(accepted),
                    "overall": len(accepted) / elapsed,
                    "elapsed": elapsed,
                }
            )
    return results[0], results[1]


def q_open(store: Store) -> int:
    with store.connect() as db:
        return len(q.open_rows(db))


def usager_messages(tmp: str, count: int = 20) -> tuple[float, float, int]:
    # Before: every Slack call, update or post, waited for the channel's posting slot.
    clock = FakeClock()
    with FakeSlack(clock=clock, sleep=clock.sleep) as slack:
        client = slack.client()
        pacing = OldPacing(clock, clock.sleep)
        cards = [client.chat_postMessage(channel="C1", text=f"card {n}")["ts"] for n in range(1)]
        clock.sleep(1.0)
        pacing.last.clear()
        started = clock()
        for n in range(count):
            pacing.wait_turn("C1")
            client.chat_update(channel="C1", ts=cards[0], text=f"card v{n}")
            pacing.post(client, "C1", f"message {n}", thread_ts=cards[0])
        old = clock() - started
    clock = FakeClock()
    with FakeSlack(clock=clock, sleep=clock.sleep) as slack:
        store = new_store(tmp, "usager")
        sender = sender_for(store, slack, clock)
        for n in range(1, count + 1):
            queue(store, "C1", ParentPayload(create=True, demarche=1), f"card{n}", n)
        sender.drain()
        clock.sleep(1.0)
        for n in range(1, count + 1):
            queue(store, "C1", ParentPayload(create=False, demarche=1), f"refresh{n}", n)
            change = MessageReceived(email="usager@exemple.fr", body=f"pièce {n}")
            queue(store, "C1", ThreadPayload(change, demarche=1), f"message{n}", n)
        started = clock()
        sender.drain()
        new = clock() - started
        refused = len(slack.rate_limited())
    return old, new, refused


def channels_in_parallel(tmp: str, channels: int = 8, per_channel: int = 5, workers: int = 4):
    names = [f"C{n}" for n in range(channels)]
    # Before: a pool of workers, each draining one channel to its end, sleeping between posts.
    with FakeSlack() as slack:
        client = slack.client()
        pacing = OldPacing(time.monotonic, time.sleep)
        started = time.monotonic()

        def drain(channel: str) -> None:
            for n in range(per_channel):
                pacing.post(client, channel, f"{channel} {n}")

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(drain, names))
        old = first_posts(slack, names, started)
    with FakeSlack() as slack:
        store = new_store(tmp, "parallel")
        for channel in names:
            alerts(store, channel, per_channel)
        sender = sender_for(store, slack, workers=workers)
        started = time.monotonic()
        sender.drain()
        new = first_posts(slack, names, started)
        refused = len(slack.rate_limited())
    return old, new, refused


def first_posts(slack: FakeSlack, names: list[str], started: float) -> tuple[float, float, int]:
    posts = [c for c in slack.calls("chat.postMessage") if c.ok]
    firsts = [min(c.at for c in posts if c.params["channel"] == n) - started for n in names]
    return max(firsts), max(c.at for c in posts) - started, len(slack.rate_limited())


def polling_during_a_drain(tmp: str, messages: int = 10) -> tuple[float, float]:
    with FakeSlack() as slack:
        store = new_store(tmp, "poll-old")
        alerts(store, "C1", messages)
        poller = Poller(store, None, sender_for(store, slack))
        started = time.monotonic()
        poller.run_cycle()  # before: the drain ran inside the cycle
        old = time.monotonic() - started
    with FakeSlack() as slack:
        store = new_store(tmp, "poll-new")
        alerts(store, "C1", messages)
        sender = sender_for(store, slack)
        poller = Poller(store, None, sender)
        cycles: list[float] = []
        original = poller.run_cycle

        def timed(**options):
            report = original(**options)
            cycles.append(time.monotonic())
            return report

        poller.run_cycle = timed  # type: ignore[method-assign]
        stop = threading.Event()
        loop = threading.Thread(target=poller.run_forever, args=(0.5, stop))
        loop.start()
        slack.wait_for("chat.postMessage", count=messages, timeout=60)
        stop.set()
        loop.join()
        gaps = [b - a for a, b in itertools.pairwise(cycles)]
        new = max(gaps) if gaps else float("nan")
    return old, new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    wall = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        old, new = one_channel(tmp, args.messages, args.seed, real=False)
        print(f"1. one channel, {args.messages} posts, strict limit (fake clock)")
        for name, r in (("start-timed (before)", old), ("end-timed (dsbot)", new)):
            print(
                f"   {name:22} 429s {r['429']:3d}   {r['rate']:.3f} msg/s between accepted posts"
                f"   {r['overall']:.3f} msg/s overall ({r['elapsed']:.0f} s)"
            )
        print(f"   ratio overall msg/s: x{new['overall'] / old['overall']:.2f}")
        old, new = one_channel(tmp, 10, args.seed, real=True)
        print("   same, 10 posts on the real clock:")
        for name, r in (("start-timed (before)", old), ("end-timed (dsbot)", new)):
            print(f"   {name:22} 429s {r['429']:3d}   {r['overall']:.3f} msg/s overall")

        old_s, new_s, refused = usager_messages(tmp)
        print("2. 20 usager messages (card update + thread reply each), fake clock")
        print(f"   update waits for a posting slot (before): {old_s:5.1f} s")
        print(f"   update on the Tier 3 budget (dsbot):      {new_s:5.1f} s   429s {refused}")
        print(f"   ratio: x{old_s / new_s:.2f}")

        old_p, new_p, refused = channels_in_parallel(tmp)
        print("3. 8 channels x 5 posts, 4 workers, real clock")
        print(
            f"   per-channel workers (before): last channel starts at {old_p[0]:4.1f} s,"
            f" all done at {old_p[1]:4.1f} s, 429s {old_p[2]}"
        )
        print(
            f"   stepping channels (dsbot):    last channel starts at {new_p[0]:4.1f} s,"
            f" all done at {new_p[1]:4.1f} s, 429s {new_p[2]}"
        )
        print(f"   ratio all done: x{old_p[1] / new_p[1]:.2f}")

        old_c, new_c = polling_during_a_drain(tmp)
        print("4. polling during a 10-message drain (poll interval 0.5 s), real clock")
        print(f"   drain inside the cycle (before): polling held {old_c:4.1f} s")
        print(f"   delivery thread (dsbot):         longest gap between cycles {new_c:4.1f} s")
    print(f"(bench ran {time.monotonic() - wall:.0f} s)")


if __name__ == "__main__":
    main()
