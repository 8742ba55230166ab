"""Change-feed benchmark: what one notification cycle costs DS, against a naive full re-scan.

    python bench/bench_feed.py                  # démarches of 10,000 and 100,000 dossiers
    python bench/bench_feed.py 100000           # one size
    python bench/bench_feed.py 10000 --changes 0 1 100 1000

The DS sandbox runs in its own process (`dsbot sandbox`), so that the memory measured here
(tracemalloc, peak during the cycle) is dsbot's alone. For each size, a channel subscribes to
the démarche, then K dossiers (K = 0, 1, 100, 1000) are edited by their usager and one feed
cycle runs, with one FeedProcessor kept across cycles as the poller keeps it: DS requests are
counted by the sandbox (`/_sandbox/stats`), split into listing (pages, full or light, and the
deletions) and reads by number (20 dossiers per request); the cycle is timed, then run again on
as many other changes under tracemalloc for its peak memory. K larger than the démarche is cut
down to its size (and said so). The naive way to notice the same changes is to list the whole
démarche every cycle (⌈N/100⌉ pages), so the ratio of requests is printed too, and the goal,
⌈K/100⌉ + 2 requests. The Slack side is left out: it costs Slack, not DS.
"""

from __future__ import annotations

import argparse
import math
import random
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dsbot.backends.ds.client import DSClient
from dsbot.services.feed import FeedProcessor
from dsbot.services.subscriptions import SubscriptionService
from dsbot.store import Store
from dsbot.store import notifications as q

TOKEN = "sandbox-token"
LISTING = ("DsbotDemarcheDossiers", "DsbotDemarcheDeleted")
READS = ("DsbotGetDossiers", "DsbotGetDossier")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sandbox:
    """`dsbot sandbox` in a child process."""

    def __init__(self, size: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.graphql_url = self.base + "/api/v2/graphql"
        command = [sys.executable, "-m", "dsbot.cli", "sandbox", "--port", str(self.port)]
        command += ["--seed", "1", "--demarches", "1", "--dossiers", str(size)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        self.http = httpx.Client(base_url=self.base, timeout=60)
        deadline = time.monotonic() + 120
        while True:
            try:
                self.http.get("/_sandbox/health").raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the sandbox did not start") from None
                time.sleep(0.2)
        self.demarche = self.http.get("/_sandbox/demarches").json()["demarches"][0]["number"]

    def stats(self) -> dict[str, int]:
        return self.http.get("/_sandbox/stats").json()["by_operation"]

    def touch(self, number: int) -> None:
        self.http.post(f"/_sandbox/dossiers/{number}/touch").raise_for_status()

    def close(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=10)


def count(before: dict[str, int], after: dict[str, int], names: tuple[str, ...]) -> int:
    return sum(after.get(n, 0) - before.get(n, 0) for n in names)


def naive_scan(sandbox: Sandbox, ds: DSClient) -> dict:
    """List every dossier of the démarche, as a poller without a cursor would each cycle."""
    before = sandbox.stats()
    start = time.perf_counter()
    numbers: list[int] = []
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    for page in ds.feed_pages(demarche=sandbox.demarche, updated_since=epoch):
        numbers.extend(d.number for d in page.dossiers)
    elapsed = time.perf_counter() - start
    requests = count(before, sandbox.stats(), LISTING)
    return {"numbers": numbers, "requests": requests, "seconds": elapsed}


def one_cycle(sandbox: Sandbox, store: Store, processor: FeedProcessor, traced: bool) -> dict:
    with store.connect() as db:
        feed = q.get_feed(db, q.feed_key(sandbox.demarche, None))
    before = sandbox.stats()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    result = processor.process(feed)
    elapsed = time.perf_counter() - start
    peak = 0
    if traced:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    after = sandbox.stats()
    assert result.ok, result.error
    return {
        "listing": count(before, after, LISTING),
        "reads": count(before, after, READS),
        "pages": result.pages,
        "full_pages": result.full_pages,
        "seconds": elapsed,
        "peak": peak,
        "fetched": result.fetched,
    }


def run_size(size: int, changes: list[int]) -> list[dict]:
    sandbox = Sandbox(size)
    rows: list[dict] = []
    try:
        with tempfile.TemporaryDirectory() as tmp, DSClient(sandbox.graphql_url, TOKEN) as ds:
            store = Store(Path(tmp) / "bench.db")
            store.migrate()
            naive = naive_scan(sandbox, ds)
            listed = len(naive["numbers"])
            SubscriptionService(store, ds).subscribe(
                "T0BENCH", "C0BENCH", sandbox.demarche, created_by="U0BENCH"
            )
            # One processor for all cycles, as the poller keeps one: it learns each feed's pages.
            processor = FeedProcessor(store, ds, clock=lambda: datetime.now(UTC))
            one_cycle(sandbox, store, processor, traced=False)  # the first one after subscribing
            rng = random.Random(size)
            for wanted in changes:
                k = min(wanted, listed)
                if k < wanted:
                    note = f"K={wanted} > {listed:,} dossiers listed: K={k} instead"
                    print(note, file=sys.stderr)
                # Timed without tracemalloc (it slows Python down), then measured again with
                # it on as many other changes.
                passes = []
                for traced in (False, True):
                    for number in rng.sample(naive["numbers"], k):
                        sandbox.touch(number)
                    measured = one_cycle(sandbox, store, processor, traced)
                    assert measured["fetched"] == k, (measured["fetched"], k)
                    passes.append(measured)
                timed, traced_pass = passes
                rows.append(
                    {"size": size, "k": k, **timed, "peak": traced_pass["peak"], "naive": naive}
                )
    finally:
        sandbox.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--changes", nargs="+", type=int, default=[0, 1, 100, 1000])
    args = parser.parse_args()

    results: list[dict] = []
    for size in args.sizes:
        results.extend(run_size(size, args.changes))

    print(
        f"{'dossiers':>9} {'K':>5} {'pages':>6} {'full':>5} {'reads':>6} {'total':>6} "
        f"{'goal':>5} {'cycle s':>8} {'peak KiB':>9} {'naive req':>10} {'naive s':>8} "
        f"{'× req':>7} {'× time':>7}"
    )
    for r in results:
        total = r["listing"] + r["reads"]
        # The goal: ⌈K/100⌉ pages, one deletions request, at most one more.
        goal = math.ceil(r["k"] / 100) + 2
        naive = r["naive"]
        print(
            f"{r['size']:>9,} {r['k']:>5} {r['pages']:>6} {r['full_pages']:>5} {r['reads']:>6} "
            f"{total:>6} {goal:>5} {r['seconds']:>8.3f} {r['peak'] / 1024:>9.0f} "
            f"{naive['requests']:>10} {naive['seconds']:>8.2f} "
            f"{naive['requests'] / total:>7.1f} {naive['seconds'] / r['seconds']:>7.1f}"
        )
    # Memory must follow K, not the size of the démarche.
    sizes = sorted({r["size"] for r in results})
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        for a in (r for r in results if r["size"] == small):
            b = next((r for r in results if r["size"] == large and r["k"] == a["k"]), None)
            if b is None:
                continue
            print(
                f"K={a['k']:>4}: peak memory {large:,} vs {small:,} dossiers: "
                f"×{b['peak'] / a['peak']:.2f} (size ×{large / small:.0f}); "
                f"requests ×{(b['listing'] + b['reads']) / (a['listing'] + a['reads']):.2f}"
            )


if __name__ == "__main__":
    main()
