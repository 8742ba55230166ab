"""The upgrade to (backend, ref) keys (migration m009_item_keys) of a database in use.

A bot with both backends posts cards of a DS dossier and of a Dynacase document, tells a change
of each in its thread, and queues one more change of each without sending it. Its database is
then put back in the schema of the migrations before m009 (checked against a database made by
them), each row in the encoding the bot wrote it with until then: a Dynacase document as the
negative of its initid in the dossier-number columns. `Store.migrate()` upgrades it, as a
restart does, and real poll and delivery cycles go on against the sandboxes and fake Slack:
nothing is posted again at top level, the queued rows are sent once, in their threads, and a
later change of each item lands in its existing thread.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlite_utils import Database

from dsbot.backends.ds.client import DSClient
from dsbot.backends.port import BackendName
from dsbot.notifications.cycle import Poller
from dsbot.notifications.model import ItemRef, OutboxStatus
from dsbot.runtime import build_poller
from dsbot.services.subscriptions import SubscriptionService
from dsbot.store import Store, index
from dsbot.store import notifications as q
from dsbot.store.migrations import migrations
from tests.e2e.dynacase.conftest import dc, dynacase_bot, secret_key  # noqa: F401  (fixtures)
from tests.e2e.dynacase.scene import CHANNEL_ID, DynacaseScene, text_of
from tests.fakes.bot import ADMIN_ID, TEAM_ID
from tests.fakes.dynacase_sandbox import dynacase  # noqa: F401  (fixture)
from tests.store.test_migrations import schema

FAMILY = "DEMANDE_SUBVENTION"
NEW = "m009_item_keys"


@pytest.fixture
def poller(dc: DynacaseScene) -> Poller:  # noqa: F811
    services = dc.bot.services
    dc.slack.post_interval = None
    dc.slack.add_channel(CHANNEL_ID, "general")
    return build_poller(
        services.settings,
        store=services.store,
        ds=services.ds,
        slack=dc.slack.client(),
        texts=services.texts,
        items=services.items,
        pacing=0,
    )


def yesterdays_schema(tmp_path) -> Database:
    """A database made by every migration before m009."""
    db = Database(str(tmp_path / "yesterday.db"))
    migrations.apply(db, stop_before=NEW)
    assert NEW not in {m.name for m in migrations.applied(db)}
    return db


# Each table of the schema before m009: the table of today it is read back from, what its
# columns that changed are made of, and which rows it holds.
NUMBER = (
    "CASE WHEN backend IS NULL THEN NULL WHEN backend = 'ds' THEN CAST(ref AS INTEGER)"
    " ELSE -CAST(ref AS INTEGER) END"
)
YESTERDAY = {
    "outbox": ("outbox", {"dossier_number": NUMBER}, "1"),
    "channel_messages": ("channel_messages", {"dossier_number": NUMBER}, "1"),
    "subscriptions": ("subscriptions", {"demarche_number": "CAST(ref AS INTEGER)"}, "backend='ds'"),
    "item_subscriptions": ("subscriptions", {"family": "ref"}, "backend != 'ds'"),
    "dossier_index": ("dossier_index", {"dossier_number": NUMBER}, "1"),
    "dossier_followers": ("dossier_followers", {"dossier_number": NUMBER}, "1"),
}


def downgrade(store: Store, reference: Database) -> None:
    """Put the re-keyed tables back as the migrations before m009 made them, each row encoded
    as the bot wrote it until then (a Dynacase document: minus its initid)."""
    today = sorted({source for source, _, _ in YESTERDAY.values()})
    with store.connect() as db:
        for table in today:
            for (index,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                " AND sql IS NOT NULL",
                [table],
            ).fetchall():
                db.execute(f"DROP INDEX {index}")
            db.execute(f"ALTER TABLE {table} RENAME TO {table}_keyed")
        for table, (source, made_of, where) in YESTERDAY.items():
            for (sql,) in reference.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
                " ORDER BY type DESC",  # the table before its indexes
                [table],
            ).fetchall():
                db.execute(sql)
            columns = [c.name for c in reference[table].columns]
            values = ", ".join(made_of.get(c, c) for c in columns)
            db.execute(
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" SELECT {values} FROM {source}_keyed WHERE {where} ORDER BY rowid"
            )
        for table in today:
            db.execute(f"DROP TABLE {table}_keyed")
        # What the migrations after m009 made goes too: yesterday had none of it.
        later = set(db.table_names()) - set(reference.table_names())
        for table in sorted(later):
            db.execute(f"DROP TABLE {table}")
        done = [m.name for m in migrations.applied(reference)]
        marks = ", ".join("?" for _ in done)
        db.execute(f"DELETE FROM _sqlite_migrations WHERE name NOT IN ({marks})", done)


def ask(dc: DynacaseScene, text: str) -> str:  # noqa: F811
    """`/ds <text>` from the admin, through a signed request; the bot's answer."""
    ack, response_url = dc.command(text, ADMIN_ID)
    assert ack.status_code == 200
    answers = dc.slack.wait_for_response(response_url)
    return str(answers[-1].body.get("text") or text_of(answers[-1].body))


def cards(dc: DynacaseScene) -> dict[str, dict[str, Any]]:  # noqa: F811
    """The channel's top-level messages by ts, but for thread replies also shown in it."""
    top = dc.slack.top_level(CHANNEL_ID)
    return {m["ts"]: m for m in top if not m.get("reply_broadcast")}


def replies(dc: DynacaseScene, ts: str) -> list[str]:  # noqa: F811
    return [text_of(m) for m in dc.slack.thread(CHANNEL_ID, ts)]


