"""Log lines are events with fields, in text or JSON; the libraries are held at WARNING; no
product module logs free text (issue 18, part 4)."""

from __future__ import annotations

import ast
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsbot import logs
from dsbot.config import ConfigError, Settings
from dsbot.slack.app import DropBoltNoise

PACKAGE = Path(logs.__file__).parent
EVENT_NAME = re.compile(r"[a-z_]+(\.[a-z_]+)+")
LOG_METHODS = {"debug", "info", "warning", "error", "exception"}


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """The root logger configured as a command does, writing to a buffer; restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    libraries = {name: logging.getLogger(name).level for name in logs.LIBRARY_LOGGERS}
    buffer = io.StringIO()
    yield buffer
    root.handlers[:], level = saved
    root.setLevel(level)
    for name, lib_level in libraries.items():
        logging.getLogger(name).setLevel(lib_level)


def configure(stream: io.StringIO, level: int, fmt: str, secrets: tuple[str, ...] = ()) -> None:
    logs.configure(level, fmt, secrets)
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]


def test_json_lines_carry_time_level_event_and_fields(stream):
    configure(stream, logging.DEBUG, "json", secrets=("ds-secret-value",))
    log = logs.get_logger("dsbot.test.logs")
    log.warning("feed.failed", feed="ds:42", retry_in_s=30, reason="token ds-secret-value")
    log.debug("ds.request_ok", operation="get_dossier", ms=12, message="kept apart")
    try:
        raise RuntimeError("xoxb-1-leaked")
    except RuntimeError:
        log.exception("job.failed", job="show_dossier")
    first, second, third = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "feed.failed" and first["level"] == "WARNING"
    assert first["feed"] == "ds:42" and first["retry_in_s"] == 30
    assert first["logger"] == "dsbot.test.logs" and first["time"].endswith("+00:00")
    assert first["reason"] == "token ***"
    # A field never hides the line's own keys.
    assert second["message_"] == "kept apart" and "message" not in second
    assert third["event"] == "job.failed" and "RuntimeError" in third["exception"]
    assert "xoxb-1-leaked" not in stream.getvalue()


def test_text_lines_read_as_event_then_fields(stream):
    configure(stream, logging.INFO, "text")
    log = logs.get_logger("dsbot.test.logs")
    log.info("outbox.dead", row=7, error="channel not found", empty="")
    log.debug("not.shown")
    [line] = stream.getvalue().splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO dsbot.test.logs: "
        r'outbox.dead row=7 error="channel not found" empty=""',
        line,
    ), line


def test_library_lines_are_events_too_and_held_at_warning(stream):
    configure(stream, logging.DEBUG, "json")
    for name in logs.LIBRARY_LOGGERS:
        logging.getLogger(name).info("GET https://slack.com/api/chat.postMessage 200")
    logging.getLogger("httpx").warning("something odd")
    [line] = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert line == {**line, "event": "library", "logger": "httpx", "message": "something odd"}
    # A level above WARNING holds them there too.
    logs.configure(logging.ERROR, "json")
    assert logging.getLogger("slack_sdk").level == logging.ERROR


def test_bolt_no_longer_warns_about_token_at_every_start():
    noise = logging.LogRecord(
        "dsbot.bolt", logging.WARNING, "", 0, DropBoltNoise.TOKEN_UNUSED, (), None
    )
    other = logging.LogRecord("dsbot.bolt", logging.WARNING, "", 0, "Unhandled request", (), None)
    assert not DropBoltNoise().filter(noise)
    assert DropBoltNoise().filter(other)


def test_log_settings_are_read_and_checked():
    assert Settings.from_mapping({}).log_level is None
    assert Settings.from_mapping({}).log_format == "text"
    settings = Settings.from_mapping({"DSBOT_LOG_LEVEL": "debug", "DSBOT_LOG_FORMAT": "JSON"})
    assert (settings.log_level, settings.log_format) == (logging.DEBUG, "json")
    with pytest.raises(ConfigError) as refused:
        Settings.from_mapping({"DSBOT_LOG_LEVEL": "verbose", "DSBOT_LOG_FORMAT": "xml"})
    assert [p.split(" ")[0] for p in refused.value.problems] == [
        "DSBOT_LOG_LEVEL",
        "DSBOT_LOG_FORMAT",
    ]


def _log_calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOG_METHODS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("log", "logger")
        ):
            yield node


def test_every_event_is_documented():
    documented = (PACKAGE.parent / "docs" / "logs.md").read_text(encoding="utf-8")
    events = {
        str(call.args[0].value)
        for path in PACKAGE.rglob("*.py")
        for call in _log_calls(ast.parse(path.read_text(encoding="utf-8")))
        if call.args and isinstance(call.args[0], ast.Constant)
    }
    assert len(events) > 60
    assert sorted(e for e in events if f"| `{e}` |" not in documented) == []


def test_every_product_log_line_is_an_event_name_with_fields():
    """No module logs free text or a "key + dict": each call names an event (`area.what`)
    and passes keyword fields, through dsbot.logs."""
    offenders = []
    calls = 0
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(PACKAGE.parent)
        if "logging.getLogger(__name__)" in source:
            offenders.append(f"{where}: logging.getLogger(__name__), not dsbot.logs.get_logger")
        for call in _log_calls(ast.parse(source)):
            calls += 1
            first = call.args[0] if call.args else None
            named = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if not named or not EVENT_NAME.fullmatch(first.value) or len(call.args) > 1:  # type: ignore[union-attr]
                offenders.append(f"{where}:{call.lineno}")
    assert calls > 80  # the walk does find the calls
    assert offenders == []
