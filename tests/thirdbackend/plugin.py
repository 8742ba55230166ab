"""Ledger in dsbot's backend registry. Importing this module registers it: a fixture does,
and a `dsbot` process does at start-up when `DSBOT_BACKEND_MODULES=tests.thirdbackend.plugin`.
On when `LEDGER_URL` is set (the bot reads with `LEDGER_TOKEN`); its `/ds` words, its texts
and its reference pattern are all here, none in the product."""

from __future__ import annotations

import os
from typing import Any

from dsbot.backends.registry import (
    CONNECT,
    DISCONNECT,
    SHOW,
    SUBSCRIBE,
    UNSUBSCRIBE,
    BackendSpec,
    CommandWord,
    register,
)
from dsbot.config import Settings
from tests.thirdbackend.adapter import NAME, LedgerBackend, LedgerClient, LedgerFeed
from tests.thirdbackend.server import BOT_TOKEN
from tests.thirdbackend.texts import FR

URL_ENV = "LEDGER_URL"
TOKEN_ENV = "LEDGER_TOKEN"


def enabled(settings: Settings) -> bool:
    return bool(os.environ.get(URL_ENV))


def client(settings: Settings, **options: Any) -> LedgerClient:
    return LedgerClient(os.environ[URL_ENV], os.environ.get(TOKEN_ENV) or BOT_TOKEN)


WORDS = (
    CommandWord(("fiche",), "help.args.fiche", "help.desc.fiche", role=SHOW),
    CommandWord(
        ("connecter", NAME),
        "help.args.connecter_ledger",
        "help.desc.connecter_ledger",
        role=CONNECT,
    ),
    CommandWord(
        ("deconnecter", NAME),
        "help.args.connecter_ledger",
        "help.desc.deconnecter_ledger",
        role=DISCONNECT,
    ),
    CommandWord(
        ("abonner", NAME),
        "help.args.abonner_ledger",
        "help.desc.abonner_ledger",
        admin=True,
        role=SUBSCRIBE,
    ),
    CommandWord(
        ("desabonner", NAME),
        "help.args.desabonner_ledger",
        "help.desc.desabonner_ledger",
        admin=True,
        role=UNSUBSCRIBE,
    ),
)

SPEC = register(
    BackendSpec(
        name=NAME,
        enabled=enabled,
        client=client,
        adapter=lambda c, settings: LedgerBackend(c),
        feed=lambda c, settings: LedgerFeed(c),
        words=WORDS,
        catalogs={"fr": FR, "en": FR},
        ref_pattern=r"^[1-9]\d{0,8}$",
    )
)
