"""Shared fixtures. The fakes run as real servers on ephemeral loopback ports."""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
from pathlib import Path

import pytest

# The suite starts a few hundred Python processes (xdist workers, real `dsbot` processes, the
# demo), and each compiles dsbot again when the environment sets PYTHONDONTWRITEBYTECODE (as
# some container images do): that was a sixth of the suite's CPU. The test run caches bytecode
# in the clone's (git-ignored) __pycache__ folders, and the processes it starts inherit this.
# Before the imports below, so that the main process already caches what they load.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

from tests.fakes.bot import bot  # noqa: E402, F401
from tests.fakes.ds_sandbox import sandbox, sandbox_factory  # noqa: E402, F401
from tests.fakes.recorder import recorder  # noqa: E402, F401
from tests.fakes.slack_api import fake_slack, slack_client  # noqa: E402, F401

# Real credentials from a developer's shell or .env must never reach a test.
for _name in list(os.environ):
    if _name.startswith(("SLACK_", "DS_", "DSBOT_")):
        del os.environ[_name]

# Every test talks plain HTTP on loopback, yet each httpx client still builds a TLS context, and
# loading the full CA bundle costs ~40 ms of CPU each time: over two thousand tests, a third of
# the suite's time. A one-certificate bundle (tests/data/SOURCE.md) makes it ~2 ms; httpx and
# dsbot.tls honour SSL_CERT_FILE, and child processes (dsbot run, dsbot poll) inherit it.
os.environ["SSL_CERT_FILE"] = str(Path(__file__).parent / "data" / "loopback-ca.pem")


def pytest_configure(config: pytest.Config) -> None:
    """On a fresh clone, every xdist worker collects every test module, and pytest rewrites the
    asserts of each one before compiling it: the same work four times over, about 10 s of CPU.
    Each worker first imports the test modules starting at its own quarter of the list, so
    that the workers rewrite different modules at the same time and then reuse each other's
    cached result. Only for a whole run (a subset imports what it names, as usual); a module
    that fails to import is left to the collection, which reports it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if not worker.startswith("gw") or count < 2:
        return
    if config.args_source is not pytest.Config.ArgsSource.TESTPATHS:
        return
    root = Path(__file__).resolve().parent.parent
    modules = sorted(
        ".".join(path.relative_to(root).with_suffix("").parts)
        for path in Path(__file__).parent.rglob("test_*.py")
    )
    start = int(worker[2:]) * len(modules) // count
    for name in modules[start:] + modules[:start]:
        with contextlib.suppress(Exception):
            importlib.import_module(name)


# The garbage collector of a test process: collections of the oldest generation walk every
# object alive, and a worker holds a few hundred thousand (every test module, dsbot, the DS
# schema, the sandboxes' worlds); they cost about 7 % of the tests' CPU. Once collected, the
# modules' objects are frozen (never walked again), and collections come less often.
GC_THRESHOLDS = (20_000, 20, 20)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@pytest.fixture(scope="session", autouse=True)
def _db_template_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The migrated template database (tests/fakes/db_template.py) in one of pytest's own
    temporary folders, pruned like the others, not a new folder of /tmp left by each run."""
    from tests.fakes import db_template

    db_template.use_folder(tmp_path_factory.mktemp("db-template"))


@pytest.fixture
def store(tmp_path):
    from dsbot.store import Store
    from tests.fakes.db_template import premigrated

    s = Store(premigrated(tmp_path / "dsbot.db"))
    s.migrate()
    yield s
    s.close()
