"""The fakes' HTTP servers stop when asked, not at their next poll."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

import httpx

from dsbot.sandboxes.http import PromptStopServer


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_shutdown_ends_the_loop_without_waiting_for_a_poll():
    server = PromptStopServer(("127.0.0.1", 0), Hello)
    # An hour between polls: the stdlib loop would only see its stop flag an hour later.
    loop = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 3600})
    loop.start()
    port = server.server_address[1]
    assert httpx.get(f"http://127.0.0.1:{port}/").text == "hello"
    stopper = threading.Thread(target=server.shutdown)
    stopper.start()
    stopper.join(timeout=10)
    loop.join(timeout=10)
    assert not stopper.is_alive() and not loop.is_alive()
    server.server_close()


def test_shutdown_before_the_loop_starts_does_not_hang():
    server = PromptStopServer(("127.0.0.1", 0), Hello)
    server.shutdown()
    server.server_close()
    assert server._wake_writer.fileno() == -1
