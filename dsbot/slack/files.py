"""Files a user put in a modal's `file_input`, fetched from Slack for DS.

Slack serves private files at `url_private_download`, behind the bot token. Without a valid
token it does not answer an error but its HTML login page, with status 200: a `text/html`
answer is refused so a login page never reaches DS as the usager's justificatif
(docs/slack.md, "Files"). Bodies are streamed and capped, never trusted to be small.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dsbot.ds.upload import MAX_FILE_SIZE as DS_MAX_FILE_SIZE
from dsbot.services.actions import AttachmentError

log = logging.getLogger(__name__)

# Slack's file_input accepts files of 10 MB at most; DS takes 20 MB. The smaller one rules.
SLACK_FILE_INPUT_MAX = 10 * 1024 * 1024
MAX_FILE_BYTES = min(DS_MAX_FILE_SIZE, SLACK_FILE_INPUT_MAX)
DOWNLOAD_TIMEOUT_SECONDS = 30.0
CHUNK_SIZE = 64 * 1024

# Content types DS refuses for a message attachment or a justificatif are all those outside its
# AUTHORIZED_CONTENT_TYPES list (config/initializers/authorized_content_types.rb). These are
# the ones users actually attach; anything else is refused in the modal, before any upload.
DS_CONTENT_TYPES: frozenset[str] = frozenset(
    {
        # PDF
        "application/pdf",
        "application/x-pdf",
        "image/pdf",
        "text/pdf",
        # images
        "image/jpeg",
        "image/png",
        "image/tiff",
        "image/bmp",
        "image/webp",
        "image/gif",
        "image/vnd.dwg",
        # office documents and spreadsheets
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
        "application/vnd.ms-word.document.macroenabled.12",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.text-template",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-excel.sheet.binary.macroenabled.12",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.spreadsheet-template",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
        "application/vnd.oasis.opendocument.presentation",
        "application/vnd.oasis.opendocument.graphics",
        "application/vnd.apple.pages",
        "application/vnd.apple.numbers",
        "application/rtf",
        "text/rtf",
        "text/plain",
        "text/csv",
        "text/tab-separated-values",
        # data and archives
        "application/json",
        "application/xml",
        "text/xml",
        "application/zip",
        "application/x-zip-compressed",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-rar",
        "application/gzip",
        "application/octet-stream",
        "message/rfc822",
        # audio and video
        "audio/mpeg",
        "audio/mp4",
        "audio/x-m4a",
        "audio/aac",
        "audio/x-wav",
        "video/mp4",
        "video/quicktime",
        "video/3gpp",
    }
)


def megabytes(size: int) -> str:
    """A size in MB for a message: "10", "2.5"."""
    return f"{round(size / (1024 * 1024), 1):g}"


def ds_accepts(content_type: str) -> bool:
    """Whether DS takes a file of this MIME type (parameters such as `; charset` ignored)."""
    return content_type.split(";", 1)[0].strip().lower() in DS_CONTENT_TYPES


@dataclass(frozen=True)
class SlackFileRef:
    """A file as the view submission describes it (enough to validate it in the modal)."""

    id: str
    name: str
    mimetype: str
    size: int

    @classmethod
    def from_payload(cls, file: dict[str, Any]) -> SlackFileRef:
        return cls(
            id=str(file.get("id", "")),
            name=str(file.get("name") or file.get("title") or file.get("id") or "fichier"),
            mimetype=str(file.get("mimetype") or "application/octet-stream"),
            size=int(file.get("size") or 0),
        )


class SlackFileUnavailable(AttachmentError):
    """files.info or the download failed: the file was deleted, or Slack is unreachable."""


class SlackFileTooLarge(AttachmentError):
    """More bytes than MAX_FILE_BYTES (announced or actually received)."""


class SlackLoginPage(AttachmentError):
    """Slack answered its HTML login page: the bot token cannot read the file."""


class SlackFileFetcher:
    """Refreshes a file with files.info and downloads it with the bot token."""

    def __init__(
        self,
        client: WebClient,
        *,
        max_bytes: int = MAX_FILE_BYTES,
        timeout: float = DOWNLOAD_TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.client = client
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.transport = transport

    def info(self, ref: SlackFileRef) -> dict[str, Any]:
        """The current file object: the submission's copy may be stale or lack the URL."""
        try:
            return dict(self.client.files_info(file=ref.id)["file"])
        except SlackApiError as exc:
            error = exc.response.get("error", "") if exc.response is not None else ""
            raise SlackFileUnavailable(
                f"files.info {ref.id}: {error}", key="file.unavailable", name=ref.name, error=error
            ) from None

    def download(self, ref: SlackFileRef) -> bytes:
        """The file's bytes, or an AttachmentError saying why not."""
        file = self.info(ref)
        name = str(file.get("name") or ref.name)
        announced = int(file.get("size") or 0)
        if announced > self.max_bytes:
            raise self._too_large(name, announced)
        url = file.get("url_private_download") or file.get("url_private")
        if not url:
            raise SlackFileUnavailable(
                f"file {ref.id} has no private URL",
                key="file.unavailable",
                name=name,
                error="no_url",
            )
        try:
            return self._get(str(url), name)
        except httpx.HTTPError as exc:
            raise SlackFileUnavailable(
                f"download of {ref.id}: {type(exc).__name__}",
                key="file.unavailable",
                name=name,
                error=type(exc).__name__,
            ) from None

    def _get(self, url: str, name: str) -> bytes:
        token = self.client.token or ""
        with (
            httpx.Client(
                timeout=self.timeout, follow_redirects=True, transport=self.transport
            ) as http,
            # httpx drops the Authorization header when a redirect leaves Slack's origin.
            http.stream("GET", url, headers={"Authorization": f"Bearer {token}"}) as response,
        ):
            if response.status_code != 200:
                raise SlackFileUnavailable(
                    f"download answered HTTP {response.status_code}",
                    key="file.unavailable",
                    name=name,
                    error=f"HTTP {response.status_code}",
                )
            content_type = response.headers.get("content-type", "").lower()
            if content_type.startswith("text/html"):
                log.warning("Slack answered an HTML page instead of file %r", name)
                raise SlackLoginPage(
                    "Slack answered its login page", key="file.login_page", name=name
                )
            length = response.headers.get("content-length")
            if length and length.isdigit() and int(length) > self.max_bytes:
                raise self._too_large(name, int(length))
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes(CHUNK_SIZE):
                received += len(chunk)
                if received > self.max_bytes:
                    raise self._too_large(name, received)
                chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, name: str, size: int) -> SlackFileTooLarge:
        return SlackFileTooLarge(
            f"file of {size} bytes, limit {self.max_bytes}",
            key="file.too_large",
            name=name,
            limit_mb=megabytes(self.max_bytes),
        )


class SlackAttachment:
    """A `file_input` file as the actions service sees it (`services.actions.Attachment`)."""

    def __init__(self, ref: SlackFileRef, fetcher: SlackFileFetcher) -> None:
        self.ref = ref
        self.fetcher = fetcher

    @property
    def filename(self) -> str:
        return self.ref.name

    @property
    def content_type(self) -> str:
        return self.ref.mimetype.split(";", 1)[0].strip() or "application/octet-stream"

    def read(self) -> bytes:
        return self.fetcher.download(self.ref)
