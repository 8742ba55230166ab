"""Backend errors as sentences for the Slack user (the backend's own words when it gave some)."""

from __future__ import annotations

import sqlite3

from dsbot.backends.errors import BackendError
from dsbot.redact import redact
from dsbot.store import DatabaseUnavailable
from dsbot.texts import Texts


def ds_error_text(exc: BaseException, texts: Texts, *, number: int | None = None) -> str:
    """A clear French sentence for `exc`; unknown errors get a generic one (never silent).

    A backend's error names its own text (`text_key`): DS's words, or what to do about it."""
    if isinstance(exc, BackendError) and exc.text_key:
        params = {"number": number if number is not None else "?", **exc.text_params()}
        if "message" in params:
            params["message"] = redact(str(params["message"]))
        reason_key = params.pop("reason_key", None)
        if reason_key is not None:
            # A reason the error names by its key (the answer to a dossier not for you).
            params["reason"] = texts(str(reason_key), email="?")
        return texts(exc.text_key, **params)
    if isinstance(exc, DatabaseUnavailable | sqlite3.OperationalError):
        # Read-only, full, deleted: the operators' problem, not the user's (and not "unknown").
        return texts("error.database")
    return texts("error.unexpected")
