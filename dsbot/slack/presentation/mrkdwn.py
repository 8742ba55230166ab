"""Slack mrkdwn turned back into the plain text a person typed, for a message to the usager.

A user's message arrives with Slack's markup: `<@U123>` for a mention, `<#C1|name>` for a
channel, `<https://x|label>` for a link, `&amp;` `&lt;` `&gt;` for the three escaped
characters. The usager reads DS's messagerie, where none of that means anything: mentions
become names, links show their URL, entities are unescaped (last, so `&lt;@U1&gt;` stays text).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(r"<([^<>]*)>")


def to_plain_text(text: str, name_of: Callable[[str], str | None]) -> str:
    """`text` without Slack's markup; `name_of(user_id)` gives a person's name (None if unknown:
    the mention is then kept as `@U123`)."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            # The usager knows people by name, not by Slack handle.
            name = label.lstrip("@") or name_of(target[1:])
            return name or target
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            # <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>
            if label:
                return label
            return "@" + target[1:].split("^", 1)[0]
        if target.startswith("mailto:"):
            return label or target[len("mailto:") :]
        if label and label != target:
            return f"{label} ({target})"
        return target

    plain = _TOKEN.sub(replace, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
