"""DS errors as sentences for the Slack user (DS's own words when it gave some)."""

from __future__ import annotations

import sqlite3

from dsbot.backends.ds import errors as e
from dsbot.redact import redact
from dsbot.store import DatabaseUnavailable
from dsbot.texts import Texts


def ds_error_text(exc: BaseException, texts: Texts, *, number: int | None = None) -> str:
    """A clear French sentence for `exc`; unknown errors get a generic one (never silent)."""
    if isinstance(exc, e.DSNotFound):
        return texts("error.dossier_not_found", number=number if number is not None else "?")
    if isinstance(exc, e.DSPermissionDenied):
        return texts("error.dossier_hidden", number=number if number is not None else "?")
    if isinstance(exc, e.DSTokenExpired):
        return texts("error.ds_token_expired")
    if isinstance(exc, e.DSNotAuthenticated):
        return texts("error.ds_token_invalid")
    if isinstance(exc, e.DSForbiddenNetwork):
        return texts("error.ds_forbidden_network")
    if isinstance(exc, e.DSReadOnlyToken):
        return texts("error.ds_read_only")
    if isinstance(exc, e.DSRateLimited):
        return texts("error.ds_rate_limited")
    if isinstance(exc, e.DSTimeout | e.DSServerError | e.DSTransportError):
        return texts("error.ds_unavailable")
    if isinstance(exc, e.DSFileTooLarge):
        return texts("error.file_too_large", limit_mb=exc.limit // (1024 * 1024))
    if isinstance(exc, e.DSError):
        return texts("error.ds_says", message=redact(exc.message))
    if isinstance(exc, DatabaseUnavailable | sqlite3.OperationalError):
        # Read-only, full, deleted: the operators' problem, not the user's (and not "unknown").
        return texts("error.database")
    return texts("error.unexpected")
