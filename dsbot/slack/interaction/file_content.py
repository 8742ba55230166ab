"""Does a file's content match the type it announces? Checked on the first bytes, before any
upload to DS, for the types DS accepts that have a signature.

A Slack login page or a third party's HTML announced as a PDF must never reach DS as a
justificatif: any content that is an HTML document is refused, whatever its announced type.
"""

from __future__ import annotations

from collections.abc import Callable

PDF_HEADER_WINDOW = 1024  # readers accept a few bytes before `%PDF-`
ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)


def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(prefixes)


def _pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:PDF_HEADER_WINDOW]


def _webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


# Legacy Office types are often given to files that are in fact OOXML (zip): both are accepted.
_OFFICE = _starts(*OLE, *ZIP)
_ZIP = _starts(*ZIP)

SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "application/pdf": _pdf,
    "application/x-pdf": _pdf,
    "image/pdf": _pdf,
    "text/pdf": _pdf,
    "image/jpeg": _starts(b"\xff\xd8\xff"),
    "image/png": _starts(b"\x89PNG\r\n\x1a\n"),
    "image/gif": _starts(b"GIF87a", b"GIF89a"),
    "image/tiff": _starts(b"II*\x00", b"MM\x00*"),
    "image/bmp": _starts(b"BM"),
    "image/webp": _webp,
    "application/msword": _OFFICE,
    "application/vnd.ms-excel": _OFFICE,
    "application/vnd.ms-powerpoint": _OFFICE,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _ZIP,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template": _ZIP,
    "application/vnd.ms-word.document.macroenabled.12": _ZIP,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _ZIP,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template": _ZIP,
    "application/vnd.ms-excel.sheet.macroenabled.12": _ZIP,
    "application/vnd.ms-excel.sheet.binary.macroenabled.12": _ZIP,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _ZIP,
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow": _ZIP,
    "application/vnd.oasis.opendocument.text": _ZIP,
    "application/vnd.oasis.opendocument.text-template": _ZIP,
    "application/vnd.oasis.opendocument.spreadsheet": _ZIP,
    "application/vnd.oasis.opendocument.spreadsheet-template": _ZIP,
    "application/vnd.oasis.opendocument.presentation": _ZIP,
    "application/vnd.oasis.opendocument.graphics": _ZIP,
    "application/vnd.apple.pages": _ZIP,
    "application/vnd.apple.numbers": _ZIP,
    "application/zip": _ZIP,
    "application/x-zip-compressed": _ZIP,
    "application/rtf": _starts(b"{\\rtf"),
    "text/rtf": _starts(b"{\\rtf"),
    "application/gzip": _starts(b"\x1f\x8b"),
    "application/x-7z-compressed": _starts(b"7z\xbc\xaf\x27\x1c"),
    "application/vnd.rar": _starts(b"Rar!\x1a\x07"),
    "application/x-rar": _starts(b"Rar!\x1a\x07"),
}


def looks_like_html(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def content_matches(data: bytes, content_type: str) -> bool:
    """Whether `data` can be a file of `content_type` (parameters such as charset ignored)."""
    if looks_like_html(data):
        return False
    check = SIGNATURES.get(content_type.split(";", 1)[0].strip().lower())
    return check is None or check(data)
