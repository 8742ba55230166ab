"""The loopback HTTP and control plumbing both sandboxes (DS, Dynacase) stand on.

- `PromptStopServer`: the threaded stdlib server, whose `shutdown()` returns at once instead of
  at the next poll (the fakes of the tests use it too: thousands of tests stop servers).
- `TrackingHTTPServer`: its open connections tracked, served and stopped on a thread of its
  own. Tests start and stop many sandboxes: `stop()` ends idle keep-alive connections too, so
  that it leaves nothing behind.
- `SandboxHandler`: HTTP/1.1 keep-alive, the body read (Content-Length or chunked), the answer
  written, a bug of ours answered instead of dropping the connection. A sandbox names its
  routes (`route`) and its answers to a too large body and to a bug.
- `Response`, `json_response`, `ControlError`, `control_answer`: the answers and the control
  API's (`/_sandbox/*`) errors, `{"error": "<reason>"}`.
- `LoopbackSandbox`: start (binding the port), stop, context manager; `serve_until_stopped`,
  the foreground loop of `dsbot sandbox`.
"""

from __future__ import annotations

import contextlib
import json
import selectors
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Protocol, Self, TypeVar
from urllib.parse import urlsplit

# --- answers ---------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    reason: str = ""  # the status line's phrase; empty: the standard one


def json_response(status: int, payload: Any) -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False).encode())


class ControlError(Exception):
    """A refusal of the control API: its status and reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def control_answer(route: Callable[[], Response]) -> Response:
    """The control route's answer, or its refusal as `{"error": "<reason>"}`."""
    try:
        return route()
    except ControlError as exc:
        return json_response(exc.status, {"error": str(exc)})


# --- the server ------------------------------------------------------------------------------


class PromptStopServer(ThreadingHTTPServer):
    """`serve_forever` wakes on a connection or on `shutdown()`, never on a timer.

    The stdlib loop sees its stop flag only when its `select` times out (every `poll_interval`),
    so each stop waited half a poll on average, and an idle server woke up 20 times a second
    with a short poll. Here `shutdown()` writes to a socket pair the loop also selects on.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._stop_requested = False
        self._loop_done = threading.Event()
        self._loop_done.set()  # no loop running: shutdown() has nothing to wait for
        super().__init__(*args, **kwargs)

    def serve_forever(self, poll_interval: float = 0.5) -> None:  # poll_interval: unused
        self._loop_done.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._wake_reader, selectors.EVENT_READ)
                while not self._stop_requested:
                    ready = selector.select()
                    if self._stop_requested:
                        break
                    if any(key.fileobj is self for key, _ in ready):
                        # The stdlib's own step (accept, then process_request), which its
                        # serve_forever calls the same way; typeshed does not list it.
                        self._handle_request_noblock()  # type: ignore[attr-defined]
                    self.service_actions()
        finally:
            self._stop_requested = False
            self._loop_done.set()

    def shutdown(self) -> None:
        self._stop_requested = True
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")
        self._loop_done.wait()

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()


class TrackingHTTPServer(PromptStopServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Ends idle keep-alive connections, so that stop() leaves nothing behind."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def url(self, host: str) -> str:
        """`http://host:port` of this server (IPv6 hosts in brackets)."""
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.server_address[1]}"

    def start_in_background(self, name: str) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.close_connections()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class VerboseApp(Protocol):
    """What the plumbing needs of a sandbox's app: whether to log each request."""

    verbose: bool


AppT = TypeVar("AppT", bound=VerboseApp)


class AppHTTPServer(TrackingHTTPServer, Generic[AppT]):
    """A server whose handlers reach the sandbox's app as `self.server.app`."""

    def __init__(
        self, address: tuple[str, int], handler: type[SandboxHandler[AppT]], app: AppT
    ) -> None:
        self.app = app
        super().__init__(address, handler)


class SandboxHandler(BaseHTTPRequestHandler, Generic[AppT]):
    protocol_version = "HTTP/1.1"
    sys_version = ""
    timeout = 120  # idle keep-alive connections
    # Headers and body are separate writes: without this, Nagle + delayed ACK add ~40 ms to
    # every keep-alive request.
    disable_nagle_algorithm = True
    server: AppHTTPServer[AppT]
    log_prefix = "sandbox"
    max_body = 64 * 1024 * 1024
    too_large_status = 413

    def route(self, path: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        """The answer to `self.command` on `path`; headers with lower-case names."""
        raise NotImplementedError

    def bug_response(self) -> Response:
        """The answer when `route` raised: a bug of ours."""
        return json_response(500, {"error": "sandbox bug, see its stderr"})

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.app.verbose:
            sys.stderr.write(f"{self.log_prefix}: {format % args}\n")

    def read_body(self) -> bytes:
        """The request's body; ValueError when its Content-Length is above `max_body`."""
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
        if length > self.max_body:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def send(self, response: Response) -> None:
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status, response.reason or None)
        if response.status != 304:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def dispatch(self) -> None:
        url = urlsplit(self.path)
        try:
            body = self.read_body()
        except ValueError:
            self.send(json_response(self.too_large_status, {"error": "body too large"}))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            response = self.route(url.path, url.query, headers, body)
        except Exception:  # a bug of ours: say so instead of dropping the connection
            traceback.print_exc(file=sys.stderr)
            response = self.bug_response()
        self.send(response)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = dispatch


# --- the sandbox's life ----------------------------------------------------------------------


class LoopbackSandbox:
    """A sandbox served in a background thread: `start()` binds the port (0: any free one) and
    sets `port` and `base_url`; `stop()` ends it; `with` starts it when it is not yet."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.base_url = ""
        self._httpd: TrackingHTTPServer | None = None

    def start(self) -> Self:
        raise NotImplementedError

    def _bind(self, httpd: TrackingHTTPServer) -> None:
        """Takes the bound server: its port (the one chosen when 0 was asked) and URL."""
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self.base_url = httpd.url(self.host)

    def _serve(self, thread_name: str) -> None:
        assert self._httpd is not None
        self._httpd.start_in_background(f"{thread_name}:{self.port}")

    def _stopped(self) -> None:
        """Called once the server has stopped: what else the sandbox must release."""

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.stop()
        self._stopped()
        self._httpd = None

    def __enter__(self) -> Self:
        if self._httpd is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_until_stopped(sandbox: LoopbackSandbox, goodbye: str) -> None:
    """Waits until Ctrl-C (or SIGTERM), then stops the sandbox and says `goodbye` on stderr."""
    stop = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        print(goodbye, file=sys.stderr, flush=True)
