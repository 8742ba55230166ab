"""Dynacase in the backend registry (`dsbot/backends/registry.py`): on when DYNACASE_API_URL
is set (Settings refuses it without DYNACASE_TOKEN), read with the bot's token, acted on with
each person's own."""

from __future__ import annotations

from typing import Any

from dsbot.backends.dynacase.backend import DynacaseBackend
from dsbot.backends.dynacase.client import DynacaseClient
from dsbot.backends.dynacase.feed_source import DynacaseFeed
from dsbot.backends.port import BackendName
from dsbot.backends.registry import (
    CONNECT,
    DISCONNECT,
    SHOW,
    SUBSCRIBE,
    UNSUBSCRIBE,
    BackendSpec,
    CommandWord,
    Problem,
    register,
)
from dsbot.config import Settings


def enabled(settings: Settings) -> bool:
    return bool(settings.dynacase_api_url and settings.dynacase_token)


def client(settings: Settings, **options: Any) -> DynacaseClient:
    if not settings.dynacase_api_url or not settings.dynacase_token:
        raise ValueError("Dynacase is not configured (DYNACASE_API_URL, DYNACASE_TOKEN)")
    return DynacaseClient(settings.dynacase_api_url, settings.dynacase_token, **options)


def adapter(dynacase: Any, settings: Settings) -> DynacaseBackend:
    return DynacaseBackend(dynacase)


def feed(dynacase: Any, settings: Settings) -> DynacaseFeed:
    return DynacaseFeed(dynacase)


def check(settings: Settings) -> list[Problem]:
    if settings.dynacase_api_url and not settings.dynacase_token:
        return [
            Problem(
                "DYNACASE_API_URL est défini, mais pas DYNACASE_TOKEN",
                "Créez un jeton DcpOpen pour l’utilisateur de lecture de dsbot dans Dynacase",
            )
        ]
    return []


WORDS = (
    CommandWord(("document",), "help.args.document", "help.desc.document", ("doc",), role=SHOW),
    CommandWord(
        ("connecter", "dynacase"),
        "help.args.connecter",
        "help.desc.connecter",
        ("connect",),
        role=CONNECT,
    ),
    CommandWord(
        ("deconnecter", "dynacase"),
        "help.args.connecter",
        "help.desc.deconnecter",
        ("disconnect",),
        role=DISCONNECT,
        spellings=("déconnecter",),
    ),
    CommandWord(
        ("abonner", "dynacase"),
        "help.args.abonner_dynacase",
        "help.desc.abonner_dynacase",
        admin=True,
        role=SUBSCRIBE,
    ),
    CommandWord(
        ("desabonner", "dynacase"),
        "help.args.desabonner_dynacase",
        "help.desc.desabonner_dynacase",
        admin=True,
        role=UNSUBSCRIBE,
    ),
)

# The stems whose Dynacase text has a key of its own name (the others are `<stem>.dynacase`).
TEXTS = {
    "not_found": "item.not_found.dynacase",
    "scope_unknown": "subscriptions.family_unknown",
    "connect_refused": "connect.refused.dynacase",
    "error.show_usage": "error.document_usage",
    "error.show_ref": "error.document_ref",
    "error.subscribe_scope_usage": "error.subscribe_dynacase_usage",
    "error.subscribe_scope_state": "error.subscribe_dynacase_state",
    "error.unsubscribe_scope_usage": "error.unsubscribe_dynacase_usage",
    "subscriptions.off": "subscriptions.dynacase_off",
    "subscriptions.scope_unknown": "subscriptions.family_unknown",
    "subscriptions.scope_line": "subscriptions.family_line",
    "subscriptions.scope_created": "subscriptions.family_created",
    "subscriptions.scope_merged": "subscriptions.family_merged",
    "subscriptions.scope_removed": "subscriptions.family_removed",
    "subscriptions.scope_not_found": "subscriptions.family_not_found",
    "item.modal.intro": "item.modal.intro",
    "item.modal.intro_target": "item.modal.intro_target",
    "item.modal.refused": "item.modal.refused",
    "connect.checking": "connect.checking",
    "notify.ops.down": "notify.ops.dynacase_down",
    "notify.ops.recovered": "notify.ops.dynacase_recovered",
}

SPEC = register(
    BackendSpec(
        name=BackendName.DYNACASE.value,
        enabled=enabled,
        client=client,
        observed=True,
        adapter=adapter,
        feed=feed,
        words=WORDS,
        texts=TEXTS,
        check=check,
        # An initid, or a logical name (no dot, which the API would read as a format suffix:
        # docs/dynacase-api.md §1.3).
        ref_pattern=r"^(?:[1-9]\d{0,9}|[A-Za-z][A-Za-z0-9_]{0,99})$",
    )
)
