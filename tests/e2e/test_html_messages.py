"""HTML message bodies, as DS writes them, reach Slack as clean text with their links: `dsbot
run` as a real process, the DS sandbox, the fake Slack."""

from __future__ import annotations

import json

from tests.e2e.test_run_notifications import (
    ADMIN_ID,
    parents,
    running,  # noqa: F401  (fixture)
    thread,
    wait_cycles,
    wait_until,
)


def card_of(fake_slack, number: int) -> dict | None:
    prefix = f"Dossier n° {number} "
    return next((p for p in parents(fake_slack) if p["text"].startswith(prefix)), None)


HTML_BODY = (
    "<p>[Pièce reçue]</p><p>Bonjour,</p><p>Voici la pièce &amp; le devis.<br>"
    '<a href="https://exemple.fr/devis?a=1&amp;b=2">Voir le devis</a> '
    '<a href="javascript:alert(1)">piège</a> &lt;!channel&gt;</p>'
)


def test_an_html_body_appears_in_the_thread_as_clean_text_with_its_link(
    running,  # noqa: F811
    sandbox,
    fake_slack,
) -> None:
    demarche = sandbox.control.demarches()[0]["number"]
    assert "suit désormais" in running.command(f"abonner {demarche}", user=ADMIN_ID)
    number = sandbox.control.create_dossier(demarche)["number"]
    card = wait_until(lambda: card_of(fake_slack, number), what="the card")

    sandbox.control.add_message(number, HTML_BODY)
    replies = wait_until(lambda: thread(fake_slack, card["ts"]), what="the message in the thread")
    shown = json.dumps(replies, ensure_ascii=False)
    assert "[Pièce reçue]" in shown and "Voici la pièce &amp; le devis." in shown
    assert "<https://exemple.fr/devis?a=1&amp;b=2|Voir le devis>" in shown
    assert "<p>" not in shown and "<br>" not in shown and "javascript" not in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown


def test_ds_notices_are_html_in_the_sandbox_and_never_raw_in_slack(
    running,  # noqa: F811
    sandbox,
    fake_slack,
) -> None:
    demarche = sandbox.control.demarches()[0]["number"]
    assert "suit désormais" in running.command(f"abonner {demarche}", user=ADMIN_ID)
    number = sandbox.control.create_dossier(demarche)["number"]
    wait_until(lambda: card_of(fake_slack, number), what="the card")
    sandbox.control.set_state(number, "en_instruction")
    wait_cycles(sandbox)

    notices = [
        m for m in sandbox.control.dossier(number)["messages"] if m["email"].startswith("contact@")
    ]
    assert notices and notices[-1]["body"].startswith("<p>[Votre dossier n° ")
    # DS's default « pris en charge » notice: its words in <p> and <strong>, no link.
    assert "<strong>pris en charge</strong>" in notices[-1]["body"]
    everything = json.dumps(fake_slack.messages("C0NOTIFS"), ensure_ascii=False)
    assert "<p>" not in everything and "</a>" not in everything
