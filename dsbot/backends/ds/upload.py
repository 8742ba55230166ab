"""ActiveStorage direct upload, the way DS expects it (docs/ds-api.md, "Direct upload").

1. checksum = base64 of the *binary* MD5 of the bytes (not the hex digest);
2. `createDirectUpload` gives an upload URL and a JSON string of headers;
3. PUT the raw bytes to that URL with exactly those headers and no Authorization header
   (any 2xx is success: storages answer 200 or 201);
4. the caller passes `signedBlobId` (not `blobId`) to the mutation that uses the file.

Files are never held in memory whole when they come from disk or a seekable stream: the MD5 is
computed chunk by chunk and the PUT body is streamed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import pathlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import httpx

from dsbot.backends.ds.errors import DSFileTooLarge, DSUploadError
from dsbot.backends.ds.models import DirectUpload
from dsbot.logs import get_logger

logger = get_logger(__name__)

MAX_FILE_SIZE = 20 * 1024 * 1024  # DS's attachment limit (Commentaire::FILE_MAX_SIZE)
CHUNK_SIZE = 256 * 1024

Source = bytes | bytearray | memoryview | BinaryIO | pathlib.Path


def checksum_of(data: bytes) -> str:
    """DS's checksum of `data`: base64 of the binary MD5 digest."""
    return base64.b64encode(hashlib.md5(data).digest()).decode("ascii")


@dataclass
class PreparedFile:
    """A file whose size and checksum are known, and that can be read again for each PUT."""

    byte_size: int
    checksum: str
    _data: bytes | None = None
    _path: pathlib.Path | None = None
    _stream: BinaryIO | None = None
    _start: int = 0

    def chunks(self) -> Iterator[bytes]:
        """The bytes, from the start, in chunks (each call starts over)."""
        if self._data is not None:
            yield self._data
            return
        if self._path is not None:
            with self._path.open("rb") as handle:
                yield from _read_chunks(handle, self.byte_size)
            return
        assert self._stream is not None
        self._stream.seek(self._start)
        yield from _read_chunks(self._stream, self.byte_size)


def _read_chunks(handle: BinaryIO, limit: int) -> Iterator[bytes]:
    remaining = limit
    while remaining > 0:
        chunk = handle.read(min(CHUNK_SIZE, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
        yield chunk


def _digest(handle: BinaryIO, size: int) -> str:
    md5 = hashlib.md5()
    for chunk in _read_chunks(handle, size):
        md5.update(chunk)
    return base64.b64encode(md5.digest()).decode("ascii")


def prepare(source: Source, *, max_size: int = MAX_FILE_SIZE) -> PreparedFile:
    """Size and checksum of `source`; DSFileTooLarge before reading a byte more than needed."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > max_size:
            raise DSFileTooLarge(len(data), max_size)
        return PreparedFile(len(data), checksum_of(data), _data=data)
    if isinstance(source, pathlib.Path):
        size = source.stat().st_size
        if size > max_size:
            raise DSFileTooLarge(size, max_size)
        with source.open("rb") as handle:
            checksum = _digest(handle, size)
        return PreparedFile(size, checksum, _path=source)
    stream: Any = source
    if stream.seekable():
        start = stream.tell()
        size = stream.seek(0, io.SEEK_END) - start
        if size > max_size:
            stream.seek(start)
            raise DSFileTooLarge(size, max_size)
        stream.seek(start)
        checksum = _digest(stream, size)
        return PreparedFile(size, checksum, _stream=stream, _start=start)
    # A pipe or socket: it can only be read once, so it is kept in memory (bounded).
    data = stream.read(max_size + 1)
    if len(data) > max_size:
        raise DSFileTooLarge(len(data), max_size)
    return PreparedFile(len(data), checksum_of(data), _data=data)


def parse_direct_upload(payload: dict[str, Any]) -> DirectUpload:
    """`createDirectUpload.directUpload`, its `headers` JSON string decoded."""
    raw = payload["headers"]
    headers = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
    if not isinstance(headers, dict):
        raise DSUploadError("createDirectUpload returned headers that are not a JSON object")
    return DirectUpload(
        url=payload["url"],
        headers={str(k): str(v) for k, v in headers.items()},
        blob_id=payload["blobId"],
        signed_blob_id=payload["signedBlobId"],
    )


def put_file(http: httpx.Client, upload: DirectUpload, prepared: PreparedFile) -> None:
    """PUT the bytes to the storage URL. Raises DSUploadError on a non-2xx answer.

    httpx errors propagate: the caller decides whether to retry (a PUT of the same bytes to the
    same URL is idempotent).
    """
    headers = dict(upload.headers)
    # Framing only: with a known length the body is streamed without chunked encoding,
    # which some storages (S3 presigned URLs) refuse.
    if not any(k.lower() == "content-length" for k in headers):
        headers["Content-Length"] = str(prepared.byte_size)
    started = time.monotonic()
    # A plain request, outside the GraphQL transport: no Authorization header is added.
    response = http.put(upload.url, content=prepared.chunks(), headers=headers)
    elapsed = (time.monotonic() - started) * 1000
    if not 200 <= response.status_code < 300:
        logger.warning(
            "ds.upload_refused",
            http_status=response.status_code,
            ms=round(elapsed),
            bytes=prepared.byte_size,
        )
        detail = response.text.strip()[:300]
        message = f"Le stockage a refusé le fichier (HTTP {response.status_code})"
        raise DSUploadError(
            f"{message} : {detail}" if detail else message, http_status=response.status_code
        )
    logger.info("ds.upload_ok", ms=round(elapsed), bytes=prepared.byte_size)
