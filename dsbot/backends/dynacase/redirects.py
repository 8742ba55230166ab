"""Which redirects of a Dynacase server the client follows with the person's token.

The real module builds `Location` from its own configured base URL (`CORE_URLINDEX`), which
may name another host or scheme than the URL dsbot was given (docs/dynacase-api.md §4.1). httpx
drops `Authorization` on such a hop, so the token would look revoked; following blindly would
hand the token to whatever host a `Location` names. The rule, the narrowest that still
reaches the same server:

- http or https only, never from https down to http, no user:password in the URL;
- the path stays under the configured API prefix (e.g. `/api/v1/`);
- the origin is the configured one, or the same host on another scheme, or a host that
  resolves to an address of the configured host (`localhost` and `127.0.0.1`): the same machine;
- the port is the configured one, except an upgrade to https on its default port.

Anything else is refused before a byte is sent there (`DynacaseRedirectRefused`).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from functools import lru_cache

import httpx

DEFAULT_PORTS = {"http": 80, "https": 443}


@lru_cache(maxsize=64)
def addresses(host: str) -> frozenset[str]:
    """The IP addresses `host` resolves to; none when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return frozenset()
    return frozenset(str(info[4][0]) for info in infos)


def _port(url: httpx.URL) -> int | None:
    return url.port or DEFAULT_PORTS.get(url.scheme)


class RedirectPolicy:
    """Judges a redirect's target against the configured API base URL."""

    def __init__(self, base_url: str, resolve: Callable[[str], frozenset[str]] = addresses) -> None:
        self.base = httpx.URL(base_url)
        self._resolve = resolve

    def refusal(self, target: httpx.URL) -> str | None:
        """Why `target` may not get the token, or None when it is the same server."""
        base = self.base
        if target.scheme not in DEFAULT_PORTS:
            return "not an http(s) URL"
        if base.scheme == "https" and target.scheme == "http":
            return "a downgrade from https to http"
        if target.userinfo:
            return "credentials in the URL"
        if not target.path.startswith(base.path):
            return f"outside {base.path}"
        same_port = _port(target) == _port(base)
        upgrade = base.scheme == "http" and target.scheme == "https" and target.port is None
        if not (same_port or upgrade):
            return "another port"
        if target.host == base.host:
            return None
        if self._resolve(target.host) & self._resolve(base.host):
            return None
        return "another host"
