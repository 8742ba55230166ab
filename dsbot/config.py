"""Settings from the process environment and `.env` (names fixed by docs/interface.md)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import time as clock_time
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from dsbot.logs import FORMATS as LOG_FORMATS
from dsbot.logs import LEVELS as LOG_LEVELS

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DS_API_URL = "https://demarche.numerique.gouv.fr/api/v2/graphql"
SECRET_FIELDS = (
    "slack_bot_token",
    "slack_signing_secret",
    "slack_app_token",
    "ds_api_token",
    "dynacase_token",
    "secret_key",
)
DYNACASE_API_SUFFIX = "/api/v1/"
LANGUAGES = ("fr", "en")
# DS numbers are GraphQL `Int`s (32-bit signed).
MAX_DS_NUMBER = 2**31 - 1
# The prefix and then something: "xoxb-" alone, pasted half, passed before.
_TOKEN_BODY = r"[A-Za-z0-9][A-Za-z0-9-]*"
TOKEN_FORMATS = {
    "SLACK_BOT_TOKEN": (re.compile(f"xoxb-{_TOKEN_BODY}"), "un jeton de bot xoxb-…"),
    "SLACK_APP_TOKEN": (re.compile(f"xapp-{_TOKEN_BODY}"), "un jeton d’application xapp-…"),
}
CONFIG_HELP = "voir le README, section « Configuration »"


class ConfigError(Exception):
    """Missing or invalid settings: one line per problem, each naming its variable.

    Operators fix a configuration in one go only if every problem is reported at once.
    """

    def __init__(self, *problems: str) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    ds_api_url: str = DEFAULT_DS_API_URL
    ds_api_token: str | None = None
    db_path: str = "./dsbot.db"
    poll_interval: float = 60.0
    admins: frozenset[str] = field(default_factory=frozenset)
    lang: str = "fr"
    # Extension: where operational alerts go (DS down, expired token...). Empty: nowhere.
    ops_channel: str | None = None
    # Extension: démarches whose instructeurs are matched for automatic linking. DS cannot list
    # a token's démarches, so dsbot also learns them from subscriptions and opened dossiers.
    demarches: tuple[int, ...] = ()
    # Extension: port of GET /healthz in Socket Mode (0 disables it).
    health_port: int = 8080
    # The Dynacase backend: both set, or neither (off).
    dynacase_api_url: str | None = None
    dynacase_token: str | None = None
    # Encrypts people's own backend tokens at rest (a Fernet key); checked where it is used.
    secret_key: str | None = None
    # Daily digest of subscribed channels: local time in Europe/Paris (None: no digest), and
    # how many days a dossier may wait before the digest lists it.
    digest_time: clock_time | None = clock_time(9, 0)
    reminder_days: int = 7
    # /readyz answers 503 once the oldest row of the outbox has waited longer (seconds).
    outbox_max_age: float = 1800.0
    # DSBOT_LOG_LEVEL (None: the command's own default, INFO for run) and DSBOT_LOG_FORMAT.
    log_level: int | None = None
    log_format: str = "text"
    # Data retention (docs/privacy.md): days after which a closed dossier's local data and
    # channel messages are reduced (None: kept), and what a channel card shows ("full" or
    # "minimal": no demandeur name, e-mail or SIRET).
    retention_days: int | None = None
    channel_detail: str = "full"
    # Personal notifications: how long the events of one dossier are gathered into one direct
    # message (seconds).
    notifications_window: int = 300

    def __repr__(self) -> str:
        # Secrets must never reach a log line, even through an accidental repr().
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_FIELDS and value:
                value = "***"
            parts.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(parts)})"

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secret values in use, for redaction."""
        return tuple(v for v in (getattr(self, n) for n in SECRET_FIELDS) if v)

    @property
    def ds_web_base(self) -> str:
        """The DS web host (for "Voir dans DS" links), derived from the API URL."""
        url = self.ds_api_url
        marker = "/api/v2/graphql"
        return url[: url.index(marker)] if marker in url else url.rstrip("/")

    def require(self, *names: str) -> None:
        """Raise ConfigError naming every missing variable among `names` (env names)."""
        missing = [name for name in names if not getattr(self, ENV_TO_FIELD[name])]
        if missing:
            raise ConfigError(*(_missing(name) for name in missing))

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        dotenv_path: str | Path | None = ".env",
        *,
        required: Iterable[str] = (),
    ) -> Settings:
        """Read settings; the process environment wins over `.env`. Every problem (unreadable
        `.env` line, invalid value, missing `required` variable) is in one ConfigError."""
        env: dict[str, str] = {}
        problems: list[str] = []
        if dotenv_path is not None and Path(dotenv_path).is_file():
            try:
                problems += dotenv_problems(dotenv_path)
                env.update(_read_dotenv(dotenv_path))
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{dotenv_path} : fichier illisible ({type(exc).__name__})")
        env.update(os.environ if environ is None else environ)
        try:
            settings = cls.from_mapping(env, required=required)
        except ConfigError as exc:
            problems += exc.problems
        if problems:
            raise ConfigError(*problems)
        return settings

    @classmethod
    def from_mapping(cls, env: Mapping[str, str], *, required: Iterable[str] = ()) -> Settings:
        problems: list[str] = []

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        problems += [_missing(name) for name in required if not get(name)]

        for name, (pattern, what) in TOKEN_FORMATS.items():
            token = get(name)
            # The token itself is never echoed: it is a secret, even when malformed.
            if token and not pattern.fullmatch(token):
                problems.append(f"{name} doit être {what} complet ({CONFIG_HELP})")
        bot_token, app_token = get("SLACK_BOT_TOKEN"), get("SLACK_APP_TOKEN")

        slack_api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        ds_api_url = get("DS_API_URL") or DEFAULT_DS_API_URL
        for name, url in (("SLACK_API_URL", slack_api_url), ("DS_API_URL", ds_api_url)):
            if not _is_http_url(url):
                problems.append(f"{name} doit être une URL http(s) avec un hôte, pas {url!r}")

        poll_interval = _poll_interval(get("DSBOT_POLL_INTERVAL") or "60", problems)

        lang = (get("DSBOT_LANG") or "fr").lower()
        if lang not in LANGUAGES:
            problems.append(f"DSBOT_LANG doit valoir {' ou '.join(LANGUAGES)}, pas {lang!r}")

        demarches = _demarches(get("DSBOT_DEMARCHES") or "", problems)
        raw_health = get("DSBOT_HEALTH_PORT") or "8080"
        if not raw_health.isdigit() or int(raw_health) > 65535:
            problems.append(
                "DSBOT_HEALTH_PORT doit être un numéro de port (0 le désactive),"
                f" pas {raw_health!r}"
            )
        dynacase_api_url, dynacase_token = get("DYNACASE_API_URL"), get("DYNACASE_TOKEN")
        problems += _dynacase_problems(dynacase_api_url, dynacase_token)
        digest_time: clock_time | None = None
        reminder_days, window = 7, 300
        try:
            digest_time = _digest_time(env.get("DSBOT_DIGEST_TIME"))
        except ConfigError as exc:
            problems += exc.problems
        try:
            reminder_days = _reminder_days(get("DSBOT_REMINDER_DAYS"))
            window = _seconds("DSBOT_NOTIFICATIONS_WINDOW", get("DSBOT_NOTIFICATIONS_WINDOW"), 300)
        except ConfigError as exc:
            problems += exc.problems
        outbox_max_age = _outbox_max_age(get("DSBOT_OUTBOX_MAX_AGE"), problems)
        log_level, log_format = _log_settings(get("DSBOT_LOG_LEVEL"), get("DSBOT_LOG_FORMAT"))
        problems += _log_problems(get("DSBOT_LOG_LEVEL"), get("DSBOT_LOG_FORMAT"))
        retention_days, channel_detail = _privacy(get, problems)
        if problems:
            raise ConfigError(*problems)

        admins = frozenset(a.strip() for a in (get("DSBOT_ADMINS") or "").split(",") if a.strip())
        return cls(
            slack_bot_token=bot_token,
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=app_token,
            slack_api_url=slack_api_url.rstrip("/") + "/",
            ds_api_url=ds_api_url,
            ds_api_token=get("DS_API_TOKEN"),
            db_path=get("DSBOT_DB") or "./dsbot.db",
            poll_interval=poll_interval,
            admins=admins,
            lang=lang,
            ops_channel=get("DSBOT_OPS_CHANNEL"),
            demarches=demarches,
            health_port=int(raw_health),
            dynacase_api_url=dynacase_api_url,
            dynacase_token=dynacase_token,
            secret_key=get("DSBOT_SECRET_KEY"),
            digest_time=digest_time,
            reminder_days=reminder_days,
            outbox_max_age=outbox_max_age,
            log_level=log_level,
            log_format=log_format,
            retention_days=retention_days,
            channel_detail=channel_detail,
            notifications_window=window,
        )


