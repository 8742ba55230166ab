"""Which dossier a link or a message names: DS web URLs and « n° 1234 ».

Pure functions. A DS URL counts only on the DS instance the bot talks to (the host of
DS_API_URL, and its other public name for the national instance): a link to another instance
names another dossier with the same number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from dsbot.slack import ids

# The national instance answers on both names; the old one redirects to the new one.
NATIONAL_HOSTS = frozenset({"demarche.numerique.gouv.fr", "www.demarches-simplifiees.fr"})

# Instructeur pages: /procedures/<démarche>/dossiers/<n>[/…]; usager pages: /dossiers/<n>[/…].
_INSTRUCTEUR_PATH = re.compile(r"^/procedures/(\d{1,10})/dossiers/(\d{1,10})(?:/.*)?$")
_USAGER_PATH = re.compile(r"^/dossiers/(\d{1,10})(?:/.*)?$")
# « n° 1234 », « N°1234 », « no 1234 », « dossier 1234 » (with the degree sign or º).
_NUMBER_MENTION = re.compile(r"(?:\bn\s?[°º]|\bno\.?|\bdossier)\s*(\d{1,10})\b", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>|]+")


@dataclass(frozen=True)
class DossierLink:
    """A DS URL naming a dossier; `demarche` is known for an instructeur URL only."""

    url: str
    number: int
    demarche: int | None


def ds_hosts(ds_web_base: str) -> frozenset[str]:
    """The host names of the configured DS instance."""
    host = (urlsplit(ds_web_base).hostname or "").lower()
    if not host:
        return frozenset()
    return NATIONAL_HOSTS if host in NATIONAL_HOSTS else frozenset({host})


def dossier_link(url: str, hosts: frozenset[str]) -> DossierLink | None:
    """The dossier a URL of the DS instance points at; None for any other URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in hosts:
        return None
    path = parts.path.rstrip("/") or "/"
    match = _INSTRUCTEUR_PATH.match(path)
    if match:
        demarche, number = int(match.group(1)), int(match.group(2))
    else:
        match = _USAGER_PATH.match(path)
        if not match:
            return None
        demarche, number = 0, int(match.group(1))
    if not ids.is_dossier_number(number):
        return None
    return DossierLink(url=url, number=number, demarche=demarche or None)


def dossiers_named(text: str, hosts: frozenset[str]) -> tuple[int, ...]:
    """The distinct dossier numbers a message names, in order of first mention."""
    found: list[int] = []
    for url in _URL.findall(text):
        link = dossier_link(url.rstrip(".,;:!?)»"), hosts)
        if link is not None:
            found.append(link.number)
    without_urls = _URL.sub(" ", text)
    for match in _NUMBER_MENTION.finditer(without_urls):
        number = int(match.group(1))
        if ids.is_dossier_number(number):
            found.append(number)
    return tuple(dict.fromkeys(found))
