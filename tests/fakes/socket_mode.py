"""A fake Slack Socket Mode endpoint: a minimal websocket server (RFC 6455) on loopback.

The fake Slack Web API hands its URL out from `apps.connections.open`; the server sends
envelopes (slash commands, interactivity) to the connected client and records its acks,
which is what Slack itself does over the websocket.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import struct
import threading
import time
import uuid
from typing import Any

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA


def _frame(opcode: int, payload: bytes) -> bytes:
    """A server frame: final, unmasked."""
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 1 << 16:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    b0, b1 = _recv_exact(sock, 2)
    opcode, masked, n = b0 & 0x0F, b1 & 0x80, b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _recv_exact(sock, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _recv_exact(sock, 8))[0]
    mask = _recv_exact(sock, 4) if masked else b"\0\0\0\0"
    data = bytearray(_recv_exact(sock, n))
    for i in range(n):
        data[i] ^= mask[i % 4]
    return opcode, bytes(data)


class FakeSocketMode:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._client: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._acks: dict[str, dict[str, Any]] = {}
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.connections = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=fake"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            if self._client:
                self._client.close()
        self._listener.close()
        self._thread.join(timeout=2)

    # --- what tests use ------------------------------------------------------------------

    def wait_connected(self, timeout: float = 10.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._client is not None, timeout):
                raise AssertionError("no Socket Mode client connected")

    def send(self, envelope_type: str, payload: dict[str, Any]) -> str:
        """Deliver one envelope (as Slack does); returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        message = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": envelope_type != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        self._send(OP_TEXT, json.dumps(message).encode())
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self._acks, timeout):
                raise AssertionError(f"no ack for envelope {envelope_id} within {timeout}s")
            return self._acks[envelope_id]

    # --- server side -----------------------------------------------------------------------

    def _send(self, opcode: int, payload: bytes) -> None:
        with self._send_lock:
            assert self._client is not None, "no client connected"
            self._client.sendall(_frame(opcode, payload))

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            conn.settimeout(None)
            try:
                self._handshake(conn)
            except (OSError, ValueError):
                conn.close()
                continue
            with self._changed:
                self._client = conn
                self.connections += 1
                self._changed.notify_all()
            self._send(OP_TEXT, json.dumps({"type": "hello", "num_connections": 1}).encode())
            self._read_loop(conn)

    def _handshake(self, conn: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(1024)
            if not chunk:
                raise ValueError("closed during handshake")
            request += chunk
        headers = {}
        for line in request.decode().split("\r\n")[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        key = headers["sec-websocket-key"]
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        conn.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )

    def _read_loop(self, conn: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                opcode, data = _read_frame(conn)
            except (OSError, ConnectionError, ValueError):
                break
            if opcode == OP_PING:
                self._send(OP_PONG, data)
            elif opcode == OP_CLOSE:
                with contextlib.suppress(OSError):
                    self._send(OP_CLOSE, data[:2])
                break
            elif opcode == OP_TEXT:
                message = json.loads(data)
                if "envelope_id" in message:
                    with self._changed:
                        self._acks[message["envelope_id"]] = {
                            **message,
                            "at": time.monotonic(),
                        }
                        self._changed.notify_all()
        with self._changed:
            if self._client is conn:
                self._client = None
            self._changed.notify_all()
