"""Fetching a file_input file from (fake) Slack: refreshed, downloaded with the bot token, capped,
and never mistaken for Slack's login page."""

from __future__ import annotations

import os

import httpx
import pytest

from dsbot.slack.interaction.files import (
    SlackAttachment,
    SlackFileFetcher,
    SlackFileNotHosted,
    SlackFileRef,
    SlackFileRefused,
    SlackFileTooLarge,
    SlackFileUnavailable,
    SlackLoginPage,
)
from dsbot.slack.interaction.hosts import slack_url as slack_file_url

PDF = b"%PDF-1.4\n" + os.urandom(50_000) + b"\n%%EOF\n"


def ref(file: dict) -> SlackFileRef:
    return SlackFileRef.from_payload(file)


def test_download_returns_the_exact_bytes(fake_slack, slack_client) -> None:
    file = fake_slack.add_file(PDF, "décision finale.pdf", "application/pdf")
    attachment = SlackAttachment(ref(file), SlackFileFetcher(slack_client))
    assert attachment.filename == "décision finale.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.read() == PDF
    # Refreshed with files.info, downloaded with the bot token.
    assert [c.params["file"] for c in fake_slack.calls("files.info")] == [file["id"]]
    assert [d.authorized for d in fake_slack.downloads()] == [True]


def test_redirects_are_followed(fake_slack, slack_client) -> None:
    file = fake_slack.add_file(PDF, "scan.pdf", "application/pdf", redirect=True)
    assert SlackFileFetcher(slack_client).download(ref(file)) == PDF
    assert len(fake_slack.downloads()) == 2


def test_login_page_is_refused(fake_slack, slack_client) -> None:
    file = fake_slack.add_file(PDF, "scan.pdf", "application/pdf")
    fake_slack.login_page_files.add(file["id"])
    with pytest.raises(SlackLoginPage) as caught:
        SlackFileFetcher(slack_client).download(ref(file))
    assert caught.value.key == "file.login_page"
    assert caught.value.params == {"name": "scan.pdf"}


def test_announced_size_over_the_cap_is_refused_before_download(fake_slack, slack_client) -> None:
    file = fake_slack.add_file(PDF, "scan.pdf", "application/pdf")
    with pytest.raises(SlackFileTooLarge):
        SlackFileFetcher(slack_client, max_bytes=len(PDF) - 1).download(ref(file))
    assert fake_slack.downloads() == []


def test_streamed_body_over_the_cap_is_cut(fake_slack, slack_client) -> None:
    """A body without Content-Length (or an understated files.info size) is counted as it
    streams, and the download stops past the cap."""
    file = fake_slack.add_file(b"small", "scan.pdf", "application/pdf")
    seen: list[httpx.Request] = []
    chunks_sent: list[int] = []

    def endless_pdf():
        for _ in range(1000):
            chunks_sent.append(1)
            yield b"x" * 4096

    def storage(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, headers={"Content-Type": "application/pdf"}, content=endless_pdf()
        )

    fetcher = SlackFileFetcher(
        slack_client, max_bytes=10_000, transport=httpx.MockTransport(storage)
    )
    with pytest.raises(SlackFileTooLarge) as caught:
        fetcher.download(ref(file))
    assert caught.value.key == "file.too_large"
    assert seen[0].headers["Authorization"] == "Bearer xoxb-test-token"
    # Read at most one chunk (64 KB) past the cap, not the whole endless body.
    assert len(chunks_sent) * 4096 <= 10_000 + 2 * 64 * 1024


def test_deleted_file_is_unavailable(fake_slack, slack_client) -> None:
    gone = {"id": "F0GONE", "name": "old.pdf", "mimetype": "application/pdf", "size": 3}
    with pytest.raises(SlackFileUnavailable) as caught:
        SlackFileFetcher(slack_client).download(ref(gone))
    assert caught.value.params["error"] == "file_not_found"


# --- the bot token never leaves Slack ------------------------------------------------------


def recording_transport(seen: list[httpx.Request], content: bytes = PDF) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"Content-Type": "application/pdf"}, content=content)

    return httpx.MockTransport(handler)


def test_remote_file_is_refused_without_sending_the_token(fake_slack, slack_client) -> None:
    """A remote file: Slack says its URL is the third party's own."""
    file = fake_slack.add_file(PDF, "devis.pdf", "application/pdf")
    fake_slack.update_file(
        file["id"],
        is_external=True,
        external_type="gdrive",
        url_private="https://docs.example.com/devis.pdf",
        url_private_download="https://docs.example.com/devis.pdf",
    )
    seen: list[httpx.Request] = []
    fetcher = SlackFileFetcher(slack_client, transport=recording_transport(seen))
    with pytest.raises(SlackFileNotHosted) as caught:
        fetcher.download(ref(file))
    assert caught.value.key == "file.external"
    assert seen == []