def test_an_upgraded_database_reposts_nothing_and_keeps_every_thread(
    dc: DynacaseScene,  # noqa: F811
    poller: Poller,
    tmp_path,
) -> None:
    sandbox = dc.bot.sandbox
    store = dc.bot.services.store
    demarche = sandbox.control.demarches()[0]["number"]
    with DSClient(sandbox.graphql_url, "sandbox-token") as ds:
        SubscriptionService(store, ds).subscribe(TEAM_ID, CHANNEL_ID, demarche, created_by=ADMIN_ID)
    assert FAMILY in ask(dc, f"abonner dynacase {FAMILY}")
    assert poller.run_cycle().ok

    # A card of each, then one change of each told in its thread.
    number = sandbox.control.create_dossier(demarche)["number"]
    doc = dc.subvention("e_sub_transmis")
    initid = int(doc["initid"])
    assert poller.run_cycle().ok
    before = cards(dc)
    assert len(before) == 2
    sandbox.control.add_message(number, "Voici la pièce manquante.")
    dc.control.set_state(
        initid,
        "e_sub_brouillon",
        user="c.martin",
        comment="Il manque le RIB.",
        parameters={"sub_pieces_manquantes": "RIB"},
    )
    assert poller.run_cycle().ok
    with store.connect() as db:
        ds_ts = q.parent_ts(db, TEAM_ID, CHANNEL_ID, ItemRef.ds(number))
        doc_ts = q.parent_ts(db, TEAM_ID, CHANNEL_ID, ItemRef(BackendName.DYNACASE, str(initid)))
    assert {ds_ts, doc_ts} == set(before)
    assert ds_ts is not None and doc_ts is not None
    assert len(replies(dc, ds_ts)) == 1 and len(replies(dc, doc_ts)) == 1

    # One more change of each, queued by a cycle that leaves delivery for later.
    sandbox.control.set_state(number, "en_instruction")
    dc.control.set_state(initid, "e_sub_transmis", user="s.bernard")
    assert poller.run_cycle(deliver=False).ok
    with store.connect() as db:
        pending = q.open_rows(db)
        sent = db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
        last_id = q.last_outbox_id(db)
    document = ItemRef(BackendName.DYNACASE, str(initid))
    assert {r.item for r in pending} == {ItemRef.ds(number), document}
    assert sent >= 4 and all(r.status is OutboxStatus.PENDING for r in pending)

    # Back to yesterday's schema and encoding; the check is against the old migrations' own.
    reference = yesterdays_schema(tmp_path)
    downgrade(store, reference)
    with store.connect() as db:
        assert schema(db) == schema(reference)
        assert NEW in [m.name for m in migrations.pending(db)]
        old = dict(db.execute("SELECT dossier_number, ts FROM channel_messages").fetchall())
        assert db.execute("SELECT demarche_number FROM subscriptions").fetchall() == [(demarche,)]
        assert db.execute("SELECT family FROM item_subscriptions").fetchall() == [(FAMILY,)]
        assert db.execute("SELECT dossier_number FROM dossier_index").fetchall() == [(number,)]
        queued = db.execute(
            "SELECT DISTINCT dossier_number FROM outbox WHERE status = 'pending'"
        ).fetchall()
    assert old == {number: ds_ts, -initid: doc_ts}
    assert {n for (n,) in queued} == {number, -initid}

    # The restart's upgrade.
    store.migrate()
    with store.connect() as db:
        assert migrations.pending(db) == []
        keyed = {
            (backend, ref): ts
            for backend, ref, ts in db.execute(
                "SELECT backend, ref, ts FROM channel_messages"
            ).fetchall()
        }
        assert keyed == {("ds", str(number)): ds_ts, ("dynacase", str(initid)): doc_ts}
        assert q.open_rows(db) == pending  # the same rows, ids and keys, still to send
        assert [s.demarche_number for s in q.channel_subscriptions(db, TEAM_ID, CHANNEL_ID)] == [
            demarche
        ]
        assert [e.number for e in index.entries(db, demarche)] == [number]
        (family,) = q.channel_item_subscriptions(db, TEAM_ID, CHANNEL_ID)
        assert (family.backend, family.family, family.active) == ("dynacase", FAMILY, True)
        # AUTOINCREMENT goes on after the highest id ever given (Slack metadata names ids).
        assert (
            db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()[0]
            >= last_id
        )

    # Delivery goes on: the queued rows are sent once, in the existing threads.
    report = poller.run_cycle()
    assert report.ok and report.drain is not None
    assert report.drain.sent == len(pending)
    after = cards(dc)
    assert set(after) == set(before)  # nothing posted again at top level
    assert "Transmis" in text_of(after[doc_ts]) and after[doc_ts].get("edited")
    assert len(replies(dc, ds_ts)) == 2 and len(replies(dc, doc_ts)) == 2

    # A change made after the upgrade lands in its item's thread too.
    sandbox.control.add_message(number, "Et le RIB.")
    dc.control.set_state(
        initid,
        "e_sub_instruit",
        user="c.martin",
        comment="Complet.",
        parameters={"sub_avis": "favorable", "sub_date_instruction": "2026-11-02"},
    )
    assert poller.run_cycle().ok
    now = cards(dc)
    assert set(now) == set(before) and "Instruit" in text_of(now[doc_ts])
    assert len(replies(dc, ds_ts)) == 3 and "RIB" in replies(dc, ds_ts)[-1]
    assert len(replies(dc, doc_ts)) == 3 and "Instruit" in replies(dc, doc_ts)[-1]
    for _ in range(2):
        report = poller.run_cycle()
        assert report.ok and report.drain is not None and report.drain.sent == 0
