"""ItemService and the credential vault: privacy by credential, one run per key, audit rows,
tokens encrypted at rest. Against the Dynacase sandbox over HTTP."""

from __future__ import annotations

import sqlite3

import pytest
from cryptography.fernet import Fernet

from dsbot.backends.dynacase.backend import DynacaseBackend
from dsbot.backends.dynacase.client import DynacaseClient
from dsbot.backends.errors import BackendAuthFailed, BackendNotFound
from dsbot.backends.port import ActionRequest, BackendName
from dsbot.services.audit import AuditService
from dsbot.services.credentials import CredentialUnreadable, CredentialVault, SecretKeyError
from dsbot.services.items import Access, ItemService
from dsbot.store import Store
from dsbot.store.locks import ItemLocks
from tests.fakes.dynacase_sandbox import dynacase  # noqa: F401  (fixture)

KEY = Fernet.generate_key().decode()
DC = BackendName.DYNACASE


@pytest.fixture
def service(store, dynacase) -> ItemService:  # noqa: F811
    backend = DynacaseBackend(DynacaseClient(dynacase.api_url, dynacase.token))
    return ItemService(
        store, {DC: backend}, CredentialVault(store, KEY), AuditService(store), {"UADMIN"}
    )


def transmis(dynacase) -> str:  # noqa: F811
    doc = dynacase.control.create_document(
        "DEMANDE_SUBVENTION", "Demande", user="s.bernard", sub_montant=1000
    )
    dynacase.control.set_state(doc["initid"], "e_sub_transmis", user="s.bernard")
    return str(doc["initid"])


def test_the_vault_keeps_ciphertext_only(store) -> None:
    vault = CredentialVault(store, KEY)
    vault.put("T", "U1", "dynacase", "tok-claire-123456")
    with sqlite3.connect(store.path) as db:
        [(secret,)] = db.execute("SELECT secret FROM backend_credentials").fetchall()
    assert "tok-claire" not in secret
    assert vault.get("T", "U1", "dynacase") == "tok-claire-123456"
    assert "tok" not in repr(vault) and KEY not in repr(vault)
    # Another key cannot read it: the person must connect again, and is told so.
    with pytest.raises(CredentialUnreadable, match="Reconnectez-vous"):
        CredentialVault(store, Fernet.generate_key().decode()).get("T", "U1", "dynacase")
    assert vault.remove("T", "U1", "dynacase") and not vault.remove("T", "U1", "dynacase")


def test_a_ciphertext_copied_to_another_row_does_not_decrypt(store) -> None:
    vault = CredentialVault(store, KEY)
    vault.put("T", "U1", "dynacase", "tok-claire-123456")
    vault.put("T", "U2", "dynacase", "tok-paul-654321")
    with sqlite3.connect(store.path) as db:
        # Someone with the database copies Claire's ciphertext onto Paul's row, and another
        # backend's row of Claire's.
        db.execute(
            "UPDATE backend_credentials SET secret = (SELECT secret FROM backend_credentials"
            " WHERE slack_user_id = 'U1') WHERE slack_user_id = 'U2'"
        )
        db.execute(
            "INSERT INTO backend_credentials SELECT team_id, slack_user_id, 'ledger', secret,"
            " created_at FROM backend_credentials WHERE slack_user_id = 'U1'"
        )
    for user, backend in (("U2", "dynacase"), ("U1", "ledger")):
        with pytest.raises(CredentialUnreadable) as raised:
            vault.get("T", user, backend)
        assert "copié depuis un autre compte" in str(raised.value)
        assert "tok-claire" not in str(raised.value)
    assert vault.get("T", "U1", "dynacase") == "tok-claire-123456"  # its own row still reads


def test_an_old_format_row_is_migrated_bound_to_its_row(store) -> None:
    vault = CredentialVault(store, KEY)
    old = Fernet(KEY.encode()).encrypt(b"tok-ancien-42").decode()
    with sqlite3.connect(store.path) as db:
        for user in ("U1", "U2"):
            db.execute(
                "INSERT INTO backend_credentials VALUES ('T', ?, 'dynacase', ?, '2026-01-01')",
                [user, old],
            )
    assert vault.migrate() == 2
    with sqlite3.connect(store.path) as db:
        secrets = [r[0] for r in db.execute("SELECT secret FROM backend_credentials")]
    assert all(s.startswith("v2:") for s in secrets) and len(set(secrets)) == 2
    assert vault.get("T", "U1", "dynacase") == vault.get("T", "U2", "dynacase") == "tok-ancien-42"
    assert vault.migrate() == 0  # nothing left to do
    # A row read before any migration is upgraded by the read itself.
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE backend_credentials SET secret = ? WHERE slack_user_id = 'U1'", [old])
    assert vault.get("T", "U1", "dynacase") == "tok-ancien-42"
    assert vault.store and vault.has("T", "U1", "dynacase")
    with sqlite3.connect(store.path) as db:
        [(secret,)] = db.execute(
            "SELECT secret FROM backend_credentials WHERE slack_user_id = 'U1'"
        ).fetchall()
    assert secret.startswith("v2:")


