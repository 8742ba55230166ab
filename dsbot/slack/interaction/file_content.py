"""What a file is, decided from its bytes, before any upload to DS: whatever its announced type
or its name, HTML (even a fragment), SVG, scripts and executables never reach DS.

The bytes are identified by `puremagic` (pure Python signatures, no libmagic), backed by the
few signatures that matter most written out here (PE, ELF, Mach-O, a shebang), so that a
library update cannot let an executable through. A file whose bytes are a format is judged as
that format (a PE renamed `.pdf` is an executable); a file no signature names is text, or an
unknown binary, and is searched, decoded as text, for HTML tags. What is left must still be a
type DS accepts (`files.DS_CONTENT_TYPES`) and, when the announced type has a signature, match
it (a PNG announced as a PDF is refused too: DS would store it under the wrong type).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import puremagic

PDF_HEADER_WINDOW = 1024  # readers accept a few bytes before `%PDF-`
ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
# How much of a file is searched for HTML tags (Slack's file_input caps files at 10 MB).
TEXT_WINDOW = 10 * 1024 * 1024


class Refusal(StrEnum):
    """Why a file's bytes are refused; each has its text `file.refused_<value>`."""

    EXECUTABLE = "executable"
    SCRIPT = "script"
    HTML = "html"
    SVG = "svg"
    NOT_ACCEPTED = "not_accepted"  # a format outside DS's list
    MISMATCH = "mismatch"  # a format DS takes, but not the one announced


@dataclass(frozen=True)
class Verdict:
    refusal: Refusal | None
    # What the bytes are, when a signature said so (for the log and the message).
    found: str | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


# --- what the bytes are -----------------------------------------------------------------------

EXECUTABLE_PREFIXES = (
    b"MZ",  # PE: .exe, .dll, .scr…
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O, 32 and 64 bits, both byte orders
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal, and Java classes
    b"dex\n",  # Android
    b"\x00asm",  # WebAssembly
)
EXECUTABLE_MIMES = frozenset(
    {
        "application/vnd.microsoft.portable-executable",
        "application/x-dosexec",
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-executable",
        "application/x-elf",
        "application/x-sharedlib",
        "application/x-mach-binary",
        "application/x-msi",
        "application/x-ms-installer",
        "application/java-archive",
        "application/java-vm",
        "application/x-java-applet",
        "application/vnd.android.package-archive",
        "application/x-iso9660-appimage",
        "application/wasm",
    }
)
EXECUTABLE_EXTENSIONS = frozenset(
    {".exe", ".dll", ".sys", ".scr", ".com", ".msi", ".elf", ".so", ".dylib", ".class",
     ".jar", ".apk", ".appimage", ".dex", ".wasm", ".ocx", ".cpl", ".drv", ".efi"}
)  # fmt: skip
SCRIPT_MIMES = frozenset(
    {
        "application/javascript",
        "text/javascript",
        "application/ecmascript",
        "application/x-sh",
        "application/x-shellscript",
        "text/x-shellscript",
        "application/x-python",
        "text/x-python",
        "application/x-perl",
        "application/x-php",
        "text/x-php",
        "application/x-bat",
        "application/x-powershell",
        "text/vbscript",
        "application/hta",
    }
)
SCRIPT_EXTENSIONS = frozenset(
    {".js", ".mjs", ".vbs", ".vbe", ".wsf", ".ps1", ".bat", ".cmd", ".sh", ".py", ".pl",
     ".php", ".hta", ".lnk"}
)  # fmt: skip
HTML_MIMES = frozenset({"text/html", "application/xhtml+xml"})
SVG_MIMES = frozenset({"image/svg+xml"})

# Tags a browser acts on, after `<` (and optional spaces or `/`): a fragment is enough.
HTML_TAG = re.compile(
    rb"<\s*/?\s*(?:!doctype\s+html|html|head|body|script|iframe|frame|frameset|object|embed"
    rb"|applet|form|input|button|img|svg|math|style|link|meta|base|div|span|p|a|table|video"
    rb"|audio|source|template|textarea|select|details|marquee|xml:|x:script)(?=[\s/>])",
)
# `<a href=…`, `<img src=…`, `javascript:` URLs and `on…=` handlers inside any tag.
HTML_ATTRIBUTE = re.compile(rb"<[a-z][^>]{0,200}\s(?:href|src|on[a-z]+)\s*=", re.IGNORECASE)
SCRIPT_STARTS = (b"#!", b"<?php", b"<%", b"@echo off")


