"""Text from outside (usagers, demandeurs, backends) made safe to show: only what is seen.

A usager's field can carry characters that change what a reader sees without being seen
themselves: right-to-left overrides that reverse the rest of a line (`\u202e` makes "fdp.exe"
read "exe.pdf"), zero-width spaces and joiners that split or glue words past a search, the
byte-order mark, C0 and C1 control characters. `visible()` removes them all (Unicode's `Cc` and
`Cf` categories, and lone surrogates), keeps newlines and tabs, and turns CRLF, CR, and the
line and paragraph separators into newlines. The presentation layer applies it wherever outside
text enters a message (`escape`, `escape_truncate`, `plain`, and HTML messages' text): one pure
function, so that no builder can forget it.
"""

from __future__ import annotations

import re

# Every Cc (but \t and \n) and Cf code point of Unicode 15, written out: building the class
# from `unicodedata` at import would scan 1.1 million code points in every process.
# tests/slack/presentation/test_visible.py checks it against `unicodedata` itself.
_INVISIBLE = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab and newline), DEL, C1
    "\u00ad"  # soft hyphen
    "\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"  # Arabic and Syriac format marks
    "\u180e"  # Mongolian vowel separator
    "\u200b-\u200f"  # zero-width space, non-joiner, joiner; LRM, RLM
    "\u202a-\u202e"  # bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    "\u2060-\u2064\u2066-\u206f"  # word joiner, invisible operators; bidi isolates; deprecated
    "\ufeff"  # byte-order mark, zero-width no-break space
    "\ufff9-\ufffb"  # interlinear annotation
    "\ud800-\udfff"  # lone surrogates (from JSON escapes)
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"  # language tags
    "]"
)
_BREAK = re.compile("\r\n?|[\u2028\u2029\x85]")


def visible(text: str) -> str:
    """`text` without invisible and control characters; newlines and tabs kept."""
    if text.isascii() and text.isprintable():
        return text  # most texts: nothing to look for
    return _INVISIBLE.sub("", _BREAK.sub("\n", text))
