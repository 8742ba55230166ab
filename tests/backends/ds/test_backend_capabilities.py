"""DS's source behind the port's capabilities (annotations, labels, attachments, messages,
follow) and its change feed as a `FeedSource`, against the DS sandbox over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dsbot.backends.ds.backend import DSBackend
from dsbot.backends.ds.client import DSClient
from dsbot.backends.ds.feed_source import DSFeed
from dsbot.backends.errors import BackendAuthFailed, BackendNotFound, BackendRefused
from dsbot.backends.port import (
    AnnotationEdits,
    Annotations,
    Attachments,
    FeedSource,
    Follow,
    Labels,
    MessageRemoval,
    Messaging,
    Primed,
    Reassign,
    StateMoves,
)
from dsbot.texts import Texts


@pytest.fixture
def ds(sandbox):
    client = DSClient(sandbox.graphql_url, "sandbox-token")
    demarche = sandbox.control.demarches()[0]
    groupe = next(g for g in demarche["groupes"] if not g["closed"] and g["instructeurs"])
    number = sandbox.control.create_dossier(demarche["number"], "en_instruction", groupe["number"])[
        "number"
    ]
    backend = DSBackend(client, Texts("fr"), "https://ds.example.fr")
    instructeur = groupe["instructeurs"][0]
    person = backend.as_person(instructeur["id"])
    person.email = instructeur["email"]  # how the sandbox lists followers
    yield backend, person, str(number), demarche["number"]
    client.close()


def test_the_ds_source_has_every_capability_and_the_reader_may_not_act(ds, sandbox) -> None:
    backend, person, ref, _ = ds
    capabilities = (Annotations, Labels, Attachments, Messaging, Follow)
    for capability in (*capabilities, AnnotationEdits, StateMoves, MessageRemoval, Reassign):
        assert isinstance(person, capability), capability
    before = sandbox.control.dossier(int(ref))["messages"]
    with pytest.raises(BackendAuthFailed):
        backend.reader().send_message(ref, "Bonjour")
    assert sandbox.control.dossier(int(ref))["messages"] == before


def test_a_message_with_an_attachment_reaches_the_dossier(ds, sandbox) -> None:
    _, person, ref, _ = ds
    handle = person.attach(
        ref, b"%PDF-1.4 pieces", filename="pieces.pdf", content_type="application/pdf"
    )
    before = len(sandbox.control.dossier(int(ref))["messages"])
    person.send_message(ref, "Merci de compléter.", attachment=handle)
    messages = sandbox.control.dossier(int(ref))["messages"]
    [message] = messages[before:]
    assert message["body"] == "Merci de compléter."
    assert [a["filename"] for a in message["attachments"]] == ["pieces.pdf"]


def test_a_file_over_the_limit_is_refused_before_any_request(ds, sandbox) -> None:
    _, person, ref, _ = ds
    person.max_bytes = 10
    before = sandbox.control.stats()
    with pytest.raises(BackendRefused):
        person.attach(ref, b"x" * 11, filename="big.bin", content_type="application/octet-stream")
    assert sandbox.control.stats() == before


def test_labels_offered_by_the_demarche_are_put_and_taken_off(ds) -> None:
    _, person, ref, _ = ds
    offered = person.offered_labels(ref)
    assert "Urgent" in [lb.name for lb in offered]
    urgent = next(lb for lb in offered if lb.name == "Urgent")
    assert person.labels(ref) == ()
    person.add_label(ref, urgent.id)
    assert [lb.name for lb in person.labels(ref)] == ["Urgent"]
    person.remove_label(ref, urgent.id)
    assert person.labels(ref) == ()


def test_annotations_are_read_and_written_in_their_type(ds) -> None:
    _, person, ref, _ = ds
    by_label = {a.label: a for a in person.annotations(ref)}
    reference, complete = by_label["Référence interne"], by_label["Dossier complet"]
    assert reference.text is None and complete.text == "Non"
    person.set_annotations(ref, {reference.id: "REF-42", complete.id: True})
    after = {a.label: a.text for a in person.annotations(ref)}
    assert after["Référence interne"] == "REF-42" and after["Dossier complet"] == "Oui"
    with pytest.raises(BackendRefused):
        person.set_annotations(ref, {"no-such-annotation": "x"})


def test_following_a_dossier_as_the_instructeur(ds, sandbox) -> None:
    _, person, ref, _ = ds
    person.follow(ref)
    assert person.email in sandbox.control.dossier(int(ref))["followers"]
    person.follow(ref, following=False)
    assert person.email not in sandbox.control.dossier(int(ref))["followers"]


def test_an_unknown_ref_is_not_found(ds) -> None:
    _, person, _, _ = ds
    with pytest.raises(BackendNotFound):
        person.annotations("abc")
    with pytest.raises(BackendNotFound):
        person.annotations("999999")


def test_the_feed_reports_changes_after_its_cursor_and_resumes_from_it(ds, sandbox) -> None:
    backend, _, ref, demarche = ds
    feed = DSFeed(backend.client, Texts("fr"), page_size=100)
    assert isinstance(feed, FeedSource)
    cursor = feed.start(str(demarche), datetime.now(UTC) - timedelta(hours=1))
    batch = feed.changes(str(demarche), cursor)
    refs = [c.ref for c in batch.changes]
    assert ref in refs
    change = next(c for c in batch.changes if c.ref == ref)
    assert change.state is not None and change.state.label == "En instruction"
    assert not batch.more
    # Nothing new after the cursor: nothing reported; a touched dossier comes back.
    assert feed.changes(str(demarche), batch.cursor).changes == ()
    sandbox.control.advance(2)
    sandbox.control.touch(int(ref))
    again = feed.changes(str(demarche), batch.cursor)
    assert [c.ref for c in again.changes] == [ref]


def test_the_feed_pages_with_more_and_refuses_a_bad_scope(ds) -> None:
    backend, _, _, demarche = ds
    feed = DSFeed(backend.client, Texts("fr"), page_size=2)
    cursor = feed.start(str(demarche), datetime(2000, 1, 1, tzinfo=UTC))
    first = feed.changes(str(demarche), cursor)
    assert len(first.changes) == 2 and first.more
    second = feed.changes(str(demarche), first.cursor)
    assert not {c.ref for c in first.changes} & {c.ref for c in second.changes}
    with pytest.raises(BackendNotFound):
        feed.start("not-a-number", datetime.now(UTC))


def test_a_message_with_a_reason_is_a_correction_request(ds, sandbox) -> None:
    _, person, ref, _ = ds
    person.send_message(ref, "La pièce d’identité est illisible.", reason="incorrect")
    dossier = sandbox.control.dossier(int(ref))
    # DS puts a dossier en instruction back en construction until the usager corrects it.
    assert dossier["state"] == "en_construction"
    assert dossier["messages"][-1]["body"] == "La pièce d’identité est illisible."


def test_a_primed_source_acts_without_reading_the_dossier_again(ds, sandbox) -> None:
    backend, person, ref, _ = ds
    assert isinstance(person, Primed)
    person.prime(backend.client.get_dossier(int(ref)))
    reads = sandbox.control.stats()["graphql_requests"]
    assert person.add_label(ref, person.offered_labels(ref)[0].id) is False
    # offered_labels reads the sheet and the démarche; the mutation needs no other read.
    assert sandbox.control.stats()["graphql_requests"] == reads + 3
    # A source the backend makes later shares what the first one learnt.
    follower = backend.as_person(person.instructeur_id)
    before = sandbox.control.stats()["graphql_requests"]
    follower.follow(ref)
    assert sandbox.control.stats()["graphql_requests"] == before + 1


def test_an_unprimed_source_reads_the_dossier_once_before_acting(ds, sandbox) -> None:
    _, person, ref, _ = ds
    before = sandbox.control.stats()["by_operation"]
    person.follow(ref)
    person.follow(ref, following=False)
    after = sandbox.control.stats()["by_operation"]
    reads = {op: n - before.get(op, 0) for op, n in after.items() if n != before.get(op, 0)}
    assert sum(reads.values()) == 3, reads


def test_a_dossier_is_reassigned_to_another_groupe_but_not_by_the_reader(ds, sandbox) -> None:
    backend, person, ref, demarche_number = ds
    assert isinstance(person, Reassign)
    demarche = backend.client.get_demarche(demarche_number)
    current = backend.client.get_dossier(int(ref)).groupe_instructeur
    other = next(g for g in demarche.groupes if not g.closed and g.id != current.id)
    with pytest.raises(BackendAuthFailed):
        backend.reader().reassign(ref, other.id)
    assert backend.client.get_dossier(int(ref)).groupe_instructeur.id == current.id
    assert person.reassign(ref, other.id) is False
    assert backend.client.get_dossier(int(ref)).groupe_instructeur.id == other.id
