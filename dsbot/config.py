"""Settings from the process environment and `.env` (names fixed by docs/interface.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import time as clock_time
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DS_API_URL = "https://demarche.numerique.gouv.fr/api/v2/graphql"
SECRET_FIELDS = (
    "slack_bot_token",
    "slack_signing_secret",
    "slack_app_token",
    "ds_api_token",
    "dynacase_token",
)
DYNACASE_API_SUFFIX = "/api/v1/"
LANGUAGES = ("fr", "en")


class ConfigError(Exception):
    """A missing or invalid setting. The message is one line and names the variable."""


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
    # Daily digest of subscribed channels: local time in Europe/Paris (None: no digest), and
    # how many days a dossier may wait before the digest lists it.
    digest_time: clock_time | None = clock_time(9, 0)
    reminder_days: int = 7

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
        """Raise ConfigError naming the first missing variable among `names` (env names)."""
        for env_name in names:
            attr = ENV_TO_FIELD[env_name]
            if not getattr(self, attr):
                raise ConfigError(f"{env_name} is required but not set (see README, Configuration)")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
    ) -> Settings:
        """Read settings; the process environment wins over `.env`."""
        env: dict[str, str] = {}
        if dotenv_path is not None and Path(dotenv_path).is_file():
            env.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        env.update(os.environ if environ is None else environ)
        return cls.from_mapping(env)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> Settings:
        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        bot_token = get("SLACK_BOT_TOKEN")
        if bot_token and not bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
        app_token = get("SLACK_APP_TOKEN")
        if app_token and not app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")

        slack_api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        ds_api_url = get("DS_API_URL") or DEFAULT_DS_API_URL
        for name, url in (("SLACK_API_URL", slack_api_url), ("DS_API_URL", ds_api_url)):
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"{name} must be an http(s) URL, got {url!r}")

        raw_interval = get("DSBOT_POLL_INTERVAL") or "60"
        try:
            poll_interval = float(raw_interval)
        except ValueError:
            raise ConfigError(
                f"DSBOT_POLL_INTERVAL must be a number of seconds, got {raw_interval!r}"
            ) from None
        if poll_interval <= 0:
            raise ConfigError(f"DSBOT_POLL_INTERVAL must be positive, got {raw_interval!r}")

        lang = (get("DSBOT_LANG") or "fr").lower()
        if lang not in LANGUAGES:
            raise ConfigError(f"DSBOT_LANG must be one of {', '.join(LANGUAGES)}, got {lang!r}")

        raw_demarches = get("DSBOT_DEMARCHES") or ""
        try:
            demarches = tuple(int(x) for x in raw_demarches.replace(" ", "").split(",") if x)
        except ValueError:
            raise ConfigError(
                f"DSBOT_DEMARCHES must be comma-separated numbers, got {raw_demarches!r}"
            ) from None
        raw_health = get("DSBOT_HEALTH_PORT") or "8080"
        if not raw_health.isdigit() or int(raw_health) > 65535:
            raise ConfigError(f"DSBOT_HEALTH_PORT must be a port number, got {raw_health!r}")

        admins = frozenset(a.strip() for a in (get("DSBOT_ADMINS") or "").split(",") if a.strip())
        dynacase_api_url, dynacase_token = _dynacase(get("DYNACASE_API_URL"), get("DYNACASE_TOKEN"))
        digest_time = _digest_time(env.get("DSBOT_DIGEST_TIME"))
        reminder_days = _reminder_days(get("DSBOT_REMINDER_DAYS"))
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
            digest_time=digest_time,
            reminder_days=reminder_days,
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
        f"DSBOT_DIGEST_TIME must be a time HH:MM (e.g. 09:00), or empty to disable, got {raw!r}"
    )


def _reminder_days(raw: str | None) -> int:
    if raw is None:
        return 7
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"DSBOT_REMINDER_DAYS must be a whole number of days ≥ 1, got {raw!r}")
    return int(raw)


def _dynacase(url: str | None, token: str | None) -> tuple[str | None, str | None]:
    """DYNACASE_API_URL and DYNACASE_TOKEN: both or neither; the URL ends with /api/v1/."""
    if url and not token:
        raise ConfigError("DYNACASE_TOKEN is required when DYNACASE_API_URL is set")
    if token and not url:
        raise ConfigError("DYNACASE_API_URL is required when DYNACASE_TOKEN is set")
    if url:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"DYNACASE_API_URL must be an http(s) URL, got {url!r}")
        if not url.endswith(DYNACASE_API_SUFFIX):
            raise ConfigError(
                f"DYNACASE_API_URL must end with {DYNACASE_API_SUFFIX} "
                f"(e.g. https://ged.example.fr/api/v1/), got {url!r}"
            )
    return url, token


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
    "DSBOT_DIGEST_TIME": "digest_time",
    "DSBOT_REMINDER_DAYS": "reminder_days",
}