def _digest_time(raw: str | None) -> clock_time | None:
    """DSBOT_DIGEST_TIME: HH:MM (Paris time); unset means 09:00, set but empty turns it off."""
    if raw is None:
        return clock_time(9, 0)
    raw = raw.strip()
    if not raw:
        return None
    hours, sep, minutes = raw.partition(":")
    if (
        sep
        and hours.isdigit()
        and minutes.isdigit()
        and len(minutes) == 2
        and int(hours) < 24
        and int(minutes) < 60
    ):
        return clock_time(int(hours), int(minutes))
    raise ConfigError(
        "DSBOT_DIGEST_TIME doit être une heure HH:MM (par exemple 09:00), ou vide pour désactiver"
        f" le résumé, pas {raw!r}"
    )


def _outbox_max_age(raw: str | None, problems: list[str]) -> float:
    """DSBOT_OUTBOX_MAX_AGE: seconds (≥ 60) a row may wait in the outbox before /readyz fails."""
    if raw is None:
        return 1800.0
    if not raw.isdigit() or int(raw) < 60:
        problems.append(f"DSBOT_OUTBOX_MAX_AGE doit être un nombre de secondes ≥ 60, pas {raw!r}")
        return 1800.0
    return float(raw)


def _log_settings(level: str | None, fmt: str | None) -> tuple[int | None, str]:
    number = LOG_LEVELS.get(level.upper()) if level else None
    return number, (fmt or "text").lower()


