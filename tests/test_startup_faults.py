"""Every command under every start-up fault: one French line on stderr, exit code 1, never a
traceback, and no database left behind by a command that only reads (issue 18, part 2).

Each case runs the installed `dsbot` script as a real process against the fakes: the fake Slack
(tokens it refuses, an app token it does not know), the DS sandbox, ports held by a listening
socket, folders that do not exist and files that cannot be written.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes.ds_sandbox import ControlledSandbox, start_sandbox, stop_sandbox
from tests.fakes.process import dsbot_env, free_port
from tests.fakes.serving import serve
from tests.fakes.slack_api import FakeSlack

DSBOT = Path(sys.executable).with_name("dsbot")
ENGLISH = ("Error:", "Usage:", "Try '", "No such", "Invalid value", "Traceback", "Aborted")
# dsbot run logs (in English, like every log) from its start: those lines are not the reason.
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR) ")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ControlledSandbox]:
    """One DS sandbox for every case (starting one costs ~0.4 s): a case only points dsbot at
    it, and dsbot only reads it."""
    yield from serve(start_sandbox, stop_sandbox)


@pytest.fixture(scope="module")
def fake_slack() -> Iterator[FakeSlack]:
    """One fake Slack for every case: no case changes what it knows."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another process listens on."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
        holder.bind(("0.0.0.0", 0))
        holder.listen()
        yield holder.getsockname()[1]


@dataclass(frozen=True)
class Fault:
    """A command, how its environment is spoiled, and what its one line must name."""

    args: Callable[[int], list[str]]
    env: Callable[[Path, int], dict[str, str]] = lambda _tmp, _port: {}
    names: str = ""
    # dsbot run writes: it creates its database (DSBOT_DB, run.db) before it meets the fault.
    writes: bool = False


def fixed(*args: str) -> Callable[[int], list[str]]:
    return lambda _port: list(args)


