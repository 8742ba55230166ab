"""A dossier's personal data leaves with it (docs/privacy.md), over HTTP with the DS sandbox
and the fake Slack, through the real poller and outbox: after a deletion in DS, a
`dsbot purge`, or the retention delay, every Slack message about the dossier is a tombstone
and the demandeur's name, e-mail and SIRET are nowhere in the database file or its WAL."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsbot.backends.ds.models import PersonneMorale, PersonnePhysique
from dsbot.cli import cli
from tests.services.feed_harness import NotifyHarness

C1 = "C0PRIV"
DAY = 86400.0
# The ts of each dossier's card, kept by the test: erasing forgets it in the database.
CARDS: dict[int, str] = {}
DOSSIERS: dict[str, int] = {}


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    """One sandbox, Slack and database for the module, each test erasing its own dossiers
    (DOSSIERS), made at once: each with its card and a usager's message in its thread, the
    last one accepted."""
    with NotifyHarness(tmp_path_factory.mktemp("privacy"), dossiers=4, demarches=2) as harness:
        first, second = (d["number"] for d in harness.demarches)
        for demarche in (first, second):
            harness.subscribe(C1, demarche)
        harness.cycle()
        made = {
            role: harness.create_dossier(demarche)
            for role, demarche in (
                ("deleted_physique", first),
                ("deleted_morale", second),
                ("purged", first),
                ("open", first),
                ("closed", second),
            )
        }
        harness.cycle()
        harness.advance()
        for number in made.values():
            harness.message(number, "Voici le justificatif de domicile")
        harness.control.set_state(made["closed"], "accepte")
        harness.cycle()
        with harness.store.connect() as db:
            for number in made.values():
                (ts,) = db.execute(
                    "SELECT ts FROM channel_messages WHERE ref = ?", [str(number)]
                ).fetchone()
                CARDS[number] = ts
        DOSSIERS.update(made)
        yield harness


def _folded(text: str) -> str:
    """Lower case without accents: how the search index stores its tokens."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def personal_data(h: NotifyHarness, number: int) -> list[str]:
    """The demandeur's name (or raison sociale), e-mail and SIRET, as DS gives them."""
    dossier = h.ds.get_dossier(number)
    found = [dossier.usager_email or ""]
    demandeur = dossier.demandeur
    if isinstance(demandeur, PersonnePhysique):
        found.append(demandeur.nom)
    elif isinstance(demandeur, PersonneMorale):
        found += [demandeur.siret, demandeur.raison_sociale or ""]
    return [v for v in found if len(v) >= 4]


def database_bytes(h: NotifyHarness) -> bytes:
    """The database file and its WAL, lower-cased (the index keeps tokens folded)."""
    path = Path(h.store.path)
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        data += wal.read_bytes()
    return data.lower()


def traces(h: NotifyHarness, values: list[str]) -> list[str]:
    data = database_bytes(h)
    return [
        v
        for v in values
        if v.lower().encode() in data
        or any(_folded(word).encode() in data for word in v.split() if len(word) >= 4)
    ]


def about(h: NotifyHarness, number: int) -> list[dict]:
    """Every message of the channel in the card's thread, and the card itself."""
    card = h.slack.message(C1, CARDS[number])
    assert card is not None
    return [card, *h.slack.thread(C1, card["ts"])]


def assert_erased(h: NotifyHarness, number: int, values: list[str], tombstone: str) -> None:
    messages = about(h, number)
    assert len(messages) >= 2  # the card and the usager's message
    for message in messages:
        assert message["text"] == tombstone, message["text"]
        shown = json.dumps(message["blocks"], ensure_ascii=False)
        assert not [v for v in values if v in shown]
    assert traces(h, values) == []
    with h.store.connect() as db:
        assert db.execute(
            "SELECT count(*) FROM dossier_index WHERE ref = ?", [str(number)]
        ).fetchone() == (0,)
        assert db.execute(
            "SELECT count(*) FROM dossier_search WHERE rowid = ?", [number]
        ).fetchone() == (0,)


def test_a_dossier_deleted_in_ds_leaves_slack_and_the_database(h):
    numbers = [DOSSIERS["deleted_physique"], DOSSIERS["deleted_morale"]]
    values = {n: personal_data(h, n) for n in numbers}
    kinds = {len(v) for v in values.values()}
    assert kinds == {2, 3}, "one personne physique and one personne morale (with a SIRET)"
    for number in numbers:
        card = about(h, number)[0]
        assert any(
            v in card["text"] + json.dumps(card["blocks"], ensure_ascii=False)
            for v in values[number]
        )
        # Before: the database holds them (the search index), so the check below can fail.
        assert traces(h, values[number]) == values[number]
    for number in numbers:
        h.control.delete(number)
    h.cycle()
    for number in numbers:
        assert_erased(h, number, values[number], f"🗑️ Dossier n° {number} supprimé dans DS")
    # Within one cycle, and only once: the next cycle sends nothing more.
    assert h.cycle().drain.sent == 0


def test_dsbot_purge_erases_on_request_and_says_what(h, monkeypatch):
    number = DOSSIERS["purged"]
    values = personal_data(h, number)
    assert traces(h, values) == values
    monkeypatch.setenv("DSBOT_DB", h.store.path)
    result = CliRunner().invoke(cli, ["purge", "--dossier", str(number), "--par", "dpo"])
    assert result.exit_code == 0, result.output
    assert f"Dossier n° {number} :" in result.output
    assert "2 messages Slack remplacés" in result.output and "(s)" not in result.output
    assert traces(h, values) == []
    h.cycle()
    assert_erased(h, number, values, f"🗑️ Dossier n° {number} : contenu retiré (effacement demandé)")
    with h.store.connect() as db:
        rows = db.execute(
            "SELECT action, instructeur_id, file_name, error FROM audit WHERE dossier_number = ?",
            [number],
        ).fetchall()
    assert rows == [("purge", "dpo", None, None)]


def test_closed_dossiers_are_erased_after_the_retention_delay(h):
    poller = h.make_poller(retention_days=30)
    open_one, closed = DOSSIERS["open"], DOSSIERS["closed"]
    values = personal_data(h, closed)
    h.advance(29 * DAY)
    h.cycle(poller)
    assert traces(h, values) == values  # not yet
    h.advance(2 * DAY)
    h.cycle(poller)
    assert_erased(
        h, closed, values, f"🗑️ Dossier n° {closed} : contenu retiré (durée de conservation écoulée)"
    )
    # The open dossier keeps everything.
    assert traces(h, personal_data(h, open_one)) == personal_data(h, open_one)
    assert "contenu retiré" not in about(h, open_one)[0]["text"]