def _log_problems(level: str | None, fmt: str | None) -> list[str]:
    """DSBOT_LOG_LEVEL: a level's name (any case); DSBOT_LOG_FORMAT: text or json."""
    problems = []
    if level and level.upper() not in LOG_LEVELS:
        problems.append(f"DSBOT_LOG_LEVEL doit valoir {', '.join(LOG_LEVELS)}, pas {level!r}")
    if fmt and fmt.lower() not in LOG_FORMATS:
        problems.append(f"DSBOT_LOG_FORMAT doit valoir {' ou '.join(LOG_FORMATS)}, pas {fmt!r}")
    return problems


def _seconds(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name} doit être un nombre de secondes, pas {raw!r}")
    return int(raw)


def _reminder_days(raw: str | None) -> int:
    if raw is None:
        return 7
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"DSBOT_REMINDER_DAYS doit être un nombre de jours ≥ 1, pas {raw!r}")
    return int(raw)


CHANNEL_DETAILS = ("full", "minimal")


def _privacy(get: Callable[[str], str | None], problems: list[str]) -> tuple[int | None, str]:
    """DSBOT_RETENTION_DAYS (empty: off) and DSBOT_CHANNEL_DETAIL (full, minimal)."""
    raw = (get("DSBOT_RETENTION_DAYS") or "").strip()
    days: int | None = None
    if raw:
        if raw.isdigit() and int(raw) >= 1:
            days = int(raw)
        else:
            problems.append(
                f"DSBOT_RETENTION_DAYS doit être un nombre de jours ≥ 1 (vide : pas de limite),"
                f" pas {raw!r}"
            )
    detail = (get("DSBOT_CHANNEL_DETAIL") or "full").strip().lower()
    if detail not in CHANNEL_DETAILS:
        problems.append(
            f"DSBOT_CHANNEL_DETAIL doit valoir {' ou '.join(CHANNEL_DETAILS)}, pas {detail!r}"
        )
        detail = "full"
    return days, detail


def _dynacase_problems(url: str | None, token: str | None) -> list[str]:
    """DYNACASE_API_URL and DYNACASE_TOKEN: both or neither; the URL ends with /api/v1/."""
    if url and not token:
        return [f"DYNACASE_TOKEN est requis quand DYNACASE_API_URL est donné ({CONFIG_HELP})"]
    if token and not url:
        return [f"DYNACASE_API_URL est requis quand DYNACASE_TOKEN est donné ({CONFIG_HELP})"]
    if url and not _is_http_url(url):
        return [f"DYNACASE_API_URL doit être une URL http(s) avec un hôte, pas {url!r}"]
    if url and not url.endswith(DYNACASE_API_SUFFIX):
        return [
            f"DYNACASE_API_URL doit se terminer par {DYNACASE_API_SUFFIX}"
            f" (par exemple https://ged.exemple.fr/api/v1/), pas {url!r}"
        ]
    return []


