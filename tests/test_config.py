"""Settings: docs/interface.md's names and defaults, one-line errors naming the variable."""

from __future__ import annotations

import pytest

from dsbot.config import DEFAULT_DS_API_URL, ConfigError, Settings


def test_defaults():
    s = Settings.from_mapping({})
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.ds_api_url == DEFAULT_DS_API_URL
    assert s.db_path == "./dsbot.db"
    assert s.poll_interval == 60
    assert s.admins == frozenset()
    assert s.lang == "fr"
    assert s.ds_web_base == "https://demarche.numerique.gouv.fr"


def test_slack_api_url_with_or_without_trailing_slash():
    a = Settings.from_mapping({"SLACK_API_URL": "http://127.0.0.1:9/api"})
    b = Settings.from_mapping({"SLACK_API_URL": "http://127.0.0.1:9/api/"})
    assert a.slack_api_url == b.slack_api_url == "http://127.0.0.1:9/api/"


def test_admins_and_demarches_lists():
    s = Settings.from_mapping({"DSBOT_ADMINS": " U1, U2 ,,", "DSBOT_DEMARCHES": "12, 34"})
    assert s.admins == {"U1", "U2"}
    assert s.demarches == (12, 34)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DSBOT_POLL_INTERVAL": "souvent"}, "DSBOT_POLL_INTERVAL"),
        ({"DSBOT_POLL_INTERVAL": "0"}, "DSBOT_POLL_INTERVAL"),
        ({"DSBOT_LANG": "de"}, "DSBOT_LANG"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "SLACK_APP_TOKEN"),
        ({"DS_API_URL": "demarche.numerique.gouv.fr"}, "DS_API_URL"),
        ({"DSBOT_DEMARCHES": "12,abc"}, "DSBOT_DEMARCHES"),
        ({"DSBOT_HEALTH_PORT": "99999"}, "DSBOT_HEALTH_PORT"),
        ({"DSBOT_DIGEST_TIME": "9h"}, "DSBOT_DIGEST_TIME"),
        ({"DSBOT_DIGEST_TIME": "25:00"}, "DSBOT_DIGEST_TIME"),
        ({"DSBOT_DIGEST_TIME": "09:7"}, "DSBOT_DIGEST_TIME"),
        ({"DSBOT_REMINDER_DAYS": "0"}, "DSBOT_REMINDER_DAYS"),
        ({"DSBOT_REMINDER_DAYS": "une semaine"}, "DSBOT_REMINDER_DAYS"),
    ],
)
def test_invalid_setting_names_the_variable_in_one_line(env, variable):
    with pytest.raises(ConfigError) as info:
        Settings.from_mapping(env)
    message = str(info.value)
    assert variable in message
    assert "\n" not in message


def test_bad_token_prefix_does_not_echo_the_token():
    with pytest.raises(ConfigError) as info:
        Settings.from_mapping({"SLACK_BOT_TOKEN": "xoxp-123-secret-value"})
    assert "secret-value" not in str(info.value)


def test_missing_required_setting_is_named():
    with pytest.raises(ConfigError, match="DS_API_TOKEN"):
        Settings.from_mapping({}).require("DS_API_TOKEN")


def test_environment_wins_over_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("DS_API_TOKEN=from-dotenv\nDSBOT_LANG=en\nDSBOT_DB=/tmp/dotenv.db\n")
    s = Settings.from_env({"DSBOT_LANG": "fr"}, dotenv_path=dotenv)
    assert s.lang == "fr"
    assert s.ds_api_token == "from-dotenv"
    assert s.db_path == "/tmp/dotenv.db"


def test_repr_never_shows_secrets():
    s = Settings.from_mapping(
        {
            "SLACK_BOT_TOKEN": "xoxb-111-secret",
            "SLACK_SIGNING_SECRET": "signing-secret-value",
            "SLACK_APP_TOKEN": "xapp-1-secret",
            "DS_API_TOKEN": "ds-secret-token",
        }
    )
    shown = repr(s) + str(s)
    for secret in ("xoxb-111-secret", "signing-secret-value", "xapp-1-secret", "ds-secret-token"):
        assert secret not in shown
    assert set(s.secrets) == {
        "xoxb-111-secret",
        "signing-secret-value",
        "xapp-1-secret",
        "ds-secret-token",
    }


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DS_API_URL": "http://"}, "DS_API_URL"),
        ({"SLACK_API_URL": "https:///api/"}, "SLACK_API_URL"),
        ({"SLACK_BOT_TOKEN": "xoxb-"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xapp-"}, "SLACK_APP_TOKEN"),
        ({"DSBOT_DEMARCHES": "12,0"}, "DSBOT_DEMARCHES"),
        ({"DSBOT_DEMARCHES": "2147483648"}, "DSBOT_DEMARCHES"),
        ({"DSBOT_POLL_INTERVAL": "nan"}, "DSBOT_POLL_INTERVAL"),
        ({"DSBOT_POLL_INTERVAL": "inf"}, "DSBOT_POLL_INTERVAL"),
    ],
)
def test_values_that_only_look_valid_are_refused(env, variable):
    with pytest.raises(ConfigError) as info:
        Settings.from_mapping(env)
    assert [variable in line for line in info.value.problems] == [True]


