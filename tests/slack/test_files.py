"""Fetching a file_input file from (fake) Slack: refreshed, downloaded with the bot token, capped,
and never mistaken for Slack's login page."""

from __future__ import annotations

import os

import httpx
import pytest

from dsbot.slack.files import (
    SlackAttachment,
    SlackFileFetcher,
    SlackFileRef,
    SlackFileTooLarge,
    SlackFileUnavailable,
    SlackLoginPage,
)

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
