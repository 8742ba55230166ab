"""The Dockerfile and .dockerignore, checked without a Docker engine.

Structure is read from the Dockerfile's instructions; the HEALTHCHECK probe itself is run
through /bin/sh against local stub servers, as Docker would run it in the container.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from dsbot.sandboxes.http import PromptStopServer

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DS_API_TOKEN")
TOKEN_RE = re.compile(r"\bx(?:ox[abpre]|app)-[A-Za-z0-9-]+")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with line continuations joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1].strip() + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
    assert not pending, "dangling line continuation"
    return instructions


def dockerignore_excludes(patterns: list[str], path: str) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes; a directory match
    covers everything under it; `**` spans any number of directories."""
    excluded = False
    for raw in patterns:
        negated = raw.startswith("!")
        pattern = (raw[1:] if negated else raw).strip("/")
        regex = (
            re.escape(pattern)
            .replace(r"\*\*/", "(?:.*/)?")
            .replace(r"\*\*", ".*")
            .replace(r"\*", "[^/]*")
            .replace(r"\?", "[^/]")
        )
        if re.fullmatch(f"{regex}(?:/.*)?", path):
            excluded = not negated
    return excluded


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def only(instructions: list[Instruction], keyword: str) -> list[Instruction]:
    return [i for i in instructions if i.keyword == keyword]


def index_of(instructions: list[Instruction], keyword: str) -> int:
    return max(n for n, i in enumerate(instructions) if i.keyword == keyword)


def test_parser_joins_continuations():
    parsed = parse_dockerfile('FROM x\n# c\nRUN a \\\n    # inside\n    && b\nCMD ["y"]\n')
    assert parsed == [
        Instruction("FROM", "x"),
        Instruction("RUN", "a && b"),
        Instruction("CMD", '["y"]'),
    ]


def test_single_slim_python_base(instructions):
    [base] = only(instructions, "FROM")
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", base.args)
    assert instructions[0].keyword == "FROM"


def test_installs_the_package_without_pip_cache(instructions):
    runs = [i.args for i in only(instructions, "RUN")]
    assert any(re.search(r"pip install --no-cache-dir (--no-deps )?\.(\s|$)", run) for run in runs)
    # The console script CMD relies on.
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "dsbot" in scripts


def test_runs_as_a_non_root_user_set_before_cmd(instructions):
    users = only(instructions, "USER")
    assert users, "no USER: the bot would run as root"
    last_user = users[-1].args
    assert last_user.split(":")[0] not in ("root", "0")
    assert index_of(instructions, "USER") < index_of(instructions, "CMD")
    # Nothing installed or changed as root after switching user, and the user is created.
    assert index_of(instructions, "RUN") < index_of(instructions, "USER")
    uid = last_user.split(":")[0]
    assert any("useradd" in r.args and uid in r.args for r in only(instructions, "RUN"))


def test_data_volume_and_database_path(instructions):
    assert any(i.args in ("/data", '["/data"]') for i in only(instructions, "VOLUME"))
    env = " ".join(i.args for i in only(instructions, "ENV"))
    assert "DSBOT_DB=/data/dsbot.db" in env
    # The non-root user must own /data before the volume is declared (Docker copies the
    # directory's ownership into a new named volume).
    chown = [n for n, i in enumerate(instructions) if i.keyword == "RUN" and "chown" in i.args]
    assert chown and chown[0] < index_of(instructions, "VOLUME")
    assert any("/data" in instructions[n].args for n in chown)


def test_default_command_and_ports(instructions):
    cmds = only(instructions, "CMD")
    assert json.loads(cmds[-1].args) == ["dsbot", "run"]
    assert instructions[-1].keyword == "CMD"
    assert any("3000" in i.args.split() for i in only(instructions, "EXPOSE"))


def test_healthcheck_probes_readiness_with_python(instructions):
    # Readiness: `docker ps` must not say healthy while no dossier can reach Slack.
    [check] = only(instructions, "HEALTHCHECK")
    assert "CMD" in check.args
    probe = healthcheck_command(instructions)
    assert "urllib" in probe and "/readyz" in probe and "/livez" not in probe
    assert "${DSBOT_HEALTH_PORT:-8080}" in probe
    assert "curl" not in probe and "wget" not in probe  # not in python:slim


