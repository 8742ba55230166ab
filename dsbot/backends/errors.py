"""The one error root of every backend: what a caller outside `dsbot/backends/` catches.

Our exception hierarchy:

* BackendError
  + BackendUnavailable - timeouts, 5xx, the network: `retryable`, maybe `ambiguous`
  + BackendRateLimited - slow down; `retry_after` seconds when the backend said
  + BackendAuthFailed - the credential (token, network, account) is not accepted
  + BackendNotFound - no such item, or the person may not see that it exists
  + BackendRefused - the backend said no, in its own words (`message`)

Each backend has its own root under it (`DSError`, `DynacaseError`) whose classes also inherit
the branch that says what happened, so a caller decides on the branch and a backend keeps its
own detail (`code`, `http_status`). What only one backend knows about an error (which Slack text
explains it, which ops alert it raises) is a field of the error, set in the backend's folder.
No message ever contains a credential.
"""

from __future__ import annotations

from typing import Any, ClassVar


class BackendError(Exception):
    """Base class. `message` is the backend's own text when it gave one.

    `retryable`: a read may be sent again. `ambiguous`: the request may have been processed
    even though no usable answer came back, so a change must be checked by a re-read, never
    resent. `text_key` names the Slack text that explains the error to a user (None: the
    backend's own words); `alert_kind` names the ops alert a failing feed raises
    (`notify.ops.<alert_kind>`; an outage's ends in `_down`, and waits a few cycles).
    """

    retryable: ClassVar[bool] = False
    ambiguous: ClassVar[bool] = False
    text_key: ClassVar[str | None] = None
    alert_kind: ClassVar[str] = "backend_down"

    def __init__(
        self, message: str, *, code: str | None = None, http_status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status

    def text_params(self) -> dict[str, object]:
        """What `text_key`'s text is formatted with, beyond what the caller knows."""
        return {"message": self.message}


class BackendUnavailable(BackendError):
    """The backend did not answer usefully: timeout, 5xx, connection, TLS."""

    retryable = True
    ambiguous = True


class BackendTimeout(BackendUnavailable):
    """The backend gave up on the request in time (a query too heavy for its limit), or we
    did: the same request asked for less may pass, which the feed tries before reading light."""


class BackendRateLimited(BackendError):
    """Too many requests; `retry_after` is in seconds when the backend said when to come back."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class BackendAuthFailed(BackendError):
    """The backend does not accept who is asking (unknown or expired credential, network)."""


class BackendNotFound(BackendError):
    """No such item (or the person may not see that it exists)."""


class BackendRefused(BackendError):
    """The backend refused to show an item or to act; `message` is in the backend's words."""


__all__ = [
    "BackendAuthFailed",
    "BackendError",
    "BackendNotFound",
    "BackendRateLimited",
    "BackendRefused",
    "BackendUnavailable",
    "request_outcome",
]


# The outcome of a request, by the branch of its error (a bounded set, for /metrics' labels).
_OUTCOMES: tuple[tuple[type[BackendError], str], ...] = (
    (BackendTimeout, "timeout"),
    (BackendUnavailable, "unavailable"),
    (BackendRateLimited, "rate_limited"),
    (BackendAuthFailed, "auth_failed"),
    (BackendNotFound, "not_found"),
    (BackendRefused, "refused"),
)


def request_outcome(error: BaseException | None) -> str:
    """`ok`, or what went wrong in one word of the error root's branches (`error` else)."""
    if error is None:
        return "ok"
    return next((name for kind, name in _OUTCOMES if isinstance(error, kind)), "error")
