"""Typed errors of the Dynacase HTTP API 1.0 (docs/dynacase-api.md §2.2–§2.4).

Each error keeps Dynacase's own `code` (e.g. `CRUD0230`) and `contentText` (the user's text,
often French, shown as is), with the HTTP status. Codes changed prefix across versions
(`API0227` in the manual, `CRUD0227` in the code), so classes are chosen on the number.
No message ever contains a token.
"""

from __future__ import annotations

from dsbot.backends.errors import (
    BackendAuthFailed,
    BackendError,
    BackendNotFound,
    BackendRateLimited,
    BackendRefused,
    BackendUnavailable,
)


class DynacaseError(BackendError):
    """Base class of Dynacase's errors; each also inherits the branch of the port's error root
    (`dsbot/backends/errors.py`) that says what happened. `message` is Dynacase's `contentText`
    when it gave one."""

    alert_kind = "dynacase_down"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        exception_message: str | None = None,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status)
        self.exception_message = exception_message

    @property
    def content_text(self) -> str:
        return self.message

    @property
    def code_number(self) -> str | None:
        """`0230` for `CRUD0230` or `API0230`."""
        if not self.code:
            return None
        digits = "".join(c for c in self.code if c.isdigit())
        return digits or None


class DynacaseNotAuthenticated(DynacaseError, BackendAuthFailed):
    """403 with no code: no token, or one Dynacase refuses ("User must be authenticated")."""


class DynacaseAccessDenied(DynacaseError, BackendNotFound):
    """403 CRUD0201: no view (or edit) right on the document."""


class DynacaseNotFound(DynacaseError, BackendNotFound):
    """404: document (CRUD0200), state (CRUD0228), transition (CRUD0229), route (API0004)."""


class DynacaseRefusal(DynacaseError, BackendRefused):
    """A workflow refusal, to show in Dynacase's words (CRUD0230, CRUD0227, CRUD0235)."""


class DynacaseTransitionRefused(DynacaseRefusal):
    """403 CRUD0230: missing right, failed pre-condition, state not reachable from here."""


class DynacaseNoWorkflow(DynacaseRefusal, DynacaseNotFound):
    """404 CRUD0227: the document has no workflow."""


class DynacaseInvalidTransition(DynacaseRefusal, DynacaseNotFound):
    """404 CRUD0235: the transition does not start from the current state."""


class DynacaseBadRequest(DynacaseError):
    """400 (bad parameter, orderBy, fields...), 405 and 501 (method not usable)."""


class DynacaseServerError(DynacaseError, BackendUnavailable):
    """5xx ("Dynacase Fatal Error", maintenance), or an answer that is not the envelope."""


class DynacaseTransportError(DynacaseError, BackendUnavailable):
    """The request did not complete (reset, TLS, read timeout): it may have been processed."""


class DynacaseConnectError(DynacaseTransportError):
    """The connection could not be opened: nothing reached Dynacase."""

    ambiguous = False


class DynacaseTimeout(DynacaseTransportError):
    """Our own timeout expired while waiting for the answer."""


class DynacaseRedirectRefused(DynacaseError, BackendUnavailable):
    """Dynacase answered with a redirect the client does not follow with a token: another
    server's URL, or a loop (docs/dynacase-api.md §4.1). Nothing was sent there; trying again
    gets the same answer, so it is not retried."""

    retryable = False
    ambiguous = False
    text_key = "error.dynacase_redirect"

    def __init__(self, message: str, *, location: str, http_status: int | None = None) -> None:
        super().__init__(message, http_status=http_status)
        self.location = location

    def text_params(self) -> dict[str, object]:
        # Shown in Slack mrkdwn: its three control characters escaped.
        shown = self.location.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return {"status": self.http_status or "?", "location": shown}


class DynacaseRateLimited(DynacaseError, BackendRateLimited):
    """The process's own rate limit: the request was not sent.

    Dynacase itself has none (docs/dynacase-api.md §9)."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# 400 "Dcp Exception" for a logical name that is not `[a-z][a-z0-9_]{1,63}`: to a person, just
# a document that does not exist (docs/dynacase-api.md §4.1).
MALFORMED_NAME = "APIDM0101"


def error_for(
    status: int, code: str | None, text: str, exception_message: str | None = None
) -> DynacaseError:
    """The error class for an error envelope (or a bare status)."""
    number = "".join(c for c in code if c.isdigit()) if code else ""
    cls: type[DynacaseError] = DynacaseBadRequest
    if status >= 500:
        cls = DynacaseServerError
    elif number == "0230":
        cls = DynacaseTransitionRefused
    elif number == "0227":
        cls = DynacaseNoWorkflow
    elif number == "0235":
        cls = DynacaseInvalidTransition
    elif status == 403:
        cls = DynacaseAccessDenied if code else DynacaseNotAuthenticated
    elif status == 404 or code == MALFORMED_NAME:
        cls = DynacaseNotFound
    return cls(text, code=code, http_status=status, exception_message=exception_message)
