"""A fake Slack Web API: a real HTTP server on an ephemeral loopback port.

slack_sdk's `WebClient(token=BOT_TOKEN, base_url=fake.api_url)` talks to it as it would to
Slack: form, JSON or query arguments, `Authorization: Bearer` auth, Slack's error names, 429s
with `Retry-After`. It also serves what Slack serves outside the Web API: `response_url`s
(what Bolt's `respond()` posts to), private file downloads (with Slack's HTML login page when
the token is missing) and the upload URLs of `files_upload_v2`.

Everything received is recorded (`calls`, `responses`, `downloads`) and the state a user would
see is kept (`messages`, `views`, `ephemerals`), so a test asserts on what Slack would show.
Use the `fake_slack` fixture (registered in tests/conftest.py), or `with FakeSlack() as fake:`.

Deliberately strict where Slack is strict (required arguments from Slack's OpenAPI description,
Block Kit limits, scopes, single-use trigger ids, about one chat.postMessage a second per
channel: `post_interval`, every other method within its tier: `tiers`) so that a bug shows up
in tests, not in
production; lenient where a test would otherwise need boilerplate (a channel id that was never
registered is accepted as a public channel the bot is in, unless `strict_channels` is set).
"""

from __future__ import annotations

import base64
import copy
import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from slack_sdk import WebClient

from dsbot.sandboxes.http import PromptStopServer
from dsbot.slack.transport.scopes import BOT_SCOPES
from tests.fakes import slack_rules as rules
from tests.fakes.slack_http import handler_for

BOT_TOKEN = "xoxb-test-token"
TEAM_ID = "T0TEST"
TEAM_NAME = "DS Test"
TEAM_DOMAIN = "ds-test"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0DSBOT"
FIRST_TS = 1_700_000_000
RESPONSE_URL_USES = 5  # Slack accepts at most 5 posts per response_url
# chat.postMessage: a post less than this after the previous accepted one in the same channel
# gets 429 with `Retry-After: 1`. chat.update (Tier 3) is not limited per channel.
POST_INTERVAL = 1.0
# Every other method of a tier (slack_rules.METHOD_TIERS): more calls than its tier allows in
# any window of this many seconds get 429 with `Retry-After` (the seconds until one is free).
TIER_WINDOW = 60.0

LOGIN_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Slack</title></head>'
    f'<body><h1>Sign in to {TEAM_NAME}</h1><form action="/signin" method="post">'
    '<input type="email" name="email"><button>Sign in</button></form></body></html>'
)


