"""Log lines as events: a name and fields, in text or JSON (`DSBOT_LOG_FORMAT`).

Product code logs through `get_logger(__name__)`: `log.warning("feed.failed", feed=key,
error=…)`. The record's message is the text form (`feed.failed feed=ds:123 error=…`), so that
any handler, pytest's included, shows something readable; the event and its fields ride on the
record for the JSON formatter, which writes one object per line: `time`, `level`, `logger`,
`event`, then the fields. Lines of the libraries (httpx, Bolt…) have no event of their own:
they come out as the event `library` with their `message`.

Fields carry identifiers (dossier numbers, Slack ids, channel ids, error kinds), never a token,
a message's text, an e-mail or a name; both formatters redact known secrets on the way out as a
last guard (`dsbot.redact`). The libraries log each request at INFO and their request bodies at
DEBUG: they are held at WARNING whatever `DSBOT_LOG_LEVEL` says.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from dsbot.redact import redact

EVENT_ATTR = "dsbot_event"
FIELDS_ATTR = "dsbot_fields"
LIBRARY_EVENT = "library"
FORMATS = ("text", "json")
LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
}
# "dsbot.bolt" is Bolt's own logger, named under dsbot by dsbot.slack.app.
LIBRARY_LOGGERS = (
    "httpx",
    "httpcore",
    "slack_bolt",
    "slack_sdk",
    "urllib3",
    "waitress",
    "dsbot.bolt",
)
RESERVED = ("time", "level", "logger", "event", "message", "exception")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

FieldValue = str | int | float | bool | None


def _plain(value: Any) -> FieldValue:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def render(event: str, fields: Mapping[str, FieldValue]) -> str:
    """`event k=v k2="v with spaces"`: the text form of an event."""
    parts = [event]
    for key, value in fields.items():
        text = "" if value is None else str(value)
        if not text or any(c.isspace() or c in '"=' for c in text):
            text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{key}={text}")
    return " ".join(parts)


class EventLogger:
    """A logger whose every line is an event name with fields."""

    def __init__(self, name: str) -> None:
        self.logger = logging.getLogger(name)

    def debug(self, event: str, /, **fields: Any) -> None:
        self._log(logging.DEBUG, event, fields)

    def info(self, event: str, /, **fields: Any) -> None:
        self._log(logging.INFO, event, fields)

    def warning(self, event: str, /, **fields: Any) -> None:
        self._log(logging.WARNING, event, fields)

    def error(
        self, event: str, /, *, exc_info: BaseException | bool = False, **fields: Any
    ) -> None:
        self._log(logging.ERROR, event, fields, exc_info)

    def exception(self, event: str, /, **fields: Any) -> None:
        """At ERROR, with the exception being handled (its traceback, redacted)."""
        self._log(logging.ERROR, event, fields, True)

    def _log(
        self,
        level: int,
        event: str,
        fields: dict[str, Any],
        exc_info: BaseException | bool = False,
    ) -> None:
        if not self.logger.isEnabledFor(level):
            return
        # A field never hides the line's own keys (a `message` field becomes `message_`).
        plain = {
            (f"{key}_" if key in RESERVED else key): _plain(value) for key, value in fields.items()
        }
        self.logger.log(
            level,
            render(event, plain),
            exc_info=exc_info or None,
            extra={EVENT_ATTR: event, FIELDS_ATTR: plain},
            stacklevel=3,
        )


def get_logger(name: str) -> EventLogger:
    return EventLogger(name)


def _exception_text(record: logging.LogRecord) -> str | None:
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    return record.exc_text or None


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: event k=v…`, with every known secret redacted."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(TEXT_FORMAT)
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, event, then fields."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def _clean(self, value: FieldValue) -> FieldValue:
        return redact(value, self.secrets) if isinstance(value, str) else value

    def format(self, record: logging.LogRecord) -> str:
        event = getattr(record, EVENT_ATTR, None)
        line: dict[str, FieldValue] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": event or LIBRARY_EVENT,
        }
        if event is None:
            line["message"] = record.getMessage()
        else:
            fields: Mapping[str, FieldValue] = getattr(record, FIELDS_ATTR, {})
            line.update({k: v for k, v in fields.items() if k not in line})
        exception = _exception_text(record)
        if exception:
            line["exception"] = exception
        return json.dumps(
            {key: self._clean(value) for key, value in line.items()}, ensure_ascii=False
        )


def parse_level(raw: str) -> int | None:
    """A level's number from its name (any case), or None."""
    return LEVELS.get(raw.strip().upper())


def configure(level: int = logging.INFO, fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once: one handler on stderr in `fmt`, the libraries held at
    WARNING (or `level`, when higher)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else TextFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