FAULTS = {
    # --- dsbot run
    "run: Slack refuses the bot token": Fault(
        fixed("run", "--http", "--port", "0"),
        lambda _t, _p: {"SLACK_BOT_TOKEN": "xoxb-refused", "SLACK_SIGNING_SECRET": "s"},
        "SLACK_BOT_TOKEN",
        writes=True,
    ),
    "run: Slack refuses the app token (Socket Mode)": Fault(
        fixed("run"),
        lambda _t, _p: {"SLACK_APP_TOKEN": "xapp-1-refused"},
        "SLACK_APP_TOKEN",
        writes=True,
    ),
    "run: Slack unreachable": Fault(
        fixed("run"),
        lambda _t, _p: {"SLACK_APP_TOKEN": "xapp-1-x", "SLACK_API_URL": "http://127.0.0.1:9/"},
        "SLACK_API_URL",
        writes=True,
    ),
    "run: HTTP port taken": Fault(
        lambda port: ["run", "--http", "--port", str(port)],
        lambda _t, _p: {"SLACK_SIGNING_SECRET": "s", "DSBOT_HEALTH_PORT": "0"},
        "--port",
        writes=True,
    ),
    "run: health port taken": Fault(
        fixed("run", "--http", "--port", "0"),
        lambda _t, port: {"SLACK_SIGNING_SECRET": "s", "DSBOT_HEALTH_PORT": str(port)},
        "DSBOT_HEALTH_PORT",
        writes=True,
    ),
    "run: database folder missing": Fault(
        fixed("run"),
        lambda tmp, _p: {"SLACK_APP_TOKEN": "xapp-1-x", "DSBOT_DB": str(tmp / "nope" / "b.db")},
        "DSBOT_DB",
    ),
    "run: bad option": Fault(fixed("run", "--htp"), names="--htp"),
    # --- dsbot poll
    "poll: database unwritable": Fault(
        fixed("poll", "--once"), lambda _t, _p: {"DSBOT_DB": "/proc/dsbot.db"}, "DSBOT_DB"
    ),
    "poll: bad value": Fault(fixed("poll", "--page-size", "0"), names="--page-size"),
    # --- dsbot digest
    "digest --dry-run: database mistyped": Fault(
        fixed("digest", "--dry-run"),
        lambda tmp, _p: {"DSBOT_DB": str(tmp / "dsbto.db")},
        "DSBOT_DB",
    ),
    "digest: database folder missing": Fault(
        fixed("digest"), lambda tmp, _p: {"DSBOT_DB": str(tmp / "nope" / "b.db")}, "DSBOT_DB"
    ),
    "digest: token missing": Fault(
        fixed("digest"), lambda _t, _p: {"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN"
    ),
    "digest: bad option": Fault(fixed("digest", "--dryrun"), names="--dryrun"),
    # --- dsbot audit
    "audit: bad format": Fault(fixed("audit", "--format", "xml"), names="--format"),
    "audit: database missing": Fault(fixed("audit"), names="DSBOT_DB"),
    # --- dsbot purge
    "purge: database missing": Fault(fixed("purge", "--dossier", "12"), names="DSBOT_DB"),
    # --- dsbot check
    "check: bad setting": Fault(fixed("check"), lambda _t, _p: {"DSBOT_LANG": "xx"}, "DSBOT_LANG"),
    "check: bad option": Fault(fixed("check", "--https"), names="--https"),
    # --- dsbot sandbox
    "sandbox: port taken": Fault(
        lambda port: ["sandbox", "--port", str(port), "--host", "0.0.0.0"], names="--port"
    ),
    "sandbox --backend dynacase: port taken": Fault(
        lambda port: ["sandbox", "--backend", "dynacase", "--port", str(port), "--host", "0.0.0.0"],
        names="--port",
    ),
    "sandbox: host not ours": Fault(
        fixed("sandbox", "--host", "192.0.2.1", "--port", "0"), names="192.0.2.1"
    ),
    "sandbox: bad backend": Fault(fixed("sandbox", "--backend", "x"), names="--backend"),
    "sandbox --backend dynacase: DS-only option": Fault(
        fixed("sandbox", "--backend", "dynacase", "--dossiers", "3"), names="--dossiers"
    ),
    # --- dsbot abonner, desabonner, abonnements
    "abonner: DS unreachable": Fault(
        fixed(
            "abonner",
            "1001",
            "--canal",
            "C0CHANNEL1",
            "--par",
            "U0ADMIN01",
            "--equipe",
            "T0TEAM001",
        ),
        lambda _t, _p: {"DS_API_URL": "http://127.0.0.1:9/api/v2/graphql", "SLACK_BOT_TOKEN": ""},
        "DS_API_URL",
        writes=True,
    ),
    "abonner: database folder missing": Fault(
        fixed(
            "abonner",
            "1001",
            "--canal",
            "C0CHANNEL1",
            "--par",
            "U0ADMIN01",
            "--equipe",
            "T0TEAM001",
        ),
        lambda tmp, _p: {"DSBOT_DB": str(tmp / "nope" / "b.db"), "SLACK_BOT_TOKEN": ""},
        "DSBOT_DB",
    ),
    "desabonner: database missing": Fault(
        fixed("desabonner", "1001", "--canal", "C0CHANNEL1"), names="DSBOT_DB"
    ),
    "abonnements: database missing": Fault(fixed("abonnements"), names="DSBOT_DB"),
    # --- dsbot backup
    "backup: database missing": Fault(fixed("backup", "copie.db"), names="DSBOT_DB"),
    # --- dsbot demo and the group itself
    "demo: bad value": Fault(fixed("demo", "--cycles", "deux"), names="--cycles"),
    "dsbot: unknown command": Fault(fixed("lancer"), names="lancer"),
    "dsbot: no command option": Fault(fixed("--verbose"), names="--verbose"),
}


@pytest.mark.parametrize("case", sorted(FAULTS))
def test_a_start_up_fault_is_one_french_line_and_exit_1(
    case, fake_slack, sandbox, taken_port, tmp_path
):
    fault = FAULTS[case]
    work = tmp_path / "work"
    work.mkdir()
    env = dsbot_env(fake_slack, sandbox, work, **fault.env(work, taken_port))
    env = {k: v for k, v in env.items() if v != ""}
    done = subprocess.run(
        [str(DSBOT), *fault.args(taken_port)],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    # The reason is the last line; what comes before is log records (one may span lines,
    # Bolt's quote Slack's answer), and none of it repeats the reason.
    *logs, line = done.stderr.splitlines()
    assert not logs or LOG_LINE.match(logs[0]), logs
    assert not any(log.startswith("Erreur") for log in logs), logs
    assert line.startswith("Erreur : "), line
    assert fault.names in line, line
    assert not any(english in line for english in ENGLISH), line
    # Nothing created (no database, no folder) but by dsbot run, which owns its database.
    made = {p.name for p in work.iterdir()}
    assert made <= ({"run.db", "run.db-wal", "run.db-shm"} if fault.writes else set()), made


def test_the_cases_cover_every_command():
    from dsbot.cli import cli

    covered = {FAULTS[case].args(0)[0] for case in FAULTS}
    assert set(cli.commands) <= covered


def test_the_taken_port_is_really_taken(taken_port):
    with socket.socket() as s, pytest.raises(OSError):
        s.bind(("0.0.0.0", taken_port))
    assert free_port() != taken_port
    assert os.path.exists(DSBOT)
