"""Dynacase in the backend registry (`dsbot/backends/registry.py`): on when DYNACASE_API_URL
is set (Settings refuses it without DYNACASE_TOKEN), read with the bot's token, acted on with
each person's own."""

from __future__ import annotations

from typing import Any

from dsbot.backends.dynacase.backend import DynacaseBackend
from dsbot.backends.dynacase.client import DynacaseClient
from dsbot.backends.dynacase.feed_source import DynacaseFeed
from dsbot.backends.port import BackendName
from dsbot.backends.registry import BackendSpec, CommandWord, Problem, register
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
    CommandWord(("document",), "help.args.document", "help.desc.document", ("doc",)),
    CommandWord(("connecter", "dynacase"), "help.args.connecter", "help.desc.connecter"),
    CommandWord(("deconnecter", "dynacase"), "help.args.connecter", "help.desc.deconnecter"),
    CommandWord(
        ("abonner", "dynacase"),
        "help.args.abonner_dynacase",
        "help.desc.abonner_dynacase",
        admin=True,
    ),
    CommandWord(
        ("desabonner", "dynacase"),
        "help.args.desabonner_dynacase",
        "help.desc.desabonner_dynacase",
        admin=True,
    ),
)

SPEC = register(
    BackendSpec(
        name=BackendName.DYNACASE.value,
        enabled=enabled,
        client=client,
        adapter=adapter,
        feed=feed,
        words=WORDS,
        texts={
            "not_found": "item.not_found.dynacase",
            "scope_unknown": "subscriptions.family_unknown",
            "connect_refused": "connect.refused.dynacase",
        },
        check=check,
    )
)
