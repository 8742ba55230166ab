"""A DS message body (system, instructeur or usager) as safe Slack mrkdwn.

DS copies its state-change e-mails into the messagerie as HTML (`<p>[sujet]</p><p>…</p>`, links,
`<br>`; docs/ds-api.md §"Message bodies"), while people's messages are plain text. Either way
Slack must show text, never tags, and nothing in a body may become a mention (`<!channel>`,
`<@U…>`, `<#C…>`) or a link Slack would follow to anything but http(s).

- HTML (a body with an element DS writes, opened and closed, or a `<br>`): paragraphs and
  block tags become blank lines, `<br>` a line break, list items `• ` or `1. ` lines,
  `<a href>` with an http(s) URL `<url|text>`; every other tag is dropped (its text kept,
  but not a script's or a style's). Entities are decoded, then `&`, `<` and `>` escaped
  again for Slack.
- Plain text: only escaped (a `<` a person typed stays a `<`).

The stdlib's `html.parser` is enough: the input is a fragment DS already sanitized, and we
only keep text, breaks and links; a tolerant tokenizer with no dependency beats a tree builder.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from dsbot.slack.presentation.visible import visible

ELLIPSIS = "…"
# HTML is told by structure: an element DS's e-mail templates and sanitizer (MailScrubber) let
# through, opened and closed, or a `<br>`. A person's "Complet <b>" stays plain text.
HTML_HINT = re.compile(
    r"<(p|div|ul|ol|li|a|span|strong|b|em|i|u|h[1-6]|blockquote|table)\b[^>]*>.*?</\1\s*>"
    r"|<br\s*/?>",
    re.IGNORECASE | re.DOTALL,
)
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "table",
        "tr",
        "hr",
        "ul",
        "ol",
        "pre",
        "section",
        "article",
        "header",
        "footer",
    }
)
SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "template"})
PARAGRAPH = "\x00P"  # markers, resolved once all text is in
LINE = "\x00L"


def escape(text: str) -> str:
    """Slack's three control characters, escaped; only what is seen kept (`visible`)."""
    text = visible(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _safe_url(href: str | None) -> str | None:
    """`href` when it is an absolute http(s) URL, made inert inside `<…|…>`; else None."""
    url = (href or "").strip()
    if not url or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Inside `<url|text>`: `|` and `>` would end the URL, `<` open another token.
    url = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return url.replace("&", "&amp;")


class _Renderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0
        self._lists: list[list[int]] = []  # per open list: [next number] or [] for bullets
        self._link: str | None = None
        self._link_text: list[str] | None = None

    def _emit(self, piece: str) -> None:
        if self._link_text is not None:
            self._link_text.append(piece)
        else:
            self.out.append(piece)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skip += 1
        elif tag == "br":
            self._emit(LINE)
        elif tag in BLOCK_TAGS:
            self._emit(PARAGRAPH)
            if tag == "ul":
                self._lists.append([])
            elif tag == "ol":
                self._lists.append([1])
        elif tag == "li":
            current = self._lists[-1] if self._lists else []
            if current:
                marker = f"{current[0]}. "
                current[0] += 1
            else:
                marker = "• "
            self._emit(LINE + marker)
        elif tag == "a" and self._link_text is None:
            self._link = _safe_url(dict(attrs).get("href"))
            self._link_text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._emit(LINE)
        elif tag in BLOCK_TAGS:
            self._emit(PARAGRAPH)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in BLOCK_TAGS:
            if tag in ("ul", "ol") and self._lists:
                self._lists.pop()
            self._emit(PARAGRAPH)
        elif tag == "a" and self._link_text is not None:
            self._close_link()

    def _close_link(self) -> None:
        assert self._link_text is not None
        text = " ".join("".join(self._link_text).replace(LINE, " ").split())
        text = text.replace(PARAGRAPH, " ").strip()
        url, self._link, self._link_text = self._link, None, None
        if url and text and text != url:
            self.out.append(f"<{url}|{text}>")
        elif url:
            self.out.append(f"<{url}>")
        else:
            self.out.append(text)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        # HTML whitespace: any run is one space; the tags say where lines break.
        self._emit(escape(re.sub(r"\s+", " ", data)))

    def result(self) -> str:
        self.close()
        if self._link_text is not None:
            self._close_link()
        text = "".join(self.out)
        text = re.sub(rf"[ ]*(?:{PARAGRAPH}[ ]*)+", "\n\n", text)
        text = re.sub(rf"[ ]*{LINE}[ ]*", "\n", text)
        lines = [line.strip() for line in text.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_html(body: str) -> bool:
    return HTML_HINT.search(body) is not None


def to_mrkdwn(body: str) -> str:
    """`body` as mrkdwn: escaped text, breaks, and only http(s) links."""
    if not is_html(body):
        return escape(body.strip())
    renderer = _Renderer()
    renderer.feed(body)
    return renderer.result()


def to_plain(body: str) -> str:
    """`body`'s text, unescaped, links as their text (for one-line fallbacks, escaped there)."""
    if not is_html(body):
        return body
    renderer = _Renderer()
    renderer.feed(re.sub(r"(?i)<a\b[^>]*>", "<a>", body))  # no URL, so no `<url|…>` token
    text = renderer.result()
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def excerpt_mrkdwn(body: str, limit: int, *, max_lines: int = 12) -> str:
    """The start of `to_mrkdwn(body)`: blank-line runs folded, at most `max_lines` lines and
    `limit` characters, never cutting a `<…>` token or an `&…;` entity."""
    lines = [line.rstrip() for line in to_mrkdwn(body).splitlines()]
    compact: list[str] = []
    for line in lines:
        if line or (compact and compact[-1]):
            compact.append(line)
    clipped = len(compact) > max_lines
    text = "\n".join(compact[:max_lines]).rstrip()
    if len(text) <= limit and not clipped:
        return text
    cut = text[: max(0, limit - len(ELLIPSIS))]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    amp = cut.rfind("&")
    if amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS
