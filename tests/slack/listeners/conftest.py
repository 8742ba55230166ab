"""Listener unit tests: the registered listener functions called directly, with recording fakes.

No Bolt app, no HTTP server on the Slack side: `register_listeners` attaches the listeners to a
`Registry`, and a test calls one as Bolt would (each argument by the name it declares), so that
the tests hold whatever a listener's inner signature becomes. `ack` and `respond` record what
they were given,
`FakeSlackClient` records the Web API calls and answers like Slack (or fails on demand), and
jobs run inline so that a test sees everything a listener did when it returns. DS is the real
sandbox (one per test module) behind the real client.

`make_services` is the one place that builds the app's services, every field given, as
`dsbot.app_runtime.build_services` does.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from dsbot.backends import registry as registry_of_backends
from dsbot.backends.ds.client import DSClient
from dsbot.backends.port import BackendName
from dsbot.config import Settings
from dsbot.ratelimit import RateLimiter
from dsbot.runtime import build_item_service
from dsbot.services.access import DossierAccessService
from dsbot.services.actions import build_action_service
from dsbot.services.directory import InstructeurDirectory
from dsbot.services.linking import LinkingService
from dsbot.services.subscriptions import SubscriptionService
from dsbot.slack.listeners import register_listeners
from dsbot.slack.services import AppServices
from dsbot.slack.transport.users import SlackUserDirectory
from dsbot.store import Store
from dsbot.texts import Texts, get_texts
from tests.fakes.db_template import premigrated
from tests.fakes.ds_sandbox import ControlledSandbox, start_sandbox, stop_sandbox

TEAM = "T0UNIT"
CHANNEL = "C0UNIT"
ADMIN = "U0ADMIN"
ALICE = "U0ALICE"  # instructeur of the first open groupe of the first démarche
CLARA = "U0CLARA"  # nobody in DS


class Registry:
    """A stand-in for Bolt's `App` as `register(app)` uses it: the listeners, by kind and id."""

    def __init__(self) -> None:
        self.listeners: dict[tuple[str, str], Callable[..., Any]] = {}

    def _add(self, kind: str, key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def attach(fn: Callable[..., Any]) -> Callable[..., Any]:
            assert (kind, key) not in self.listeners, f"two listeners for {kind} {key}"
            self.listeners[(kind, key)] = fn
            return fn

        return attach

    def command(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._add("command", name)

    def action(self, action_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._add("action", action_id)

    def view(self, callback_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._add("view", callback_id)

    def event(self, event_type: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._add("event", event_type)

    def shortcut(self, callback_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._add("shortcut", callback_id)

    def call(self, kind: str, key: str, **available: Any) -> None:
        """Calls the listener with the arguments it names, as Bolt's kwargs injection does."""
        fn = self.listeners[(kind, key)]
        wanted = inspect.signature(fn).parameters
        fn(**{name: value for name, value in available.items() if name in wanted})


@pytest.fixture
def listeners() -> Registry:
    """One app's listeners (their per-app state, like the double-click memory, included)."""
    registry = Registry()
    register_listeners(registry)  # type: ignore[arg-type]
    return registry


@dataclass
class Recorder:
    """A fake `ack` or `respond`: records the keyword arguments of each call."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, text: str | None = None, **kwargs: Any) -> None:
        if text is not None:
            kwargs["text"] = text
        self.calls.append(kwargs)

    @property
    def only(self) -> dict[str, Any]:
        """The single call made (fails if there were none or several)."""
        assert len(self.calls) == 1, self.calls
        return self.calls[0]


class FakeSlackClient:
    """The WebClient methods the listeners use, recorded; `fail(method, error)` makes the next
    call of `method` raise SlackApiError as Slack would answer it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self._failures: dict[str, str] = {}
        self._ids = itertools.count(1)

    def add_user(self, user_id: str, email: str | None, **extra: Any) -> None:
        profile = {"email": email} if email else {}
        self.users[user_id] = {"id": user_id, "profile": profile, **extra}

    def add_channel(self, channel_id: str, *, members: tuple[str, ...] = (), **info: Any) -> None:
        self.channels[channel_id] = {"id": channel_id, "is_member": True, **info}
        self.members[channel_id] = list(members)

    def fail(self, method: str, error: str) -> None:
        self._failures[method] = error

    def called(self, method: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == method]

    def _call(self, method: str, kwargs: dict[str, Any], answer: dict[str, Any]) -> dict:
        self.calls.append((method, kwargs))
        error = self._failures.pop(method, None)
        if error is not None:
            raise SlackApiError(
                f"The request to the Slack API failed: {error}", {"ok": False, "error": error}
            )
        return {"ok": True, **answer}

    def users_info(self, *, user: str) -> dict:
        if user not in self.users:
            self.fail("users_info", "user_not_found")
        return self._call("users_info", {"user": user}, {"user": self.users.get(user)})

    def conversations_info(self, *, channel: str) -> dict:
        if channel not in self.channels:
            self.fail("conversations_info", "channel_not_found")
        return self._call(
            "conversations_info", {"channel": channel}, {"channel": self.channels.get(channel)}
        )

    def conversations_members(self, *, channel: str, limit: int = 100, cursor: str = "") -> dict:
        """One page holds them all (tests/fakes/slack_api.py pages as Slack does)."""
        if channel not in self.channels:
            self.fail("conversations_members", "channel_not_found")
        members = self.members.get(channel, [])
        answer = {"members": members, "response_metadata": {"next_cursor": ""}}
        return self._call("conversations_members", {"channel": channel}, answer)

    def views_open(self, **kwargs: Any) -> dict:
        view = _as_dict(kwargs["view"])
        return self._call("views_open", kwargs, {"view": {**view, "id": f"V{next(self._ids)}"}})

    def views_update(self, **kwargs: Any) -> dict:
        return self._call("views_update", kwargs, {"view": _as_dict(kwargs["view"])})

    def chat_postMessage(self, **kwargs: Any) -> dict:
        return self._call("chat_postMessage", kwargs, {"ts": f"{next(self._ids)}.000100"})

    def chat_postEphemeral(self, **kwargs: Any) -> dict:
        return self._call("chat_postEphemeral", kwargs, {"message_ts": f"{next(self._ids)}.0002"})

    def chat_update(self, **kwargs: Any) -> dict:
        return self._call("chat_update", kwargs, {"ts": kwargs.get("ts")})


def _as_dict(view: Any) -> dict[str, Any]:
    return view.to_dict() if hasattr(view, "to_dict") else dict(view)


class InlineJobs:
    """`Jobs` that run at once, in the caller's thread, with the same error contract."""

    def __init__(self) -> None:
        self.submitted: list[str] = []  # the names of the jobs, in order
        self.failures: list[BaseException] = []

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_error: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> None:
        self.submitted.append(fn.__name__)
        try:
            fn(*args, **kwargs)
        except Exception as exc:
            self.failures.append(exc)
            if on_error is not None:
                on_error(exc)

    def shutdown(self, wait: bool = True) -> None:
        pass


@dataclass
class World:
    """The sandbox's people and places the tests use."""

    sandbox: ControlledSandbox
    demarche: int
    groupe: int
    alice_email: str

    def dossier(self, state: str = "en_instruction") -> int:
        created = self.sandbox.control.create_dossier(self.demarche, state, self.groupe)
        return created["number"]

    def state(self, number: int) -> str:
        return self.sandbox.control.dossier(number)["state"]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    sandbox = start_sandbox()
    try:
        demarche = sandbox.control.demarches()[0]
        groupe = next(g for g in demarche["groupes"] if not g["closed"] and g["instructeurs"])
        yield World(
            sandbox, demarche["number"], groupe["number"], groupe["instructeurs"][0]["email"]
        )
    finally:
        stop_sandbox(sandbox)


@dataclass
class Services:
    """The app's services on fakes, and the fakes, for assertions."""

    app: AppServices
    slack: FakeSlackClient
    jobs: InlineJobs
    world: World

    @property
    def texts(self) -> Texts:
        return self.app.texts

    def context(self, user: str = ALICE, channel: str = CHANNEL) -> BoltContext:
        """What Bolt gives a listener (with the services the middleware injects)."""
        return BoltContext(
            {"team_id": TEAM, "user_id": user, "channel_id": channel, "services": self.app}
        )


def make_services(world: World, db_path: str, *, ds: Any = None) -> Services:
    """The one builder of `AppServices` for listener tests (like `app_runtime.build_services`)."""
    sandbox = world.sandbox
    settings = Settings.from_mapping(
        {
            "SLACK_BOT_TOKEN": "xoxb-unit",
            "SLACK_SIGNING_SECRET": "unit-signing-secret",
            "DS_API_URL": sandbox.graphql_url,
            "DS_API_TOKEN": sandbox.token,
            "DSBOT_DB": db_path,
            "DSBOT_ADMINS": ADMIN,
            "DSBOT_DEMARCHES": str(world.demarche),
        }
    )
    if ds is None:
        # No sleeping between retries, and no retry at all: a fault reaches the listener.
        ds = DSClient(
            sandbox.graphql_url,
            sandbox.token,
            limiter=RateLimiter(10_000, 60.0),
            sleep=lambda _: None,
            max_read_retries=0,
        )
    store = Store(premigrated(db_path))
    store.migrate()
    slack = FakeSlackClient()
    slack.add_user(ADMIN, "admin@exemple.fr")
    slack.add_user(ALICE, world.alice_email)
    slack.add_user(CLARA, "clara@exemple.fr")
    slack.add_channel(CHANNEL, name="instruction")
    directory = InstructeurDirectory(store, ds, extra_demarches=lambda: settings.demarches)
    linking = LinkingService(store, directory, SlackUserDirectory(slack), settings.admins)  # type: ignore[arg-type]
    jobs = InlineJobs()
    access = DossierAccessService(ds, linking, directory)
    app = AppServices(
        settings=settings,
        texts=get_texts(settings.lang),
        store=store,
        ds=ds,
        slack=slack,  # type: ignore[arg-type]
        directory=directory,
        linking=linking,
        access=access,
        jobs=jobs,  # type: ignore[arg-type]
        subscriptions=SubscriptionService(store, ds),
        actions=build_action_service(
            store, ds, access, registry_of_backends.get(BackendName.DS).build(settings, client=ds)
        ),
        items=build_item_service(settings, store),
    )
    return Services(app, slack, jobs, world)


@pytest.fixture
def services(world: World, tmp_path) -> Iterator[Services]:
    built = make_services(world, str(tmp_path / "listeners.db"))
    try:
        yield built
    finally:
        built.app.ds.close()
