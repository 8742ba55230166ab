"""DS message bodies (HTML from its e-mails, or plain text) as safe Slack mrkdwn."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dsbot.slack.presentation.html_text import excerpt_mrkdwn, to_mrkdwn, to_plain

# What DS writes for a state change (docs/ds-api.md, "Message bodies"): the subject in
# brackets, then the e-mail's paragraphs.
ACCEPTED = (
    "<p>[Votre dossier nº 42 a été accepté]</p>"
    "<p>Bonjour,</p>"
    "<p>Votre dossier nº 42 a bien été <strong>accepté</strong> &amp; validé.<br>"
    'Consultez <a href="https://www.demarches-simplifiees.fr/dossiers/42?a=1&amp;b=2">'
    "votre dossier</a>.</p>"
    "<p>Bonne journée,<br>\n L’équipe de la DRAC</p>"
)


def test_a_state_change_email_becomes_paragraphs_breaks_and_a_link() -> None:
    assert to_mrkdwn(ACCEPTED) == (
        "[Votre dossier nº 42 a été accepté]\n\n"
        "Bonjour,\n\n"
        "Votre dossier nº 42 a bien été accepté &amp; validé.\n"
        "Consultez <https://www.demarches-simplifiees.fr/dossiers/42?a=1&amp;b=2"
        "|votre dossier>.\n\n"
        "Bonne journée,\n"
        "L’équipe de la DRAC"
    )


def test_lists_and_dropped_tags() -> None:
    body = (
        "<div><ul><li>pièce <em>un</em></li><li>pièce deux</li></ul>"
        "<ol><li>première</li><li>seconde</li></ol>"
        "<script>alert(1)</script><style>p{}</style><img src=x>fin</div>"
    )
    assert to_mrkdwn(body) == "• pièce un\n• pièce deux\n\n1. première\n2. seconde\n\nfin"


def test_links_other_than_http_are_text_only_and_text_is_escaped() -> None:
    body = (
        '<p><a href="javascript:alert(1)">clic</a> <a href="mailto:a@b.fr">écrire</a> '
        '<a href="https://x.fr/a|b>c">un &lt;b&gt; lien</a> <a href="https://y.fr">https://y.fr</a></p>'
    )
    assert to_mrkdwn(body) == (
        "clic écrire <https://x.fr/a%7Cb%3Ec|un &lt;b&gt; lien> <https://y.fr>"
    )


def test_no_mention_survives_encoded_or_raw() -> None:
    body = "<p>&lt;!channel&gt; <!here> &lt;@U123&gt; <@U456> &#60;#C1&#62;</p>"
    out = to_mrkdwn(body)
    assert "<!" not in out and "<@" not in out and "<#" not in out
    assert "&lt;!channel&gt;" in out and "&lt;@U123&gt;" in out


def test_plain_text_is_only_escaped() -> None:
    assert to_mrkdwn("  a < b & c > d\n<!channel>  ") == "a &lt; b &amp; c &gt; d\n&lt;!channel&gt;"
    assert to_plain("a < b") == "a < b"
    # A tag a person typed, never closed, is text: only a real element makes a body HTML.
    assert to_mrkdwn("Complet <b>, voir <p> 3") == "Complet &lt;b&gt;, voir &lt;p&gt; 3"


def test_plain_version_and_excerpt() -> None:
    assert to_plain(ACCEPTED).startswith("[Votre dossier nº 42 a été accepté]\n\nBonjour,")
    assert "<" not in to_plain(ACCEPTED) and "& validé" in to_plain(ACCEPTED)
    cut = excerpt_mrkdwn(ACCEPTED, 150)
    assert len(cut) <= 150 and cut.endswith("…")
    # The cut never leaves half a link or half an entity.
    assert cut.count("<") == cut.count(">") and not re.search(r"&[a-z]*…$", cut)
    assert excerpt_mrkdwn(ACCEPTED, 1000, max_lines=2) == "[Votre dossier nº 42 a été accepté]…"


TOKEN = re.compile(r"<([^<>]*)>")
pieces = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<br>",
        "<br/>",
        "<a href='https://ok.fr/x'>",
        '<a href="javascript:x">',
        "<a href='mailto:x@y'>",
        '<a href="http://h.fr/?a=1&amp;b">',
        "</a>",
        "<ul>",
        "<li>",
        "</ul>",
        "<ol>",
        "</ol>",
        "<!channel>",
        "<!here|here>",
        "<@U0>",
        "<#C0|c>",
        "&lt;",
        "&gt;",
        "&amp;",
        "&#60;",
        "&lt;!everyone&gt;",
        "<",
        ">",
        "|",
        "&",
        "!",
        "@",
        "#",
        "<script>",
        "</script>",
        "<b>",
        "<div>",
        "<a href='slack://open'>",
        "<https://evil|x>",
        "<javascript:x|y>",
        "<a href='https://a.fr/|<!channel>'>",
    ]
)
bodies = st.lists(st.one_of(pieces, st.text(max_size=8)), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_property_no_mention_and_only_http_links(body: str) -> None:
    for out in (to_mrkdwn(body), excerpt_mrkdwn(body, 120)):
        assert "<!" not in out and "<@" not in out and "<#" not in out
        for token in TOKEN.findall(out):
            url = token.split("|", 1)[0]
            assert re.match(r"https?://", url), out
        # Every `<` opens a link token that closes; nothing else is raw.
        assert out.count("<") == len(TOKEN.findall(out))
