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

Then the pace of the indexing against the time DS's 400 requests a minute allow (requests /
400 minutes; goal ≤ 1.10 ×). The requests go through a small proxy that plays DS's throttle
(400 a minute per token, fixed minute windows, 429 beyond: the sandbox's own) and records each
answer; the time goes to three places, printed apart: the sandbox building its answers (DS's
own time in production: here the sandbox's GraphQL execution, on the same two cores), dsbot's
own CPU, and the rate limiter's waits. A second `dsbot poll --once`, on a fresh database,
indexes the same démarche again with every answer replayed at once by the proxy: DS as fast as
it could be, so that what is left is dsbot and its limiter, the part that is dsbot's to keep
within 1.10 × (before: 360 a minute with 36 for people, 181 s for 1,001 requests by the
limiter alone).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dsbot.backends.ds.client import DSClient  # noqa: E402
from dsbot.ratelimit import DS_LIMIT_PER_MINUTE, RateLimiter  # noqa: E402
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


# The pace measured before (issue 21): 712 s for 1,001 requests at 100,000 dossiers.
BEFORE_SECONDS = {100_000: 712.0}


class DSProxy:
    """Between `dsbot poll` and the sandbox: DS's throttle (`DS_LIMIT_PER_MINUTE` per token in
    fixed minute windows, then 429 as DS answers it), the sandbox's time per answer, and a
    recording of the answers (in a file: a backfill's answers weigh hundreds of MB) that
    `replay` serves again at once, keyed by the request minus its `deletedSince` (the one
    variable that depends on when the subscription was made)."""

    def __init__(self, upstream: str, spool: Path) -> None:
        self.upstream = upstream
        self.replay = False
        self.sandbox_seconds = 0.0
        self.requests = 0
        self.throttled = 0
        self.per_minute: dict[tuple[str, int], int] = {}
        self._answers: dict[str, tuple[int, int]] = {}
        self._spool = spool.open("w+b")
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=120)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload, headers = proxy.answer(self.path, dict(self.headers), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @staticmethod
    def key(body: bytes) -> str:
        request = json.loads(body)
        variables = dict(request.get("variables") or {})
        variables.pop("deletedSince", None)
        return json.dumps([request.get("query"), variables], sort_keys=True)

    def _throttled(self, authorization: str) -> dict[str, str] | None:
        now = time.time()
        window = int(now // 60)
        with self._lock:
            self.requests += 1
            count = self.per_minute.get((authorization, window), 0) + 1
            self.per_minute[(authorization, window)] = count
            if count <= DS_LIMIT_PER_MINUTE:
                return None
            self.throttled += 1
        return {"RateLimit-Remaining": "0", "RateLimit-Reset": str((window + 1) * 60)}

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, dict]:
        limited = self._throttled(headers.get("Authorization", ""))
        if limited is not None:
            return 429, b"Calme toi, cowboy !", {"Content-Type": "text/plain", **limited}
        key = self.key(body)
        if self.replay:
            with self._lock:
                where = self._answers.get(key)
                if where is not None:
                    self._spool.seek(where[0])
                    return 200, self._spool.read(where[1]), {"Content-Type": "application/json"}
        started = time.monotonic()
        forwarded = {k: v for k, v in headers.items() if k.lower() in ("authorization",)}
        forwarded["Content-Type"] = "application/json"
        response = self._http.post(self.upstream + path, content=body, headers=forwarded)
        with self._lock:
            self.sandbox_seconds += time.monotonic() - started
            if response.status_code == 200 and not self.replay:
                self._spool.seek(0, os.SEEK_END)
                self._answers[key] = (self._spool.tell(), len(response.content))
                self._spool.write(response.content)
        kept = {"Content-Type": response.headers.get("Content-Type", "application/json")}
        return response.status_code, response.content, kept

    def most_in_a_minute(self) -> int:
        return max(self.per_minute.values(), default=0)

    def reset(self, *, replay: bool) -> None:
        self.replay = replay
        self.sandbox_seconds, self.requests, self.throttled = 0.0, 0, 0
        self.per_minute = {}

    def close(self) -> None:
        self._server.shutdown()
        self._http.close()
        self._spool.close()


def limiter_alone(requests: int, limit: int, reserve_share: float) -> float:
    """Seconds a backfill of `requests` takes by the limiter alone (requests of 0.05 s each,
    on a fake clock): the bound the limiter sets whatever DS and dsbot cost."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(limit, 60.0, clock=lambda: now[0], sleep=sleep)
    limiter.reserve = max(1, round(limit * reserve_share))
    for _ in range(requests):
        limiter.acquire(background=True)
        now[0] += 0.05
    return now[0]


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


def subscribe(base: str, demarche: int, db: Path) -> Store:
    """A channel subscribed to the whole démarche, from its start (a new database)."""
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
    return store


def poll_once(api: str, slack: FakeSlack, db: Path) -> dict[str, float]:
    """One real `dsbot poll --once` against `api`: its time, peak RSS and CPU."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DS_", "DSBOT_"))}
    env |= {
        "DS_API_URL": api + "/api/v2/graphql",
        "DS_API_TOKEN": TOKEN,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "DSBOT_DB": str(db),
        "DSBOT_HEALTH_PORT": "0",
    }
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "dsbot.cli", "poll", "--once"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = 0.0
    while True:
        peak = max(peak, peak_rss_mb(child.pid) or 0.0)
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
    seconds = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(child.stderr.read().decode() if child.stderr else "poll failed")
    return {"seconds": seconds, "rss_mb": peak, "cpu": usage.ru_utime + usage.ru_stime}


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a live process (the sandbox), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
            proxy = DSProxy(base, Path(tmp) / "answers")
            try:
                db = Path(tmp) / "scale.db"
                store = subscribe(base, demarche, db)
                before = control.get("/_sandbox/stats").json()["graphql_requests"]
                sandbox_cpu = cpu_seconds(sandbox.pid)
                proxy.reset(replay=False)
                run = poll_once(proxy.url, slack, db)
                sandbox_cpu = cpu_seconds(sandbox.pid) - sandbox_cpu
                requests = control.get("/_sandbox/stats").json()["graphql_requests"] - before
                sandbox_seconds, throttled = proxy.sandbox_seconds, proxy.throttled
                busiest = proxy.most_in_a_minute()
                with store.connect() as conn:
                    largest = conn.execute(
                        "SELECT max(length(CAST(payload AS BLOB))) FROM outbox"
                    ).fetchone()[0]
                db_mb = db.stat().st_size / 1024 / 1024
                posted = len(slack.calls("chat.postMessage"))
                # The same indexing again, every answer replayed at once: dsbot and its
                # limiter alone.
                again = Path(tmp) / "again.db"
                subscribe(base, demarche, again)
                proxy.reset(replay=True)
                replayed = poll_once(proxy.url, slack, again)
                replay_throttled, replay_busiest = proxy.throttled, proxy.most_in_a_minute()
                replay_missed = proxy.sandbox_seconds
            finally:
                proxy.close()
            return {
                "size": size,
                "requests": requests,
                "rss_mb": run["rss_mb"],
                "seconds": run["seconds"],
                "payload": float(largest or 0),
                "db_mb": db_mb,
                "posted": posted,
                "sandbox_s": sandbox_seconds,
                "sandbox_cpu": sandbox_cpu,
                "dsbot_cpu": run["cpu"],
                "throttled": throttled,
                "busiest": busiest,
                "replay_s": replayed["seconds"],
                "replay_cpu": replayed["cpu"],
                "replay_throttled": replay_throttled,
                "replay_busiest": replay_busiest,
                "replay_missed_s": replay_missed,
            }
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)


