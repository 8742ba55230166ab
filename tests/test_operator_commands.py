"""`dsbot abonner|desabonner|abonnements` (issue 18, part 5): the words and rules of
`/ds abonner|desabonner|abonnements`, through the same services, from the command line; Slack
only to find a channel by its name, to check the bot may post there and to learn the workspace.

In process (click's runner) against the DS sandbox and the fake Slack: real sockets, no child
process to start."""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsbot import logs
from dsbot.backends.ds.client import DSClient
from dsbot.cli import cli
from dsbot.services.subscriptions import SubscriptionService
from dsbot.store import Store
from tests.fakes.slack_api import BOT_TOKEN, TEAM_ID

ADMIN = "U0ADMIN01"
CHANNEL = "C0INSTRUC1"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The commands configure the root logger, as in their own process: undone after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    libraries = {name: logging.getLogger(name).level for name in logs.LIBRARY_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, lib_level in libraries.items():
        logging.getLogger(name).setLevel(lib_level)


@pytest.fixture
def env(sandbox, fake_slack, tmp_path, monkeypatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    fake_slack.add_channel(CHANNEL, "instruction")
    fake_slack.add_channel("C0ARCHIVE1", "ancien", is_archived=True)
    fake_slack.add_channel("C0PRIVATE1", "secret", is_private=True, is_member=False)
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
        "DS_API_URL": sandbox.graphql_url,
        "DS_API_TOKEN": "sandbox-token",
        "DSBOT_DB": str(tmp_path / "dsbot.db"),
        "DSBOT_ADMINS": ADMIN,
    }


def dsbot(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_subscribe_list_and_unsubscribe_as_slash_ds_does(env, sandbox):
    demarche = sandbox.control.demarches()[0]
    number, groupe = demarche["number"], demarche["groupes"][0]["number"]
    code, out, err = dsbot(
        env, "abonner", str(number), "groupe", str(groupe), "etat", "instruction",
        "--canal", "#instruction",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == (
        f"abonné — {CHANNEL} : démarche {number}, groupe {groupe} ; états : en_instruction ;"
        f" par {ADMIN}\n"
    )
    # The very subscription /ds abonner makes: the workspace from Slack, the channel's id.
    store = Store(env["DSBOT_DB"])
    with DSClient(sandbox.graphql_url, "sandbox-token") as ds:
        [sub] = SubscriptionService(store, ds).list(TEAM_ID, CHANNEL)
    assert (sub.demarche_number, sub.groupe_number, sub.states) == (
        number,
        groupe,
        ("en_instruction",),
    )
    assert sub.created_by == ADMIN
    # Once the database knows the workspace, a channel id needs no Slack at all.
    offline = {**env, "SLACK_BOT_TOKEN": "", "SLACK_API_URL": "http://127.0.0.1:9/"}
    code, out, _ = dsbot(offline, "abonner", str(number), "etat", "accepte", "--canal", CHANNEL)
    assert code == 0 and out.startswith("abonnement mis à jour — ")
    assert "états : en_instruction, accepte" in out or "états : accepte, en_instruction" in out
    code, out, _ = dsbot(offline, "abonnements")
    assert code == 0 and out.splitlines()[-1] == "1 abonnement."
    code, out, _ = dsbot(offline, "desabonner", str(number), "--canal", CHANNEL)
    assert (code, out) == (0, f"désabonné — {CHANNEL} ne suit plus la démarche {number}\n")
    code, _, err = dsbot(offline, "desabonner", str(number), "--canal", CHANNEL)
    assert code == 1
    assert err == f"Erreur : le canal {CHANNEL} n’est pas abonné à la démarche {number}\n"
    assert dsbot(offline, "abonnements")[1] == "0 abonnement.\n"


def test_the_same_refusals_as_slash_ds(env, sandbox, tmp_path):
    number = sandbox.control.demarches()[0]["number"]
    other = sandbox.control.demarches()[1]["groupes"][0]["number"]
    cases = {
        ("etat", "bof"): "« bof » n’est pas un état DS",
        ("groupe", "trois"): "« trois » n’est pas un numéro de groupe instructeur",
        ("groupe", str(other)): f"{other} n’appartient pas à la démarche {number}",
        ("depuis", "hier"): "« hier » n’est pas une date AAAA-MM-JJ",
    }
    for words, reason in cases.items():
        code, out, err = dsbot(env, "abonner", str(number), *words, "--canal", CHANNEL)
        assert (code, out) == (1, ""), words
        [line] = err.splitlines()
        assert line.startswith("Erreur : ") and reason in line, (words, line)
    refusals = {
        ("999999", "--canal", CHANNEL): "la démarche 999999 est introuvable",
        (str(number), "--canal", "C0ARCHIVE1"): "le canal C0ARCHIVE1 est archivé",
        (str(number), "--canal", "C0PRIVATE1"): "privé sans le bot : invitez-le",
        (str(number), "--canal", "#nulle-part"): "aucun canal de ce nom",
        (str(number), "--canal", CHANNEL, "--par", "jean"): "--par : « jean »",
    }
    for args, reason in refusals.items():
        code, _, err = dsbot(env, "abonner", *args)
        [line] = err.splitlines()
        assert code == 1 and reason in line, (args, line)
    assert dsbot(env, "abonnements")[1] == "0 abonnement.\n"


def test_without_slack_a_channel_id_and_the_workspace_are_asked_for(env, tmp_path):
    offline = {k: v for k, v in env.items() if not k.startswith("SLACK_")}
    code, _, err = dsbot(offline, "abonner", "1", "--canal", "#instruction")
    assert code == 1 and "donnez l’identifiant du canal (C…)" in err
    code, _, err = dsbot(offline, "abonner", "1", "--canal", CHANNEL)
    assert code == 1 and "précisez --equipe T…" in err
    # Refused before anything is written: no database left behind.
    assert not Path(env["DSBOT_DB"]).exists()
    # The read-only commands never create one either.
    for args in (["abonnements"], ["desabonner", "1", "--canal", CHANNEL]):
        code, _, err = dsbot(offline, *args)
        assert code == 1 and "DSBOT_DB" in err and "n’existe pas" in err
    assert list(tmp_path.iterdir()) == []


OPERATOR_MODULES = ("operator_subscriptions.py", "backup.py")
OPERATOR_COMMANDS = ("abonner", "desabonner", "abonnements", "backup")


def test_the_operator_commands_import_nothing_of_the_slack_layer():
    """They work without Slack: neither their module nor their command imports dsbot.slack
    (or dsbot.app_runtime, which wires it)."""
    package = Path(logs.__file__).parent
    trees: list[ast.AST] = [ast.parse((package / name).read_text()) for name in OPERATOR_MODULES]
    cli_tree = ast.parse((package / "cli.py").read_text())
    trees += [
        node
        for node in ast.walk(cli_tree)
        if isinstance(node, ast.FunctionDef) and node.name in OPERATOR_COMMANDS
    ]
    assert len(trees) == len(OPERATOR_MODULES) + len(OPERATOR_COMMANDS)
    imported = {
        node.module or ""
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported, "the walk sees imports"
    assert not [m for m in imported if m.startswith(("dsbot.slack", "dsbot.app_runtime"))]
