"""The words of a subscription, as `/ds abonner|desabonner` and `dsbot abonner|desabonner`
take them: the typed requests and their parse functions (pure, no I/O).

Shared by the Slack command (`dsbot/slack/commands/grammar.py`, which re-exports them) and the
command line (`dsbot/cli.py`), so that both follow the same rules. A refusal is an `Invalid`
naming the text key of the catalog that explains it (`dsbot/texts/`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from dsbot.backends.port import DossierState


@dataclass(frozen=True)
class Subscribe:
    demarche: int
    groupe: int | None = None
    states: tuple[str, ...] = ()  # DS's state ids (the registry's `states`)
    since: date | None = None
    # `confirmer`: subscribe even a channel with guests or shared with another organisation.
    confirmed: bool = False


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
    confirmed: bool = False  # `confirmer`, as for Subscribe


@dataclass(frozen=True)
class UnsubscribeFamily:
    backend: str
    family: str


@dataclass(frozen=True)
class Invalid:
    """Recognised subcommand, bad arguments: `error_key` names the text to show."""

    subcommand: str
    error_key: str
    params: dict[str, str] = field(default_factory=dict)


# Words for DS's states besides their ids (`en_construction`…), as people type them.
STATE_ALIASES = {
    "construction": "en_construction",
    "instruction": "en_instruction",
    "accepté": "accepte",
    "refusé": "refuse",
}


def ds_state_word(token: str) -> str | None:
    """The DS state id `token` names (an id or an alias), None when it names none."""
    state = STATE_ALIASES.get(token, token)
    return state if state in {s.value for s in DossierState} else None


# A backend's scope or workflow state (a family's logical name, a state id).
FAMILY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
NUMBER_RE = re.compile(r"^(?:n°|no|#)?(\d+)$", re.IGNORECASE)
# DS numbers are GraphQL `Int`s (32-bit signed): anything larger gets a raw GraphQL error from DS
# instead of "not found", and 0 is never a dossier, démarche or groupe.
MAX_NUMBER = 2**31 - 1


def number_word(token: str) -> int | None:
    match = NUMBER_RE.match(token)
    if match is None:
        return None
    value = int(match.group(1))
    return value if 1 <= value <= MAX_NUMBER else None


def parse_unsubscribe(args: list[str]) -> Unsubscribe | Invalid:
    number = number_word(args[0]) if len(args) == 1 else None
    if number is None:
        return Invalid("desabonner", "error.unsubscribe_usage")
    return Unsubscribe(number)


def parse_unsubscribe_family(
    backend: str, usage_key: str, args: list[str]
) -> UnsubscribeFamily | Invalid:
    if len(args) != 1 or not FAMILY_RE.match(args[0]):
        return Invalid("desabonner", usage_key)
    return UnsubscribeFamily(backend, args[0])


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
            self.groupe = number_word(value)
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


CONFIRM_WORDS = frozenset({"confirmer", "confirme", "confirmé", "confirm"})


def parse_subscribe(args: list[str]) -> Subscribe | Invalid:
    confirmed = any(a.lower() in CONFIRM_WORDS for a in args[1:])
    args = args[:1] + [a for a in args[1:] if a.lower() not in CONFIRM_WORDS]
    demarche = number_word(args[0]) if args else None
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
    return Subscribe(demarche, parsed.groupe, tuple(parsed.states), parsed.since, confirmed)


def parse_subscribe_family(
    backend: str, usage: str, state_key: str, args: list[str]
) -> SubscribeFamily | Invalid:
    """`<SCOPE> [etat <state id>…]` after `abonner <backend>`: ids as the backend spells them
    (case kept); `confirmer` anywhere after the scope, as for `/ds abonner`."""
    confirmed = any(a.lower() in CONFIRM_WORDS for a in args[1:])
    args = args[:1] + [a for a in args[1:] if a.lower() not in CONFIRM_WORDS]
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
    return SubscribeFamily(backend, family, tuple(states), confirmed)
