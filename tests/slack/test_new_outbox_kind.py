"""A new outbox kind is a payload class, a renderer and its texts: a kind only this test knows
is registered with the payload codec and the renderer table, queued like the feed queues rows,
and drained by the real delivery engine to the fake Slack Web API (a real HTTP server)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from slack_sdk.models.blocks import SectionBlock

from dsbot.notifications.model import (
    PAYLOAD_TYPES,
    OutboxKind,
    OutboxStatus,
    register_kind,
    register_payload,
)
from dsbot.slack import rendering
from dsbot.slack.presentation.blocks.common import SlackMessage, make_message, mrkdwn
from dsbot.slack.rendering import RenderContext
from dsbot.slack.transport import METADATA_EVENT_TYPE
from dsbot.store import notifications as q
from dsbot.store.notifications import OutboxEntry, OutboxRow
from dsbot.texts import Texts, en, fr
from tests.slack.test_sender import (  # noqa: F401  (fixtures)
    CHANNEL,
    TEAM,
    Dossiers,
    clock,
    dossiers,
    make_sender,
    slack,
)

NOTE = register_kind("test_note")


@dataclass(frozen=True)
class NotePayload:
    """1. The payload class: its kind, and its JSON both ways."""

    text: str
    author: str
    kind: ClassVar[OutboxKind] = NOTE

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "author": self.author}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> NotePayload:
        return cls(text=d["text"], author=d["author"])


def render_note(row: OutboxRow, prepared: object, context: RenderContext) -> SlackMessage:
    """2. The renderer: a pure function of the row, what was prepared (nothing) and the texts."""
    assert isinstance(row.payload, NotePayload) and prepared is None
    text = context.texts("notify.test_note", author=row.payload.author, text=row.payload.text)
    return make_message(text, [SectionBlock(text=mrkdwn(text))])


@pytest.fixture
def note_kind(monkeypatch):
    """3. Its texts, in both catalogs; then the codec and the table know it (for this test)."""
    monkeypatch.setitem(fr.TEXTS, "notify.test_note", "Note de {author} : {text}")
    monkeypatch.setitem(en.TEXTS, "notify.test_note", "Note from {author}: {text}")
    register_payload(NotePayload)
    rendering.register(NOTE, render_note)
    yield NOTE
    PAYLOAD_TYPES.pop(NOTE, None)
    rendering.RENDERERS.pop(NOTE, None)


def queue_note(store, text: str, key: str) -> None:
    entry = OutboxEntry(TEAM, CHANNEL, None, NotePayload(text, "Camille"), key)  # type: ignore[arg-type]
    with q.write(store) as db:
        assert q.enqueue(db, entry, datetime.now(UTC))


def test_a_registered_kind_is_queued_drained_and_posted(store, slack, dossiers, note_kind):  # noqa: F811
    sender = make_sender(store, slack, dossiers)
    queue_note(store, "la commission se réunit jeudi", "note:1")
    queue_note(store, "ordre du jour en pièce jointe", "note:2")

    report = sender.drain()

    assert report.sent == 2 and report.dead == report.rescheduled == 0
    posted = slack.top_level(CHANNEL)
    assert [m["text"] for m in posted] == [
        "Note de Camille : la commission se réunit jeudi",
        "Note de Camille : ordre du jour en pièce jointe",
    ]
    # Exactly-once like any row: each message carries its row's tag, each row its ts.
    assert {m["metadata"]["event_type"] for m in posted} == {METADATA_EVENT_TYPE}
    with store.connect() as db:
        found = [q.outbox_row(db, r["id"]) for r in db.query("select id from outbox order by id")]
    rows = [r for r in found if r is not None]
    assert len(rows) == len(found)
    assert [(r.kind, r.status) for r in rows] == [(NOTE, OutboxStatus.SENT)] * 2
    assert [r.sent_ts for r in rows] == [m["ts"] for m in posted]
    payload: object = rows[0].payload  # a kind only this test knows: not in the union
    assert payload == NotePayload("la commission se réunit jeudi", "Camille")
    # Nothing prepared for it: no backend was read.
    assert dossiers.reads == 0


def test_the_kind_speaks_the_senders_language(store, slack, note_kind):  # noqa: F811
    sender = make_sender(store, slack, Dossiers())
    sender.renderer = rendering.TableRenderer(RenderContext(Texts("en"), "https://ds.example"))
    queue_note(store, "meeting on Thursday", "note:en")

    assert sender.drain().sent == 1
    (posted,) = slack.top_level(CHANNEL)
    assert posted["text"] == "Note from Camille: meeting on Thursday"


def test_a_kind_without_a_renderer_is_not_sent_silently(store, slack, dossiers, note_kind):  # noqa: F811
    """A kind the codec knows but the table does not: the drain fails loudly for its channel,
    the row stays queued and nothing reaches Slack."""
    del rendering.RENDERERS[NOTE]
    sender = make_sender(store, slack, dossiers)
    queue_note(store, "orpheline", "note:orphan")

    report = sender.drain()

    assert report.sent == 0 and slack.top_level(CHANNEL) == []
    with store.connect() as db:
        (row,) = [q.outbox_row(db, r["id"]) for r in db.query("select id from outbox")]
    assert row is not None and row.status is OutboxStatus.PENDING


def test_an_unregistered_kind_does_not_decode():
    with pytest.raises(ValueError):
        OutboxKind("never_registered")
