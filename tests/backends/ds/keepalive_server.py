"""A raw HTTP/1.1 server that drops reused keep-alive connections, like a proxy whose idle
timeout races with the client (docs/ds-api.md, pitfall 9). Real sockets, no patching."""

from __future__ import annotations

import json
import socket
import threading
from typing import Any


class DroppingServer:
    """Answers `answer` to every request that opens a connection; on a reused connection it
    closes without answering, `drops` times in all."""

    def __init__(self, answer: dict[str, Any], drops: int = 1) -> None:
        self.answer = json.dumps(answer).encode()
        self.drops_left = drops
        self.connections = 0
        self.requests = 0
        self.dropped = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/api/v2/graphql"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_request(conn: socket.socket, buffer: bytes) -> tuple[bytes, bytes] | None:
        while b"\r\n\r\n" not in buffer:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buffer += chunk
        head, rest = buffer.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            rest += chunk
        return rest[:length], rest[length:]

    def _handle(self, conn: socket.socket) -> None:
        buffer = b""
        served = 0
        with conn:
            while True:
                request = self._read_request(conn, buffer)
                if request is None:
                    return
                _body, buffer = request
                with self._lock:
                    self.requests += 1
                    drop = served > 0 and self.drops_left > 0
                    if drop:
                        self.drops_left -= 1
                        self.dropped += 1
                if drop:
                    return  # closes the socket: "Server disconnected without sending a response"
                served += 1
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Connection: keep-alive\r\nContent-Length: "
                    + str(len(self.answer)).encode()
                    + b"\r\n\r\n"
                    + self.answer
                )
