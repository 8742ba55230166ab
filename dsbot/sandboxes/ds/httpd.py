"""The HTTP server's routes (the server itself is `dsbot.sandboxes.http`'s).

Routes: `POST /api/v2/graphql`, `PUT /_upload/<key>` (direct uploads), `GET /_files/<key>/<name>`
(file URLs), `/_sandbox/*` (control API). Everything else is a 404.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote

from dsbot.sandboxes.ds import control
from dsbot.sandboxes.ds.app import SandboxApp
from dsbot.sandboxes.ds.uploads import UploadRefused
from dsbot.sandboxes.http import AppHTTPServer, Response, SandboxHandler, json_response


class SandboxHTTPServer(AppHTTPServer[SandboxApp]):
    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        super().__init__(address, Handler, app)


class Handler(SandboxHandler[SandboxApp]):
    server_version = "dsbot-sandbox"
    log_prefix = "sandbox"
    max_body = 64 * 1024 * 1024
    too_large_status = 413

    def route(self, path: str, query: str, headers: dict[str, str], body: bytes) -> Response:
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
