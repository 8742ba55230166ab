"""Persistence with --db, the `dsbot sandbox` command, and the server's lifecycle."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from dsbot.sandboxes.ds.server import SandboxServer
from tests.sandboxes.ds.gql import data, first_demarche


def test_the_db_keeps_generated_data_and_changes_across_restarts(sandbox_factory, tmp_path):
    db = tmp_path / "sandbox.db"
    first = sandbox_factory(seed=11, demarches=1, dossiers=15, db_path=db)
    demarches = first.control.demarches()
    created = first.control.create_dossier(demarches[0]["number"])["number"]
    first.control.add_message(created, "Message à garder.")
    first.control.set_state(created, "accepte", motivation="Conforme.")
    first.control.add_token("kept-token", read_only=True)
    demarches = first.control.demarches()
    dossier_before = first.control.dossier(created)
    generated = data(first, "query{dossier(number:10003){champs{stringValue} usager{email}}}")
    first.stop()

    # Other generation parameters: ignored, the data comes from the file.
    second = sandbox_factory(seed=99, demarches=3, dossiers=2, db_path=db)
    assert second.loaded is True
    assert second.control.demarches() == demarches
    assert second.control.dossier(created) == dossier_before
    assert data(second, "query{dossier(number:10003){champs{stringValue} usager{email}}}") == (
        generated
    )
    assert data(second, "{ demarche(number: 1001) { number } }", token="kept-token")
    assert second.control.create_dossier(demarches[0]["number"])["number"] == created + 1


def test_context_manager_and_stop_free_the_port():
    with SandboxServer(seed=1, demarches=1, dossiers=3) as server:
        port = server.port
        assert httpx.get(server.base_url + "/_sandbox/health").json() == {"ok": True}
        assert server.graphql_url == f"http://127.0.0.1:{port}/api/v2/graphql"
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # free again


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dsbot_sandbox_command_serves_until_interrupted(tmp_path):
    port = _free_port()
    script = Path(sys.executable).with_name("dsbot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "dsbot.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DS_", "DSBOT_", "SLACK_"))}
    process = subprocess.Popen(
        [
            *command,
            "sandbox",
            "--port",
            str(port),
            "--seed",
            "4",
            "--dossiers",
            "12",
            "--token",
            "cli-token",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(base + "/_sandbox/health", timeout=1).json() == {"ok": True}:
                    break
            except httpx.TransportError:
                pass
            assert process.stderr is not None
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the sandbox did not start"
            time.sleep(0.1)
        answer = httpx.post(
            base + "/api/v2/graphql",
            json={"query": "{ demarche(number: 1001) { title } }"},
            headers={"Authorization": "Bearer cli-token"},
        )
        assert answer.json()["data"]["demarche"]["title"]
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"{base}/api/v2/graphql" in out
    assert "cli-token" in out
    assert "arrêté" in err


def test_first_demarche_helper_sees_the_generated_world(sandbox):
    assert first_demarche(sandbox)["number"] == 1001
