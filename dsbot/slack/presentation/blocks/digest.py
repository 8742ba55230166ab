"""The daily digest of a channel and `/ds resume`: one message, not one per dossier.

Lines show the number (a link to the dossier's card in the channel when there is one, else to
DS), the state and an age or a due date; never the demandeur (docs/interface.md, "Who may see
a dossier").
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, SectionBlock

from dsbot.notifications.model import CATEGORIES, DemarcheDigest, Digest, DigestLine
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.common import (
    HEADER_TEXT_MAX,
    SlackMessage,
    date_token,
    escape_truncate,
    link,
    make_message,
    mrkdwn,
    plain,
    state_label,
    state_text,
)
from dsbot.slack.presentation.blocks.home import age_text
from dsbot.slack.presentation.views import ds_states
from dsbot.texts import Texts

TITLE_MAX = 120


def _line(line: DigestLine, url: str | None, now: datetime, texts: Texts) -> str:
    label = f"n° {line.number}"
    shown = link(url, label) if url else f"*{label}*"
    state = state_label(line.state, texts)
    if line.due is not None:
        return "• " + texts("digest.line_due", link=shown, state=state, due=line.due.isoformat())
    age = age_text(line.since, now, texts)
    if line.reason:
        age = f"{age} ({texts('digest.reason.' + line.reason)})"
    return "• " + texts("digest.line", link=shown, state=state, age=age)


def _demarche_blocks(
    part: DemarcheDigest, digest: Digest, links: dict[int, str], texts: Texts
) -> list[Block]:
    title = escape_truncate(
        part.title or texts("notify.demarche", number=part.demarche_number), TITLE_MAX
    )
    counts = " · ".join(
        texts("digest.count", state=state_text(s), count=part.counts[s.id])
        for s in ds_states(texts)
        if part.counts.get(s.id)
    )
    heading = texts("digest.demarche", title=title, number=part.demarche_number)
    blocks: list[Block] = [
        SectionBlock(
            block_id=f"{ids.BLOCK_DIGEST_COUNTS}_{part.demarche_number}",
            text=mrkdwn(f"{heading}\n{counts or texts('digest.empty')}"),
        )
    ]
    for name in CATEGORIES:
        total, lines = part.categories.get(name, (0, ()))
        if not total:
            continue
        params = {"count": total, "days": digest.reminder_days}
        text = [texts(f"digest.{name}", **params)]
        text += [_line(x, links.get(x.number), digest.generated_at, texts) for x in lines]
        if total > len(lines):
            text.append(texts("digest.more", left=total - len(lines)))
        blocks.append(
            SectionBlock(
                block_id=f"digest_{name}_{part.demarche_number}", text=mrkdwn("\n".join(text))
            )
        )
    return blocks


def build_digest(digest: Digest, texts: Texts, links: dict[int, str]) -> SlackMessage:
    """`links`: the URL each listed dossier's number points to (its card, or DS)."""
    title = (
        texts("digest.title", date=digest.day.strftime("%d/%m/%Y"))
        if digest.day
        else texts("digest.title_now")
    )
    blocks: list[Block] = [
        HeaderBlock(block_id=ids.BLOCK_DIGEST_HEADER, text=plain(f"📋 {title}", HEADER_TEXT_MAX))
    ]
    for part in digest.demarches:
        blocks.extend(_demarche_blocks(part, digest, links, texts))
    if digest.fresh_at is not None:
        blocks.append(
            ContextBlock(elements=[mrkdwn(texts("digest.fresh", at=date_token(digest.fresh_at)))])
        )
    return make_message(title, blocks)
