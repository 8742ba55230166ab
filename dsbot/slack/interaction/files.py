"""Files a user put in a modal's `file_input`, fetched from Slack for DS.

Slack serves private files at `url_private_download`, behind the bot token. Without a valid
token it does not answer an error but its HTML login page, with status 200: a `text/html`
answer is refused so a login page never reaches DS as the usager's justificatif
(docs/slack.md, "Files"). Bodies are streamed and capped, never trusted to be small.

The bot token must never leave Slack: a remote file (`is_external`) says its URL is a third
party's, so it is refused, and a download goes only to Slack's own hosts over HTTPS (or the
host of SLACK_API_URL, for the test fake), redirects included. An empty file, or content that
does not match its announced type (HTML posing as a PDF), is refused before any upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dsbot.backends.port import BackendName
from dsbot.logs import get_logger
from dsbot.services.actions import AttachmentError
from dsbot.slack.interaction.file_content import judge
from dsbot.slack.interaction.hosts import slack_url as slack_file_url
from dsbot.slack.presentation.views import max_attachment_bytes
from dsbot.tls import verified_context

log = get_logger(__name__)

# Slack's file_input accepts files of 10 MB at most; DS takes 20 MB. The smaller one rules.
SLACK_FILE_INPUT_MAX = 10 * 1024 * 1024
MAX_FILE_BYTES = min(max_attachment_bytes(BackendName.DS), SLACK_FILE_INPUT_MAX)
DOWNLOAD_TIMEOUT_SECONDS = 30.0
CHUNK_SIZE = 64 * 1024
MAX_REDIRECTS = 3

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
    # None when the payload does not say (the download counts the bytes anyway).
    size: int | None
    is_external: bool = False

    @classmethod
    def from_payload(cls, file: dict[str, Any]) -> SlackFileRef:
        """The file of a view submission; ValueError when a field is not what Slack sends."""
        file_id, size = file.get("id"), file.get("size")
        if not isinstance(file_id, str) or not file_id:
            raise ValueError("file without an id")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise ValueError(f"file size is not a count of bytes: {size!r}")
        name = file.get("name") or file.get("title") or file_id
        mimetype = file.get("mimetype") or "application/octet-stream"
        return cls(
            id=file_id,
            name=str(name),
            mimetype=str(mimetype),
            size=size,
            is_external=file.get("is_external") is True,
        )


class SlackFileUnavailable(AttachmentError):
    """files.info or the download failed: the file was deleted, or Slack is unreachable."""


class SlackFileTooLarge(AttachmentError):
    """More bytes than MAX_FILE_BYTES (announced or actually received)."""


class SlackLoginPage(AttachmentError):
    """Slack answered its HTML login page: the bot token cannot read the file."""


class SlackFileNotHosted(AttachmentError):
    """A remote file, or a URL (or redirect) off Slack's hosts: the token is not sent there."""


class SlackFileRefused(AttachmentError):
    """Empty, or content that does not match the announced type: nothing reaches DS."""


class SlackFileFetcher:
    """Refreshes a file with files.info and downloads it with the bot token."""

    def __init__(
        self,
        client: WebClient,
        *,
        team_id: str | None = None,
        max_bytes: int = MAX_FILE_BYTES,
        timeout: float = DOWNLOAD_TIMEOUT_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.client = client
        # The workspace the person acts from: a file of another one (Slack Connect) is refused.
        self.team_id = team_id
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
        if file.get("is_external") or ref.is_external:
            raise SlackFileNotHosted(f"file {ref.id} is external", key="file.external", name=name)
        owner_team = file.get("user_team")
        if self.team_id and owner_team and owner_team != self.team_id:
            log.warning("file.foreign_team", file=ref.id)
            raise SlackFileRefused(
                f"file {ref.id} is of another workspace", key="file.foreign_team", name=name
            )
        announced = file.get("size")
        if isinstance(announced, int) and announced > self.max_bytes:
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
            content = self._get(str(url), name)
        except httpx.HTTPError as exc:
            raise SlackFileUnavailable(
                f"download of {ref.id}: {type(exc).__name__}",
                key="file.unavailable",
                name=name,
                error=type(exc).__name__,
            ) from None
        if not content:
            raise SlackFileRefused(f"file {ref.id} is empty", key="file.empty", name=name)
        verdict = judge(content, ref.mimetype, ds_accepts)
        if verdict.refusal is not None:
            # What the bytes are decides, never the announced type or the name.
            log.warning("file.refused", file=ref.id, refusal=verdict.refusal, mimetype=ref.mimetype)
            raise SlackFileRefused(
                f"file {ref.id} refused: {verdict.refusal}",
                key=f"file.refused_{verdict.refusal.value}",
                name=name,
                mimetype=ref.mimetype,
            )
        return content

    def _get(self, url: str, name: str) -> bytes:
        token = self.client.token or ""
        api_base = getattr(self.client, "base_url", None)
        with httpx.Client(
            timeout=self.timeout, transport=self.transport, verify=verified_context()
        ) as http:
            # Redirects are followed by hand: each hop must be one of Slack's hosts too.
            for _ in range(MAX_REDIRECTS + 1):
                if not slack_file_url(url, api_base):
                    log.warning("file.not_on_slack", host=httpx.URL(url).host)
                    raise SlackFileNotHosted(
                        "file URL off Slack's hosts", key="file.not_on_slack", name=name
                    )
                with http.stream(
                    "GET", url, headers={"Authorization": f"Bearer {token}"}
                ) as response:
                    location = response.headers.get("location")
                    if response.is_redirect and location:
                        url = urljoin(url, location)
                        continue
                    return self._read(response, name)
        raise SlackFileUnavailable(
            "too many redirects", key="file.unavailable", name=name, error="redirects"
        )

    def _read(self, response: httpx.Response, name: str) -> bytes:
        if response.status_code != 200:
            raise SlackFileUnavailable(
                f"download answered HTTP {response.status_code}",
                key="file.unavailable",
                name=name,
                error=f"HTTP {response.status_code}",
            )
        content_type = response.headers.get("content-type", "").lower()
        if content_type.startswith("text/html"):
            log.warning("file.login_page", host=response.url.host)
            raise SlackLoginPage("Slack answered its login page", key="file.login_page", name=name)
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
