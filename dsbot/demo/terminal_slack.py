"""A stand-in for the Slack WebClient that prints messages in the terminal.

It offers the methods the outbox sender calls. With `forward` (a real WebClient) every call
also goes to Slack and Slack's answer (its `ts`) is the one kept.
"""

from __future__ import annotations

import itertools
import shutil
import sys
import threading
import time
from typing import Any, TextIO

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from dsbot.slack.presentation.render_terminal import render_message

INDENT = "    │ "


class TerminalSlack:
    def __init__(
        self,
        out: TextIO = sys.stdout,
        *,
        forward: WebClient | None = None,
        channel_names: dict[str, str] | None = None,
        color: bool | None = None,
    ) -> None:
        self.out = out
        self.forward = forward
        self.channel_names = channel_names or {}
        self.color = out.isatty() if color is None else color
        self.width = min(100, shutil.get_terminal_size((90, 24)).columns)
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.posted = 0
        self.updated = 0

    def _name(self, channel: str) -> str:
        return "#" + self.channel_names.get(channel, channel)

    def _print(self, title: str, message: dict[str, Any], *, prefix: str = "") -> None:
        body = render_message(message, width=self.width - len(prefix), color=self.color)
        lines = [title] + [prefix + line for line in body.splitlines()]
        with self._lock:
            self.out.write("\n".join(lines) + "\n\n")
            self.out.flush()

    def chat_postMessage(self, *, channel: str, **kw: Any) -> dict[str, Any]:
        ts = (
            self.forward.chat_postMessage(channel=channel, **kw)["ts"]
            if self.forward
            else f"{int(time.time())}.{next(self._ts):06d}"
        )
        message = {"ts": ts, **kw}
        self.messages[(channel, ts)] = message
        self.posted += 1
        thread = kw.get("thread_ts")
        if thread:
            title = f"  ↳ dans le fil, {self._name(channel)}"
            if kw.get("reply_broadcast"):
                title += " (aussi dans le canal)"
            self._print(title, message, prefix=INDENT)
        else:
            self._print(f"━━ {self._name(channel)} · nouveau message", message)
        return {"ok": True, "channel": channel, "ts": ts}

    def chat_update(self, *, channel: str, ts: str, **kw: Any) -> dict[str, Any]:
        if self.forward:
            self.forward.chat_update(channel=channel, ts=ts, **kw)
        self.messages[(channel, ts)] = {"ts": ts, **kw}
        self.updated += 1
        self._print(f"━━ {self._name(channel)} · message mis à jour (chat.update)", kw)
        return {"ok": True, "channel": channel, "ts": ts}

    def conversations_history(self, *, channel: str, **kw: Any) -> dict[str, Any]:
        if self.forward:
            return _json(self.forward.conversations_history(channel=channel, **kw))
        found = [m for (c, _), m in self.messages.items() if c == channel]
        return {"ok": True, "messages": found}

    def conversations_replies(self, *, channel: str, ts: str, **kw: Any) -> dict[str, Any]:
        if self.forward:
            return _json(self.forward.conversations_replies(channel=channel, ts=ts, **kw))
        found = [
            m for (c, _), m in self.messages.items() if c == channel and m.get("thread_ts") == ts
        ]
        return {"ok": True, "messages": found}


def _json(response: SlackResponse) -> dict[str, Any]:
    # Web API methods answer JSON; SlackResponse.data is bytes only for file downloads.
    return dict(response.data) if isinstance(response.data, dict) else {}
