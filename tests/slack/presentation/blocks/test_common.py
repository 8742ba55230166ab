from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block, DividerBlock, SectionBlock

from dsbot.backends.ds.backend import dossier_url
from dsbot.backends.ds.models import DossierState
from dsbot.slack.presentation.blocks.common import (
    SlackMessage,
    date_token,
    escape,
    escape_truncate,
    excerpt,
    make_message,
    mention,
    mrkdwn,
    quote,
    state_label,
    truncate,
    truncate_mrkdwn,
)
from dsbot.texts import Texts

ENTITY_SAFE = re.compile(r"&(?!amp;|lt;|gt;)")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_escape_neutralises_slack_control_characters():
    assert escape("a & b <!channel> <https://x|y>") == (
        "a &amp; b &lt;!channel&gt; &lt;https://x|y&gt;"
    )
    assert escape("déjà « vu »") == "déjà « vu »"


@given(st.text(alphabet="ab &<>\né", max_size=400), st.integers(min_value=2, max_value=300))
def test_escape_truncate_respects_the_limit_and_never_splits_an_entity(text, limit):
    result = escape_truncate(text, limit)
    assert len(result) <= limit
    assert ENTITY_SAFE.search(result) is None
    assert "<" not in result and ">" not in result
    if len(escape(text)) <= limit:
        assert result == escape(text)
    else:
        assert result.endswith("…")
        assert text.startswith(unescape(result[:-1]).rstrip())


def test_truncate_cuts_at_a_word_boundary_when_close():
    assert truncate("Bonjour madame la préfète", 20) == "Bonjour madame la…"
    assert truncate("x" * 100, 10) == "x" * 9 + "…"
    assert truncate("court", 10) == "court"


@given(
    st.lists(
        st.sampled_from(["mot ", "&amp;", "&lt;", "<!date^1^{time}|2025-01-01>", "<@U123>", "é"]),
        max_size=200,
    ),
    st.integers(min_value=1, max_value=500),
)
def test_truncate_mrkdwn_never_breaks_a_token_or_entity(pieces, limit):
    text = "".join(pieces)
    result = truncate_mrkdwn(text, limit)
    assert len(result) <= limit
    assert result.count("<") == result.count(">")
    assert ENTITY_SAFE.search(result) is None


def test_excerpt_limits_lines_and_squeezes_blank_runs():
    body = "un\n\n\n\ndeux\n" + "\n".join(f"l{i}" for i in range(50))
    result = excerpt(body, 1000, max_lines=4)
    assert result.startswith("un\n\ndeux\nl0")
    assert result.endswith("…")
    assert len(excerpt("x" * 5000, 300)) <= 300


def test_quote_prefixes_every_line():
    assert quote("a\n\nb") == "> a\n>\n> b"


def test_date_token_with_time_and_date_only():
    value = datetime(2025, 3, 4, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    unix = int(value.timestamp())
    assert date_token(value) == (
        f"<!date^{unix}^{{date_short_pretty}} {{time}}|2025-03-04 10:30+01:00>"
    )
    assert date_token(value, with_time=False) == f"<!date^{unix}^{{date_short_pretty}}|2025-03-04>"
    naive = datetime(2025, 3, 4, 10, 30)
    assert f"^{int(naive.replace(tzinfo=UTC).timestamp())}^" in date_token(naive)


def test_mention_only_for_slack_user_ids():
    assert mention("U012AB3CD") == "<@U012AB3CD>"
    assert mention("W0ENTERPRISE") == "<@W0ENTERPRISE>"
    assert mention("agent@x.gouv.fr") == "agent@x.gouv.fr"
    assert mention("<!channel>") == "&lt;!channel&gt;"


def test_dossier_url_tolerates_a_trailing_slash():
    assert (
        dossier_url("https://ds.example/", 12, 345)
        == "https://ds.example/procedures/12/dossiers/345"
    )
    assert (
        dossier_url("https://ds.example", 12, 345)
        == "https://ds.example/procedures/12/dossiers/345"
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_state_label_has_a_distinct_emoji_per_state(lang):
    labels = [state_label(s, Texts(lang)) for s in DossierState]
    assert len({label.split(" ")[0] for label in labels}) == len(DossierState)
    assert state_label("accepte", Texts("fr")) == "✅ Accepté"


def test_mrkdwn_is_verbatim_and_cut():
    obj = mrkdwn("a" * 5000).to_dict()
    assert obj["verbatim"] is True
    assert len(obj["text"]) == 3000


def test_make_message_caps_blocks_and_fallback():
    blocks: list[Block] = [SectionBlock(text=mrkdwn("x")) for _ in range(60)]
    blocks.append(DividerBlock())
    message = make_message("t" * 50_000, blocks)
    assert isinstance(message, SlackMessage)
    assert len(message.blocks) == 50
    assert len(message.text) <= 40_000
    assert message.blocks[0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "x", "verbatim": True},
    }
