"""The error root: every DS and Dynacase error sits under the branch that says what happened,
keeps its backend's detail, and names its own Slack text and ops alert."""

from __future__ import annotations

import pytest

from dsbot.backends.ds import errors as ds
from dsbot.backends.dynacase import errors as dc
from dsbot.backends.errors import (
    BackendAuthFailed,
    BackendError,
    BackendNotFound,
    BackendRateLimited,
    BackendRefused,
    BackendUnavailable,
)
from dsbot.slack.presentation.error_texts import ds_error_text
from dsbot.texts import Texts

BRANCHES = (
    BackendUnavailable,
    BackendRateLimited,
    BackendAuthFailed,
    BackendNotFound,
    BackendRefused,
)


def branches(exc: BackendError) -> list[type]:
    return [b for b in BRANCHES if isinstance(exc, b)]


@pytest.mark.parametrize(
    ("error", "branch"),
    [
        (ds.DSTimeout("t"), BackendUnavailable),
        (ds.DSServerError("5xx", http_status=502), BackendUnavailable),
        (ds.DSTransportError("reset"), BackendUnavailable),
        (ds.DSConnectError("refused"), BackendUnavailable),
        (ds.DSReadTimeout("slow"), BackendUnavailable),
        (ds.DSRateLimited("429", retry_after=3.0), BackendRateLimited),
        (ds.DSNotAuthenticated("bad token"), BackendAuthFailed),
        (ds.DSTokenExpired("expired"), BackendAuthFailed),
        (ds.DSForbiddenNetwork("ip"), BackendAuthFailed),
        (ds.DSNotFound("Dossier not found", code="not_found"), BackendNotFound),
        (ds.DSPermissionDenied("hidden"), BackendNotFound),
        (ds.DSMutationError(["Motivation requise"]), BackendRefused),
        (ds.DSPartialMutationError(["un sur deux"]), BackendRefused),
        (ds.DSReadOnlyToken("lecture"), BackendRefused),
        (ds.DSFileTooLarge(30, 20), BackendRefused),
        (dc.error_for(500, None, "Fatal"), BackendUnavailable),
        (dc.DynacaseConnectError("refused"), BackendUnavailable),
        (dc.DynacaseTimeout("slow"), BackendUnavailable),
        (dc.DynacaseRateLimited("local limit", retry_after=2.0), BackendRateLimited),
        (dc.error_for(403, None, "User must be authenticated"), BackendAuthFailed),
        (dc.error_for(403, "CRUD0201", "no right"), BackendNotFound),
        (dc.error_for(404, "CRUD0200", "no document"), BackendNotFound),
        (dc.error_for(403, "CRUD0230", "Pré-condition non remplie"), BackendRefused),
    ],
)
def test_each_error_is_under_one_branch_and_its_backends_root(error, branch) -> None:
    assert isinstance(error, ds.DSError | dc.DynacaseError)
    assert branches(error) == [branch]


def test_errors_that_are_both_a_refusal_and_not_found_stay_both() -> None:
    # Dynacase's "no workflow" is a refusal in its own words, of a thing that is not there.
    error = dc.error_for(404, "CRUD0227", "Pas de cycle")
    assert set(branches(error)) == {BackendRefused, BackendNotFound}


def test_retry_and_ambiguity_come_from_the_branch_and_the_backend_refines_them() -> None:
    assert ds.DSServerError("x").retryable and ds.DSServerError("x").ambiguous
    assert ds.DSConnectError("x").retryable and not ds.DSConnectError("x").ambiguous
    assert dc.DynacaseTransportError("x").ambiguous
    assert not dc.DynacaseConnectError("x").ambiguous
    assert not ds.DSNotFound("x").retryable and not ds.DSNotFound("x").ambiguous
    limited = ds.DSRateLimited("429", retry_after=7.5, http_status=429)
    assert limited.retry_after == 7.5 and limited.http_status == 429 and limited.retryable
    assert dc.DynacaseRateLimited("x", retry_after=1.5).retry_after == 1.5


def test_the_backends_detail_is_kept_on_the_root() -> None:
    error = dc.error_for(403, "CRUD0230", "Refusé", "trace")
    assert (error.message, error.code, error.http_status) == ("Refusé", "CRUD0230", 403)
    assert error.code_number == "0230" and error.exception_message == "trace"


def test_each_error_names_its_ops_alert() -> None:
    assert ds.DSTokenExpired("x").alert_kind == "ds_token_expired"
    assert ds.DSNotAuthenticated("x").alert_kind == "ds_not_authenticated"
    assert ds.DSForbiddenNetwork("x").alert_kind == "ds_forbidden_network"
    assert ds.DSServerError("x").alert_kind == "ds_down"
    assert dc.DynacaseNotAuthenticated("x").alert_kind == "dynacase_down"


def test_each_ds_error_explains_itself_to_a_user() -> None:
    t = Texts("fr")
    not_found = ds_error_text(ds.DSNotFound("x"), t, number=12)
    assert not_found == t("error.dossier_not_found", number=12)
    assert ds_error_text(ds.DSTokenExpired("x"), t) == t("error.ds_token_expired")
    assert ds_error_text(ds.DSReadTimeout("x"), t) == t("error.ds_unavailable")
    assert ds_error_text(ds.DSFileTooLarge(30 << 20, 20 << 20), t) == t(
        "error.file_too_large", limit_mb=20
    )
    said = ds_error_text(ds.DSMutationError(["Motivation requise"]), t)
    assert said == t("error.ds_says", message="Motivation requise")
    # A backend that names no text gets the generic sentence, never silence.
    assert ds_error_text(dc.DynacaseServerError("x"), t) == t("error.unexpected")
    assert ds_error_text(BackendRefused("non"), t) == t("error.unexpected")


def every_error_class() -> list[type[BackendError]]:
    found: list[type[BackendError]] = []
    for module in (ds, dc):
        found += [
            c for c in vars(module).values() if isinstance(c, type) and issubclass(c, BackendError)
        ]
    return found


def test_every_alert_and_text_an_error_names_is_in_both_catalogs() -> None:
    from dsbot.texts import en, fr

    keys = {f"notify.ops.{c.alert_kind}" for c in every_error_class()}
    keys |= {c.text_key for c in every_error_class() if c.text_key}
    assert "notify.ops.backend_down" in keys and "error.ds_says" in keys
    assert sorted(k for k in keys if k not in fr.TEXTS or k not in en.TEXTS) == []
