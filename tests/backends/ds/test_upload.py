"""Direct upload end to end against the sandbox's storage (docs/ds-api.md, "Direct upload")."""

from __future__ import annotations

import io
import os

import pytest

from dsbot.backends.ds.errors import DSFileTooLarge, DSMutationError, DSUploadError
from dsbot.backends.ds.upload import MAX_FILE_SIZE, checksum_of, prepare


@pytest.fixture
def instructeur(ds_env):
    return ds_env.instructeur()


def test_uploaded_justificatif_has_the_checksum_the_client_computed(ds_env, client, instructeur):
    data = os.urandom(70_000) + "é".encode()
    ref = ds_env.dossier("en_instruction")
    signed_blob_id = client.upload_file(
        ref, data, filename="décision.pdf", content_type="application/pdf"
    )
    result = client.accepter(ref, instructeur["id"], motivation="Vu", justificatif=signed_blob_id)
    assert result.state.value == "accepte"
    stored = ds_env.control.dossier(ref.number)["justificatif"]
    assert stored["checksum"] == checksum_of(data)
    assert stored["byteSize"] == len(data)
    assert stored["filename"] == "décision.pdf"


def test_upload_from_a_path_is_streamed_and_checks_out(ds_env, client, instructeur, tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 5)
    path = tmp_path / "courrier.bin"
    path.write_bytes(data)
    ref = ds_env.dossier("en_instruction")
    blob = client.upload_file(ref, path, filename="courrier.bin", content_type="text/plain")
    client.refuser(ref, instructeur["id"], motivation="Hors délai", justificatif=blob)
    stored = ds_env.control.dossier(ref.number)["justificatif"]
    assert (stored["checksum"], stored["byteSize"]) == (checksum_of(data), len(data))


def test_message_attachment_from_a_stream(ds_env, client, instructeur):
    data = b"%PDF-1.4 courrier de relance\n" * 100
    ref = ds_env.dossier("en_instruction")
    blob = client.upload_file(
        ref, io.BytesIO(data), filename="relance.pdf", content_type="application/pdf"
    )
    message = client.envoyer_message(ref, instructeur["id"], "Voir pièce jointe", attachment=blob)
    assert [f.filename for f in message.attachments] == ["relance.pdf"]
    assert message.attachments[0].checksum == checksum_of(data)
    stored = [
        m for m in ds_env.control.dossier(ref.number)["messages"] if m["body"] == message.body
    ]
    assert len(stored) == 1 and stored[0]["attachments"]


def test_corrupted_upload_is_refused(ds_env, client, instructeur):
    declared, sent = b"A" * 1000, b"B" * 1000
    ref = ds_env.dossier("en_instruction")
    upload = client.create_direct_upload(
        ref,
        filename="f.txt",
        byte_size=len(declared),
        checksum=checksum_of(declared),
        content_type="text/plain",
    )
    assert set(upload.headers) >= {"Content-Type"}
    assert upload.signed_blob_id != upload.blob_id
    with pytest.raises(DSUploadError) as info:
        client.put_upload(upload, prepare(sent))
    assert info.value.http_status is not None and 400 <= info.value.http_status < 500
    # The blob never received valid bytes: DS refuses it, in French, at decision time.
    with pytest.raises(DSMutationError) as refused:
        client.accepter(ref, instructeur["id"], justificatif=upload.signed_blob_id)
    assert "téléversé" in refused.value.message
    assert ds_env.control.dossier(ref.number)["state"] == "en_instruction"


def test_blob_id_instead_of_signed_blob_id_is_refused(ds_env, client, instructeur):
    data = b"contenu"
    ref = ds_env.dossier("en_instruction")
    upload = client.create_direct_upload(
        ref, filename="f.txt", byte_size=len(data), checksum=checksum_of(data),
        content_type="text/plain",
    )  # fmt: skip
    client.put_upload(upload, prepare(data))
    with pytest.raises(DSMutationError) as info:
        client.accepter(ref, instructeur["id"], justificatif=upload.blob_id)
    assert "identifiant du fichier" in info.value.message


def test_too_large_file_is_refused_before_any_request(ds_env, client, tmp_path):
    ref = ds_env.dossier("en_instruction")
    path = tmp_path / "big.bin"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_SIZE + 1)
    before = ds_env.control.stats()
    with pytest.raises(DSFileTooLarge):
        client.upload_file(ref, path, filename="big.bin", content_type="application/pdf")
    with pytest.raises(DSFileTooLarge):
        client.upload_file(
            ref, b"\0" * (MAX_FILE_SIZE + 1), filename="big.bin", content_type="text/plain"
        )
    assert ds_env.control.stats() == before
