"""The App Home tab: « Mes dossiers » for a linked instructeur, how to get linked otherwise.

Pure builders: they receive what `dsbot.services.home` read from the local index and return a
`views.publish` view (at most 100 blocks, docs/slack.md "Block Kit limits"). Lines carry only
the number, the démarche, the state and its age: the demandeur stays on the card, which is
opened by its button for whoever may see it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from dsbot.notifications.model import Mode
from dsbot.services.home import MAX_LINES_PER_SECTION, HomeData, HomeSection, HomeState
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.common import (
    BUTTON_TEXT_MAX,
    HEADER_TEXT_MAX,
    date_token,
    escape_truncate,
    mrkdwn,
    plain,
    state_label,
)
from dsbot.store.index import IndexEntry
from dsbot.texts import Texts

MAX_HOME_BLOCKS = 100
FILTERS = ("", "en_construction", "en_instruction", "termine")
DEMARCHE_TITLE_MAX = 80
PERSONAL_MODES = tuple(m.value for m in Mode)


def age_text(since: datetime, now: datetime, texts: Texts) -> str:
    days = max((now - since).days, 0)
    return texts("home.age.today") if days == 0 else texts("home.age.days", days=days)


def entry_line(entry: IndexEntry, now: datetime, texts: Texts) -> str:
    demarche = escape_truncate(
        entry.demarche_title or texts("notify.demarche", number=entry.demarche_number),
        DEMARCHE_TITLE_MAX,
    )
    return texts(
        "home.line",
        number=entry.number,
        demarche=demarche,
        state=state_label(entry.state, texts),
        age=age_text(entry.state_since, now, texts),
    )


def _filter_option(value: str, texts: Texts) -> Option:
    label = texts("home.filter." + (value or "open"))
    return Option(value=value or "open", text=plain(label, 75))


def _section_blocks(section: HomeSection, now: datetime, texts: Texts) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(
            block_id=f"home_{section.name}",
            text=plain(
                f"{texts('home.section.' + section.name)} ({section.total})", HEADER_TEXT_MAX
            ),
        )
    ]
    if not section.entries:
        blocks.append(SectionBlock(text=mrkdwn(texts("home.section.empty"))))
    for entry in section.entries:
        blocks.append(
            SectionBlock(
                block_id=f"home_{section.name}_{entry.number}",
                text=mrkdwn(entry_line(entry, now, texts)),
                accessory=ButtonElement(
                    action_id=ids.ACTION_HOME_OPEN,
                    text=plain(texts("home.open"), BUTTON_TEXT_MAX),
                    value=ids.encode_ref(entry.number),
                ),
            )
        )
    left = section.total - len(section.entries)
    if left > 0:
        if len(section.entries) < MAX_LINES_PER_SECTION:
            blocks.append(
                ActionsBlock(
                    block_id=f"home_more_{section.name}",
                    elements=[
                        ButtonElement(
                            action_id=ids.ACTION_HOME_MORE,
                            text=plain(texts("home.more", left=left), BUTTON_TEXT_MAX),
                            value=section.name,
                        )
                    ],
                )
            )
        else:
            blocks.append(ContextBlock(elements=[mrkdwn(texts("home.capped", left=left))]))
    return blocks


def search_box(texts: Texts) -> Block:
    """The Home's search box: Enter sends what was typed (`ids.ACTION_HOME_SEARCH`)."""
    return InputBlock(
        block_id=ids.BLOCK_HOME_SEARCH,
        label=plain(texts("search.box.label"), 2000),
        dispatch_action=True,
        optional=True,
        element=PlainTextInputElement(
            action_id=ids.ACTION_HOME_SEARCH,
            placeholder=plain(texts("search.box.placeholder"), 150),
            dispatch_action_config={"trigger_actions_on": ["on_enter_pressed"]},
        ),
    )