def print_pace(rows: list[dict[str, float]]) -> None:
    """The indexing's pace against what DS's limit allows, side by side with before."""
    print()
    print(
        f"{'dossiers':>9} {'requests':>9} {'DS allows':>10} {'limiter':>8} {'before':>7}"
        f" {'indexing':>9} {'ratio':>6} {'before':>7} {'sandbox':>8} {'dsbot CPU':>10}"
        f" {'DS instant':>11} {'ratio':>6} {'max/min':>8} {'429':>4}"
    )
    for row in rows:
        requests = row["requests"]
        allowed = requests / DS_LIMIT_PER_MINUTE * 60
        now = limiter_alone(int(requests), 392, 0.05)
        old = limiter_alone(int(requests), 360, 0.1)
        before = BEFORE_SECONDS.get(int(row["size"]))
        old_ratio = f"{before / allowed:.2f}" if before else "—"
        busiest = max(row["busiest"], row["replay_busiest"])
        print(
            f"{row['size']:>9,.0f} {requests:>9,.0f} {allowed:>8.0f} s {now:>6.0f} s"
            f" {old:>5.0f} s {row['seconds']:>7.0f} s {row['seconds'] / allowed:>6.2f}"
            f" {old_ratio:>7} {row['sandbox_s']:>6.0f} s {row['dsbot_cpu']:>8.0f} s"
            f" {row['replay_s']:>9.0f} s {row['replay_s'] / allowed:>6.2f} {busiest:>8.0f}"
            f" {row['throttled'] + row['replay_throttled']:>4.0f}"
        )
        if row["replay_missed_s"]:
            print(
                f"  (replay: {row['replay_missed_s']:.1f} s of answers not recorded, asked again)"
            )
    print(
        "DS allows: requests / 400 a minute. limiter: the limiter alone, now (392, 372 for the"
        " poller) and before (360, 324). indexing: the real poll --once against the sandbox;"
        " sandbox: the time it spent answering (DS's own time in production); DS instant: the"
        " same indexing with every answer replayed at once (dsbot and its limiter alone; goal"
        " ratio ≤ 1.10). max/min: the most requests DS saw in one of its minutes; 429: DS's"
        " refusals."
    )


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
    print_pace(rows)
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