@pytest.mark.parametrize(("key", "says"), [(None, "is not set"), ("short", "not a Fernet key")])
def test_a_missing_or_bad_key_is_one_line(store, key, says) -> None:
    with pytest.raises(SecretKeyError) as raised:
        CredentialVault(store, key).put("T", "U1", "dynacase", "tok")
    message = str(raised.value)
    assert says in message and "DSBOT_SECRET_KEY" in message and "\n" not in message


def test_content_only_with_ones_own_token_or_as_admin(service, dynacase) -> None:  # noqa: F811
    ref = transmis(dynacase)
    assert service.view("T", "UNOBODY", DC, ref).access is Access.NOT_CONNECTED
    assert service.view("T", "UNOBODY", DC, ref).item is None
    admin = service.view("T", "UADMIN", DC, ref)
    assert admin.access is Access.ADMIN and admin.item is not None and admin.actions == ()

    with pytest.raises(BackendAuthFailed):
        service.connect("T", "U1", DC, "wrong-token")
    service.connect("T", "U1", DC, dynacase.token_of("c.martin"))
    mine = service.view("T", "U1", DC, ref)
    assert mine.can_act and {a.id for a in mine.actions} == {"t_sub_instruire", "t_sub_renvoyer"}
    with pytest.raises(BackendNotFound):
        service.view("T", "U1", DC, "999999")


def test_a_revoked_token_asks_to_connect_again(service, dynacase) -> None:  # noqa: F811
    ref = transmis(dynacase)
    service.vault.put("T", "U1", "dynacase", "revoked-token-1234")
    assert service.view("T", "U1", DC, ref).access is Access.BAD_CREDENTIAL


def test_one_change_per_key_and_every_attempt_audited(service, dynacase) -> None:  # noqa: F811
    ref = transmis(dynacase)
    service.connect("T", "U1", DC, dynacase.token_of("s.bernard"))
    service.connect("T", "U2", DC, dynacase.token_of("c.martin"))
    [renvoyer] = [a for a in service.view("T", "U2", DC, ref).actions if a.id == "t_sub_renvoyer"]
    request = ActionRequest(ref, renvoyer, "À compléter", {"sub_pieces_manquantes": "RIB"})
    first = service.perform("T", "U2", DC, request, "key-1")
    assert first.result is not None and first.result.done
    again = service.perform("T", "U2", DC, request, "key-1")
    assert again.duplicate
    state = dynacase.control.document(int(ref))["state"]["reference"]
    assert state == "e_sub_brouillon"
    # Sophie may not send it back: Dynacase's own words, and nothing changes.
    refused = service.perform("T", "U1", DC, request, "key-2")
    assert refused.result is not None and not refused.result.done
    assert refused.result.refusal
    rows = service.audit.rows()
    assert [r["result"] for r in rows] == ["ok", "duplicate", "refused"]
    assert {r["backend"] for r in rows} == {"dynacase"}
    assert rows[0]["instructeur_id"] == "Claire Martin"


def test_an_action_on_a_document_being_acted_on_is_refused(service, dynacase) -> None:  # noqa: F811
    ref = transmis(dynacase)
    service.connect("T", "U2", DC, dynacase.token_of("c.martin"))
    [renvoyer] = [a for a in service.view("T", "U2", DC, ref).actions if a.id == "t_sub_renvoyer"]
    request = ActionRequest(ref, renvoyer, "À compléter", {"sub_pieces_manquantes": "RIB"})
    # Another process holds the document's lock (the same table, another connection), and
    # keeps it past the wait.
    service.locks.wait = 0
    with ItemLocks(Store(service.store.path)).hold("dynacase", ref):
        busy = service.perform("T", "U2", DC, request, "key-1")
    assert busy.busy and busy.result is None
    assert dynacase.control.document(int(ref))["state"]["reference"] == "e_sub_transmis"
    [row] = service.audit.rows()
    assert row["result"] == "refused" and row["error"] == "busy"
    # Released, and the key may run: the action is made once.
    done = service.perform("T", "U2", DC, request, "key-1")
    assert done.result is not None and done.result.done
