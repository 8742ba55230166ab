"""Files from Slack to DS when things go wrong: too large, a type DS refuses, Slack's login page
instead of the file, DS refusing the upload. Each is a clear message, nothing is half-done, and
the user's retry works."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dsbot.app_runtime import start
from dsbot.backends.ds.client import DSClient
from dsbot.ratelimit import RateLimiter
from dsbot.slack import ids
from tests.backends.ds.fake_clock import FakeClock
from tests.e2e.scene import Scene, decision_values, md5_b64, reply_values, wait_until
from tests.fakes.bot import BotUnderTest, bot_settings

MB = 1024 * 1024


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bot(fake_slack, sandbox, tmp_path, clock: FakeClock) -> Iterator[BotUnderTest]:
    """The bot, with a DS client that neither sleeps between retries nor waits out a 429 (it
    fails at once), and whose rate limiter runs on `clock` (a test moves it a minute ahead)."""
    ds = DSClient(
        sandbox.graphql_url,
        sandbox.token,
        sleep=lambda _: None,
        limiter=RateLimiter(10_000, 60.0, clock=clock, sleep=clock.sleep),
        max_retry_after=0.5,
        wall_clock=sandbox.app.clock.time,  # RateLimit-Reset is in the sandbox's time
    )
    settings = bot_settings(fake_slack, sandbox, str(tmp_path / "bot.db"))
    runtime = start(settings, http=True, host="127.0.0.1", port=0, poller=False, ds=ds)
    under_test = BotUnderTest(runtime, f"http://127.0.0.1:{runtime.http_port}", fake_slack, sandbox)
    try:
        yield under_test
    finally:
        # Like tests/fakes/bot.py: the client's keep-alive connection would hold the server.
        http = getattr(under_test, "http", None)
        if http is not None:
            http.close()
        runtime.stop()
        ds.close()


def untouched(scene: Scene, number: int, state: str = "en_instruction") -> None:
    dossier = scene.ds(number)
    assert dossier["state"] == state
    assert dossier["justificatif"] is None
    for name in ("DsbotAccepter", "DsbotPasserEnInstruction", "DsbotEnvoyerMessage"):
        assert scene.ops(name) == 0, name


def test_file_over_the_limit_is_refused_in_the_modal(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    big = scene.slack.add_file(b"%PDF" + b"0" * (10 * MB), "scan couleur.pdf", "application/pdf")
    opened = scene.click(ids.ACTION_ACCEPTER, number)

    answer = scene.submit(opened, decision_values("Conforme.", big))
    assert answer["response_action"] == "errors"
    message = answer["errors"][ids.BLOCK_JUSTIFICATIF]
    assert "scan couleur.pdf" in message and "10 Mo" in message
    assert scene.slack.downloads() == []
    assert scene.ops("DsbotCreateDirectUpload") == 0
    untouched(scene, number)


def test_file_type_ds_refuses_is_refused_in_the_modal(scene: Scene) -> None:
    number = scene.dossier("en_construction")
    page = scene.slack.add_file(b"<html></html>", "formulaire.html", "text/html")
    opened = scene.click(ids.ACTION_REPONDRE, number)

    answer = scene.submit(opened, reply_values("Voir la pièce jointe.", page))
    message = answer["errors"][ids.BLOCK_MESSAGE_ATTACHMENT]
    assert "formulaire.html" in message and "text/html" in message
    untouched(scene, number, "en_construction")


def test_slack_login_page_instead_of_the_file_is_a_clear_error(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    file, _ = scene.pdf(name="arrêté.pdf")
    scene.slack.login_page_files.add(file["id"])
    opened = scene.click(ids.ACTION_ACCEPTER, number)

    assert scene.submit(opened, decision_values("Conforme.", file)) == {}
    [notice] = scene.notices(opened)
    assert "« Accepter » n’a pas abouti" in notice
    assert "page de connexion" in notice and "arrêté.pdf" in notice
    assert [d.authorized for d in scene.slack.downloads()] == [False]
    assert scene.ops("DsbotCreateDirectUpload") == 0
    untouched(scene, number)
    [row] = wait_until(lambda: scene.audit())
    assert row["result"] == "error" and row["file_name"] == "arrêté.pdf"
    assert row["file_checksum"] is None


def test_ds_fault_during_upload_then_a_clean_retry(scene: Scene, clock: FakeClock) -> None:
    number = scene.dossier("en_instruction")
    file, content = scene.pdf(name="décision.pdf")
    opened = scene.click(ids.ACTION_ACCEPTER, number)
    # The modal's first read of DS is over once Alice is linked.
    wait_until(scene.linked, what="the modal's first read")

    # DS's rate limit counts per clock minute: start well inside one.
    scene.control.start_of_next_minute()
    # One request allowed: the submit's fresh read of the dossier. createDirectUpload gets 429.
    scene.control.faults(rate_limit_per_minute=1)
    assert scene.submit(opened, decision_values("Conforme.", file)) == {}
    [notice] = scene.notices(opened)
    scene.control.reset_faults()

    assert "« Accepter » n’a pas abouti" in notice and "trop de requêtes" in notice
    assert scene.ops("DsbotCreateDirectUpload") >= 1
    untouched(scene, number)
    [row] = wait_until(lambda: scene.audit())
    assert row["result"] == "error" and row["file_checksum"] == md5_b64(content)

    # The user tries again a minute later (DS asked the bot to hold back until then).
    clock.advance(60)
    retry = scene.click(ids.ACTION_ACCEPTER, number)
    assert scene.submit(retry, decision_values("Conforme.", file)) == {}
    dossier = wait_until(lambda: (d := scene.ds(number))["state"] == "accepte" and d)
    assert dossier["justificatif"]["checksum"] == md5_b64(content)
    assert scene.ops("DsbotAccepter") == 1
    rows = wait_until(lambda: len(r := scene.audit()) == 2 and r)
    assert [r["result"] for r in rows] == ["error", "ok"]


def test_remote_file_is_refused_in_the_modal(scene: Scene) -> None:
    """A remote file's URL is a third party's: the bot token is never sent there."""
    number = scene.dossier("en_instruction")
    file, _ = scene.pdf(name="devis.pdf")
    remote = scene.slack.update_file(
        file["id"],
        is_external=True,
        external_type="gdrive",
        url_private_download="https://docs.example.com/devis.pdf",
    )
    opened = scene.click(ids.ACTION_ACCEPTER, number)

    answer = scene.submit(opened, decision_values("Conforme.", remote))
    assert answer["response_action"] == "errors"
    assert "fichier distant" in answer["errors"][ids.BLOCK_JUSTIFICATIF]
    assert scene.slack.downloads() == []
    untouched(scene, number)


def test_html_posing_as_a_pdf_never_reaches_ds(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    page = scene.slack.add_file(
        b"<!DOCTYPE html><html><body>Se connecter</body></html>", "arrete.pdf", "application/pdf"
    )
    opened = scene.click(ids.ACTION_ACCEPTER, number)

    assert scene.submit(opened, decision_values("Conforme.", page)) == {}
    [notice] = scene.notices(opened)
    assert "contient du HTML" in notice and "arrete.pdf" in notice
    assert scene.ops("DsbotCreateDirectUpload") == 0
    untouched(scene, number)


def test_a_file_of_another_workspace_never_reaches_ds(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    file, _ = scene.pdf(name="partage.pdf")
    scene.slack.update_file(file["id"], user_team="T0OTHERORG")  # a Slack Connect partner's
    opened = scene.click(ids.ACTION_ACCEPTER, number)

    assert scene.submit(opened, decision_values("Conforme.", file)) == {}
    [notice] = scene.notices(opened)
    assert "vient d’un autre espace de travail Slack" in notice and "partage.pdf" in notice
    assert scene.slack.downloads() == []
    assert scene.ops("DsbotCreateDirectUpload") == 0
    untouched(scene, number)


def test_empty_file_is_refused_in_the_modal(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    empty = scene.slack.add_file(b"", "vide.pdf", "application/pdf")
    opened = scene.click(ids.ACTION_ACCEPTER, number)

    answer = scene.submit(opened, decision_values("Conforme.", empty))
    assert "vide" in answer["errors"][ids.BLOCK_JUSTIFICATIF]
    assert scene.slack.downloads() == []
    untouched(scene, number)


def test_file_entry_with_a_bad_size_is_a_clear_error_not_a_500(scene: Scene) -> None:
    number = scene.dossier("en_instruction")
    file, _ = scene.pdf()
    opened = scene.click(ids.ACTION_ACCEPTER, number)

    answer = scene.submit(opened, decision_values("Conforme.", {**file, "size": "abc"}))
    assert answer["response_action"] == "errors"
    assert "rien n’a été envoyé" in answer["errors"][ids.BLOCK_JUSTIFICATIF]
    untouched(scene, number)