def build_home(
    data: HomeData, now: datetime, texts: Texts, results: list[Block] | None = None
) -> dict[str, Any]:
    """The Home of someone who may see dossiers (a linked instructeur, or an admin);
    `results`: a search's lines, shown under the search box."""
    selected = data.state.state_filter
    blocks: list[Block] = [
        HeaderBlock(text=plain(texts("home.title"), HEADER_TEXT_MAX)),
        ActionsBlock(
            block_id=ids.BLOCK_HOME_FILTER,
            elements=[
                StaticSelectElement(
                    action_id=ids.ACTION_HOME_FILTER,
                    placeholder=plain(texts("home.filter.placeholder"), 150),
                    options=[_filter_option(v, texts) for v in FILTERS],
                    initial_option=_filter_option(selected, texts),
                )
            ],
        ),
        ContextBlock(
            block_id=ids.BLOCK_HOME_FRESHNESS,
            elements=[
                mrkdwn(
                    texts("home.fresh", at=date_token(data.fresh_at))
                    if data.fresh_at is not None
                    else texts("home.never")
                )
            ],
        ),
    ]
    if data.sees_all:
        blocks.append(ContextBlock(elements=[mrkdwn(texts("home.admin"))]))
    blocks.append(search_box(texts))
    blocks.extend(results or ())
    for section in data.sections:
        blocks.append(DividerBlock())
        blocks.extend(_section_blocks(section, now, texts))
    notify = _notification_blocks(data.notifications, texts)
    return _view([*blocks[: MAX_HOME_BLOCKS - len(notify)], *notify], data.state)


def _notification_blocks(modes: tuple[tuple[str, str], ...], texts: Texts) -> list[Block]:
    """Personal notifications: one select per topic (instantané, quotidien, aucune)."""
    if not modes:
        return []
    blocks: list[Block] = [
        DividerBlock(),
        SectionBlock(block_id=ids.BLOCK_HOME_NOTIFY, text=mrkdwn(texts("personal.home"))),
    ]
    for topic, current in modes:
        options = [
            Option(value=f"{topic}:{mode}", text=plain(texts(f"personal.mode.{mode}"), 75))
            for mode in PERSONAL_MODES
        ]
        blocks.append(
            SectionBlock(
                block_id=f"{ids.BLOCK_HOME_NOTIFY}_{topic}",
                text=mrkdwn(texts(f"personal.topic.{topic}")),
                accessory=StaticSelectElement(
                    action_id=ids.ACTION_HOME_NOTIFY,
                    options=options,
                    initial_option=next(o for o in options if o.value == f"{topic}:{current}"),
                ),
            )
        )
    return blocks


def build_home_unlinked(reason: str, texts: Texts) -> dict[str, Any]:
    """How to get linked; `reason` is already a text of the catalog (why there is no link)."""
    blocks: list[Block] = [
        HeaderBlock(text=plain(texts("home.title"), HEADER_TEXT_MAX)),
        SectionBlock(block_id="home_unlinked", text=mrkdwn(texts("home.unlinked", reason=reason))),
    ]
    return _view(blocks, HomeState())


def build_home_note(note: str, texts: Texts) -> dict[str, Any]:
    """The tab when it could not be read again: only `note` (a text of the catalog)."""
    blocks: list[Block] = [
        HeaderBlock(text=plain(texts("home.title"), HEADER_TEXT_MAX)),
        SectionBlock(block_id="home_note", text=mrkdwn(note)),
    ]
    return _view(blocks, HomeState())


def build_home_guest(texts: Texts) -> dict[str, Any]:
    blocks: list[Block] = [
        HeaderBlock(text=plain(texts("home.title"), HEADER_TEXT_MAX)),
        SectionBlock(block_id="home_guest", text=mrkdwn(texts("home.guest"))),
    ]
    return _view(blocks, HomeState())


def _view(blocks: list[Block], state: HomeState) -> dict[str, Any]:
    return View(type="home", blocks=blocks, private_metadata=state.dumps()).to_dict()
