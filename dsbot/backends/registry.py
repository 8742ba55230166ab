"""Which backends dsbot knows, and how each is built from the settings.

A backend registers one `BackendSpec` from its own folder (`dsbot/backends/<name>/spec.py`):
whether the settings turn it on, how its client, its port adapter and its feed are built, its
`/ds` words (data, not Slack code: the Slack layer makes its subcommands of them), the text keys
it answers with, and what `dsbot check` finds missing in its settings. The wiring (`runtime.py`,
`app_runtime.py`, `check.py`) builds backends through here, so this is the one module outside a
backend's folder that names the backends' modules (`KNOWN`). A backend not in `KNOWN` (a test's,
a plugin's) registers with `register()`, from a module named in `DSBOT_BACKEND_MODULES`
(`load_plugins`) when it must be known to a `dsbot` process.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from dsbot.backends.port import (
        ActionInput,
        Backend,
        ChangeClassifier,
        FeedSource,
        ItemDetail,
        ItemState,
        RequestObserver,
    )
    from dsbot.config import Settings

# Backend name → the module that registers it, imported on first use: the CLI's quick commands
# never pay for a backend's client they do not use.
KNOWN: dict[str, str] = {
    "ds": "dsbot.backends.ds.spec",
    "dynacase": "dsbot.backends.dynacase.spec",
}


# What a backend's `/ds` word does, for the Slack layer to make its subcommand of it: show an
# item (`/ds document 12`), subscribe or unsubscribe a channel to a scope (`/ds abonner
# dynacase FAMILLE`), connect or disconnect one's own credential (`/ds connecter dynacase`).
# A word without a role is only listed (DS's, whose subcommands are the core table's).
SHOW = "show"
SUBSCRIBE = "subscribe"
UNSUBSCRIBE = "unsubscribe"
CONNECT = "connect"
DISCONNECT = "disconnect"
ROLES = (SHOW, SUBSCRIBE, UNSUBSCRIBE, CONNECT, DISCONNECT)

# Where the plugin modules are named: imported at start-up, each registers its backend.
PLUGINS_ENV = "DSBOT_BACKEND_MODULES"


@dataclass(frozen=True)
class CommandWord:
    """One `/ds` entry a backend brings: `words` typed after `/ds` (French first; a second word
    is the backend's name, as in `abonner dynacase`), `args` and `help` the text keys of its
    help line, `admin` when only the bot's administrators may, `role` what it does (`ROLES`)."""

    words: tuple[str, ...]
    args: str = ""
    help: str = ""
    aliases: tuple[str, ...] = ()
    admin: bool = False
    role: str = ""
    spellings: tuple[str, ...] = ()  # accented spellings, accepted, not shown


@dataclass(frozen=True)
class Problem:
    """What a backend's settings lack, in French, with how to fix it."""

    what: str
    fix: str = ""


# What `dsbot check` says of one thing it checked (a backend's probe answers these too).
OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class Finding:
    """One line of `dsbot check`: its status (OK, WARN, FAIL), what was found, in French for
    operators, and how to fix it."""

    status: str  # ok | warn | fail
    what: str
    fix: str = ""


def _no_problem(settings: Settings) -> list[Problem]:
    return []


@dataclass(frozen=True)
class BackendSpec:
    """How one backend is built. `client(settings, **options)` is the backend's own client
    (options such as `timeout`, `max_read_retries` go to it), kept for the services that still
    need it; `adapter(client, settings)` the port's `Backend` over it; `feed(client, settings)`
    its `FeedSource`. `texts` maps a purpose (`not_found`, `connect_refused`, `unavailable`…)
    to the key of `dsbot/texts` that says it for this backend: a purpose is the key's stem, and
    one the spec does not name is `<stem>.<name>` (`text_key`). `catalogs` are texts a backend
    outside the product brings (language → key → text); the product's keep theirs in
    `dsbot/texts`. `ref_pattern` is what its show word accepts as a reference. `items`: its
    items are served by the port's ItemService (DS's dossiers still have their own services).
    `attachment_bytes`: the largest file its `Attachments` capability takes (0: none), known
    before any client is built, for the Slack layer's download limit."""

    name: str
    enabled: Callable[[Settings], bool]
    client: Callable[..., Any]
    adapter: Callable[[Any, Settings], Backend]
    feed: Callable[[Any, Settings], FeedSource]
    words: tuple[CommandWord, ...] = ()
    texts: Mapping[str, str] = field(default_factory=dict)
    check: Callable[[Settings], list[Problem]] = _no_problem
    items: bool = True
    attachment_bytes: int = 0
    ref_pattern: str = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"
    catalogs: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Its client takes `observer=` (a port `RequestObserver`) and counts its requests with it,
    # for /metrics; a backend without says nothing of its requests.
    observed: bool = False

    def text_key(self, stem: str) -> str:
        """The key that says `stem` for this backend."""
        return self.texts.get(stem) or f"{stem}.{self.name}"

    # Its items as the port's view types, for the Slack builders: `detail(item, texts,
    # web_base)` an item of its own model as an `ItemDetail`; `states(texts)` its states;
    # `url(web_base, scope, ref)` an item's page, when only its scope and ref are at hand.
    detail: Callable[[Any, Callable[..., str], str], ItemDetail] | None = None
    states: Callable[[Callable[..., str]], tuple[ItemState, ...]] | None = None
    url: Callable[[str, str, str], str] | None = None
    # What a channel card needs of an item the feed has just read, kept by the store so that
    # the sender renders it without a second read: `capture(item)` as text (bounded),
    # `restore(text)` the item again, for `detail`. None: the sender reads the item.
    capture: Callable[[Any], str] | None = None
    restore: Callable[[str], Any] | None = None

    # its decisions (the actions that close an item, DS's accepter…), and what a decision
    # asks besides its file: `decision_input(action, texts)` (DS's motivation), or None.
    decisions: tuple[str, ...] = ()
    # its state moves (DS's: passer en instruction, the decisions, repasser en instruction),
    # and `moves_from(state)`: those an item's state allows, in button order.
    moves: tuple[str, ...] = ()
    moves_from: Callable[[Any], tuple[str, ...]] | None = None
    decision_input: Callable[[str, Callable[..., str]], ActionInput | None] | None = None
    # `reached_by(item)`: who put the item in its current state and when, to say why an
    # action is no longer possible; None when the backend names nobody.
    reached_by: Callable[[Any], tuple[str, datetime] | None] | None = None
    # `probe(client, settings)`: what `dsbot check` learns by asking the backend itself,
    # once `check` finds its settings complete (its token, its reach, its schema); only the
    # backend's own errors tell those refusals apart. None: nothing beyond `check`.
    probe: Callable[[Any, Settings], Iterable[Finding]] | None = None
    # `classifier`: how its full reads become the notification model's changes, for the feed
    # processor that lists summaries and reads what moved (DS's démarches,
    # `dsbot.services.feed`); None for a backend fed through its `FeedSource` alone.
    classifier: ChangeClassifier | None = None

    def observed_client(self, settings: Settings, observer: RequestObserver | None) -> Any:
        """Its client, counting its requests with `observer` when it can."""
        if observer is not None and self.observed:
            return self.client(settings, observer=observer)
        return self.client(settings)

    def build(self, settings: Settings, client: Any = None) -> Backend:
        """The port's `Backend`, over `client` when given (else a new one)."""
        return self.adapter(self.client(settings) if client is None else client, settings)


_specs: dict[str, BackendSpec] = {}


def register(spec: BackendSpec) -> BackendSpec:
    """Make `spec` known under its name (a second spec of the same name replaces it: a test's
    stand-in, or a module imported again)."""
    from dsbot.backends.port import admit_name
    from dsbot.texts import add_catalogs

    _specs[str(spec.name)] = spec
    admit_name(str(spec.name))
    add_catalogs(str(spec.name), spec.catalogs)
    return spec


def unregister(name: str) -> None:
    """Forget a backend registered by hand (tests)."""
    from dsbot.backends.port import forget_name
    from dsbot.texts import remove_catalogs

    _specs.pop(str(name), None)
    forget_name(str(name))
    remove_catalogs(str(name))


def is_registered(name: str) -> bool:
    """Whether `name` is a backend known now (a known one not imported yet is not)."""
    return name in _specs


def text_key(name: str, stem: str) -> str:
    """The key that says `stem` for the backend `name` (see `BackendSpec.text_key`)."""
    return get(name).text_key(stem)


def load_plugins(environ: Mapping[str, str] | None = None) -> list[str]:
    """Import the modules named (comma-separated) in `DSBOT_BACKEND_MODULES`: each registers
    its backend on import. Called at start-up by `dsbot run` and `dsbot poll`; the names of the
    modules imported. An unimportable module raises (ImportError): a backend a deployment
    asked for is never silently missing."""
    value = (os.environ if environ is None else environ).get(PLUGINS_ENV, "")
    modules = [m.strip() for m in value.split(",") if m.strip()]
    for module in modules:
        importlib.import_module(module)
    return modules


def get(name: str) -> BackendSpec:
    """The spec of `name`; raises KeyError for a backend nobody registered."""
    name = str(name)
    if name not in _specs and name in KNOWN:
        importlib.import_module(KNOWN[name])
    return _specs[name]


def specs() -> list[BackendSpec]:
    """Every backend: the known ones first, in `KNOWN`'s order, then those registered by hand."""
    known = [get(name) for name in KNOWN]
    return known + [spec for name, spec in _specs.items() if name not in KNOWN]


def enabled(settings: Settings) -> list[BackendSpec]:
    """The backends the settings turn on."""
    return [spec for spec in specs() if spec.enabled(settings)]


__all__ = [
    "FAIL",
    "KNOWN",
    "OK",
    "PLUGINS_ENV",
    "ROLES",
    "WARN",
    "BackendSpec",
    "CommandWord",
    "Finding",
    "Problem",
    "enabled",
    "get",
    "is_registered",
    "load_plugins",
    "register",
    "specs",
    "text_key",
    "unregister",
]
