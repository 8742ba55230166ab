"""Direct upload (docs/ds-api.md, "Direct upload"): createDirectUpload, PUT, then use the blob."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import pytest

from tests.sandboxes.ds.gql import data, errors, first_demarche, open_groupe

CREATE = """
mutation($i: CreateDirectUploadInput!) {
  createDirectUpload(input: $i) { directUpload { url headers blobId signedBlobId } }
}
"""
ACCEPT = """
mutation($i: DossierAccepterInput!) {
  dossierAccepter(input: $i) {
    dossier { state motivationAttachment { filename checksum byteSize: byteSizeBigInt url } }
    errors { message }
  }
}
"""
SEND = """
mutation($i: DossierEnvoyerMessageInput!) {
  dossierEnvoyerMessage(input: $i) {
    message { attachments { filename contentType checksum url } }
    errors { message }
  }
}
"""
CONTENT = "Décision signée du directeur.\n".encode() * 40


def checksum(content: bytes) -> str:
    return base64.b64encode(hashlib.md5(content).digest()).decode()


@pytest.fixture
def setting(sandbox):
    demarche = first_demarche(sandbox)
    groupe = open_groupe(demarche)
    dossier = sandbox.control.create_dossier(demarche["number"], "en_instruction", groupe["number"])
    return sandbox, dossier, groupe["instructeurs"][0]


def create(sandbox, dossier: dict, content: bytes = CONTENT, **override) -> dict:
    values = {
        "dossierId": dossier["id"],
        "filename": "decision.pdf",
        "byteSize": len(content),
        "checksum": checksum(content),
        "contentType": "application/pdf",
        **override,
    }
    return data(sandbox, CREATE, {"i": values})["createDirectUpload"]["directUpload"]


def put(upload: dict, content: bytes = CONTENT, headers: dict | None = None) -> httpx.Response:
    sent = json.loads(upload["headers"]) if headers is None else headers
    return httpx.put(upload["url"], content=content, headers=sent)


def accept(sandbox, dossier, instructeur, justificatif: str) -> dict:
    values = {
        "dossierId": dossier["id"],
        "instructeurId": instructeur["id"],
        "motivation": "Accordé.",
        "justificatif": justificatif,
    }
    return data(sandbox, ACCEPT, {"i": values})["dossierAccepter"]


def test_upload_then_accept_with_the_justificatif(setting):
    sandbox, dossier, instructeur = setting
    upload = create(sandbox, dossier)
    assert upload["url"].startswith(sandbox.base_url + "/_upload/")
    assert json.loads(upload["headers"]) == {
        "Content-Type": "application/pdf",
        "Content-MD5": checksum(CONTENT),
    }
    assert upload["blobId"].isdigit()
    assert upload["signedBlobId"] != upload["blobId"]
    response = put(upload)
    assert response.status_code == 201
    got = accept(sandbox, dossier, instructeur, upload["signedBlobId"])
    assert got["errors"] is None
    attachment = got["dossier"]["motivationAttachment"]
    assert attachment["filename"] == "decision.pdf"
    assert attachment["checksum"] == checksum(CONTENT)
    assert attachment["byteSize"] == str(len(CONTENT))
    assert httpx.get(attachment["url"]).content == CONTENT
    stored = sandbox.control.dossier(dossier["number"])
    assert stored["justificatif"] == {
        "filename": "decision.pdf",
        "contentType": "application/pdf",
        "checksum": checksum(CONTENT),
        "byteSize": len(CONTENT),
    }
    assert stored["traitements"][-1]["emailAgentTraitant"] == instructeur["email"]


def test_a_message_carries_one_uploaded_attachment(setting):
    sandbox, dossier, instructeur = setting
    content = b"\x89PNG fake image bytes"
    upload = create(sandbox, dossier, content, filename="plan.png", contentType="image/png")
    assert put(upload, content).status_code == 201
    values = {
        "dossierId": dossier["id"],
        "instructeurId": instructeur["id"],
        "body": "Voici le plan.",
        "attachment": upload["signedBlobId"],
    }
    got = data(sandbox, SEND, {"i": values})["dossierEnvoyerMessage"]
    assert got["errors"] is None
    [attachment] = got["message"]["attachments"]
    assert attachment["filename"] == "plan.png"
    assert attachment["contentType"] == "image/png"
    assert httpx.get(attachment["url"]).content == content
    stored = sandbox.control.dossier(dossier["number"])["messages"][-1]
    assert stored["attachments"][0]["checksum"] == checksum(content)


def test_bytes_that_do_not_match_the_checksum_are_refused(setting):
    sandbox, dossier, instructeur = setting
    upload = create(sandbox, dossier)
    refused = put(upload, CONTENT[:-1] + b"?")
    assert refused.status_code == 400
    assert b"BadDigest" in refused.content
    got = accept(sandbox, dossier, instructeur, upload["signedBlobId"])
    assert got["errors"] == [
        {"message": "Le fichier n’a pas été correctement téléversé sur le serveur de stockage"}
    ]
    assert sandbox.control.dossier(dossier["number"])["state"] == "en_instruction"


def test_the_put_must_carry_exactly_the_given_headers_and_no_authorization(setting):
    sandbox, dossier, _instructeur = setting
    upload = create(sandbox, dossier)
    assert put(upload, headers={"Content-Type": "application/pdf"}).status_code == 403
    wrong_md5 = {"Content-Type": "application/pdf", "Content-MD5": checksum(b"other")}
    assert put(upload, headers=wrong_md5).status_code == 403
    with_auth = {**json.loads(upload["headers"]), "Authorization": "Bearer sandbox-token"}
    assert put(upload, headers=with_auth).status_code == 400
    tampered = upload["url"].replace("temp_url_sig=", "temp_url_sig=0")
    assert httpx.put(
        tampered, content=CONTENT, headers=json.loads(upload["headers"])
    ).status_code in (
        401,
        403,
    )
    assert put(upload, CONTENT + b"more").status_code == 400  # not the declared size
    assert put(upload).status_code == 201


def test_bad_signed_ids_and_corrupted_blobs(setting):
    sandbox, dossier, instructeur = setting
    for bad in ("nope", "eyJfcmFpbHMiOnt9--0000"):
        got = accept(sandbox, dossier, instructeur, bad)
        assert got["errors"] == [{"message": "L’identifiant du fichier téléversé est invalide"}]
    upload = create(sandbox, dossier)
    assert put(upload).status_code == 201
    sandbox.control.corrupt_blob(upload["signedBlobId"])
    got = accept(sandbox, dossier, instructeur, upload["signedBlobId"])
    assert got["errors"] == [{"message": "Le hash du fichier téléversé est invalide"}]


def test_byte_size_is_a_32_bit_int_and_the_dossier_must_exist(setting):
    sandbox, dossier, _instructeur = setting
    found = errors(
        sandbox,
        CREATE,
        {
            "i": {
                "dossierId": dossier["id"],
                "filename": "huge.iso",
                "byteSize": 3 * 1024**3,
                "checksum": checksum(b""),
                "contentType": "application/octet-stream",
            }
        },
    )
    assert "byteSize" in found[0]["message"]
    missing = errors(
        sandbox,
        CREATE,
        {
            "i": {
                "dossierId": "RG9zc2llci0x",
                "filename": "a.pdf",
                "byteSize": 1,
                "checksum": checksum(b"a"),
                "contentType": "application/pdf",
            }
        },
    )
    assert missing[0]["message"] == "CreateDirectUploadPayload not found"


def test_an_upload_url_expires_an_hour_later_in_sandbox_time(setting):
    sandbox, dossier, _instructeur = setting
    upload = create(sandbox, dossier)
    sandbox.control.advance(3601)
    expired = put(upload)
    assert expired.status_code == 401 and "Temp URL expired." in expired.text
    assert put(create(sandbox, dossier)).status_code == 201  # a URL asked for now works
