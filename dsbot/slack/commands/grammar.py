"""The `/ds` grammar: the typed requests, and one parse function per subcommand.

See docs/interface.md, "Slash command /ds". Which word names which subcommand (French first,
English aliases) is written once, in the table of `dsbot/slack/commands/subcommands.py`.

Pure parsing, no I/O. Slack sends the text escaped (`should_escape: true` in the manifest), so
mentions arrive as `<@U123|jean>` and e-mails as `<mailto:a@b.fr|a@b.fr>`; plain forms are
accepted too, for typed-by-hand or unescaped installs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dsbot.notifications.model import Mode, Topic
from dsbot.services.subscription_words import (
    FAMILY_RE as FAMILY_RE,
)
from dsbot.services.subscription_words import (
    MAX_NUMBER as MAX_NUMBER,
)
from dsbot.services.subscription_words import (
    NUMBER_RE as NUMBER_RE,
)
from dsbot.services.subscription_words import (
    STATE_ALIASES as STATE_ALIASES,
)
from dsbot.services.subscription_words import (
    Invalid as Invalid,
)
from dsbot.services.subscription_words import (
    Subscribe as Subscribe,
)
from dsbot.services.subscription_words import (
    SubscribeFamily as SubscribeFamily,
)
from dsbot.services.subscription_words import (
    Unsubscribe as Unsubscribe,
)
from dsbot.services.subscription_words import (
    UnsubscribeFamily as UnsubscribeFamily,
)
from dsbot.services.subscription_words import (
    ds_state_word as ds_state_word,
)
from dsbot.services.subscription_words import (
    number_word as _number,
)
from dsbot.services.subscription_words import (
    parse_subscribe as parse_subscribe,
)
from dsbot.services.subscription_words import (
    parse_subscribe_family as parse_subscribe_family,
)
from dsbot.services.subscription_words import (
    parse_unsubscribe as parse_unsubscribe,
)
from dsbot.services.subscription_words import (
    parse_unsubscribe_family as parse_unsubscribe_family,
)


@dataclass(frozen=True)
class ShowDossier:
    number: int


@dataclass(frozen=True)
class ListSubscriptions:
    pass


@dataclass(frozen=True)
class WhoAmI:
    pass


@dataclass(frozen=True)
class Link:
    user_id: str
    email: str


@dataclass(frozen=True)
class Unlink:
    user_id: str


@dataclass(frozen=True)
class ShowItem:
    """`/ds <backend's word> <ref>` (`/ds document 2001`): an item's card."""

    backend: str
    ref: str


@dataclass(frozen=True)
class Connect:
    """`/ds connecter <backend>`: give one's own token of a backend that acts per person."""

    backend: str


@dataclass(frozen=True)
class Disconnect:
    backend: str


@dataclass(frozen=True)
class Summary:
    """`/ds resume [<démarche>]`: the channel's digest, now."""

    demarche: int | None = None


@dataclass(frozen=True)
class Search:
    """`/ds cherche <texte>`: dossiers by number, demandeur, SIRET, e-mail, label, démarche."""

    text: str


@dataclass(frozen=True)
class Notifications:
    """`/ds notifications [<sujet>] [instantané|quotidien|aucune]`: show or set one's personal
    notifications (every topic when none is named)."""

    mode: Mode | None = None
    topic: Topic | None = None


# The words of `/ds notifications`, French first, English beside, without accents.
MODE_WORDS: dict[str, Mode] = {
    "instantane": Mode.INSTANT,
    "instant": Mode.INSTANT,
    "quotidien": Mode.DAILY,
    "daily": Mode.DAILY,
    "aucune": Mode.NONE,
    "none": Mode.NONE,
}
TOPIC_WORDS: dict[str, Topic] = {
    "messages": Topic.MESSAGES,
    "corrections": Topic.CORRECTIONS,
    "avis": Topic.AVIS,
    "reviews": Topic.AVIS,
    "modifications": Topic.MODIFICATIONS,
    "changes": Topic.MODIFICATIONS,
    "etats": Topic.ETATS,
    "states": Topic.ETATS,
    "nouveaux": Topic.NOUVEAUX,
    "new": Topic.NOUVEAUX,
}


