"""Typed errors of the DS API, mapped from its real behaviour.

See docs/ds-api.md, sections "Authentication", "Errors", and pitfalls 6 to 12.

Every error carries DS's own message (often French) so that the Slack layer can show it as is.
No error message ever contains the API token.
"""

from __future__ import annotations

from typing import Any


class DSError(Exception):
    """Base class. `message` is DS's text when DS gave one.

    `retryable`: a read may be sent again. `ambiguous`: the request may have been processed
    even though no usable answer came back, so a mutation must be checked by a re-read, never
    resent.
    """

    retryable = False
    ambiguous = False

    def __init__(
        self, message: str, *, code: str | None = None, http_status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status


class DSNotAuthenticated(DSError):
    """No token, an unknown/revoked token (HTTP 403 `forbidden`, "only persisted queries")."""


class DSTokenExpired(DSNotAuthenticated):
    """HTTP 401 "Token expired"."""


class DSForbiddenNetwork(DSError):
    """HTTP 403: the caller IP is outside the token's authorized networks."""


class DSPermissionDenied(DSError):
    """`unauthorized`: "An object of type X was hidden due to permissions"."""


class DSNotFound(DSError):
    """`not_found`: "Dossier not found" and friends."""


class DSTimeout(DSError):
    """DS's 30 s query timeout (`extensions.code = timeout`), or our own read timeout.

    `partial_data` holds what DS returned alongside the error, if anything: it is never
    treated as complete.
    """

    retryable = True
    ambiguous = True

    def __init__(self, message: str, *, partial_data: Any = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.partial_data = partial_data


class DSRateLimited(DSError):
    """HTTP 429 from Rack::Attack. `retry_after` is in seconds when DS said when to come back."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class DSServerError(DSError):
    """HTTP 5xx or `internal_server_error`."""

    retryable = True
    ambiguous = True


class DSTransportError(DSError):
    """The request did not complete: connection refused or reset, DNS, TLS, read timeout."""

    retryable = True
    ambiguous = True


class DSBadRequest(DSError):
    """A document or variables DS refused (`bad_request`, `graphql_parse_failed`, validation)."""


class DSReadOnlyToken(DSError):
    """A mutation with a read-only token: "Le jeton utilisé est configuré seulement en lecture"."""


class DSMutationError(DSError):
    """Business errors returned as data in a mutation payload (`errors[].message`)."""

    def __init__(self, messages: list[str], **kw: Any) -> None:
        super().__init__(" ; ".join(messages) or "Erreur inconnue", **kw)
        self.messages = messages


class DSFileTooLarge(DSError):
    """A file over DS's 20 MB attachment limit (checked before anything is sent)."""

    def __init__(self, byte_size: int, limit: int) -> None:
        super().__init__(f"Fichier trop volumineux : {byte_size} octets, maximum {limit} octets")
        self.byte_size = byte_size
        self.limit = limit


class DSUploadError(DSError):
    """The direct-upload PUT was refused by the storage (bad checksum, expired URL...)."""


# --- additions of the DS client (dsbot/backends/ds/client.py, transport.py) -----------------------


class DSConnectError(DSTransportError):
    """The connection could not be opened: nothing reached DS, so even a mutation may be resent."""

    ambiguous = False


class DSReadTimeout(DSTimeout, DSTransportError):
    """Our own read timeout expired: DS may still be processing (or have processed) the request."""


class DSPartialMutationError(DSMutationError):
    """A non-atomic mutation (`dossierModifierAnnotations`) saved part of its input.

    `result` holds what was saved (e.g. the list of annotations DS returned).
    """

    def __init__(self, messages: list[str], *, result: Any = None, **kw: Any) -> None:
        super().__init__(messages, **kw)
        self.result = result