@dataclass(frozen=True)
class _Match:
    mime: str
    extension: str
    name: str


def _matches(data: bytes) -> list[_Match]:
    """What puremagic recognises in the bytes, most likely first ([] when nothing)."""
    try:
        found = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):
        return []
    return [
        _Match((m.mime_type or "").lower(), (m.extension or "").lower(), (m.name or "").lower())
        for m in found
    ]


def _is_executable(data: bytes, matches: list[_Match]) -> bool:
    """`matches` are a format's only when no candidate is one DS takes: a zip or an OLE file
    also matches `.jar`, `.apk` or `.msi`, and stays the archive or document it is."""
    if data.startswith(EXECUTABLE_PREFIXES):
        return True
    return any(
        m.mime in EXECUTABLE_MIMES or m.extension in EXECUTABLE_EXTENSIONS or "executable" in m.name
        for m in matches
    )


def _is_script(head: bytes, matches: list[_Match]) -> bool:
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(SCRIPT_STARTS):
        return True
    return any(m.mime in SCRIPT_MIMES or m.extension in SCRIPT_EXTENSIONS for m in matches)


def as_text(data: bytes) -> bytes:
    """The bytes lowered for a search of tags: UTF-16's NULs dropped, so `<\0s\0v\0g` is seen."""
    return data[:TEXT_WINDOW].replace(b"\x00", b"").lower()


def has_html(text: bytes) -> bool:
    return bool(HTML_TAG.search(text) or HTML_ATTRIBUTE.search(text))


def has_svg(text: bytes) -> bool:
    return re.search(rb"<\s*svg[\s>:]", text) is not None


# --- the announced type's signature --------------------------------------------------------------


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


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


TEXT_MIMES = ("text/", "application/xml", "application/json", "application/octet-stream")
# An unknown binary is searched only where browsers sniff HTML: its first bytes.
SNIFF_WINDOW = 1024


def _looks_like_text(data: bytes) -> bool:
    head = data[:8192]
    return head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head


def _text_to_search(data: bytes, known: list[_Match]) -> bytes:
    """What is searched for tags: nothing of a binary format DS takes (random bytes would
    look like `<p ` sooner or later), a text whole, an unknown binary's first bytes."""
    if any(not m.mime.startswith(TEXT_MIMES) for m in known):
        return b""
    if _looks_like_text(data):
        return as_text(data)
    return as_text(data[:SNIFF_WINDOW])


def _dangerous(data: bytes, matches: list[_Match], known: list[_Match]) -> Refusal | None:
    """HTML, SVG, a script or an executable, in any guise. `known`: the candidates DS takes."""
    mimes = {m.mime for m in matches}
    if _is_executable(data, [] if known else matches):
        return Refusal.EXECUTABLE
    if _is_script(data[:512], [] if known else matches):
        return Refusal.SCRIPT
    text = _text_to_search(data, known)
    if mimes & SVG_MIMES or has_svg(text):
        return Refusal.SVG
    if mimes & HTML_MIMES or has_html(text):
        return Refusal.HTML
    return None


def judge(data: bytes, content_type: str, accepted: Callable[[str], bool]) -> Verdict:
    """Whether `data`, announced as `content_type`, may go to DS; `accepted` is DS's list."""
    matches = _matches(data)
    known = [m for m in matches if m.mime and accepted(m.mime)]
    found = (known or matches)[0].mime if (known or matches) else None
    refusal = _dangerous(data, matches, known)
    if refusal is not None:
        return Verdict(refusal, found or None)
    announced = _media_type(content_type)
    if not accepted(announced):
        return Verdict(Refusal.NOT_ACCEPTED, found or None)
    check = SIGNATURES.get(announced)
    if check is not None and not check(data):
        return Verdict(Refusal.MISMATCH, found or None)
    if check is None and matches and not known and not _looks_like_text(data):
        # A format no signature of the announced type covers, outside DS's list (a .iso…).
        return Verdict(Refusal.NOT_ACCEPTED, found or None)
    return Verdict(None, found or None)
