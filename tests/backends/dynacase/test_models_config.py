"""The typed seams of the Dynacase backend: models decode Dynacase's JSON and encode it back;
settings read DYNACASE_API_URL and DYNACASE_TOKEN together."""

from __future__ import annotations

import pytest

from dsbot.backends.dynacase.errors import (
    DynacaseAccessDenied,
    DynacaseBadRequest,
    DynacaseInvalidTransition,
    DynacaseNotAuthenticated,
    DynacaseNotFound,
    DynacaseNoWorkflow,
    DynacaseServerError,
    DynacaseTransitionRefused,
    error_for,
)
from dsbot.backends.dynacase.models import (
    AttributeValue,
    Document,
    HistoryRevision,
    NextState,
    StateChange,
    TransitionForm,
    WorkflowState,
)
from dsbot.config import ConfigError, Settings
from tests.fakes.dynacase_sandbox import api


def test_models_round_trip_through_json(dynacase):
    # docs/dynacase-api.md §4.2, §6.2, §6.5, §7
    initid = dynacase.control.create_document("DEMANDE_SUBVENTION", "Aller-retour")["initid"]
    dynacase.control.set_state(initid, "e_sub_transmis", comment="ok")
    fields = "document.properties,document.properties.family,document.properties.revdate"
    with api(dynacase, "c.martin") as http:
        document = http.get(
            f"documents/{initid}", params={"fields": fields + ",document.attributes"}
        ).json()["data"]["document"]
        states = http.get(f"documents/{initid}/workflows/states/").json()["data"]["states"]
        form = http.get(f"documents/{initid}/workflows/transitions/t_sub_instruire").json()
        history = http.get(f"documents/{initid}/history/").json()["data"]["history"]
    doc = Document.from_json(document)
    assert Document.from_json(doc.to_json()) == doc
    for item in states:
        state = NextState.from_json(item)
        assert NextState.from_json(state.to_json()) == state
    transition = TransitionForm.from_json(form["data"]["transition"])
    assert TransitionForm.from_json(transition.to_json()) == transition
    for item in history:
        revision = HistoryRevision.from_json(item)
        assert HistoryRevision.from_json(revision.to_json()) == revision
    assert doc.state is not None
    change = StateChange(doc.state, doc, doc.id - 1)
    assert StateChange.from_json(change.to_json()) == change


def test_labels_fall_back_to_ids_and_multiple_values():
    # docs/dynacase-api.md §6.2, §4.3
    state = WorkflowState.from_json({"id": "e_x", "label": "", "activity": None, "color": None})
    assert (state.label, state.activity, state.display_value, state.color) == ("e_x", "", "e_x", "")
    multiple = AttributeValue.from_json(
        [{"value": "a", "displayValue": "A"}, {"value": "b", "displayValue": "B"}]
    )
    assert multiple.value == ["a", "b"] and multiple.text == "A, B"
    assert AttributeValue.from_json({"value": None, "displayValue": None}).text == ""


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (403, None, DynacaseNotAuthenticated),
        (403, "CRUD0201", DynacaseAccessDenied),
        (403, "CRUD0230", DynacaseTransitionRefused),
        (403, "API0230", DynacaseTransitionRefused),  # the manual's older prefix
        (404, "CRUD0227", DynacaseNoWorkflow),
        (404, "CRUD0235", DynacaseInvalidTransition),
        (404, "CRUD0200", DynacaseNotFound),
        (400, "CRUD0502", DynacaseBadRequest),
        (405, "CRUD0103", DynacaseBadRequest),
        (500, None, DynacaseServerError),
    ],
)
def test_error_classes_follow_status_and_code_number(status, code, cls):
    # docs/dynacase-api.md §2.4
    error = error_for(status, code, "texte")
    assert type(error) is cls and error.code == code and error.content_text == "texte"


def test_settings_read_both_variables():
    # docs/dynacase-api.md §11
    settings = Settings.from_mapping(
        {"DYNACASE_API_URL": "https://ged.example.fr/api/v1/", "DYNACASE_TOKEN": "abc123def456"}
    )
    assert settings.dynacase_api_url == "https://ged.example.fr/api/v1/"
    assert settings.dynacase_token == "abc123def456"
    assert "abc123def456" not in repr(settings) and "abc123def456" in settings.secrets
    off = Settings.from_mapping({})
    assert off.dynacase_api_url is None and off.dynacase_token is None


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"DYNACASE_API_URL": "https://ged.example.fr/api/v1/"}, "DYNACASE_TOKEN est requis"),
        ({"DYNACASE_TOKEN": "abc"}, "DYNACASE_API_URL est requis"),
        ({"DYNACASE_API_URL": "https://ged.example.fr/api/v1", "DYNACASE_TOKEN": "a"}, "/api/v1/"),
        ({"DYNACASE_API_URL": "ged.example.fr/api/v1/", "DYNACASE_TOKEN": "a"}, "http(s)"),
    ],
)
def test_bad_dynacase_settings_are_one_clear_line(env, fragment):
    # docs/dynacase-api.md §11
    with pytest.raises(ConfigError) as info:
        Settings.from_mapping(env)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_dates_are_the_servers_local_time():
    # docs/dynacase-api.md §4.2: no zone in Dynacase's dates; the server's is Paris.
    from datetime import UTC, datetime

    from dsbot.backends.dynacase.models import format_date, parse_date

    winter = parse_date("2026-03-05 14:02:11")
    summer = parse_date("2026-07-05 14:02:11")
    assert winter == datetime(2026, 3, 5, 13, 2, 11, tzinfo=UTC)
    assert summer == datetime(2026, 7, 5, 12, 2, 11, tzinfo=UTC)
    assert format_date(datetime(2026, 3, 5, 13, 2, 11, tzinfo=UTC)) == "2026-03-05 14:02:11"
    assert parse_date("") is None and parse_date("hier") is None
