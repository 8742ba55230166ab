"""A first subscription to a démarche of N dossiers, with real processes: `dsbot sandbox` holding
N dossiers, the fake Slack (Slack's one post a second per channel and its tiers), and one real
`dsbot poll --once` that indexes the whole démarche from its start and posts the backfill's
summary.

    python bench/bench_scale.py              # 10,000 and 100,000 dossiers (several minutes:
                                             # DS's 400 requests a minute bound the indexing)
    python bench/bench_scale.py --quick      # 1,000 and 10,000
    python bench/bench_scale.py 20000        # one size

Printed for each size: the DS requests counted by the sandbox, the peak RSS of the `dsbot poll`
process (VmHWM of /proc/<pid>/status, read until it exits), the time, the largest outbox payload
and the database's size; then the ratio of the larger size to the smaller, side by side with
the figures measured before (issue 21).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dsbot.backends.ds.client import DSClient  # noqa: E402
from dsbot.services.subscriptions import SubscriptionService  # noqa: E402
from dsbot.store import Store  # noqa: E402
from tests.fakes.slack_api import BOT_TOKEN, TEAM_ID, FakeSlack  # noqa: E402

TOKEN = "sandbox-token"
CHANNEL = "C0SCALE"
# Measured before (issue 21), for the same first subscription from the start.
BEFORE = {
    10_000: {"rss_mb": 342, "payload": None, "db_mb": None},
    100_000: {"rss_mb": 2600, "payload": 17.9 * 1024 * 1024, "db_mb": 197},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sandbox(size: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "dsbot.cli", "sandbox", "--port", str(port)]
    command += ["--seed", "1", "--demarches", "1", "--dossiers", str(size)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 300
    while True:
        try:
            httpx.get(base + "/_sandbox/health", timeout=5).raise_for_status()
            return process, base
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the sandbox did not start") from None
            time.sleep(0.2)


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (the peak resident set) of a live process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_size(size: int) -> dict[str, float]:
    sandbox, base = start_sandbox(size)
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            FakeSlack() as slack,
            httpx.Client(base_url=base, timeout=60) as control,
        ):
            slack.add_channel(CHANNEL, "instruction")
            demarche = control.get("/_sandbox/demarches").json()["demarches"][0]["number"]
            db = Path(tmp) / "scale.db"
            store = Store(db)
            store.migrate()
            with DSClient(base + "/api/v2/graphql", TOKEN) as ds:
                SubscriptionService(store, ds).subscribe(
                    TEAM_ID,
                    CHANNEL,
                    demarche,
                    created_by="U0BENCH",
                    since=datetime(2000, 1, 1, tzinfo=UTC),
                )
            env = {k: v for k, v in os.environ.items() if not k.startswith(("DS_", "DSBOT_"))}
            env |= {
                "DS_API_URL": base + "/api/v2/graphql",
                "DS_API_TOKEN": TOKEN,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_API_URL": slack.api_url,
                "DSBOT_DB": str(db),
                "DSBOT_HEALTH_PORT": "0",
            }
            before = control.get("/_sandbox/stats").json()["graphql_requests"]
            started = time.monotonic()
            child = subprocess.Popen(
                [sys.executable, "-m", "dsbot.cli", "poll", "--once"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            peak = 0.0
            while child.poll() is None:
                peak = max(peak, peak_rss_mb(child.pid) or 0.0)
                time.sleep(0.05)
            seconds = time.monotonic() - started
            if child.returncode != 0:
                raise RuntimeError(child.stderr.read().decode() if child.stderr else "poll failed")
            requests = control.get("/_sandbox/stats").json()["graphql_requests"] - before
            with store.connect() as conn:
                largest = conn.execute(
                    "SELECT max(length(CAST(payload AS BLOB))) FROM outbox"
                ).fetchone()[0]
            return {
                "size": size,
                "requests": requests,
                "rss_mb": peak,
                "seconds": seconds,
                "payload": float(largest or 0),
                "db_mb": db.stat().st_size / 1024 / 1024,
                "posted": len(slack.calls("chat.postMessage")),
            }
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int)
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 dossiers")
    args = parser.parse_args()
    sizes = args.sizes or ([1_000, 10_000] if args.quick else [10_000, 100_000])
    rows = []
    print(
        f"{'dossiers':>9} {'DS requests':>12} {'peak RSS':>10} {'before':>9} {'seconds':>8}"
        f" {'max payload':>12} {'before':>9} {'db MB':>7} {'posts':>6}"
    )
    for size in sizes:
        row = run_size(size)
        rows.append(row)
        old = BEFORE.get(size, {})
        old_rss = f"{old['rss_mb']:.0f} MB" if old.get("rss_mb") else "—"
        old_payload = f"{old['payload'] / 1024 / 1024:.1f} MB" if old.get("payload") else "—"
        print(
            f"{size:>9,} {row['requests']:>12,.0f} {row['rss_mb']:>7.0f} MB {old_rss:>9}"
            f" {row['seconds']:>8.1f} {row['payload'] / 1024:>9.1f} KB {old_payload:>9}"
            f" {row['db_mb']:>7.1f} {row['posted']:>6.0f}"
        )
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        print(
            f"×{large['size'] / small['size']:.0f} dossiers: peak RSS ×"
            f"{large['rss_mb'] / small['rss_mb']:.2f}"
            " (before: ×7.7 from 10,000 to 100,000; goal ≤ ×1.3),"
            f" requests ×{large['requests'] / max(small['requests'], 1):.1f}"
        )


if __name__ == "__main__":
    main()