def _missing(name: str) -> str:
    return f"{name} est requis mais absent ({CONFIG_HELP})"


def _poll_interval(raw: str, problems: list[str]) -> float:
    """DSBOT_POLL_INTERVAL in seconds; a problem is noted (and 60 kept) when it is not one."""
    try:
        seconds = float(raw)
    except ValueError:
        problems.append(f"DSBOT_POLL_INTERVAL doit être un nombre de secondes, pas {raw!r}")
        return 60.0
    if not 0 < seconds < float("inf"):
        problems.append(f"DSBOT_POLL_INTERVAL doit être positif, pas {raw!r}")
    return seconds


def _demarches(raw: str, problems: list[str]) -> tuple[int, ...]:
    """DSBOT_DEMARCHES: comma-separated démarche numbers; a problem is noted for anything else."""
    items = [x for x in raw.replace(" ", "").split(",") if x]
    demarches = tuple(int(x) for x in items if x.isdigit())
    if len(demarches) != len(items) or not all(1 <= n <= MAX_DS_NUMBER for n in demarches):
        problems.append(
            "DSBOT_DEMARCHES doit être une liste de numéros de démarche séparés par des"
            f" virgules, pas {raw!r}"
        )
    return demarches


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a malformed port or IPv6 address
        return False


def _read_dotenv(path: str | Path) -> dict[str, str]:
    # python-dotenv logs each unreadable line on its own: dotenv_problems reports them instead.
    dotenv_log = logging.getLogger("dotenv.main")
    was_disabled, dotenv_log.disabled = dotenv_log.disabled, True
    try:
        return {k: v for k, v in dotenv_values(path).items() if v is not None}
    finally:
        dotenv_log.disabled = was_disabled


def dotenv_problems(path: str | Path) -> list[str]:
    """The lines of a `.env` file that python-dotenv cannot read (it only logs and skips them).
    Each problem names the file and the line, never the line's text (it may hold a secret)."""
    with open(path, encoding="utf-8") as stream:
        return [
            f"{path}, ligne {binding.original.line} : ligne illisible (attendu NOM=valeur)"
            for binding in parse_stream(stream)
            if binding.error
        ]


ENV_TO_FIELD = {
    "SLACK_BOT_TOKEN": "slack_bot_token",
    "SLACK_SIGNING_SECRET": "slack_signing_secret",
    "SLACK_APP_TOKEN": "slack_app_token",
    "SLACK_API_URL": "slack_api_url",
    "DS_API_URL": "ds_api_url",
    "DS_API_TOKEN": "ds_api_token",
    "DSBOT_DB": "db_path",
    "DSBOT_POLL_INTERVAL": "poll_interval",
    "DSBOT_ADMINS": "admins",
    "DSBOT_LANG": "lang",
    "DSBOT_OPS_CHANNEL": "ops_channel",
    "DSBOT_DEMARCHES": "demarches",
    "DSBOT_HEALTH_PORT": "health_port",
    "DYNACASE_API_URL": "dynacase_api_url",
    "DYNACASE_TOKEN": "dynacase_token",
    "DSBOT_SECRET_KEY": "secret_key",
    "DSBOT_DIGEST_TIME": "digest_time",
    "DSBOT_REMINDER_DAYS": "reminder_days",
    "DSBOT_OUTBOX_MAX_AGE": "outbox_max_age",
    "DSBOT_LOG_LEVEL": "log_level",
    "DSBOT_LOG_FORMAT": "log_format",
    "DSBOT_RETENTION_DAYS": "retention_days",
    "DSBOT_CHANNEL_DETAIL": "channel_detail",
    "DSBOT_NOTIFICATIONS_WINDOW": "notifications_window",
}


def required_for_run(http: bool) -> tuple[str, ...]:
    """What `dsbot run` cannot start without, in Socket Mode or in HTTP mode."""
    mode = "SLACK_SIGNING_SECRET" if http else "SLACK_APP_TOKEN"
    return ("SLACK_BOT_TOKEN", mode, "DS_API_TOKEN")