def _bare(word: str) -> str:
    """A word without case or accents (`Instantané` is `instantane`)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_notifications(args: list[str]) -> Notifications | Invalid:
    words = [_bare(a) for a in args]
    if not words:
        return Notifications()
    mode = MODE_WORDS.get(words[-1])
    topic = TOPIC_WORDS.get(words[0]) if len(words) == 2 else None
    if mode is None or len(words) > 2 or (len(words) == 2 and topic is None):
        return Invalid("notifications", "error.notifications_usage")
    return Notifications(mode, topic)


@dataclass(frozen=True)
class Help:
    unknown: str | None = None


# The core requests; a backend's entries may add their own (dsbot/slack/commands/table.py).
Command = (
    ShowDossier
    | Subscribe
    | Unsubscribe
    | SubscribeFamily
    | UnsubscribeFamily
    | ListSubscriptions
    | WhoAmI
    | Link
    | Unlink
    | ShowItem
    | Connect
    | Disconnect
    | Summary
    | Help
    | Invalid
)

USER_RE = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
PLAIN_USER_ID_RE = re.compile(r"^@?([UW][A-Z0-9]{6,})$")
MAILTO_RE = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _user(token: str) -> str | None:
    for pattern in (USER_RE, PLAIN_USER_ID_RE):
        match = pattern.match(token)
        if match:
            return match.group(1)
    return None


def _email(token: str) -> str | None:
    match = MAILTO_RE.match(token)
    candidate = match.group(1) if match else token
    return candidate if EMAIL_RE.match(candidate) else None


# One function per subcommand, from its argument words (the subcommand's own word and, for a
# qualified form such as `abonner <backend>`, the qualifier already taken off) to its request.
# A backend's entries get its name and its text keys bound
# (dsbot/slack/commands/backend_subcommands.py).


def parse_dossier(args: list[str]) -> ShowDossier | Invalid:
    if len(args) != 1:
        return Invalid("dossier", "error.dossier_usage")
    number = _number(args[0])
    if number is None:
        return Invalid("dossier", "error.dossier_number", {"value": args[0]})
    return ShowDossier(number)


def parse_list_subscriptions(args: list[str]) -> ListSubscriptions:
    # Words after a subcommand that takes none are ignored, as they always were.
    return ListSubscriptions()


def parse_whoami(args: list[str]) -> WhoAmI:
    return WhoAmI()


def parse_help(args: list[str]) -> Help:
    return Help()


def parse_search(args: list[str]) -> Search | Invalid:
    text = " ".join(args).strip()
    if not text:
        return Invalid("cherche", "search.usage")
    return Search(text)


def parse_summary(args: list[str]) -> Summary | Invalid:
    if not args:
        return Summary()
    number = _number(args[0]) if len(args) == 1 else None
    if number is None:
        return Invalid("resume", "error.summary_usage")
    return Summary(number)


def parse_show(
    backend: str,
    word: str,
    ref_re: re.Pattern[str],
    usage_key: str,
    ref_key: str,
    args: list[str],
) -> ShowItem | Invalid:
    if len(args) != 1:
        return Invalid(word, usage_key)
    if not ref_re.match(args[0]):
        return Invalid(word, ref_key, {"value": args[0]})
    return ShowItem(backend, args[0])


def _personal_backend(sub: str, backends: tuple[str, ...], args: list[str]) -> str | Invalid:
    backend = args[0].lower() if len(args) == 1 else ""
    if backend not in backends:
        return Invalid(sub, f"error.{sub}_usage")
    return backend


def parse_connect(backends: tuple[str, ...], args: list[str]) -> Connect | Invalid:
    """`connecter <backend>`, one of `backends` (those a person connects to with their own
    credential)."""
    backend = _personal_backend("connecter", backends, args)
    return backend if isinstance(backend, Invalid) else Connect(backend)


def parse_disconnect(backends: tuple[str, ...], args: list[str]) -> Disconnect | Invalid:
    backend = _personal_backend("deconnecter", backends, args)
    return backend if isinstance(backend, Invalid) else Disconnect(backend)


def parse_link(args: list[str]) -> Link | Invalid:
    if len(args) != 2:
        return Invalid("lier", "error.link_usage")
    user_id, email = _user(args[0]), _email(args[1])
    if user_id is None:
        return Invalid("lier", "error.link_user", {"value": args[0]})
    if email is None:
        return Invalid("lier", "error.link_email", {"value": args[1]})
    return Link(user_id, email.lower())


def parse_unlink(args: list[str]) -> Unlink | Invalid:
    unlinked = _user(args[0]) if len(args) == 1 else None
    if unlinked is None:
        return Invalid("delier", "error.unlink_usage")
    return Unlink(unlinked)
