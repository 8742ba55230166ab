"""Ledger's server: a register of entries (`fiches`) in scopes, each in a workflow state, moved
by actions that only some people may take. JSON over loopback HTTP, a bearer token per person;
what changed is an event log read after a sequence number. In memory, served on a thread.

The test process drives it directly (`create`, `move`) and reads back who did what
(`performed`), also while a `dsbot` child process talks to it over HTTP.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT_TOKEN = "ledger-bot"
TOKENS = {BOT_TOKEN: "robot", "ledger-alice": "alice", "ledger-bob": "bob"}
# Who may take an action: alice instructs and grants; bob only reads.
MAY_ACT = {"alice"}

STATES = {
    "depose": ("Déposée", "#1f77b4"),
    "instruite": ("Instruite", "#ff7f0e"),
    "accordee": ("Accordée", "#2ca02c"),
}
# action id → (label, from state, to state)
ACTIONS = {
    "instruire": ("Instruire", "depose", "instruite"),
    "accorder": ("Accorder", "instruite", "accordee"),
}
SCOPES = {"PERMIS": "Permis de pêche"}


@dataclass
class Entry:
    ref: str
    scope: str
    title: str
    state: str
    modified_at: datetime
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Performed:
    ref: str
    action: str
    who: str
    comment: str


class Ledger:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, Entry] = {}
        self.events: list[tuple[int, str, str, datetime]] = []  # seq, scope, ref, at
        self.performed: list[Performed] = []
        self.requests = 0
        self._next_ref = 7001

    # --- driven by the test ----------------------------------------------------------------

    def create(self, title: str, scope: str = "PERMIS") -> str:
        with self.lock:
            ref = str(self._next_ref)
            self._next_ref += 1
            now = datetime.now(UTC)
            self.entries[ref] = Entry(ref, scope, title, "depose", now)
            self._log(ref, now, "camille", "Fiche déposée", True)
            return ref

    def move(self, ref: str, action: str, who: str = "camille", comment: str = "") -> None:
        """An action taken in Ledger itself (not from Slack)."""
        with self.lock:
            self._act(self.entries[ref], action, who, comment)

    # --- what the API does ------------------------------------------------------------------

    def _log(self, ref: str, at: datetime, who: str, text: str, state_change: bool) -> None:
        entry = self.entries[ref]
        entry.history.insert(
            0, {"at": at.isoformat(), "who": who, "text": text, "state_change": state_change}
        )
        if state_change:
            self.events.append((len(self.events) + 1, entry.scope, ref, at))

    def _act(self, entry: Entry, action: str, who: str, comment: str) -> None:
        label, source, target = ACTIONS[action]
        if entry.state != source:
            raise _Answer(409, {"error": f"« {label} » n’est pas possible depuis cet état"})
        now = datetime.now(UTC)
        entry.state, entry.modified_at = target, now
        self._log(entry.ref, now, who, f"{label} : {STATES[target][0]}", True)
        if comment:
            self._log(entry.ref, now, who, comment, False)

    def item(self, entry: Entry) -> dict[str, Any]:
        label, color = STATES[entry.state]
        return {
            "ref": entry.ref,
            "title": entry.title,
            "scope": entry.scope,
            "scope_title": SCOPES[entry.scope],
            "state": {"id": entry.state, "label": label, "color": color},
            "modified_at": entry.modified_at.isoformat(),
            "history": entry.history,
        }

    def handle(self, method: str, path: str, query: dict[str, str], body: Any, token: str) -> Any:
        self.requests += 1
        who = TOKENS.get(token)
        if who is None:
            raise _Answer(401, {"error": "jeton inconnu"})
        parts = [p for p in path.split("/") if p]
        with self.lock:
            if parts == ["me"]:
                return {"login": who}
            if parts[:1] == ["scopes"] and len(parts) == 3:
                scope = parts[1]
                if scope not in SCOPES:
                    raise _Answer(404, {"error": "portée inconnue"})
                if parts[2] == "cursor":
                    since = datetime.fromisoformat(query["since"])
                    before = [seq for seq, s, _, at in self.events if s == scope and at < since]
                    return {"cursor": max(before, default=0)}
                after = int(query.get("after", "0"))
                found = [(seq, ref, at) for seq, s, ref, at in self.events if s == scope]
                changes = [
                    {
                        "ref": ref,
                        "at": at.isoformat(),
                        "state": self.item(self.entries[ref])["state"],
                    }
                    for seq, ref, at in found
                    if seq > after
                ]
                return {"changes": changes, "cursor": max([after, *(s for s, _, _ in found)])}
            if parts[:1] == ["items"] and len(parts) >= 2:
                entry = self.entries.get(parts[1])
                if entry is None:
                    raise _Answer(404, {"error": "fiche inconnue"})
                if len(parts) == 2:
                    return self.item(entry)
                if parts[2] == "actions" and len(parts) == 3:
                    anyone = query.get("for_anyone") == "1"
                    allowed = anyone or who in MAY_ACT
                    return [
                        {
                            "id": a,
                            "label": label,
                            "target": {"id": t, "label": STATES[t][0], "color": STATES[t][1]},
                        }
                        for a, (label, source, t) in ACTIONS.items()
                        if allowed and source == entry.state
                    ]
                if parts[2] == "actions" and len(parts) == 4 and method == "POST":
                    if who not in MAY_ACT:
                        raise _Answer(403, {"error": "Vous n’avez pas ce droit dans Ledger"})
                    comment = str((body or {}).get("comment") or "")
                    self._act(entry, parts[3], who, comment)
                    self.performed.append(Performed(entry.ref, parts[3], who, comment))
                    return self.item(entry)
        raise _Answer(404, {"error": "route inconnue"})


class _Answer(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status, self.body = status, body


class _Handler(BaseHTTPRequestHandler):
    ledger: Ledger

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        try:
            status, answer = 200, self.ledger.handle(method, url.path, query, body, token)
        except _Answer as exc:
            status, answer = exc.status, exc.body
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


class LedgerServer:
    """Ledger on a free loopback port, until `stop()`."""

    def __init__(self) -> None:
        self.ledger = Ledger()
        handler = type("Handler", (_Handler,), {"ledger": self.ledger})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
