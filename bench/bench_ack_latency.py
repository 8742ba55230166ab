"""Ack latency of `/ds dossier` over HTTP while DS is slow.

    python bench/bench_ack_latency.py [--latency-ms 2000] [--concurrency 20] [--rounds 5]

The sandbox adds `--latency-ms` to every GraphQL request; `--concurrency` signed slash commands
are sent at once, `--rounds` times. Printed side by side, from the same run:
- the ack latency (what Slack waits for; its budget is 3 s): p50, p99, max;
- the time until the card reaches the response_url (what a bot that answered only after
  reading DS would have made Slack wait), and the ratio between the two.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dsbot.app_runtime import start
from tests.fakes.bot import BotUnderTest, bot_settings
from tests.fakes.ds_sandbox import start_sandbox, stop_sandbox
from tests.fakes.slack_api import FakeSlack

SLACK_BUDGET_S = 3.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    fake_slack = FakeSlack().start()
    sandbox = start_sandbox(seed=1, demarches=1, dossiers=50)
    with tempfile.TemporaryDirectory() as tmp:
        settings = bot_settings(fake_slack, sandbox, str(Path(tmp) / "bench.db"))
        runtime = start(settings, http=True, host="127.0.0.1", port=0, poller=False)
        bot = BotUnderTest(runtime, f"http://127.0.0.1:{runtime.http_port}", fake_slack, sandbox)
        demarche = sandbox.control.demarches()[0]["number"]
        numbers = [
            sandbox.control.create_dossier(demarche)["number"] for _ in range(args.concurrency)
        ]
        for i in range(args.concurrency):
            fake_slack.add_user(f"U0BENCH{i:03d}", f"agent{i}@exemple.fr")
        sandbox.control.faults(latency_ms=args.latency_ms)

        acks: list[float] = []
        cards: list[float] = []

        def one(i: int) -> None:
            sent = time.perf_counter()
            response, url = bot.command(f"dossier {numbers[i]}", user=f"U0BENCH{i:03d}")
            acks.append(time.perf_counter() - sent)
            assert response.status_code == 200, response.status_code
            fake_slack.wait_for_response(url, count=1, timeout=120)
            cards.append(time.perf_counter() - sent)

        with ThreadPoolExecutor(args.concurrency) as pool:
            for _ in range(args.rounds):
                list(pool.map(one, range(args.concurrency)))
        runtime.stop()
    stop_sandbox(sandbox)
    fake_slack.stop()

    ms = 1000
    ack_p50, ack_p99 = percentile(acks, 50), percentile(acks, 99)
    card_p50 = percentile(cards, 50)
    print(
        f"/ds dossier over HTTP, DS latency {args.latency_ms} ms, "
        f"{args.concurrency} concurrent, {len(acks)} requests"
    )
    print(
        f"  ack   p50 {ack_p50 * ms:7.1f} ms   p99 {ack_p99 * ms:7.1f} ms"
        f"   max {max(acks) * ms:7.1f} ms"
    )
    print(
        f"  card  p50 {card_p50 * ms:7.1f} ms   p99 {percentile(cards, 99) * ms:7.1f} ms"
        f"   mean {statistics.mean(cards) * ms:7.1f} ms"
    )
    print(f"  ratio card/ack (p50): x{card_p50 / ack_p50:.0f}")
    print(f"  ack p99 / Slack's 3 s budget: {ack_p99 / SLACK_BUDGET_S:.3f}")


if __name__ == "__main__":
    main()
