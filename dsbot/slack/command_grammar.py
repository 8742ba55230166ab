"""The `/ds` grammar: French subcommands first, English aliases.

See docs/interface.md, "Slash command /ds".

Pure parsing, no I/O. Slack sends the text escaped (`should_escape: true` in the manifest), so
mentions arrive as `<@U123|jean>` and e-mails as `<mailto:a@b.fr|a@b.fr>`; plain forms are
accepted too, for typed-by-hand or unescaped installs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from dsbot.backends.ds.models import DossierState


@dataclass(frozen=True)
class ShowDossier:
    number: int


@dataclass(frozen=True)
class Subscribe:
    demarche: int
    groupe: int | None = None
    states: tuple[DossierState, ...] = ()
    since: date | None = None


@dataclass(frozen=True)
class Unsubscribe:
    demarche: int


@dataclass(frozen=True)
class SubscribeFamily:
    """`/ds abonner dynacase <FAMILY> [etat <state id>…]`: a channel follows a family."""

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
class ShowDocument:
    """`/ds document <initid or logical name>`: a Dynacase document's card."""

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
class Help:
    unknown: str | None = None


@dataclass(frozen=True)
class Invalid:
    """Recognised subcommand, bad arguments: `error_key` names the text to show."""

    subcommand: str
    error_key: str
    params: dict[str, str] = field(default_factory=dict)


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
    | ShowDocument
    | Connect
    | Disconnect
    | Summary
    | Help
    | Invalid
)

# Backends a person connects to with their own token.
PERSONAL_BACKENDS = ("dynacase",)

ADMIN_COMMANDS = (Subscribe, Unsubscribe, SubscribeFamily, UnsubscribeFamily, Link, Unlink)
# Backends a channel can follow besides DS, by family.
FAMILY_BACKENDS = ("dynacase",)

ALIASES = {
    "dossier": "dossier",
    "abonner": "abonner",
    "subscribe": "abonner",
    "desabonner": "desabonner",
    "désabonner": "desabonner",
    "unsubscribe": "desabonner",
    "abonnements": "abonnements",
    "list": "abonnements",
    "moi": "moi",
    "whoami": "moi",
    "lier": "lier",
    "link": "lier",
    "delier": "delier",
    "délier": "delier",
    "unlink": "delier",
    "resume": "resume",
    "résumé": "resume",
    "summary": "resume",
    "aide": "aide",
    "help": "aide",
    "document": "document",
    "doc": "document",
    "connecter": "connecter",
    "connect": "connecter",
    "deconnecter": "deconnecter",
    "déconnecter": "deconnecter",
    "disconnect": "deconnecter",
}

STATE_WORDS = {s.value: s for s in DossierState} | {
    "construction": DossierState.EN_CONSTRUCTION,
    "instruction": DossierState.EN_INSTRUCTION,
    "accepté": DossierState.ACCEPTE,
    "refusé": DossierState.REFUSE,
}

USER_RE = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
PLAIN_USER_ID_RE = re.compile(r"^@?([UW][A-Z0-9]{6,})$")
MAILTO_RE = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# A Dynacase initid, or a logical name (letters, digits, underscores; no dot, which the API
# would read as a format suffix: docs/dynacase-api.md §1.3).
DOCUMENT_REF_RE = re.compile(r"^(?:[1-9]\d{0,9}|[A-Za-z][A-Za-z0-9_]{0,99})$")
# A Dynacase family or workflow state: its logical name or id (docs/dynacase-api.md §1.3).
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