@dataclass(frozen=True)
class Call:
    """One Web API request as the fake received it.

    `params` merges query and body arguments; JSON arguments sent as text in forms (`blocks`,
    `view`, `attachments`, `metadata`, `files`) are decoded, so a test reads the same thing
    whichever encoding slack_sdk chose. `headers` has lower-case names. `at` is the fake's
    `clock()` (`time.monotonic()` unless a test passed its own). `status` and `response` are
    what the fake answered.
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


@dataclass(frozen=True)
class Response:
    """One POST to a response_url (what `respond()` sends). `error` is set if it was refused."""

    id: str
    body: dict[str, Any]
    at: float
    error: str | None = None


@dataclass(frozen=True)
class Download:
    """One GET of a private file URL; `authorized` tells whether the file itself was served."""

    file_id: str
    path: str
    authorized: bool
    at: float


@dataclass
class _Failure:
    error: str
    status: int
    retry_after: int | None
    remaining: int | None  # None: until clear_failures()


class SlackApiError(Exception):
    """An `{"ok": false}` answer; raised inside method handlers, turned into JSON."""

    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra


class FakeSlack:
    """The fake Slack: Web API, response URLs, file downloads and uploads.

    Configure it before or during a test: `add_user`, `add_channel`, `add_file`, `fail`,
    `set_latency`, `scopes`, `valid_tokens`, `expired_trigger_ids`, `strict_channels`,
    `post_interval` (None: no per-channel posting limit, for a test about something else),
    `tiers` (False: no per-method limit). `clock` is what the limits and `Call.at` read: pass
    a fake clock to test pacing without sleeping.
    """

    def __init__(
        self,
        *,
        tokens: tuple[str, ...] = (BOT_TOKEN,),
        team_id: str = TEAM_ID,
        scopes: tuple[str, ...] | list[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        post_interval: float | None = POST_INTERVAL,
        tiers: bool = True,
    ) -> None:
        self.team_id = team_id
        self.clock = clock
        self.sleep = sleep  # how latency passes: pass a fake clock's with a fake clock
        self.post_interval = post_interval
        self.tiers = tiers
        self._last_post: dict[str, float] = {}
        self._tier_calls: dict[str, list[float]] = {}
        self.valid_tokens: set[str] = set(tokens)
        # Socket Mode: app-level tokens (xapp-) and the websocket URL apps.connections.open gives.
        self.app_tokens: set[str] = set()
        self.socket_mode_url: str | None = None
        self.revoked_tokens: set[str] = set()
        # What the bot token was granted; defaults to exactly what dsbot asks for.
        self.scopes: list[str] = list(BOT_SCOPES if scopes is None else scopes)
        self.expired_trigger_ids: set[str] = set()
        # Files whose download answers the HTML login page even with the bot token, as Slack
        # does for a file the app cannot read (added for the decision modals' tests).
        self.login_page_files: set[str] = set()
        # Slack accepts a trigger_id once; turn off only to test something else.
        self.single_use_triggers = True
        # True: an unregistered channel id is `channel_not_found` (as for a deleted channel).
        self.strict_channels = False

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self._calls: list[Call] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._latency: dict[str, float | Callable[[], float]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._members: dict[str, list[str]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._view_versions: dict[str, list[dict[str, Any]]] = {}
        self._home_views: dict[str, dict[str, Any]] = {}
        self._unfurls: list[dict[str, Any]] = []
        self._used_triggers: set[str] = set()
        self._files: dict[str, dict[str, Any]] = {}
        self._file_content: dict[str, bytes] = {}
        self._redirected_files: set[str] = set()
        self._pending_uploads: dict[str, dict[str, Any]] = {}
        self._downloads: list[Download] = []
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._responses: list[Response] = []

        self._server: PromptStopServer | None = None
        self._thread: threading.Thread | None = None
        self.add_user(BOT_USER_ID, "", name="ds-instruction", is_bot=True)

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeSlack:
        self._server = PromptStopServer(("127.0.0.1", 0), handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name="fake-slack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "FakeSlack is not started"
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an IPv4 loopback address, never bytes
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, for `WebClient(base_url=...)` and SLACK_API_URL."""
        return f"{self.base_url}/api/"

    def env(self) -> dict[str, str]:
        """Environment variables that point dsbot at this fake."""
        return {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": self.api_url}

    def client(self, token: str = BOT_TOKEN) -> WebClient:
        return WebClient(token=token, base_url=self.api_url)

    # ----------------------------------------------------------------- registry

    def add_user(
        self,
        id: str,
        email: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "Europe/Paris",
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
    ) -> dict[str, Any]:
        """Register a workspace member (what `users.info` and `users.lookupByEmail` know)."""
        name = name or (email.split("@")[0] if email else id.lower())
        real_name = real_name or name
        user: dict[str, Any] = {
            "id": id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": deleted,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": is_restricted,
            "is_ultra_restricted": is_ultra_restricted,
            "is_bot": is_bot,
            "is_app_user": False,
            "tz": tz,
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "email": email,
                "team": self.team_id,
            },
        }
        if is_bot:
            user["profile"]["bot_id"] = BOT_ID
            del user["profile"]["email"]
        with self._lock:
            self._users[id] = user
        return copy.deepcopy(user)

    def add_channel(
        self,
        id: str,
        name: str,
        *,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
        members: list[str] | None = None,
    ) -> dict[str, Any]:
        """Register a channel (what `conversations.info` knows and posting respects), with its
        `members` (what `conversations.members` lists)."""
        channel = {
            "id": id,
            "name": name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": is_archived,
            "is_member": is_member,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "context_team_id": self.team_id,
            "created": FIRST_TS,
            "creator": "U0CREATOR",
            "name_normalized": name,
        }
        with self._lock:
            self._channels[id] = channel
            # A channel's members include the bot when it is in it, as in Slack.
            self._members[id] = [BOT_USER_ID] * is_member + list(members or [])
        return copy.deepcopy(channel)

    def add_member(self, channel: str, user: str) -> None:
        """`user` joins `channel` (send the member_joined_channel event yourself)."""
        with self._lock:
            if user not in self._members.setdefault(channel, []):
                self._members[channel].append(user)

    def update_channel(self, id: str, **changes: Any) -> None:
        """Change a registered channel (archive it, remove the bot...) in the middle of a test."""
        with self._lock:
            self._channels[id].update(changes)

    def add_file(
        self,
        content: bytes,
        name: str,
        mimetype: str,
        filetype: str | None = None,
        *,
        title: str | None = None,
        user: str = "U0UPLOADER",
        redirect: bool = False,
    ) -> dict[str, Any]:
        """Register a file as if uploaded through a `file_input`; returns its Slack file object.

        `url_private_download` is served by this fake and needs the bot token; with
        `redirect=True` it first answers 302 to another path of the fake (clients must follow).
        """
        with self._lock:
            file_id = f"F0TEST{next(self._ids):04d}"
            file = self._file_object(file_id, content, name, mimetype, filetype, title, user)
            self._files[file_id] = file
            self._file_content[file_id] = content
            if redirect:
                self._redirected_files.add(file_id)
            return copy.deepcopy(file)

    def update_file(self, file_id: str, **changes: Any) -> dict[str, Any]:
        """Change what files.info says of a file (a remote file: `is_external`, another URL)."""
        with self._lock:
            self._files[file_id].update(changes)
            return copy.deepcopy(self._files[file_id])

    def _file_object(
        self,
        file_id: str,
        content: bytes,
        name: str,
        mimetype: str,
        filetype: str | None,
        title: str | None,
        user: str,
    ) -> dict[str, Any]:
        if filetype is None:
            filetype = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
        quoted = quote(name, safe="")
        prefix = f"{self.base_url}/files-pri/{self.team_id}-{file_id}"
        return {
            "id": file_id,
            "created": FIRST_TS,
            "timestamp": FIRST_TS,
            "name": name,
            "title": title or name,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": user,
            "user_team": self.team_id,
            "editable": False,
            "size": len(content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "url_private": f"{prefix}/{quoted}",
            "url_private_download": f"{prefix}/download/{quoted}",
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{user}/{file_id}/{quoted}",
        }

    # ----------------------------------------------------------------- behaviour switches

    def fail(
        self,
        method: str,
        error: str = "ratelimited",
        status: int | None = None,
        retry_after: int | None = 1,
        times: int | None = 1,
    ) -> None:
        """Make the next `times` calls of `method` ("*" for any) fail with `error`.

        `status` defaults to 429 for "ratelimited" (with a `Retry-After: retry_after` header)
        and to 200 otherwise, as Slack answers `{"ok": false, "error": ...}` with 200.
        `times=None` keeps failing until `clear_failures()`. Failures queue in order.
        """
        if status is None:
            status = 429 if error == "ratelimited" else 200
        with self._lock:
            self._failures.setdefault(method, []).append(
                _Failure(error, status, retry_after if status == 429 else None, times)
            )

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def set_latency(self, method: str, seconds: float | Callable[[], float]) -> None:
        """Answer `method` ("*": any) only after `seconds` (0 to stop), e.g. a slow views.open;
        a callable gives each call's latency (seeded jitter)."""
        with self._lock:
            self._latency[method] = seconds

    def revoke_token(self, token: str = BOT_TOKEN) -> None:
        """The app was uninstalled or the token revoked: every call answers `token_revoked`."""
        with self._lock:
            self.valid_tokens.discard(token)
            self.revoked_tokens.add(token)

    # ----------------------------------------------------------------- recorded calls

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str | None, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until at least `count` calls of `method` arrived; those calls.

        Raises AssertionError (listing what did arrive) on timeout.
        """
        return self._wait(lambda: self.calls(method), count, timeout, f"{count} x {method}")

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def _wait(
        self, get: Callable[[], list[Any]], count: int, timeout: float, what: str
    ) -> list[Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := get()) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(f"timed out waiting for {what}; calls seen: {seen}")
                self._changed.wait(left)
            return found

    # ----------------------------------------------------------------- state Slack would show

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Current messages of `channel` (top-level and thread replies) in `ts` order.

        Each has `ts`, `text`, `blocks`, `thread_ts` (replies, and parents once replied to),
        `reply_broadcast`, `metadata`, `files`, `edited` (`{"user", "ts"}` after chat.update) and
        `history` (previous versions, oldest first). A user id stands for the DM with that user.
        """
        return self._select(channel, lambda m: True)

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        found = self._select(channel, lambda m: m["ts"] == ts)
        return found[0] if found else None

    def top_level(self, channel: str) -> list[dict[str, Any]]:
        """Messages shown in the channel itself: parents and broadcast replies."""
        return self._select(
            channel,
            lambda m: m.get("thread_ts") in (None, m["ts"]) or bool(m.get("reply_broadcast")),
        )

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Replies in the thread of `thread_ts` (the parent excluded)."""
        return self._select(
            channel, lambda m: m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
        )

    def _select(self, channel: str, keep: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        # Copies of the kept messages only: a test asking for one message of a busy channel,
        # once per dossier, would otherwise copy the whole channel each time.
        with self._lock:
            found = self._messages.get(self._resolve_dm(channel), [])
            return copy.deepcopy(sorted((m for m in found if keep(m)), key=lambda m: m["ts"]))

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[dict]:
        """Ephemeral messages (chat.postEphemeral and ephemeral response_url posts)."""
        with self._lock:
            return copy.deepcopy(
                [
                    e
                    for e in self._ephemerals
                    if (channel is None or e["channel"] == channel)
                    and (user is None or e["user"] == user)
                ]
            )

    def views(self) -> list[dict[str, Any]]:
        """Current modals opened or pushed (latest version of each), in opening order."""
        with self._lock:
            return copy.deepcopy(list(self._views.values()))

    def view(self, view_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._views[view_id])

    def view_versions(self, view_id: str) -> list[dict[str, Any]]:
        """Every version of a modal, the opened one first."""
        with self._lock:
            return copy.deepcopy(self._view_versions[view_id])

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._home_views.get(user_id))

    def unfurls(self) -> list[dict[str, Any]]:
        """Accepted chat.unfurl calls: {"channel", "ts"} or {"unfurl_id", "source"}, and "unfurls"
        (URL → preview)."""
        with self._lock:
            return copy.deepcopy(self._unfurls)

    def files(self) -> list[dict[str, Any]]:
        """Files known to the fake: added with add_file or uploaded with files_upload_v2."""
        with self._lock:
            return copy.deepcopy(list(self._files.values()))

    def file_content(self, file_id: str) -> bytes:
        with self._lock:
            return self._file_content[file_id]

    def downloads(self) -> list[Download]:
        with self._lock:
            return list(self._downloads)

    # ----------------------------------------------------------------- response URLs

    def response_url(
        self, channel: str | None = None, message_ts: str | None = None, user: str | None = None
    ) -> str:
        """A new response_url, as in a slash command or block_actions payload.

        Give `channel` (and `message_ts` for a button on a message, `user` for who clicked) so
        that ephemeral answers, `in_channel`, `replace_original` and `delete_original` act on
        the message store as Slack would.
        """
        with self._lock:
            rid = f"R{next(self._ids):04d}"
            self._response_urls[rid] = {
                "channel": channel,
                "message_ts": message_ts,
                "user": user,
                "uses": 0,
                "expired": False,
            }
        return f"{self.base_url}/response/{rid}"

    def expire_response_url(self, url_or_id: str) -> None:
        with self._lock:
            self._response_urls[self._response_id(url_or_id)]["expired"] = True

    def responses(self, id: str | None = None, include_rejected: bool = False) -> list[Response]:
        """Posts to response URLs (`id` may be the id or the whole URL), in arrival order."""
        rid = self._response_id(id) if id is not None else None
        with self._lock:
            return [
                r
                for r in self._responses
                if (rid is None or r.id == rid) and (include_rejected or r.error is None)
            ]

    def wait_for_response(
        self, id: str | None = None, count: int = 1, timeout: float = 5.0
    ) -> list[Response]:
        return self._wait(lambda: self.responses(id), count, timeout, f"{count} response(s)")

    @staticmethod
    def _response_id(url_or_id: str) -> str:
        return url_or_id.rstrip("/").rsplit("/", 1)[-1]

    # ----------------------------------------------------------------- request handling

    def handle_api(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Answer one Web API call: (status, extra headers, JSON body). Records it."""
        with self._lock:
            latency = self._latency.get(method, self._latency.get("*", 0.0))
        if callable(latency):
            latency = latency()
        if latency:
            self.sleep(latency)
        extra_headers = {"x-oauth-scopes": ",".join(self.scopes)}
        if method == "apps.connections.open":
            return self._open_socket_connection(method, params, headers, extra_headers)
        try:
            self._authenticate(headers, params)
            self._injected_failure(method)
            self._tier_slot(method)
            self._check_scopes(method)
            self._validate(method, params)
            handler = getattr(self, "_api_" + method.replace(".", "_"), None)
            body = {"ok": True, **(handler(params) if handler else {})}
            status = 200
        except SlackApiError as e:
            status = e.status
            body = {"ok": False, "error": e.error, **e.extra}
            if "retry_after" in e.extra:
                extra_headers["Retry-After"] = str(body.pop("retry_after"))
        except Exception as e:  # a bug in the fake or an argument it cannot digest
            status = 500
            body = {"ok": False, "error": "fatal_error", "fake_exception": repr(e)}
        call = Call(method, params, headers, self.clock(), status, body)
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
        return status, extra_headers, body

    def rate_limited(self, method: str = "chat.postMessage") -> list[Call]:
        """The calls of `method` that got a 429."""
        return [c for c in self.calls(method) if c.status == 429]

    def _tier_slot(self, method: str) -> None:
        """Slack's per-method limit of the method's tier, for the workspace: 429 with the
        seconds until a call leaves the window."""
        limit = rules.calls_per_minute(method) if self.tiers else None
        if limit is None:
            return
        with self._lock:
            now = self.clock()
            recent = [t for t in self._tier_calls.get(method, ()) if t > now - TIER_WINDOW]
            if len(recent) >= limit:
                self._tier_calls[method] = recent
                wait = recent[0] + TIER_WINDOW - now
                raise SlackApiError("ratelimited", 429, retry_after=max(1, math.ceil(wait)))
            self._tier_calls[method] = [*recent, now]

    def _posting_slot(self, channel: str) -> None:
        """Slack's per-channel limit on chat.postMessage (about one a second)."""
        if not self.post_interval:
            return
        with self._lock:
            now = self.clock()
            last = self._last_post.get(channel)
            if last is not None and now < last + self.post_interval:
                raise SlackApiError("ratelimited", 429, retry_after=1)
            self._last_post[channel] = now

    def _open_socket_connection(
        self, method: str, params: dict[str, Any], headers: dict[str, str], extra: dict[str, str]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """apps.connections.open takes an app-level token, not the bot's."""
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else params.get("token")
        if token in self.app_tokens and self.socket_mode_url:
            body: dict[str, Any] = {"ok": True, "url": self.socket_mode_url}
        else:
            body = {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        call = Call(method, params, headers, time.monotonic(), 200, body)
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
        return 200, extra, body

    def _authenticate(self, headers: dict[str, str], params: dict[str, Any]) -> None:
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else params.get("token")
        if not token:
            raise SlackApiError("not_authed")
        if token in self.revoked_tokens:
            raise SlackApiError("token_revoked")
        if token not in self.valid_tokens:
            raise SlackApiError("invalid_auth")

    def _injected_failure(self, method: str) -> None:
        with self._lock:
            for key in (method, "*"):
                queue = self._failures.get(key)
                if not queue:
                    continue
                failure = queue[0]
                if failure.remaining is not None:
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        queue.pop(0)
                extra: dict[str, Any] = {}
                if failure.retry_after is not None:
                    extra["retry_after"] = failure.retry_after
                raise SlackApiError(failure.error, failure.status, **extra)

    def _check_scopes(self, method: str) -> None:
        accepted = rules.accepted_scopes(method)
        if accepted and not set(accepted) & set(self.scopes):
            self._missing_scope(",".join(accepted))

    def _missing_scope(self, needed: str) -> None:
        raise SlackApiError("missing_scope", needed=needed, provided=",".join(self.scopes))

    def _validate(self, method: str, params: dict[str, Any]) -> None:
        missing = rules.missing_arguments(method, params)
        if missing:
            raise SlackApiError("invalid_arguments", response_metadata={"messages": missing})
        if "blocks" in params and method.startswith("chat."):
            problems = rules.check_blocks(params["blocks"])
            if problems:
                raise SlackApiError("invalid_blocks", response_metadata={"messages": problems})

    # ----------------------------------------------------------------- Web API methods

    def _api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": "ds-instruction",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable_channel(params["channel"])
        self._require_content(params)
        self._posting_slot(channel)
        with self._lock:
            message = self._new_message(channel, params)
            thread_ts = params.get("thread_ts")
            if thread_ts:
                parent = self._find_message(channel, str(thread_ts))
                if parent is not None:
                    # A reply to a reply goes to the same thread, as in Slack.
                    root = self._find_message(channel, parent.get("thread_ts") or parent["ts"])
                    root = root or parent
                    message["thread_ts"] = root["ts"]
                    root["thread_ts"] = root["ts"]
                    root["reply_count"] = root.get("reply_count", 0) + 1
                    root["latest_reply"] = message["ts"]
                else:
                    message["thread_ts"] = str(thread_ts)
                message["reply_broadcast"] = rules.truthy(params.get("reply_broadcast"))
            self._messages.setdefault(channel, []).append(message)
            answer = {"channel": channel, "ts": message["ts"], "message": self._public(message)}
        return answer

    def _api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable_channel(params["channel"])
        with self._lock:
            message = self._find_message(channel, str(params["ts"]))
            if message is None:
                raise SlackApiError("message_not_found")
            if not any(k in params for k in ("text", "blocks", "attachments", "file_ids")):
                raise SlackApiError("no_text")
            previous = {k: message.get(k) for k in ("text", "blocks", "attachments", "metadata")}
            message["history"].append(copy.deepcopy(previous))
            for key in ("text", "blocks", "attachments", "metadata"):
                if key in params:
                    message[key] = params[key]
            message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
            return {
                "channel": channel,
                "ts": message["ts"],
                "text": message.get("text", ""),
                "message": self._public(message),
            }

    def _api_chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable_channel(str(params.get("channel", "")))
        with self._lock:
            message = self._find_message(channel, str(params.get("ts", "")))
            if message is None:
                raise SlackApiError("message_not_found")
            self._messages[channel].remove(message)
            return {"channel": channel, "ts": message["ts"]}

    def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable_channel(params["channel"])
        self._require_content(params)
        with self._lock:
            if self.strict_channels and params["user"] not in self._users:
                raise SlackApiError("user_not_found")
            ts = self._next_ts()
            self._ephemerals.append(
                {
                    "channel": channel,
                    "user": params["user"],
                    "ts": ts,
                    "text": params.get("text"),
                    "blocks": params.get("blocks"),
                    "thread_ts": params.get("thread_ts"),
                    "source": "chat.postEphemeral",
                }
            )
        return {"message_ts": ts}

    def _api_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_dm(params["channel"])
        with self._lock:
            message = self._find_message(channel, str(params["message_ts"]))
            if message is None:
                raise SlackApiError("message_not_found")
            link = (
                f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/"
                f"p{message['ts'].replace('.', '')}"
            )
            thread_ts = message.get("thread_ts")
            if thread_ts and thread_ts != message["ts"]:
                link += f"?thread_ts={thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def _api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        self._use_trigger(str(params["trigger_id"]))
        return {"view": self._store_view(params["view"], ("modal",), previous_view_id=None)}

    def _api_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        self._use_trigger(str(params["trigger_id"]))
        return {"view": self._store_view(params["view"], ("modal",), previous_view_id=None)}

    def _api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if view in (None, ""):
            raise SlackApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: view"]},
            )
        self._check_view(view, ("modal", "home"))
        with self._lock:
            view_id = params.get("view_id")
            if not view_id and params.get("external_id"):
                view_id = next(
                    (
                        v["id"]
                        for v in self._views.values()
                        if v.get("external_id") == params["external_id"]
                    ),
                    None,
                )
                if view_id is None:
                    raise SlackApiError("not_found")
            if not view_id:
                raise SlackApiError(
                    "invalid_arguments",
                    response_metadata={
                        "messages": ["[ERROR] either view_id or external_id is required"]
                    },
                )
            current = self._views.get(view_id)
            if current is None:
                raise SlackApiError("not_found")
            if params.get("hash") and params["hash"] != current["hash"]:
                raise SlackApiError("hash_conflict")
            updated = self._view_object(view, view_id, current)
            self._views[view_id] = updated
            self._view_versions[view_id].append(copy.deepcopy(updated))
            return {"view": copy.deepcopy(updated)}

    def _api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_view(params["view"], ("home",))
        with self._lock:
            user_id = params["user_id"]
            previous = self._home_views.get(user_id)
            if previous and params.get("hash") and params["hash"] != previous["hash"]:
                raise SlackApiError("hash_conflict")
            view_id = previous["id"] if previous else f"V0TEST{next(self._ids):04d}"
            home = self._view_object(params["view"], view_id, previous)
            self._home_views[user_id] = home
            return {"view": copy.deepcopy(home)}

    def _api_chat_unfurl(self, params: dict[str, Any]) -> dict[str, Any]:
        """Slack's checks: `unfurls` is a JSON object of URL → blocks (or attachment); with
        channel+ts, each URL must be in that message."""
        unfurls = params.get("unfurls")
        if unfurls in (None, ""):
            raise SlackApiError("missing_unfurls")
        if not isinstance(unfurls, dict):
            raise SlackApiError("invalid_json" if isinstance(unfurls, str) else "json_not_object")
        for preview in unfurls.values():
            if not isinstance(preview, dict):
                raise SlackApiError("json_not_object")
            if "blocks" in preview:
                problems = rules.check_blocks(preview["blocks"])
                if problems:
                    raise SlackApiError("invalid_blocks", response_metadata={"messages": problems})
        with self._lock:
            if params.get("channel") and params.get("ts"):
                target = {"channel": str(params["channel"]), "ts": str(params["ts"])}
                message = self._find_message(target["channel"], target["ts"])
                if message is None or not all(
                    url in (message.get("text") or "") for url in unfurls
                ):
                    raise SlackApiError("cannot_unfurl_url")
            else:
                target = {"unfurl_id": str(params["unfurl_id"]), "source": str(params["source"])}
            self._unfurls.append({**target, "unfurls": copy.deepcopy(unfurls)})
        return {}

    def _api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            user = self._users.get(str(params.get("user", "")))
            if user is None:
                raise SlackApiError("user_not_found")
            return {"user": self._visible_user(user)}

    def _api_users_lookupByEmail(self, params: dict[str, Any]) -> dict[str, Any]:
        email = str(params["email"]).strip().lower()
        with self._lock:
            for user in self._users.values():
                if user["profile"].get("email", "").lower() == email and not user["deleted"]:
                    return {"user": self._visible_user(user)}
        raise SlackApiError("users_not_found")

    def _api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            channel = self._channels.get(str(params.get("channel", "")))
            if channel is None or (channel["is_private"] and not channel["is_member"]):
                # A bot cannot see a private channel it is not in: Slack says it doesn't exist.
                raise SlackApiError("channel_not_found")
            needed = "groups:read" if channel["is_private"] else "channels:read"
            if needed not in self.scopes:
                self._missing_scope(needed)
            return {"channel": copy.deepcopy(channel)}

    def _api_conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """The channels the bot sees (public ones, private ones it is in), one page: what
        `dsbot abonner --canal #name` reads to find a channel's id."""
        types = str(params.get("types") or "public_channel").split(",")
        exclude_archived = str(params.get("exclude_archived", "")).lower() in ("1", "true")
        for kind, scope in (
            ("public_channel", "channels:read"),
            ("private_channel", "groups:read"),
        ):
            if kind in types and scope not in self.scopes:
                self._missing_scope(scope)
        with self._lock:
            channels = [
                copy.deepcopy(c)
                for c in self._channels.values()
                if ("private_channel" if c["is_private"] else "public_channel") in types
                and (c["is_member"] or not c["is_private"])
                and not (exclude_archived and c["is_archived"])
            ]
        return {"channels": channels, "response_metadata": {"next_cursor": ""}}

    def _api_conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        """A page of the channel's member ids, as Slack: `limit` 1 to 1000 (default 100), an
        opaque `cursor`, and `response_metadata.next_cursor` empty on the last page."""
        try:
            limit = int(params.get("limit") or 100)
        except ValueError:
            raise SlackApiError("invalid_limit") from None
        if not 1 <= limit <= 1000:
            raise SlackApiError("invalid_limit")
        cursor = str(params.get("cursor") or "")
        try:
            start = int(base64.b64decode(cursor).decode().removeprefix("member:")) if cursor else 0
        except ValueError:
            raise SlackApiError("invalid_cursor") from None
        with self._lock:
            channel = self._channels.get(str(params.get("channel", "")))
            if channel is None or (channel["is_private"] and not channel["is_member"]):
                raise SlackApiError("channel_not_found")
            members = list(self._members.get(channel["id"], []))
        page = members[start : start + limit]
        end = start + len(page)
        following = (
            base64.b64encode(f"member:{end}".encode()).decode() if end < len(members) else ""
        )
        return {"members": page, "response_metadata": {"next_cursor": following}}

    def _api_conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            channel = self._channels.get(str(params.get("channel", "")))
            if channel is None or (channel["is_private"] and not channel["is_member"]):
                raise SlackApiError("channel_not_found")
            if channel["is_archived"]:
                raise SlackApiError("is_archived")
            if channel["is_private"]:
                raise SlackApiError("method_not_supported_for_channel_type")
            already = channel["is_member"]
            channel["is_member"] = True
            answer: dict[str, Any] = {"channel": copy.deepcopy(channel)}
            if already:
                answer["warning"] = "already_in_channel"
            return answer

    def _api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if params.get("channel"):
            return {"channel": {"id": params["channel"]}}
        if len(users) != 1:
            raise SlackApiError("users_list_not_supplied" if not users else "not_enough_users")
        with self._lock:
            if users[0] not in self._users:
                raise SlackApiError("user_not_found")
        return {"channel": {"id": self.dm_channel(users[0]), "is_im": True}}

    # conversations.history / conversations.replies (added for the outbox sender, which looks
    # for its own messages by their metadata after a crash). Newest first for history, parent
    # first then oldest first for replies, as Slack; metadata only with include_all_metadata.

    def _api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable_channel(str(params.get("channel", "")))
        with self._lock:
            shown = [
                m
                for m in self._messages.get(channel, [])
                if m.get("thread_ts") in (None, m["ts"]) or m.get("reply_broadcast")
            ]
            shown.sort(key=lambda m: m["ts"], reverse=True)
            return self._history_page(shown, params)

    def _api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable_channel(str(params.get("channel", "")))
        ts = str(params.get("ts", ""))
        with self._lock:
            parent = self._find_message(channel, ts)
            if parent is None:
                raise SlackApiError("thread_not_found")
            root = parent.get("thread_ts") or parent["ts"]
            replies = [
                m
                for m in self._messages.get(channel, [])
                if m.get("thread_ts") == root and m["ts"] != root
            ]
            replies.sort(key=lambda m: m["ts"])
            thread = [self._find_message(channel, root) or parent, *replies]
            return self._history_page(thread, params)

    def _readable_channel(self, channel: str) -> str:
        if not channel:
            raise SlackApiError("channel_not_found")
        channel = self._resolve_dm(channel)
        with self._lock:
            info = self._channels.get(channel)
        if info is None:
            if self.strict_channels and not channel.startswith("D"):
                raise SlackApiError("channel_not_found")
            needed = "im:history" if channel.startswith("D") else "channels:history"
        elif info["is_private"] and not info["is_member"]:
            raise SlackApiError("channel_not_found")
        else:
            needed = "groups:history" if info["is_private"] else "channels:history"
        if needed not in self.scopes:
            self._missing_scope(needed)
        return channel

    def _history_page(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict:
        limit = max(1, min(int(params.get("limit") or 100), 1000))
        start = int(params.get("cursor") or 0)
        page = messages[start : start + limit]
        more = start + limit < len(messages)
        with_metadata = rules.truthy(params.get("include_all_metadata"))
        shown = []
        for message in page:
            public = self._public(message)
            if not with_metadata:
                public.pop("metadata", None)
            shown.append(public)
        return {
            "messages": shown,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _api_files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            file = self._files.get(str(params.get("file", "")))
            if file is None:
                raise SlackApiError("file_not_found")
            return {"file": copy.deepcopy(file), "comments": [], "response_metadata": {}}

    def _api_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            length = int(params["length"])
        except (TypeError, ValueError):
            raise SlackApiError("invalid_arguments") from None
        with self._lock:
            file_id = f"F0TEST{next(self._ids):04d}"
            self._pending_uploads[file_id] = {
                "filename": params["filename"],
                "length": length,
                "content": None,
            }
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params["files"]
        if not isinstance(entries, list) or not entries:
            raise SlackApiError("invalid_arguments")
        channel = params.get("channel_id")
        if channel:
            channel = self._writable_channel(channel)
        done: list[dict[str, Any]] = []
        with self._lock:
            for entry in entries:
                pending = self._pending_uploads.get(str(entry.get("id")))
                if pending is None or pending["content"] is None:
                    raise SlackApiError("file_not_found")
            for entry in entries:
                pending = self._pending_uploads.pop(entry["id"])
                content = pending["content"]
                name = pending["filename"]
                file = self._file_object(
                    entry["id"],
                    content,
                    name,
                    "application/octet-stream",
                    None,
                    entry.get("title"),
                    BOT_USER_ID,
                )
                self._files[entry["id"]] = file
                self._file_content[entry["id"]] = content
                done.append(file)
            if channel:
                message = self._new_message(
                    channel,
                    {
                        "text": params.get("initial_comment", ""),
                        "thread_ts": params.get("thread_ts"),
                    },
                )
                message["files"] = copy.deepcopy(done)
                self._messages.setdefault(channel, []).append(message)
        return {"files": [{"id": f["id"], "title": f["title"]} for f in done]}

    # ----------------------------------------------------------------- helpers (lock held)

    def dm_channel(self, user_id: str) -> str:
        """The id of the bot's direct-message channel with `user_id`."""
        return "D" + user_id[1:]

    def _resolve_dm(self, channel: str) -> str:
        return self.dm_channel(channel) if channel[:1] in ("U", "W") else channel

    def _next_ts(self) -> str:
        micros = next(self._ts) * 100
        return f"{FIRST_TS + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _writable_channel(self, channel: str) -> str:
        """The channel id a message to `channel` lands in, or Slack's error for it."""
        if not channel:
            raise SlackApiError("channel_not_found")
        with self._lock:
            if channel.startswith("#"):
                found = [c for c in self._channels.values() if c["name"] == channel[1:]]
                if not found:
                    raise SlackApiError("channel_not_found")
                channel = found[0]["id"]
            channel = self._resolve_dm(channel)
            info = self._channels.get(channel)
            if info is None:
                if self.strict_channels and not channel.startswith("D"):
                    raise SlackApiError("channel_not_found")
                return channel
            if info["is_private"] and not info["is_member"]:
                raise SlackApiError("channel_not_found")
            if info["is_archived"]:
                raise SlackApiError("is_archived")
            if not info["is_member"] and "chat:write.public" not in self.scopes:
                raise SlackApiError("not_in_channel")
            return channel

    @staticmethod
    def _require_content(params: dict[str, Any]) -> None:
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            raise SlackApiError("no_text")

    def _new_message(self, channel: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "message",
            "channel": channel,
            "ts": self._next_ts(),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": self.team_id,
            "text": params.get("text", ""),
            "blocks": params.get("blocks"),
            "attachments": params.get("attachments"),
            "metadata": params.get("metadata"),
            "thread_ts": params.get("thread_ts") or None,
            "reply_broadcast": False,
            "history": [],
        }

    def _find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        for message in self._messages.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

    @staticmethod
    def _public(message: dict[str, Any]) -> dict[str, Any]:
        """A stored message as Slack returns it (without the fake's bookkeeping)."""
        public = {k: v for k, v in message.items() if k not in ("history", "channel")}
        return copy.deepcopy({k: v for k, v in public.items() if v is not None})

    def _visible_user(self, user: dict[str, Any]) -> dict[str, Any]:
        visible = copy.deepcopy(user)
        if "users:read.email" not in self.scopes:
            # Slack leaves the email out of profiles when the scope is missing.
            visible["profile"].pop("email", None)
        return visible

    def _use_trigger(self, trigger_id: str) -> None:
        with self._lock:
            if trigger_id in self.expired_trigger_ids:
                raise SlackApiError("expired_trigger_id")
            if self.single_use_triggers and trigger_id in self._used_triggers:
                raise SlackApiError("exchanged_trigger_id")
            self._used_triggers.add(trigger_id)

    def _check_view(self, view: Any, types: tuple[str, ...]) -> None:
        problems = rules.check_view(view, expected_types=types)
        if problems:
            raise SlackApiError("invalid_arguments", response_metadata={"messages": problems})

    def _store_view(
        self, view: Any, types: tuple[str, ...], previous_view_id: str | None
    ) -> dict[str, Any]:
        self._check_view(view, types)
        with self._lock:
            view_id = f"V0TEST{next(self._ids):04d}"
            stored = self._view_object(view, view_id, None)
            stored["previous_view_id"] = previous_view_id
            self._views[view_id] = stored
            self._view_versions[view_id] = [copy.deepcopy(stored)]
            return copy.deepcopy(stored)

    def _view_object(
        self, view: dict[str, Any], view_id: str, previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        stored = copy.deepcopy(view)
        stored.update(
            {
                "id": view_id,
                "team_id": self.team_id,
                "app_id": APP_ID,
                "bot_id": BOT_ID,
                "app_installed_team_id": self.team_id,
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "external_id": view.get("external_id", ""),
                "state": {"values": {}},
                "hash": f"{FIRST_TS}.{next(self._ids):08d}",
                "root_view_id": previous["root_view_id"] if previous else view_id,
                "previous_view_id": previous.get("previous_view_id") if previous else None,
            }
        )
        return stored

    # ----------------------------------------------------------------- non-API endpoints

    def handle_response_post(self, rid: str, body: Any) -> tuple[int, dict[str, Any]]:
        """A POST to a response_url: record it and apply it to the message store."""
        now = time.monotonic()
        with self._changed:
            url = self._response_urls.get(rid)
            error: str | None = None
            problems: list[str] = []
            status = 200
            if not isinstance(body, dict):
                error, status = "invalid_payload", 400
            elif url is None or url["expired"]:
                error, status = "expired_url", 404
            elif url["uses"] >= RESPONSE_URL_USES:
                error, status = "used_url", 404
            elif "blocks" in body and (problems := rules.check_blocks(body["blocks"])):
                error, status = "invalid_blocks", 400
            if error is None and url is not None:
                url["uses"] += 1
                self._apply_response(url, body)
            self._responses.append(
                Response(rid, body if isinstance(body, dict) else {"raw": body}, now, error)
            )
            self._changed.notify_all()
        if error is not None:
            answer: dict[str, Any] = {"ok": False, "error": error}
            if error == "invalid_blocks":
                answer["response_metadata"] = {"messages": problems}
            return status, answer
        return 200, {"ok": True}

    def _apply_response(self, url: dict[str, Any], body: dict[str, Any]) -> None:
        channel, ts = url["channel"], url["message_ts"]
        if channel is None:
            return
        target = self._find_message(channel, ts) if ts else None
        if rules.truthy(body.get("delete_original")):
            if target is not None:
                self._messages[channel].remove(target)
            return
        if rules.truthy(body.get("replace_original")) and target is not None:
            target["history"].append(
                copy.deepcopy({k: target.get(k) for k in ("text", "blocks", "attachments")})
            )
            for key in ("text", "blocks", "attachments"):
                if key in body:
                    target[key] = body[key]
            target["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
            return
        if body.get("response_type") == "in_channel":
            message = self._new_message(channel, body)
            self._messages.setdefault(channel, []).append(message)
            return
        self._ephemerals.append(
            {
                "channel": channel,
                "user": url["user"],
                "ts": self._next_ts(),
                "text": body.get("text"),
                "blocks": body.get("blocks"),
                "thread_ts": body.get("thread_ts"),
                "source": "response_url",
            }
        )

    def handle_upload(self, file_id: str, content: bytes) -> tuple[int, str]:
        with self._lock:
            pending = self._pending_uploads.get(file_id)
            if pending is None:
                return 404, "unknown upload"
            if len(content) != pending["length"]:
                return 400, "length mismatch"
            pending["content"] = content
        return 200, f"OK - {len(content)}"

    def handle_download(
        self, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """GET of a private file URL: the bytes with the bot token, the login page without."""
        parts = path.split("/")
        # /files-pri/<team>-<file id>/[download/]<name> or /files-redirected/<team>-<file id>/<name>
        file_id = parts[2].split("-", 1)[-1] if len(parts) > 2 else ""
        with self._lock:
            file = self._files.get(file_id)
            content = self._file_content.get(file_id)
            redirected = file_id in self._redirected_files
        if file is None or content is None:
            return 404, {"Content-Type": "text/plain"}, b"file not found"
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        authorized = token in self.valid_tokens and file_id not in self.login_page_files
        with self._changed:
            self._downloads.append(Download(file_id, path, authorized, time.monotonic()))
            self._changed.notify_all()
        if not authorized:
            return 200, {"Content-Type": "text/html; charset=utf-8"}, LOGIN_PAGE.encode()
        if redirected and parts[1] == "files-pri" and len(parts) == 5 and parts[3] == "download":
            location = f"/files-redirected/{self.team_id}-{file_id}/{parts[-1]}"
            return 302, {"Location": location, "Content-Type": "text/plain"}, b""
        return (
            200,
            {
                "Content-Type": file["mimetype"],
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(file['name'])}",
            },
            content,
        )


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A started FakeSlack accepting BOT_TOKEN, with dsbot's scopes; stopped after the test."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def slack_client(fake_slack: FakeSlack) -> WebClient:
    """slack_sdk's real WebClient pointed at `fake_slack`, with BOT_TOKEN."""
    return fake_slack.client()
