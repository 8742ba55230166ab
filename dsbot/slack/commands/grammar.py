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
from dataclasses import dataclass, field
from datetime import date

from dsbot.notifications.model import Mode, Topic
from dsbot.slack.presentation.views import ds_state_ids


@dataclass(frozen=True)
class ShowDossier:
    number: int


@dataclass(frozen=True)
class Subscribe:
    demarche: int
    groupe: int | None = None
    states: tuple[str, ...] = ()  # DS's state ids (the registry's `states`)
    since: date | None = None


@dataclass(frozen=True)
class Unsubscribe:
    demarche: int


@dataclass(frozen=True)
class SubscribeFamily:
    """`/ds abonner <backend> <SCOPE> [etat <state id>…]`: a channel follows a scope of a
    backend other than DS (a family of documents)."""

    backend: str
    family: str
    states: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnsubscribeFamily:
    backend: str
    family: str


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


@dataclass(frozen=True)
class Invalid:
    """Recognised subcommand, bad arguments: `error_key` names the text to show."""

    subcommand: str
    error_key: str
    params: dict[str, str] = field(default_factory=dict)


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

# Words for DS's states besides their ids (`en_construction`…), as people type them.
STATE_ALIASES = {
    "construction": "en_construction",
    "instruction": "en_instruction",
    "accepté": "accepte",
    "refusé": "refuse",
}


def ds_state_word(token: str) -> str | None:
    """The DS state id `token` names (an id or an alias), None when it names none."""
    known = ds_state_ids()
    state = STATE_ALIASES.get(token, token)
    return state if state in known else None


USER_RE = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
PLAIN_USER_ID_RE = re.compile(r"^@?([UW][A-Z0-9]{6,})$")
MAILTO_RE = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# A backend's scope or workflow state (a family's logical name, a state id).
FAMILY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
NUMBER_RE = re.compile(r"^(?:n°|no|#)?(\d+)$", re.IGNORECASE)
# DS numbers are GraphQL `Int`s (32-bit signed): anything larger gets a raw GraphQL error from DS
# instead of "not found", and 0 is never a dossier, démarche or groupe.
MAX_NUMBER = 2**31 - 1


def _number(token: str) -> int | None:
    match = NUMBER_RE.match(token)
    if match is None:
        return None
    value = int(match.group(1))
    return value if 1 <= value <= MAX_NUMBER else None


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


def parse_unsubscribe(args: list[str]) -> Unsubscribe | Invalid:
    number = _number(args[0]) if len(args) == 1 else None
    if number is None:
        return Invalid("desabonner", "error.unsubscribe_usage")
    return Unsubscribe(number)


def parse_unsubscribe_family(
    backend: str, usage_key: str, args: list[str]
) -> UnsubscribeFamily | Invalid:
    if len(args) != 1 or not FAMILY_RE.match(args[0]):
        return Invalid("desabonner", usage_key)
    return UnsubscribeFamily(backend, args[0])


def parse_list_subscriptions(args: list[str]) -> ListSubscriptions:
    # Words after a subcommand that takes none are ignored, as they always were.
    return ListSubscriptions()


def parse_whoami(args: list[str]) -> WhoAmI:
    return WhoAmI()


def parse_help(args: list[str]) -> Help:
    return Help()


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


# The words that say what the next values of `abonner <démarche> …` are, alone (`groupe 3`) or
# as a prefix (`groupe:3`), French and English.
_SUBSCRIBE_MODES = {
    "groupe": "groupe",
    "group": "groupe",
    "etat": "etat",
    "état": "etat",
    "state": "etat",
    "etats": "etat",
    "états": "etat",
    "states": "etat",
    "depuis": "depuis",
    "since": "depuis",
}
_SUBSCRIBE_PREFIXED = ("groupe", "group", "etat", "état", "state")


def _subscribe_token(token: str) -> tuple[str | None, str | None]:
    """(the mode the token names, the value it carries): `groupe` → (groupe, None),
    `groupe:3` → (groupe, 3), `3` → (None, 3)."""
    if token in _SUBSCRIBE_MODES:
        return _SUBSCRIBE_MODES[token], None
    prefix, colon, value = token.partition(":")
    if colon and prefix in _SUBSCRIBE_PREFIXED:
        return _SUBSCRIBE_MODES[prefix], value
    return None, token


@dataclass
class _SubscribeArgs:
    groupe: int | None = None
    states: list[str] = field(default_factory=list)
    since: date | None = None

    def take(self, mode: str | None, value: str) -> Invalid | None:
        """Take one value for `mode`; the refusal that names it when it is not one."""
        if mode == "groupe":
            self.groupe = _number(value)
            if self.groupe is None:
                return Invalid("abonner", "error.subscribe_groupe", {"value": value})
        elif mode == "etat":
            state = ds_state_word(value)
            if state is None:
                return Invalid("abonner", "error.subscribe_state", {"value": value})
            if state not in self.states:
                self.states.append(state)
        elif mode == "depuis":
            try:
                self.since = date.fromisoformat(value)
            except ValueError:
                return Invalid("abonner", "error.subscribe_since", {"value": value})
        else:
            return Invalid("abonner", "error.subscribe_usage")
        return None


def parse_subscribe(args: list[str]) -> Subscribe | Invalid:
    demarche = _number(args[0]) if args else None
    if demarche is None:
        return Invalid("abonner", "error.subscribe_usage")
    parsed = _SubscribeArgs()
    mode: str | None = None
    for token in (a.lower().rstrip(",") for a in args[1:]):
        named, value = _subscribe_token(token)
        mode = named or mode
        if value is None:
            continue
        refused = parsed.take(mode, value)
        if refused is not None:
            return refused
        if mode != "etat":
            mode = None  # a groupe and a date take one value; états take several
    if mode in ("groupe", "depuis"):
        return Invalid("abonner", "error.subscribe_usage")
    return Subscribe(demarche, parsed.groupe, tuple(parsed.states), parsed.since)


def parse_subscribe_family(
    backend: str, usage: str, state_key: str, args: list[str]
) -> SubscribeFamily | Invalid:
    """`<SCOPE> [etat <state id>…]` after `abonner <backend>`: ids as the backend spells them
    (case kept)."""
    if not args or not FAMILY_RE.match(args[0]):
        return Invalid("abonner", usage)
    family, rest = args[0], [a.rstrip(",") for a in args[1:]]
    states: list[str] = []
    if rest:
        head = rest[0].lower()
        if head not in ("etat", "état", "state", "etats", "états", "states") or len(rest) < 2:
            return Invalid("abonner", usage)
        for token in rest[1:]:
            if not FAMILY_RE.match(token):
                return Invalid("abonner", state_key, {"value": token})
            if token not in states:
                states.append(token)
    return SubscribeFamily(backend, family, tuple(states))