def parse(text: str) -> Command:
    """Parse the text after `/ds`. Never raises: bad input becomes Invalid or Help."""
    tokens = (text or "").split()
    if not tokens:
        return Help()
    head = tokens[0].lower()
    args = tokens[1:]

    if NUMBER_RE.match(head):
        # `/ds 1234` is `/ds dossier 1234`: a bare number gets the same checks and errors.
        sub: str | None = "dossier"
        args = tokens
    else:
        sub = ALIASES.get(head)
    if sub is None:
        return Help(unknown=tokens[0])

    if sub == "dossier":
        if len(args) != 1:
            return Invalid(sub, "error.dossier_usage")
        number = _number(args[0])
        if number is None:
            return Invalid(sub, "error.dossier_number", {"value": args[0]})
        return ShowDossier(number)

    if sub == "abonner" and args and args[0].lower() in FAMILY_BACKENDS:
        return _parse_subscribe_family(args[0].lower(), args[1:])
    if sub == "abonner":
        return _parse_subscribe(args)

    if sub == "desabonner" and args and args[0].lower() in FAMILY_BACKENDS:
        if len(args) != 2 or not FAMILY_RE.match(args[1]):
            return Invalid(sub, "error.unsubscribe_dynacase_usage")
        return UnsubscribeFamily(args[0].lower(), args[1])
    if sub == "desabonner":
        number = _number(args[0]) if len(args) == 1 else None
        if number is None:
            return Invalid(sub, "error.unsubscribe_usage")
        return Unsubscribe(number)

    if sub == "abonnements":
        return ListSubscriptions()
    if sub == "moi":
        return WhoAmI()
    if sub == "aide":
        return Help()
    if sub == "resume":
        if not args:
            return Summary()
        number = _number(args[0]) if len(args) == 1 else None
        if number is None or number == 0:
            return Invalid(sub, "error.summary_usage")
        return Summary(number)

    if sub == "document":
        if len(args) != 1:
            return Invalid(sub, "error.document_usage")
        if not DOCUMENT_REF_RE.match(args[0]):
            return Invalid(sub, "error.document_ref", {"value": args[0]})
        return ShowDocument(args[0])

    if sub in ("connecter", "deconnecter"):
        backend = args[0].lower() if len(args) == 1 else ""
        if backend not in PERSONAL_BACKENDS:
            return Invalid(sub, f"error.{sub}_usage")
        return Connect(backend) if sub == "connecter" else Disconnect(backend)

    if sub == "lier":
        if len(args) != 2:
            return Invalid(sub, "error.link_usage")
        user_id, email = _user(args[0]), _email(args[1])
        if user_id is None:
            return Invalid(sub, "error.link_user", {"value": args[0]})
        if email is None:
            return Invalid(sub, "error.link_email", {"value": args[1]})
        return Link(user_id, email.lower())

    # sub == "delier"
    unlinked = _user(args[0]) if len(args) == 1 else None
    if unlinked is None:
        return Invalid(sub, "error.unlink_usage")
    return Unlink(unlinked)


def _parse_subscribe(args: list[str]) -> Command:
    demarche = _number(args[0]) if args else None
    if demarche is None:
        return Invalid("abonner", "error.subscribe_usage")
    groupe: int | None = None
    states: list[DossierState] = []
    since: date | None = None
    rest = [a.lower().rstrip(",") for a in args[1:]]
    mode: str | None = None
    for token in rest:
        if token in ("groupe", "group"):
            mode = "groupe"
            continue
        if token in ("etat", "état", "state", "etats", "états", "states"):
            mode = "etat"
            continue
        if token in ("depuis", "since"):
            mode = "depuis"
            continue
        if token.startswith(("groupe:", "group:")):
            mode, token = "groupe", token.split(":", 1)[1]
        elif token.startswith(("etat:", "état:", "state:")):
            mode, token = "etat", token.split(":", 1)[1]
        if mode == "groupe":
            number = _number(token)
            if number is None:
                return Invalid("abonner", "error.subscribe_groupe", {"value": token})
            groupe, mode = number, None
        elif mode == "etat":
            state = STATE_WORDS.get(token)
            if state is None:
                return Invalid("abonner", "error.subscribe_state", {"value": token})
            if state not in states:
                states.append(state)
        elif mode == "depuis":
            try:
                since = date.fromisoformat(token)
            except ValueError:
                return Invalid("abonner", "error.subscribe_since", {"value": token})
            mode = None
        else:
            return Invalid("abonner", "error.subscribe_usage")
    if mode in ("groupe", "depuis"):
        return Invalid("abonner", "error.subscribe_usage")
    return Subscribe(demarche, groupe, tuple(states), since)


def _parse_subscribe_family(backend: str, args: list[str]) -> Command:
    """`dynacase <FAMILY> [etat <state id>…]`: ids as Dynacase spells them (case kept)."""
    if not args or not FAMILY_RE.match(args[0]):
        return Invalid("abonner", "error.subscribe_dynacase_usage")
    family, rest = args[0], [a.rstrip(",") for a in args[1:]]
    states: list[str] = []
    if rest:
        head = rest[0].lower()
        if head not in ("etat", "état", "state", "etats", "états", "states") or len(rest) < 2:
            return Invalid("abonner", "error.subscribe_dynacase_usage")
        for token in rest[1:]:
            if not FAMILY_RE.match(token):
                return Invalid("abonner", "error.subscribe_dynacase_state", {"value": token})
            if token not in states:
                states.append(token)
    return SubscribeFamily(backend, family, tuple(states))
