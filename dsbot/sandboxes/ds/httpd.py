"""The HTTP server: a threaded stdlib server, one thread per connection, keep-alive.

Routes: `POST /api/v2/graphql`, `PUT /_upload/<key>` (direct uploads), `GET /_files/<key>/<name>`
(file URLs), `/_sandbox/*` (control API). Everything else is a 404.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import traceback
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from dsbot.loopback_http import TrackingHTTPServer
from dsbot.sandboxes.ds import control
from dsbot.sandboxes.ds.endpoint import Response, json_response
from dsbot.sandboxes.ds.uploads import UploadRefused

if TYPE_CHECKING:
    from dsbot.sandboxes.ds.server import SandboxApp

MAX_BODY = 64 * 1024 * 1024


class SandboxHTTPServer(TrackingHTTPServer):
    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dsbot-sandbox"
    sys_version = ""
    timeout = 120  # idle keep-alive connections
    # Headers and body are separate writes: without this, Nagle + delayed ACK add ~40 ms to
    # every keep-alive request.
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.app.verbose:
            sys.stderr.write(f"sandbox: {format % args}\n")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _send(self, response: Response) -> None:
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        path = url.path
        try:
            body = self._read_body()
        except ValueError:
            self._send(json_response(413, {"error": "body too large"}))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            response = self._route(path, url.query, headers, body)
        except Exception:  # a bug of ours: say so instead of dropping the connection
            traceback.print_exc(file=sys.stderr)
            response = json_response(500, {"error": "sandbox bug, see its stderr"})
        self._send(response)

    def _route(self, path: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        app = self.server.app
        if path == "/api/v2/graphql":
            if self.command != "POST":
                response = json_response(404, {"error": "only POST is routed"})
            else:
                response = app.endpoint.handle(headers, body)
        elif path.startswith("/_sandbox"):
            response = control.handle(app, self.command, path, parse_qs(query), body)
        elif path.startswith("/_upload/") and self.command == "PUT":
            response = self._upload(path[len("/_upload/") :], query, body)
        elif path.startswith("/_files/") and self.command in ("GET", "HEAD"):
            response = self._file(path[len("/_files/") :])
        else:
            response = json_response(404, {"error": f"no route {self.command} {path}"})
        return response

    def _upload(self, key: str, query: str, body: bytes) -> Response:
        app = self.server.app
        try:
            with app.store.lock:
                app.uploads.receive(unquote(key), query, dict(self.headers.items()), body)
        except UploadRefused as exc:
            return Response(exc.status, exc.body, "application/xml")
        return Response(201)

    def _file(self, rest: str) -> Response:
        key, _, filename = rest.partition("/")
        app = self.server.app
        with app.store.lock:
            data = app.uploads.file_bytes(unquote(key))
        if data is None:
            return json_response(404, {"error": "no such file"})
        response = Response(200, data, "application/octet-stream")
        response.headers["Content-Disposition"] = f'attachment; filename="{unquote(filename)}"'
        return response

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _dispatch
