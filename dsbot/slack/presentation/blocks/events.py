"""Short notification messages: one reply in a dossier's channel thread per event, one
summary when many dossiers change at once, and the other messages of the outbox (alerts, the
card of a dossier gone from DS), each rendered from its typed payload."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from slack_sdk.models.blocks import Block, ContextBlock, SectionBlock

from dsbot.backends.port import ItemState
from dsbot.notifications.model import (
    AlertPayload,
    AvisGiven,
    AvisRequested,
    ChampsEdited,
    ChangeParams,
    CorrectionRequested,
    CorrectionResolved,
    Deleted,
    Deposited,
    ItemStateChanged,
    MessageReceived,
    Restored,
    StateChanged,
    SummaryPayload,
    Trashed,
    Updated,
)
from dsbot.slack import ids
from dsbot.slack.presentation.blocks.common import (
    CONTEXT_TEXT_MAX,
    SlackMessage,
    date_token,
    escape,
    escape_truncate,
    link,
    make_message,
    mention,
    mrkdwn,
    one_line,
    state_emoji,
    state_text,
)
from dsbot.slack.presentation.blocks.parts import by_text, comment_block
from dsbot.slack.presentation.html_text import to_plain
from dsbot.slack.presentation.views import ds_state, ds_states
from dsbot.texts import Texts

EVENT_DEPOSE = "depose"
EVENT_STATE_CHANGED = "state_changed"
EVENT_MESSAGE = "message"
EVENT_AVIS = "avis"
EVENT_CORRECTION = "correction"
EVENT_CORRECTION_RESOLVED = "correction_resolved"
EVENT_CHAMPS = "champs"
EVENT_TRASH = "trash"  # in DS's corbeille, still restorable
EVENT_DELETED = "deleted"  # gone for good
EVENT_RESTORED = "restored"

DELETION_REASONS = (
    "expired",
    "instructeur_request",
    "manager_request",
    "procedure_removed",
    "user_expired",
    "user_removed",
    "user_request",
)

_NAME_MAX = 200


@dataclass(frozen=True)
class _EventSpec:
    emoji: str
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()


# Every event also takes `at` (datetime), `by` (a Slack user id or an email) and `url`
# (the dossier's DS page, which the number then links to).
_COMMON = frozenset({"at", "by", "url"})

_EVENTS: dict[str, _EventSpec] = {
    EVENT_DEPOSE: _EventSpec("📥"),
    EVENT_STATE_CHANGED: _EventSpec("", required=frozenset({"state"})),
    EVENT_MESSAGE: _EventSpec("💬", required=frozenset({"author"}), optional=frozenset({"body"})),
    EVENT_AVIS: _EventSpec("🧑‍⚖️", optional=frozenset({"body"})),
    EVENT_CORRECTION: _EventSpec("✏️", optional=frozenset({"body"})),
    EVENT_CORRECTION_RESOLVED: _EventSpec("✅"),
    EVENT_CHAMPS: _EventSpec("📝"),
    EVENT_TRASH: _EventSpec("🗑️", optional=frozenset({"reason"})),
    EVENT_DELETED: _EventSpec("⛔"),
    EVENT_RESTORED: _EventSpec("♻️"),
}

EVENT_KEYS: tuple[str, ...] = tuple(_EVENTS)


def build_event_message(
    event_key: str, *, dossier_number: int, texts: Texts, **params: Any
) -> SlackMessage:
    """A one-line thread reply for `event_key` (one of EVENT_*), with an excerpt if any.

    Params: `at`, `by`, `url` for every event; `state` (a DS state id) for state_changed;
    `author` and `body` for message; `body` for avis and correction; `reason` (a DS
    DeletedDossierReason) for trash. Unknown or missing params raise TypeError: a caller's
    typo should fail in tests, not silently drop a fact.
    """
    spec = _EVENTS.get(event_key)
    if spec is None:
        raise ValueError(f"unknown event: {event_key!r}")
    allowed = spec.required | spec.optional | _COMMON
    if unknown := set(params) - allowed:
        raise TypeError(f"unexpected params for {event_key}: {sorted(unknown)}")
    if missing := spec.required - set(params):
        raise TypeError(f"missing params for {event_key}: {sorted(missing)}")

    at: datetime | None = params.get("at")
    by: str | None = params.get("by")
    url: str | None = params.get("url")
    values = {
        "number": link(url, str(dossier_number)) if url else str(dossier_number),
        "when": f" · {date_token(at)}" if at else "",
        "by": by_text(mention(by), texts) if by else "",
    }
    if event_key == EVENT_STATE_CHANGED:
        state = ds_state(str(params["state"]), texts)
        line = f"{state_emoji(state)} " + texts(f"event.state.{state.id}", **values)
    else:
        if event_key == EVENT_MESSAGE:
            values["author"] = escape_truncate(params["author"], _NAME_MAX)
        line = f"{spec.emoji} " + texts(f"event.{event_key}", **values)
        reason = params.get("reason")
        if reason:
            label = (
                texts(f"deletion_reason.{reason}")
                if reason in DELETION_REASONS
                else escape_truncate(reason, _NAME_MAX)
            )
            line += " " + texts("event.reason", reason=label)

    blocks: list[Block] = [SectionBlock(block_id=ids.BLOCK_EVENT, text=mrkdwn(line))]
    body = params.get("body")
    if body and body.strip():
        blocks.append(comment_block(ids.BLOCK_EVENT_EXCERPT, body))
        fallback = f"{line} : {escape_truncate(one_line(to_plain(body)), 150)}"
    else:
        fallback = line
    return make_message(fallback, blocks)


class ChangedDossier(Protocol):
    """What a burst summary needs of a changed dossier (a feed's summary of it)."""

    @property
    def number(self) -> int: ...

    @property
    def state(self) -> str:
        """A DS state id."""
        ...


def build_burst_summary(
    demarche_title: str,
    dossiers: Sequence[ChangedDossier],
    texts: Texts,
    limit: int = 20,
    *,
    total: int | None = None,
    counts: Mapping[str, int] | None = None,
) -> SlackMessage:
    """One message for many changes at once: counts per state and the first `limit` numbers.
    `dossiers` may be a sample of them: `total` and `counts` (per state) then say how many in
    all.

    Posting one message per dossier would flood the channel (and hit Slack's 1 msg/s rate).
    """
    title = escape_truncate(demarche_title, _NAME_MAX)
    count = len(dossiers) if total is None else total
    heading = texts("burst.title", demarche=title, count=count)
    if counts is None:
        counts = Counter(str(d.state) for d in dossiers)
    state_lines = [
        texts("burst.state_line", state=state_text(state), count=counts[state.id])
        for state in ds_states(texts)
        if counts.get(state.id)
    ]
    # The caller's order (usually the feed's), without repeats.
    numbers = list(dict.fromkeys(d.number for d in dossiers))
    shown = ", ".join(str(n) for n in numbers[: max(limit, 0)])
    numbers_line = texts("burst.numbers", numbers=shown) if shown else ""
    listed = len(numbers) if total is None else max(total, len(numbers))
    if listed > limit:
        numbers_line += " " + texts("burst.more", count=listed - max(limit, 0))

    blocks: list[Block] = [
        SectionBlock(
            block_id=ids.BLOCK_BURST_SUMMARY,
            text=mrkdwn("\n".join([f"📦 *{heading}*", *state_lines])),
        )
    ]
    if numbers_line:
        blocks.append(
            ContextBlock(
                block_id=ids.BLOCK_BURST_NUMBERS,
                elements=[mrkdwn(numbers_line, CONTEXT_TEXT_MAX)],
            )
        )
    return make_message(f"📦 {heading}", blocks)


# --- outbox rows -----------------------------------------------------------------------------


def build_change_message(
    change: ChangeParams,
    *,
    dossier_number: int,
    texts: Texts,
    url: str | None = None,
    mention: Callable[[str], str] = lambda email: email,
) -> SlackMessage:
    """The thread reply for one typed change of a dossier (`dsbot.notifications.model`).

    `url` is the dossier's DS page; `mention(email)` gives a linked instructeur's Slack user
    id (shown as a mention) or the email itself.
    """
    if isinstance(change, Updated):
        raise ValueError("an `updated` change only refreshes the card: no thread event")
    if isinstance(change, ItemStateChanged):
        return build_item_change_message(change, title=change.title, texts=texts, url=url)
    params: dict[str, Any] = {}
    if change.at is not None:
        params["at"] = change.at
    if url:
        params["url"] = url
    key, details = _CHANGE_EVENTS[type(change)]
    params.update(details(change, texts, mention))
    return build_event_message(key, dossier_number=dossier_number, texts=texts, **params)


# What a change adds to its event's text, given the texts and `mention` (see above).
_Details = Callable[[Any, Texts, Callable[[str], str]], dict[str, Any]]


def _no_details(
    change: ChangeParams, texts: Texts, mention: Callable[[str], str]
) -> dict[str, Any]:
    return {}


def _state_details(
    change: StateChanged, texts: Texts, mention: Callable[[str], str]
) -> dict[str, Any]:
    params: dict[str, Any] = {"state": change.to_state}
    if change.by:
        params["by"] = mention(change.by)
    return params


def _message_details(
    change: MessageReceived, texts: Texts, mention: Callable[[str], str]
) -> dict[str, Any]:
    params: dict[str, Any] = {"author": change.email or texts("notify.usager")}
    if change.body:
        params["body"] = change.body
    return params


def _avis_details(
    change: AvisGiven | AvisRequested, texts: Texts, mention: Callable[[str], str]
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    body = change.reponse if isinstance(change, AvisGiven) else change.question
    if body:
        params["body"] = body
    if change.expert:
        params["by"] = mention(change.expert)
    return params


def _trash_details(change: Trashed, texts: Texts, mention: Callable[[str], str]) -> dict[str, Any]:
    return {"reason": change.reason} if change.reason else {}


# Each dossier change with a thread event: its text key and what it adds to the text.
_CHANGE_EVENTS: dict[type, tuple[str, _Details]] = {
    StateChanged: (EVENT_STATE_CHANGED, _state_details),
    MessageReceived: (EVENT_MESSAGE, _message_details),
    AvisGiven: (EVENT_AVIS, _avis_details),
    AvisRequested: (EVENT_AVIS, _avis_details),
    Trashed: (EVENT_TRASH, _trash_details),
    CorrectionRequested: (EVENT_CORRECTION, _no_details),
    CorrectionResolved: (EVENT_CORRECTION_RESOLVED, _no_details),
    ChampsEdited: (EVENT_CHAMPS, _no_details),
    Deleted: (EVENT_DELETED, _no_details),
    Restored: (EVENT_RESTORED, _no_details),
    Deposited: (EVENT_DEPOSE, _no_details),
}


def build_outbox_summary(payload: SummaryPayload, texts: Texts) -> SlackMessage:
    """The burst summary of a `summary` outbox row."""
    title = payload.demarche_title or texts("notify.demarche", number=payload.demarche)
    return build_burst_summary(
        title, list(payload.dossiers), texts, total=payload.count, counts=payload.state_counts
    )


def build_alert(payload: AlertPayload, texts: Texts) -> SlackMessage:
    """An operational message (a channel paused, DS down...)."""
    text = texts(payload.text_key, **payload.params)
    return make_message(text, [SectionBlock(text=mrkdwn(text))])


def build_gone_card(number: int, texts: Texts) -> SlackMessage:
    """What a dossier's card becomes once the dossier is no longer visible in DS: no buttons
    left to click."""
    text = texts("notify.card_gone", number=number)
    return make_message(text, [SectionBlock(text=mrkdwn(text))])


def build_item_change_message(
    change: ItemStateChanged, *, title: str, texts: Texts, url: str | None = None
) -> SlackMessage:
    """The thread reply for a state change of another backend's item (a Dynacase document),
    made in Slack or in the backend's own interface: the state's sign, who, the link and the
    comment are rendered as a dossier's are."""
    state = ItemState(change.to_state, change.to_label or change.to_state, change.to_color or "")
    from_label = change.from_label or change.from_state
    key = "notify.item.state_from" if from_label else "notify.item.state"
    text = f"{state_emoji(state)} " + texts(
        key, title=escape(title), state=escape(state.label), previous=escape(from_label or "")
    )
    if change.by:
        text += by_text(escape(change.by), texts)
    # No date: Dynacase's are in its server's local time, and the reply's own time says when.
    if url:
        text += " · " + link(url, texts("notify.item.open"))
    blocks: list[Block] = [SectionBlock(text=mrkdwn(text))]
    if change.comment and change.comment.strip():
        blocks.append(comment_block(None, change.comment))
    return make_message(text, blocks)
