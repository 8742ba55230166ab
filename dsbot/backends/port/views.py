"""What a card shows, as pure data: a backend's adapter turns its own model into these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dsbot.backends.port.capabilities import ItemLabel
from dsbot.backends.port.items import BackendName, ItemAction, ItemState

# A backend's adapter turns its own model (a DS dossier) into these, pure data and plain text,
# and the Slack builders render them (escaping, Slack's limits, date tokens) without knowing
# the backend's model. Texts are the viewer's language: the adapter takes the text catalog.


@dataclass(frozen=True)
class DetailField:
    """A labelled value of a card, one line per entry of `lines`. `personal`: it is about a
    person (the demandeur, an e-mail), never shown where not everyone may see the item."""

    label: str
    lines: tuple[str, ...]
    personal: bool = False


@dataclass(frozen=True)
class DetailDate:
    """A dated fact. `label` heads it on a card; `brief` words it in a one-line summary with
    `{date}` where the date goes ("" keeps it out of summaries); `by` who did it."""

    label: str
    at: datetime
    brief: str = ""
    by: str | None = None
    with_time: bool = True


@dataclass(frozen=True)
class DetailNotice:
    """Something to warn about, `text` with `{date}` where `at` goes."""

    text: str
    at: datetime


@dataclass(frozen=True)
class QuotedText:
    """A text someone wrote (a message, a decision's motivation), quoted as written;
    `attachments` are the files' names."""

    text: str
    author: str = ""
    at: datetime | None = None
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemPerson:
    """Someone the backend knows: `id` its own, `name` as shown (DS: the e-mail)."""

    id: str
    name: str


@dataclass(frozen=True)
class ItemDetail:
    """An item as its full card shows it, as the bot reads it (no viewer in it).

    `actions` are the card's buttons in order (the state moves first, as `ItemAction`s whose
    `target` is set); `menu` the ids of the actions a « more » menu offers whoever may act;
    `deletable_by` the people who have a message of their own they may delete, and
    `others_messages` whether anyone but the item's author wrote one (a card in a channel
    does not know who will click)."""

    backend: BackendName
    ref: str
    title: str
    kind: str
    state: ItemState
    url: str
    groupe: str = ""
    archived: bool = False
    fields: tuple[DetailField, ...] = ()
    followers: tuple[ItemPerson, ...] = ()
    labels: tuple[ItemLabel, ...] = ()
    message_count: int = 0
    dates: tuple[DetailDate, ...] = ()
    notices: tuple[DetailNotice, ...] = ()
    motivation: QuotedText | None = None
    last_message: QuotedText | None = None
    actions: tuple[ItemAction, ...] = ()
    menu: tuple[str, ...] = ()
    deletable_by: frozenset[str] = frozenset()
    others_messages: bool = False
