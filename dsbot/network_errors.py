"""Why a service could not be reached, in words an operator acts on (French, for `dsbot
check`), rather than an exception's repr (`<urlopen error [Errno 111] …>`).

The clients wrap the socket's error once or twice (httpx in httpcore, urllib in URLError, a
backend's error raised `from None`, which still keeps it as its context): the explanation
comes from the first error of the chain that says what happened.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator
from urllib.error import URLError

UNREACHABLE = {
    errno.ENETUNREACH: "réseau inaccessible depuis cette machine (route, pare-feu, proxy)",
    errno.EHOSTUNREACH: "hôte inaccessible depuis cette machine (route, pare-feu, proxy)",
    errno.ECONNRESET: "connexion coupée par l’autre côté (proxy, pare-feu)",
}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, URLError) and isinstance(current.reason, BaseException):
            pending.append(current.reason)
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]


def _timed_out(error: BaseException) -> bool:
    # httpx's and httpcore's timeouts are named so; socket.timeout is TimeoutError.
    return isinstance(error, TimeoutError) or type(error).__name__.endswith("Timeout")


def _in_words(error: BaseException, host: str) -> str | None:
    if isinstance(error, socket.gaierror):
        return f"nom d’hôte inconnu : {host} ne se résout pas (DNS, faute de frappe)"
    if isinstance(error, ConnectionRefusedError):
        return f"connexion refusée : rien n’écoute à {host}"
    if _timed_out(error):
        return None  # the caller knows how long it waited
    if isinstance(error, ssl.SSLError):
        return "échec de la connexion chiffrée (TLS) : certificat refusé ou proxy qui l’intercepte"
    if isinstance(error, OSError) and error.errno in UNREACHABLE:
        return UNREACHABLE[error.errno]
    return None


def explain(exc: BaseException, host: str, timeout: float | None = None) -> str | None:
    """Why `host` could not be reached, in words; None when `exc` is no network failure
    known here (the caller keeps its own message then)."""
    for error in _chain(exc):
        words = _in_words(error, host)
        if words:
            return words
    if any(_timed_out(error) for error in _chain(exc)):
        within = f" en {timeout:g} s" if timeout is not None else ""
        return f"pas de réponse de {host}{within} (hôte injoignable, pare-feu ou service bloqué)"
    return None
