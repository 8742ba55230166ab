"""`dsbot check` covers Dynacase when it is configured: reachable, the read token accepted,
DSBOT_SECRET_KEY present and usable."""

from __future__ import annotations

from cryptography.fernet import Fernet

from dsbot.check import FAIL, OK, Finding, check_dynacase, run_checks
from dsbot.config import Settings
from tests.fakes.dynacase_sandbox import dynacase  # noqa: F401  (fixture)
from tests.fakes.slack_api import BOT_TOKEN

KEY = Fernet.generate_key().decode()


def findings(steps) -> list[Finding]:
    return [step for step in steps if isinstance(step, Finding)]


def settings(**env: str) -> Settings:
    return Settings.from_mapping({"SLACK_BOT_TOKEN": BOT_TOKEN, **env})


def test_nothing_is_said_when_dynacase_is_off() -> None:
    assert list(check_dynacase(settings())) == []  # not even what it would check


def test_everything_right(dynacase) -> None:  # noqa: F811
    found = findings(
        check_dynacase(
            settings(
                DYNACASE_API_URL=dynacase.api_url,
                DYNACASE_TOKEN=dynacase.token,
                DSBOT_SECRET_KEY=KEY,
            )
        )
    )
    assert [f.status for f in found] == [OK, OK]
    assert "accepte le jeton" in found[0].what and "chiffrés" in found[1].what


def test_a_refused_token_and_a_missing_key_are_named(dynacase) -> None:  # noqa: F811
    found = findings(
        check_dynacase(settings(DYNACASE_API_URL=dynacase.api_url, DYNACASE_TOKEN="nope-nope"))
    )
    assert [f.status for f in found] == [FAIL, FAIL]
    assert "n’accepte pas DYNACASE_TOKEN" in found[0].what
    assert "DSBOT_SECRET_KEY n’est pas définie" in found[1].what


def test_unreachable_and_a_malformed_key(tmp_path) -> None:
    found = findings(
        check_dynacase(
            settings(
                DYNACASE_API_URL="http://127.0.0.1:9/api/v1/",
                DYNACASE_TOKEN="secret-token-x",
                DSBOT_SECRET_KEY="not-a-key",
            )
        )
    )
    assert [f.status for f in found] == [FAIL, FAIL]
    assert (
        found[0].what
        == "Dynacase est injoignable : connexion refusée : rien n’écoute à 127.0.0.1:9"
    )
    assert "n’est pas une clé Fernet" in found[1].what


def test_run_checks_includes_dynacase_and_redacts(fake_slack, sandbox, dynacase, tmp_path) -> None:  # noqa: F811
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
        "DS_API_URL": sandbox.graphql_url,
        "DS_API_TOKEN": "sandbox-token",
        "DSBOT_DB": str(tmp_path / "check.db"),
        "DYNACASE_API_URL": dynacase.api_url,
        "DYNACASE_TOKEN": dynacase.token,
        "DSBOT_SECRET_KEY": KEY,
    }
    findings = run_checks(Settings.from_mapping(env), http=True)
    text = " | ".join(f.what + f.fix for f in findings)
    assert "Dynacase répond à" in text and KEY not in text


def test_the_followed_families_are_checked(dynacase, tmp_path) -> None:  # noqa: F811
    from datetime import UTC, datetime

    from dsbot.store import Store
    from dsbot.store import notifications as q

    db_path = str(tmp_path / "families.db")
    store = Store(db_path)
    store.migrate()
    with q.write(store) as db:
        for family in ("DEMANDE_SUBVENTION", "PLUS_LA"):
            q.insert_item_subscription(
                db,
                team_id="T1",
                channel_id="C1",
                backend="dynacase",
                family=family,
                states=(),
                created_by="U1",
                created_at=datetime.now(UTC),
            )
    found = findings(
        check_dynacase(
            settings(
                DYNACASE_API_URL=dynacase.api_url,
                DYNACASE_TOKEN=dynacase.token,
                DSBOT_SECRET_KEY=KEY,
                DSBOT_DB=db_path,
            )
        )
    )
    by_text = {f.what: f for f in found}
    assert by_text["Famille Dynacase DEMANDE_SUBVENTION suivie et lisible"].status == OK
    gone = by_text["Famille Dynacase PLUS_LA suivie, mais introuvable avec DYNACASE_TOKEN"]
    assert gone.status == FAIL and "/ds desabonner dynacase PLUS_LA" in gone.fix