def test_no_secret_baked_in(instructions):
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert not TOKEN_RE.search(text)
    for i in instructions:
        if i.keyword in ("ENV", "ARG", "LABEL"):
            for name in SECRET_VARIABLES:
                assert name not in i.args, f"{i.keyword} {name}: secrets are given at run time"
        if i.keyword in ("COPY", "ADD"):
            assert ".env" not in i.args.split()


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "deploy/.env",
        ".env.production",
        ".venv/bin/python",
        ".git/config",
        "dsbot.db",
        "dsbot.db-wal",
        "data/dsbot.db",
        "dsbot/__pycache__/cli.cpython-311.pyc",
        ".pytest_cache/v/cache/lastfailed",
        ".ruff_cache/CACHEDIR.TAG",
        "tests/conftest.py",
        "bench/run.py",
        "dsbot.egg-info/PKG-INFO",
    ],
)
def test_dockerignore_keeps_out(ignore_patterns, path):
    assert dockerignore_excludes(ignore_patterns, path)


def test_dockerignore_keeps_the_package(ignore_patterns):
    assert not dockerignore_excludes(ignore_patterns, "pyproject.toml")
    assert not dockerignore_excludes(ignore_patterns, "README.md")
    package_files = [
        p.relative_to(REPO_ROOT).as_posix()
        for p in (REPO_ROOT / "dsbot").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert any(f.endswith(".graphql") for f in package_files)
    assert [f for f in package_files if dockerignore_excludes(ignore_patterns, f)] == []


def test_dockerignore_matcher_follows_docker_rules():
    patterns = ["*", "!keep/", "keep/**/*.tmp"]
    assert dockerignore_excludes(patterns, "other.txt")
    assert not dockerignore_excludes(patterns, "keep/a/b.py")
    assert dockerignore_excludes(patterns, "keep/a/b.tmp")
    assert dockerignore_excludes(patterns, "keep/b.tmp")


# ------------------------------------------------------------------- running the probe


def healthcheck_command(instructions: list[Instruction]) -> str:
    [check] = only(instructions, "HEALTHCHECK")
    return check.args.split(" CMD ", 1)[1] if " CMD " in check.args else check.args[4:]


@pytest.fixture
def health_server() -> Iterator[tuple[int, list[int]]]:
    """A loopback /readyz whose status the test sets through the returned list."""
    status = [200]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status[0] if self.path == "/readyz" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = PromptStopServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server.server_address[1], status
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def run_probe(instructions: list[Instruction], port: int | str) -> int:
    # Docker runs a shell-form HEALTHCHECK with /bin/sh -c; `python` is the image's.
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DSBOT_HEALTH_PORT": str(port),
    }
    command = healthcheck_command(instructions)
    return subprocess.run(
        ["/bin/sh", "-c", command], env=env, capture_output=True, timeout=20
    ).returncode


def test_healthcheck_probe_follows_readyz(instructions, health_server):
    port, status = health_server
    assert run_probe(instructions, port) == 0
    status[0] = 503  # the notification loop or the delivery thread is dead
    assert run_probe(instructions, port) != 0


def test_healthcheck_probe_fails_when_nothing_listens(instructions):
    # Port 1 on loopback: connection refused, as when dsbot is down.
    assert run_probe(instructions, 1) != 0


@pytest.mark.parametrize("off", ["0", "00"])
def test_healthcheck_passes_when_health_is_turned_off(instructions, off):
    # DSBOT_HEALTH_PORT=0 is documented as "off": dsbot serves no /healthz, and the probe
    # must not mark a working container unhealthy for that.
    assert run_probe(instructions, off) == 0


def test_comments_name_the_env_file_as_the_readme_does():
    text = DOCKERFILE.read_text(encoding="utf-8")
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    in_dockerfile = set(re.findall(r"--env-file (\S+)", text))
    in_readme = set(re.findall(r"--env-file (\S+)", readme))
    assert in_dockerfile and in_dockerfile == in_readme == {".env"}
