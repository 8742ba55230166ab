"""DS in the backend registry (`dsbot/backends/registry.py`): always on (dsbot follows DS
démarches first of all), built over one `DSClient` with the bot's token."""

from __future__ import annotations

from typing import Any

from dsbot.backends.ds.backend import DECISIONS, TARGETS, DSBackend, motivation_input, moves_from
from dsbot.backends.ds.card_capture import capture_text, restore
from dsbot.backends.ds.classify import DossierClassifier
from dsbot.backends.ds.client import DSClient
from dsbot.backends.ds.feed_source import DSFeed
from dsbot.backends.ds.probe import probe
from dsbot.backends.ds.upload import MAX_FILE_SIZE
from dsbot.backends.ds.views import dossier_detail, page_url, reached_by, states
from dsbot.backends.port import BackendName
from dsbot.backends.registry import BackendSpec, CommandWord, Problem, register
from dsbot.config import Settings
from dsbot.texts import get_texts


def client(settings: Settings, **options: Any) -> DSClient:
    return DSClient(settings.ds_api_url, settings.ds_api_token or "", **options)


def adapter(ds: Any, settings: Settings) -> DSBackend:
    return DSBackend(ds, get_texts(settings.lang), settings.ds_web_base)


def feed(ds: Any, settings: Settings) -> DSFeed:
    return DSFeed(ds, get_texts(settings.lang))


def check(settings: Settings) -> list[Problem]:
    if settings.ds_api_token:
        return []
    return [
        Problem(
            "DS_API_TOKEN n’est pas défini",
            "Créez un jeton d’API dans DS (Mon profil → Jeton)",
        )
    ]


WORDS = (
    CommandWord(("dossier",), "help.args.dossier", "help.desc.dossier"),
    CommandWord(("abonner",), "help.args.abonner", "help.desc.abonner", ("subscribe",), admin=True),
    CommandWord(
        ("desabonner",),
        "help.args.desabonner",
        "help.desc.desabonner",
        ("unsubscribe",),
        admin=True,
    ),
    CommandWord(("abonnements",), "", "help.desc.abonnements", ("list",)),
    CommandWord(("moi",), "", "help.desc.moi", ("whoami",)),
    CommandWord(("lier",), "help.args.lier", "help.desc.lier", ("link",), admin=True),
    CommandWord(("delier",), "help.args.delier", "help.desc.delier", ("unlink",), admin=True),
)

SPEC = register(
    BackendSpec(
        name=BackendName.DS.value,
        enabled=lambda settings: True,
        client=client,
        observed=True,
        adapter=adapter,
        feed=feed,
        words=WORDS,
        texts={
            "not_found": "item.not_found.ds",
            "scope_unknown": "subscriptions.demarche_unknown",
            "unavailable": "error.ds_unavailable",
            "rate_limited": "error.ds_rate_limited",
            "says": "error.ds_says",
        },
        check=check,
        items=False,  # dossiers go through DossierAccessService and ActionService for now
        attachment_bytes=MAX_FILE_SIZE,
        detail=dossier_detail,
        states=states,
        url=page_url,
        capture=capture_text,
        restore=restore,
        decisions=DECISIONS,
        moves=tuple(TARGETS),
        moves_from=moves_from,
        decision_input=motivation_input,
        reached_by=reached_by,
        probe=probe,
        classifier=DossierClassifier(),
    )
)
