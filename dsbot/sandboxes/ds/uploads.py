"""Direct uploads, the ActiveStorage way (docs/ds-api.md, "Direct upload").

`createDirectUpload` records a blob and answers a signed URL on the sandbox itself
(`PUT /_upload/<key>?temp_url_sig=…&temp_url_expires=…`) with the headers the PUT must carry
(`Content-Type` and `Content-MD5`, as the S3 service gives). The PUT is checked like a storage
backend would: valid signature, no `Authorization` header, exactly those headers, the declared
size, and bytes whose base64(MD5) is the declared checksum; anything else is refused (4xx) and
the blob stays unusable. Success answers 201 with an empty body.

Mutations take the `signedBlobId` (a Rails-like signed id, valid one hour after
`createDirectUpload` on the sandbox's clock, like the upload URL) and check the blob with DS's
three messages: bad id (or expired id), not uploaded, hash mismatch. A message attachment must
also be of a content type DS accepts and under 20 MB (`attachment_error`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

from dsbot.sandboxes.ds import dossier_content
from dsbot.sandboxes.ds.clock import US
from dsbot.sandboxes.ds.store import Store

URL_LIFETIME_S = 3600
SIGNED_ID_LIFETIME_US = 3600 * US  # ActiveStorage's service_urls_expire_in
# Commentaire::FILE_MAX_SIZE: an attachment of 20 MB or more is refused.
MESSAGE_FILE_MAX_SIZE = 20 * 1024 * 1024
# DS's AUTHORIZED_CONTENT_TYPES, the common part of it (kept here, apart from the bot's own list,
# so that the sandbox judges the bot rather than agreeing with it by construction).
AUTHORIZED_CONTENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/x-pdf",
        "image/jpeg",
        "image/png",
        "image/tiff",
        "image/bmp",
        "image/webp",
        "image/gif",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.presentation",
        "application/rtf",
        "text/plain",
        "text/csv",
        "application/json",
        "application/xml",
        "text/xml",
        "application/zip",
        "application/octet-stream",
        "audio/mpeg",
        "video/mp4",
    }
)
BAD_CONTENT_TYPE = "Le type de fichier de la pièce jointe n’est pas autorisé"
TOO_BIG = "La pièce jointe est trop volumineuse : sa taille doit être inférieure à 20 Mo"
BLOB_BASE = 900_001

INVALID_ID = "L’identifiant du fichier téléversé est invalide"
NOT_UPLOADED = "Le fichier n’a pas été correctement téléversé sur le serveur de stockage"
BAD_HASH = "Le hash du fichier téléversé est invalide"


class UploadRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message></Error>\n"
        ).encode()


class Uploads:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock  # the sandbox clock: upload URLs expire in its time
        secret = store.meta("upload_secret")
        if secret is None:
            secret = secrets.token_hex(32)
            store.set_meta("upload_secret", secret)
        self._secret = secret.encode()

    def _sign(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha1).hexdigest()

    # --- createDirectUpload --------------------------------------------------------------

    def create(
        self,
        base_url: str,
        dossier: int,
        filename: str,
        byte_size: int,
        checksum: str,
        content_type: str,
        now: int,
    ) -> dict[str, Any]:
        blob_id = self.store.next_id("blob", BLOB_BASE)
        key = secrets.token_hex(14)
        self.store.create_blob(
            {
                "id": blob_id,
                "key": key,
                "dossier": dossier,
                "filename": filename,
                "content_type": content_type,
                "byte_size": byte_size,
                "checksum": checksum,
                "created_at": now,
            }
        )
        expires = now // US + URL_LIFETIME_S
        query = urlencode(
            {"temp_url_sig": self._sign(f"PUT\n{expires}\n{key}"), "temp_url_expires": expires}
        )
        return {
            "url": f"{base_url}/_upload/{key}?{query}",
            "headers": json.dumps({"Content-Type": content_type, "Content-MD5": checksum}),
            "blobId": str(blob_id),
            "signedBlobId": self.signed_id(blob_id, now + SIGNED_ID_LIFETIME_US),
        }

    def signed_id(self, blob_id: int, expires_us: int) -> str:
        rails = {"data": blob_id, "pur": "blob_id", "exp": expires_us}
        message = base64.b64encode(json.dumps({"_rails": rails}).encode()).decode()
        return f"{message}--{self._sign(message)}"

    # --- PUT -----------------------------------------------------------------------------

    def receive(self, key: str, query: str, headers: dict[str, str], body: bytes) -> None:
        """Stores the bytes of an upload, or raises UploadRefused."""
        blob = self.store.blob(key=key)
        if blob is None:
            raise UploadRefused(404, "NoSuchKey", "The specified key does not exist.")
        params = parse_qs(query)
        sig = params.get("temp_url_sig", [""])[0]
        expires = params.get("temp_url_expires", ["0"])[0]
        good = expires.isdigit() and hmac.compare_digest(sig, self._sign(f"PUT\n{expires}\n{key}"))
        if not good:
            raise UploadRefused(401, "AccessDenied", "Temp URL invalid.")
        if int(expires) < self._clock():
            raise UploadRefused(401, "AccessDenied", "Temp URL expired.")
        lower = {k.lower(): v for k, v in headers.items()}
        if "authorization" in lower:
            raise UploadRefused(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; do not send Authorization.",
            )
        expected = {"content-type": blob["content_type"], "content-md5": blob["checksum"]}
        for name, value in expected.items():
            if lower.get(name) != value:
                raise UploadRefused(
                    403,
                    "SignatureDoesNotMatch",
                    f"Header {name} must be sent exactly as given by createDirectUpload.",
                )
        if len(body) != blob["byte_size"]:
            raise UploadRefused(
                400, "IncompleteBody", f"Expected {blob['byte_size']} bytes, got {len(body)}."
            )
        if dossier_content.md5_base64(body) != blob["checksum"]:
            raise UploadRefused(
                400, "BadDigest", "The Content-MD5 you specified did not match what we received."
            )
        self.store.store_blob_data(blob["id"], body)

    # --- use in mutations ----------------------------------------------------------------

    def validate(self, signed_id: object, now: int) -> tuple[dict[str, Any] | None, str | None]:
        """(blob, None) when usable at `now`, else (None, DS's error message)."""
        if not isinstance(signed_id, str) or "--" not in signed_id:
            return None, INVALID_ID
        message, _, digest = signed_id.rpartition("--")
        if not hmac.compare_digest(digest, self._sign(message)):
            return None, INVALID_ID
        try:
            rails = json.loads(base64.b64decode(message))["_rails"]
            blob_id, expires = rails["data"], int(rails["exp"])
        except (ValueError, KeyError, TypeError):
            return None, INVALID_ID
        if now >= expires:
            return None, INVALID_ID  # Rails finds no blob for an expired signed id
        blob = self.store.blob(blob_id=blob_id)
        if blob is None:
            return None, INVALID_ID
        if blob["data"] is None:
            return None, NOT_UPLOADED
        if dossier_content.md5_base64(blob["data"]) != blob["checksum"]:
            return None, BAD_HASH
        return blob, None

    @staticmethod
    def attachment_error(blob: dict[str, Any]) -> str | None:
        """DS's refusal of a blob as a message attachment (type, size), or None."""
        content_type = blob["content_type"].split(";", 1)[0].strip().lower()
        if content_type not in AUTHORIZED_CONTENT_TYPES:
            return BAD_CONTENT_TYPE
        if blob["byte_size"] >= MESSAGE_FILE_MAX_SIZE:
            return TOO_BIG
        return None

    @staticmethod
    def file_of(blob: dict[str, Any]) -> dict[str, Any]:
        """The API `File` of an uploaded blob."""
        return dossier_content.file_dict(
            f"up-{blob['key']}",
            blob["filename"],
            blob["content_type"],
            blob["created_at"],
            data=blob["data"],
        )

    def file_bytes(self, key: str) -> bytes | None:
        """The bytes behind a File url key: an upload, or a generated file."""
        if key.startswith("up-"):
            blob = self.store.blob(key=key[3:])
            return None if blob is None else blob["data"]
        return dossier_content.generated_file_bytes(key)

    def corrupt(self, signed_id: str, now: int) -> bool:
        """Test hook: the stored bytes no longer match the checksum (DS's "hash invalide")."""
        blob, _ = self.validate(signed_id, now)
        if blob is None:
            return False
        self.store.store_blob_data(blob["id"], blob["data"] + b"\0")
        return True
