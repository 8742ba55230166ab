"""Typed errors of the DS API, mapped from its real behaviour.

See docs/ds-api.md, sections "Authentication", "Errors", and pitfalls 6 to 12.

Every error carries DS's own message (often French) so that the Slack layer can show it as is.
No error message ever contains the API token.
"""

from __future__ import annotations

from typing import Any

from dsbot.backends.errors import (
    BackendAuthFailed,
    BackendError,
    BackendNotFound,
    BackendRateLimited,
    BackendRefused,
    BackendTimeout,
    BackendUnavailable,
)


class DSError(BackendError):
    """Base class of DS's errors; each also inherits the branch of the port's error root
    (`dsbot/backends/errors.py`) that says what happened. `message` is DS's text when DS gave
    one. `retryable` and `ambiguous` as the root says: a mutation that fails ambiguously must be
    checked by a re-read, never resent.
    """

    alert_kind = "ds_down"
    text_key = "error.ds_says"


class DSNotAuthenticated(DSError, BackendAuthFailed):
    """No token, an unknown/revoked token (HTTP 403 `forbidden`, "only persisted queries")."""

    text_key = "error.ds_token_invalid"
    alert_kind = "ds_not_authenticated"


class DSTokenExpired(DSNotAuthenticated):
    """HTTP 401 "Token expired"."""

    text_key = "error.ds_token_expired"
    alert_kind = "ds_token_expired"


class DSForbiddenNetwork(DSError, BackendAuthFailed):
    """HTTP 403: the caller IP is outside the token's authorized networks."""

    text_key = "error.ds_forbidden_network"
    alert_kind = "ds_forbidden_network"


class DSPermissionDenied(DSError, BackendNotFound):
    """`unauthorized`: "An object of type X was hidden due to permissions"."""

    text_key = "error.dossier_hidden"


class DSNotFound(DSError, BackendNotFound):
    """`not_found`: "Dossier not found" and friends."""

    text_key = "error.dossier_not_found"


class DSTimeout(DSError, BackendTimeout):
    """DS's 30 s query timeout (`extensions.code = timeout`), or our own read timeout.

    `partial_data` holds what DS returned alongside the error, if anything: it is never
    treated as complete.
    """

    text_key = "error.ds_unavailable"

    def __init__(self, message: str, *, partial_data: Any = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.partial_data = partial_data


class DSRateLimited(DSError, BackendRateLimited):
    """HTTP 429 from Rack::Attack. `retry_after` is in seconds when DS said when to come back."""

    text_key = "error.ds_rate_limited"


class DSServerError(DSError, BackendUnavailable):
    """HTTP 5xx or `internal_server_error`."""

    text_key = "error.ds_unavailable"


class DSTransportError(DSError, BackendUnavailable):
    """The request did not complete: connection refused or reset, DNS, TLS, read timeout."""

    text_key = "error.ds_unavailable"


class DSBadRequest(DSError):
    """A document or variables DS refused (`bad_request`, `graphql_parse_failed`, validation)."""


class DSReadOnlyToken(DSError, BackendRefused):
    """A mutation with a read-only token: "Le jeton utilisé est configuré seulement en lecture"."""

    text_key = "error.ds_read_only"


class DSMutationError(DSError, BackendRefused):
    """Business errors returned as data in a mutation payload (`errors[].message`)."""

    def __init__(self, messages: list[str], **kw: Any) -> None:
        super().__init__(" ; ".join(messages) or "Erreur inconnue", **kw)
        self.messages = messages


class DSFileTooLarge(DSError, BackendRefused):
    """A file over DS's 20 MB attachment limit (checked before anything is sent)."""

    text_key = "error.file_too_large"

    def __init__(self, byte_size: int, limit: int) -> None:
        super().__init__(f"Fichier trop volumineux : {byte_size} octets, maximum {limit} octets")
        self.byte_size = byte_size
        self.limit = limit

    def text_params(self) -> dict[str, object]:
        return {"limit_mb": self.limit // (1024 * 1024)}


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