def test_url_off_slack_hosts_is_refused(fake_slack, slack_client) -> None:
    file = fake_slack.add_file(PDF, "devis.pdf", "application/pdf")
    fake_slack.update_file(file["id"], url_private_download="https://evil.example/devis.pdf")
    seen: list[httpx.Request] = []
    fetcher = SlackFileFetcher(slack_client, transport=recording_transport(seen))
    with pytest.raises(SlackFileNotHosted) as caught:
        fetcher.download(ref(file))
    assert caught.value.key == "file.not_on_slack"
    assert seen == []


def test_plain_http_to_slack_is_refused(fake_slack, slack_client) -> None:
    file = fake_slack.add_file(PDF, "devis.pdf", "application/pdf")
    fake_slack.update_file(file["id"], url_private_download="http://files.slack.com/f/devis.pdf")
    seen: list[httpx.Request] = []
    fetcher = SlackFileFetcher(slack_client, transport=recording_transport(seen))
    with pytest.raises(SlackFileNotHosted):
        fetcher.download(ref(file))
    assert seen == []


def test_redirect_off_slack_is_not_followed(fake_slack, slack_client) -> None:
    file = fake_slack.add_file(PDF, "devis.pdf", "application/pdf")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "evil.example":
            return httpx.Response(200, headers={"Content-Type": "application/pdf"}, content=PDF)
        return httpx.Response(302, headers={"Location": "https://evil.example/devis.pdf"})

    fetcher = SlackFileFetcher(slack_client, transport=httpx.MockTransport(handler))
    with pytest.raises(SlackFileNotHosted):
        fetcher.download(ref(file))
    assert [r.url.host for r in seen] == ["127.0.0.1"]


def test_slack_hosts_are_the_only_ones_allowed() -> None:
    assert slack_file_url("https://files.slack.com/files-pri/T1-F1/download/a.pdf", None)
    assert slack_file_url("https://acme.enterprise.slack.com/files-pri/T1-F1/a.pdf", None)
    assert not slack_file_url("https://files.slack.com.evil.example/a.pdf", None)
    assert not slack_file_url("https://evilslack.com/a.pdf", None)
    assert not slack_file_url("http://files.slack.com/a.pdf", None)
    assert slack_file_url("http://127.0.0.1:5000/files-pri/x", "http://127.0.0.1:5000/api/")
    assert not slack_file_url("http://127.0.0.1:5001/files-pri/x", "http://127.0.0.1:5000/api/")


# --- content refused before any upload ------------------------------------------------------


def test_empty_file_is_refused(fake_slack, slack_client) -> None:
    file = fake_slack.add_file(b"", "vide.pdf", "application/pdf")
    with pytest.raises(SlackFileRefused) as caught:
        SlackFileFetcher(slack_client).download(ref(file))
    assert caught.value.key == "file.empty"


@pytest.mark.parametrize(
    ("content", "mimetype"),
    [
        (b"<!DOCTYPE html><html><body>Connexion</body></html>", "application/pdf"),
        (b"\n  <html><head></head></html>", "image/png"),
        (b"MZ\x90\x00" + os.urandom(100), "application/pdf"),
        (b"%PDF-1.4 ...", "image/jpeg"),
        (b"<html>not a sheet</html>", "text/csv"),
    ],
    ids=["html-as-pdf", "html-as-png", "exe-as-pdf", "pdf-as-jpeg", "html-as-csv"],
)
def test_content_that_is_not_the_announced_type_is_refused(
    fake_slack, slack_client, content, mimetype
) -> None:
    file = fake_slack.add_file(content, "piece", mimetype)
    with pytest.raises(SlackFileRefused) as caught:
        SlackFileFetcher(slack_client).download(ref(file))
    assert caught.value.key == "file.content_mismatch"


@pytest.mark.parametrize(
    ("content", "mimetype"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
        (b"PK\x03\x04" + b"\x00" * 20, "application/msword"),
        (b"nom;prenom\n", "text/csv"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    ],
    ids=["png", "docx-as-doc", "csv", "webp"],
)
def test_content_of_the_announced_type_is_accepted(fake_slack, slack_client, content, mimetype):
    file = fake_slack.add_file(content, "piece", mimetype)
    assert SlackFileFetcher(slack_client).download(ref(file)) == content


def test_file_entry_that_is_not_slacks_is_rejected() -> None:
    with pytest.raises(ValueError):
        SlackFileRef.from_payload({"id": "F1", "name": "a.pdf", "size": "abc"})
    with pytest.raises(ValueError):
        SlackFileRef.from_payload({"name": "a.pdf", "size": 3})
    assert SlackFileRef.from_payload({"id": "F1", "is_external": True}).is_external
