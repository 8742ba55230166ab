"""Which backends dsbot knows, and how each is built from the settings.

A backend registers one `BackendSpec` from its own folder (`dsbot/backends/<name>/spec.py`):
whether the settings turn it on, how its client, its port adapter and its feed are built, its
`/ds` words (data, not Slack code: the Slack layer makes its subcommands of them), the text keys
it answers with, and what `dsbot check` finds missing in its settings. The wiring (`runtime.py`,
`app_runtime.py`, `check.py`) builds backends through here, so this is the one module outside a
backend's folder that names the backends' modules (`KNOWN`). A backend not in `KNOWN` (a test's)
registers with `register()`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dsbot.backends.port import Backend, FeedSource, ItemDetail, ItemState
    from dsbot.config import Settings

# Backend name → the module that registers it, imported on first use: the CLI's quick commands
# never pay for a backend's client they do not use.
KNOWN: dict[str, str] = {
    "ds": "dsbot.backends.ds.spec",
    "dynacase": "dsbot.backends.dynacase.spec",
}


@dataclass(frozen=True)
class CommandWord:
    """One `/ds` entry a backend brings: `words` typed after `/ds` (French first), `args` and
    `help` the text keys of its help line, `admin` when only the bot's administrators may."""

    words: tuple[str, ...]
    args: str = ""
    help: str = ""
    aliases: tuple[str, ...] = ()
    admin: bool = False


@dataclass(frozen=True)
class Problem:
    """What a backend's settings lack, in French, with how to fix it."""

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
    to the key of `dsbot/texts` that says it for this backend. `items`: its items are served
    by the port's ItemService (DS's dossiers still have their own services)."""

    name: str
    enabled: Callable[[Settings], bool]
    client: Callable[..., Any]
    adapter: Callable[[Any, Settings], Backend]
    feed: Callable[[Any, Settings], FeedSource]
    words: tuple[CommandWord, ...] = ()
    texts: Mapping[str, str] = field(default_factory=dict)
    check: Callable[[Settings], list[Problem]] = _no_problem
    items: bool = True
    # Its items as the port's view types, for the Slack builders: `detail(item, texts,
    # web_base)` an item of its own model as an `ItemDetail`; `states(texts)` its states;
    # `url(web_base, scope, ref)` an item's page, when only its scope and ref are at hand.
    detail: Callable[[Any, Callable[..., str], str], ItemDetail] | None = None
    states: Callable[[Callable[..., str]], tuple[ItemState, ...]] | None = None
    url: Callable[[str, str, str], str] | None = None
    # The largest file it takes (its `Attachments.max_bytes`), for forms to say before upload.
    max_attachment_bytes: int | None = None

    def build(self, settings: Settings, client: Any = None) -> Backend:
        """The port's `Backend`, over `client` when given (else a new one)."""
        return self.adapter(self.client(settings) if client is None else client, settings)


_specs: dict[str, BackendSpec] = {}


def register(spec: BackendSpec) -> BackendSpec:
    """Make `spec` known under its name (a second spec of the same name replaces it: a test's
    stand-in, or a module imported again)."""
    _specs[str(spec.name)] = spec
    return spec


def unregister(name: str) -> None:
    """Forget a backend registered by hand (tests)."""
    _specs.pop(str(name), None)


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
    "KNOWN",
    "BackendSpec",
    "CommandWord",
    "Problem",
    "enabled",
    "get",
    "register",
    "specs",
    "unregister",
]