def test_real_looking_values_pass():
    s = Settings.from_mapping(
        {
            "SLACK_BOT_TOKEN": "xoxb-1234-5678-AbCd",
            "SLACK_APP_TOKEN": "xapp-1-A0TEST-1-check",
            "DS_API_URL": "http://127.0.0.1:8000/api/v2/graphql",
            "DSBOT_DEMARCHES": "1, 2147483647",
        }
    )
    assert s.demarches == (1, 2147483647)


def test_every_problem_is_reported_at_once_one_line_each():
    env = {
        "DSBOT_LANG": "de",
        "DS_API_URL": "http://",
        "SLACK_BOT_TOKEN": "xoxb-",
        "DSBOT_HEALTH_PORT": "http",
    }
    with pytest.raises(ConfigError) as info:
        Settings.from_mapping(env, required=("DS_API_TOKEN", "SLACK_APP_TOKEN"))
    problems = info.value.problems
    named = ["DSBOT_LANG", "DS_API_URL", "SLACK_BOT_TOKEN", "DSBOT_HEALTH_PORT"]
    named += ["DS_API_TOKEN", "SLACK_APP_TOKEN"]
    assert len(problems) == len(named)
    for variable in named:
        assert sum(variable in line for line in problems) == 1, variable
    assert all("\n" not in line for line in problems)
    assert str(info.value).splitlines() == list(problems)


def test_require_names_every_missing_variable():
    with pytest.raises(ConfigError) as info:
        Settings.from_mapping({"DS_API_TOKEN": "t"}).require(
            "SLACK_BOT_TOKEN", "DS_API_TOKEN", "SLACK_APP_TOKEN"
        )
    assert len(info.value.problems) == 2
    assert "SLACK_BOT_TOKEN" in info.value.problems[0]
    assert "SLACK_APP_TOKEN" in info.value.problems[1]


def test_dotenv_line_that_cannot_be_read_names_the_file_and_line(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("DS_API_TOKEN=ok\nexport SLACK_BOT_TOKEN xoxb-secret-value\nDSBOT_LANG=xx\n")
    with pytest.raises(ConfigError) as info:
        Settings.from_env({}, dotenv_path=dotenv)
    problems = info.value.problems
    assert any(str(dotenv) in p and "ligne 2" in p for p in problems), problems
    assert any("DSBOT_LANG" in p for p in problems), problems  # reported together
    assert "secret-value" not in str(info.value)


def test_dotenv_that_is_not_utf8_is_named(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"DSBOT_LANG=fr\nDSBOT_ADMINS=\xe9\xff\n")
    with pytest.raises(ConfigError, match=str(dotenv)):
        Settings.from_env({}, dotenv_path=dotenv)


def test_dotenv_problem_is_not_logged_twice(tmp_path, caplog):
    dotenv = tmp_path / ".env"
    dotenv.write_text("not a setting\n")
    with pytest.raises(ConfigError):
        Settings.from_env({}, dotenv_path=dotenv)
    assert caplog.records == []


def test_digest_settings():
    from datetime import time

    assert Settings.from_mapping({}).digest_time == time(9, 0)
    assert Settings.from_mapping({}).reminder_days == 7
    # Set but empty turns the digest off.
    assert Settings.from_mapping({"DSBOT_DIGEST_TIME": ""}).digest_time is None
    custom = Settings.from_mapping({"DSBOT_DIGEST_TIME": "17:30", "DSBOT_REMINDER_DAYS": "3"})
    assert (custom.digest_time, custom.reminder_days) == (time(17, 30), 3)


def test_outbox_max_age_is_seconds_of_at_least_a_minute():
    assert Settings.from_mapping({}).outbox_max_age == 1800.0
    assert Settings.from_mapping({"DSBOT_OUTBOX_MAX_AGE": "600"}).outbox_max_age == 600.0
    for bad in ("10", "1h", "-5"):
        with pytest.raises(ConfigError, match="DSBOT_OUTBOX_MAX_AGE"):
            Settings.from_mapping({"DSBOT_OUTBOX_MAX_AGE": bad})


def test_privacy_settings():
    assert Settings.from_mapping({}).retention_days is None
    assert Settings.from_mapping({}).channel_detail == "full"
    chosen = Settings.from_mapping(
        {"DSBOT_RETENTION_DAYS": "365", "DSBOT_CHANNEL_DETAIL": "Minimal"}
    )
    assert (chosen.retention_days, chosen.channel_detail) == (365, "minimal")
    with pytest.raises(ConfigError) as raised:
        Settings.from_mapping({"DSBOT_RETENTION_DAYS": "0", "DSBOT_CHANNEL_DETAIL": "court"})
    assert [p.split(" ")[0] for p in raised.value.problems] == [
        "DSBOT_RETENTION_DAYS",
        "DSBOT_CHANNEL_DETAIL",
    ]
