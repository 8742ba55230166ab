"""`/ds` dispatch from the table: admin-only entries refused to others with the one refusal,
and an entry added through `build_table` parsed, run and listed in help with no other module
touched."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from dsbot.slack.commands import grammar as g
from dsbot.slack.commands.subcommands import build_table, default_table
from dsbot.slack.commands.table import CommandTable, Invocation, Subcommand
from dsbot.slack.listeners import commands
from tests.slack.commands.test_table import SAMPLES, entry_id, sample_text
from tests.slack.listeners.conftest import (
    ADMIN,
    ALICE,
    CHANNEL,
    CLARA,
    Recorder,
    Registry,
    Services,
)


@dataclass(frozen=True)
class Echo:
    word: str


def parse_echo(args: list[str]) -> Echo | g.Invalid:
    if len(args) != 1:
        # A test entry has no texts of its own in the catalogs: it borrows existing keys.
        return g.Invalid("echo", "error.unlink_usage")
    return Echo(args[0])


def run_echo(call: Invocation, cmd: Echo) -> None:
    call.respond(text=f"{cmd.word} in {call.channel_id}", response_type="ephemeral")


ECHO = Subcommand("echo", Echo, parse_echo, run_echo, "help.desc.moi", aliases=("repeat",))
GUARDED_ECHO = Subcommand(
    "sonder", Echo, parse_echo, run_echo, "help.desc.lier", "help.args.delier", admins_only=True
)


@pytest.fixture
def run(services: Services):
    """`/ds <text>` through the listener registered with `table`; the recorded (ack, respond)."""

    def send(text: str, table: CommandTable | None = None, user: str = ALICE):
        registry = Registry()
        commands.register(registry, table=table)  # type: ignore[arg-type]
        ack, respond = Recorder(), Recorder()
        command = {"text": text, "channel_id": CHANNEL, "user_id": user, "command": "/ds"}
        registry.call(
            "command",
            "/ds",
            ack=ack,
            command=command,
            respond=respond,
            context=services.context(user, CHANNEL),
        )
        assert services.jobs.failures == []
        return ack, respond

    return send


ADMIN_ENTRIES = [e for e in default_table().entries if e.admins_only]


def test_the_admin_only_entries_are_the_documented_ones():
    assert {(e.name, e.qualifier) for e in ADMIN_ENTRIES} == {
        ("abonner", None),
        ("desabonner", None),
        ("lier", None),
        ("delier", None),
        ("abonner", "dynacase"),
        ("desabonner", "dynacase"),
    }
    assert all(key in SAMPLES for key in ((e.name, e.qualifier) for e in ADMIN_ENTRIES))


@pytest.mark.parametrize("entry", ADMIN_ENTRIES, ids=entry_id)
def test_an_admin_only_entry_refuses_a_non_admin(run, services: Services, entry):
    ack, respond = run(sample_text(entry), user=CLARA)
    assert ack.only == {}
    assert respond.only == {
        "text": services.texts("error.admin_only"),
        "response_type": "ephemeral",
    }
    assert services.jobs.submitted == ["run_command"]


def test_an_added_entry_is_parsed_dispatched_and_listed_in_help(run, services: Services, world):
    table = build_table([ECHO])
    for text in ("echo bonjour", "REPEAT bonjour"):
        ack, respond = run(text, table)
        assert ack.only == {}  # acked at once, run in the job pool
        assert respond.only == {"text": f"bonjour in {CHANNEL}", "response_type": "ephemeral"}
    ack, respond = run("echo", table)
    assert ack.only == {
        "text": services.texts("error.unlink_usage"),
        "response_type": "ephemeral",
    }
    assert respond.calls == []
    help_text = json.dumps(run("aide", table)[0].only["blocks"], ensure_ascii=False)
    assert "• `/ds echo` : " + services.texts("help.desc.moi") in help_text
    assert "(alias : `/ds repeat`)" in help_text
    # The core entries still answer beside it, and the default table does not know it.
    assert "/ds dossier" in help_text
    assert world.alice_email in run("moi", table)[1].only["text"]
    unknown = json.dumps(run("echo bonjour")[0].only["blocks"], ensure_ascii=False)
    assert "« echo »" in unknown


def test_an_added_admin_only_entry_is_refused_to_others_and_run_for_admins(run, services: Services):
    table = build_table([GUARDED_ECHO])
    _, respond = run("sonder bonjour", table, user=CLARA)
    assert respond.only["text"] == services.texts("error.admin_only")
    _, respond = run("sonder bonjour", table, user=ADMIN)
    assert respond.only["text"] == f"bonjour in {CHANNEL}"
    help_text = json.dumps(run("aide", table)[0].only["blocks"], ensure_ascii=False)
    assert "• `/ds sonder @utilisateur` 🔒 : " in help_text
