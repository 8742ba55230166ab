"""One TLS context for every outgoing HTTPS client (DS, Dynacase, Slack file downloads).

Building a context loads the whole CA bundle, about 40 ms of CPU each time: an httpx client
made per request or per person would pay it again and again. A verified context is safe to
share between clients and threads; it honours SSL_CERT_FILE / SSL_CERT_DIR like httpx does.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def verified_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
