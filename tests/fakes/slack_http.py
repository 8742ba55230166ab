"""The wire side of the fake Slack: HTTP routing and request parsing.

slack_sdk sends Web API arguments as a form, as JSON or in the query string depending on the
method; this module turns all three into one dict and hands it to `FakeSlack.handle_api`.
The other paths are what Slack serves outside the Web API: response URLs, private file
downloads and upload URLs.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.fakes import slack_rules as rules

if TYPE_CHECKING:
    from tests.fakes.slack_api import FakeSlack


class UnsupportedBody(ValueError):
    """A request body in an encoding the fake does not take (multipart)."""


def handler_for(fake: FakeSlack) -> type[SlackHandler]:
    """A handler class bound to `fake` (http.server instantiates one per request)."""
    return type("BoundSlackHandler", (SlackHandler,), {"fake": fake})


class SlackHandler(BaseHTTPRequestHandler):
    """Routes HTTP requests to the FakeSlack set on a subclass (`handler_for`)."""

    fake: FakeSlack
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections end instead of holding a thread

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read recorded calls, not an access log

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        raw = self._read_body()
        if path.startswith("/api/"):
            method = path[len("/api/") :]
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            try:
                params.update(self._parse_body(raw, headers.get("content-type", "")))
            except UnsupportedBody:
                # Multipart (legacy files.upload) is closed to new apps; dsbot must not use it.
                self._send_json(200, {"ok": False, "error": "invalid_form_data"})
                return
            except ValueError:
                self._send_json(200, {"ok": False, "error": "invalid_json"})
                return
            params = rules.decode_json_arguments(params)
            status, extra, body = self.fake.handle_api(method, params, headers)
            self._send_json(status, body, extra)
        elif path.startswith("/response/") and self.command == "POST":
            posted: Any
            try:
                posted = json.loads(raw or b"null")
            except ValueError:
                posted = raw.decode("utf-8", "replace")
            status, answer = self.fake.handle_response_post(path.rsplit("/", 1)[-1], posted)
            self._send_json(status, answer)
        elif path.startswith("/upload/") and self.command == "POST":
            status, text = self.fake.handle_upload(path.rsplit("/", 1)[-1], raw)
            self._send(status, {"Content-Type": "text/plain"}, text.encode())
        elif path.startswith(("/files-pri/", "/files-redirected/")) and self.command == "GET":
            status, extra, data = self.fake.handle_download(path, headers)
            self._send(status, extra, data)
        else:
            self._send(404, {"Content-Type": "text/plain"}, b"not found")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    @staticmethod
    def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
        if not raw:
            return {}
        if content_type.startswith("application/json"):
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("JSON body must be an object")
            return data
        if content_type.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        raise UnsupportedBody(content_type)

    def _send_json(
        self, status: int, body: dict[str, Any], extra: dict[str, str] | None = None
    ) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8", **(extra or {})}
        self._send(status, headers, json.dumps(body).encode())

    def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
