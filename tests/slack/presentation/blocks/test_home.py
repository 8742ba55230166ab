"""The App Home and digest builders: sections, paging, filter, privacy and Slack's limits."""

from __future__ import annotations

import json
from datetime import timedelta

from dsbot.notifications.model import Digest
from dsbot.services.digest import channel_digest
from dsbot.services.home import MAX_LINES_PER_SECTION, HomeState, load_home
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.digest import build_digest
from dsbot.slack.presentation.blocks.home import build_home, build_home_guest, build_home_unlinked
from dsbot.store import notifications as nq
from dsbot.texts import Texts
from tests.fakes import slack_rules
from tests.fakes.db_template import premigrated
from tests.services.test_digest import store  # noqa: F401  (fixture)
from tests.services.test_index import ALICE, NOW, dossier, message, record
from tests.slack.presentation.blocks.blockkit import assert_within_slack_limits, buttons

FR = Texts("fr")


def view_text(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_home_of_an_instructeur(tmp_path):
    from dsbot.store import Store

    s = Store(premigrated(tmp_path / "h.db"))
    s.migrate()
    record(
        s,
        dossier(1, days_old=4),
        dossier(2, messages=(message("usager@example.org", 1),), days_old=0),
        *(dossier(n, days_old=n) for n in range(10, 60)),
    )
    data = load_home(s, instructeur_id=ALICE.id, sees_all=False, state=HomeState())
    view = build_home(data, NOW, FR)
    assert slack_rules.check_view(view, expected_types=("home",)) == []
    text = view_text(view)
    for title in ("À traiter (52)", "Mes dossiers suivis (0)", "En attente d’une réponse (1)"):
        assert title in text
    assert "*n° 59* · Subventions · 🟡 En construction · depuis 59 j" in text
    assert "depuis aujourd’hui" in text
    # No personal data on a line: the demandeur and e-mails stay on the card.
    assert "usager@example.org" not in text
    opens = [b for b in buttons(view) if b["action_id"] == ids.ACTION_HOME_OPEN]
    assert ids.decode_ref(opens[0]["value"]) == 59  # the longest waiting first
    more = [b for b in buttons(view) if b["action_id"] == ids.ACTION_HOME_MORE]
    assert [b["value"] for b in more] == ["a_traiter"]
    assert HomeState.loads(view["private_metadata"]) == HomeState()
    # Every page fits in a Home tab, up to the last one.
    state = HomeState()
    for _ in range(5):
        state = state.more("a_traiter")
    view = build_home(load_home(s, instructeur_id=ALICE.id, sees_all=False, state=state), NOW, FR)
    assert slack_rules.check_view(view, expected_types=("home",)) == []
    opens = [b for b in buttons(view) if b["action_id"] == ids.ACTION_HOME_OPEN]
    assert len(opens) == MAX_LINES_PER_SECTION + 1
    assert "… et 27 autres" in view_text(view)


def test_home_without_access():
    unlinked = build_home_unlinked("Aucun instructeur DS n’a cette adresse.", FR)
    assert slack_rules.check_view(unlinked, expected_types=("home",)) == []
    assert "/ds lier" in view_text(unlinked) and "/ds moi" in view_text(unlinked)
    guest = build_home_guest(FR)
    assert "invités" in view_text(guest)
    assert not buttons(unlinked) and not buttons(guest)


def test_digest_message(store):  # noqa: F811
    with store.connect() as db:
        subs = nq.channel_subscriptions(db, "T1", "C1")
        digest = channel_digest(
            db, subs, now=NOW, since=NOW - timedelta(days=1), reminder_days=7, day=NOW.date()
        )
    message_ = build_digest(digest, FR, {1: "https://slack.example/archives/C1/p1"})
    assert_within_slack_limits(message_)
    text = json.dumps(message_.blocks, ensure_ascii=False)
    assert "Résumé du 27/11/2026" in text
    assert "<https://slack.example/archives/C1/p1|n° 1>" in text
    assert "*En attente depuis plus de 7 j* (3)" in text
    assert "pas encore pris en charge" in text
    assert "échéance 2026-11-30" in text
    assert "usager@example.org" not in text
    assert Digest.from_json(digest.to_json()) == digest
