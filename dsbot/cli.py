"""The `dsbot` command line (docs/interface.md). Each command is a thin shell over a module."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import click

from dsbot.config import ConfigError, Settings
from dsbot.services.feed import PAGE_SIZE


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dsbot")
def cli() -> None:
    """dsbot: the dossiers of demarches-simplifiees.fr in Slack."""


@cli.command()
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--seed", type=int, default=None, help="Random seed, for reproducible data.")
@click.option("--demarches", type=int, default=2, show_default=True, help="Démarches to generate.")
@click.option("--dossiers", type=int, default=200, show_default=True, help="Dossiers per démarche.")
@click.option(
    "--token",
    "tokens",
    multiple=True,
    help="Accepted API token (repeatable). Default: sandbox-token.",
)
@click.option("--db", "db_path", default=None, help="SQLite file keeping the data across restarts.")
@click.option(
    "--backend",
    type=click.Choice(["ds", "dynacase"]),
    default="ds",
    show_default=True,
    help="Which API to serve: DS GraphQL, or Dynacase HTTP API 1.0 (/api/v1/).",
)
@click.pass_context
def sandbox(
    ctx: click.Context,
    port: int,
    host: str,
    seed: int | None,
    demarches: int,
    dossiers: int,
    tokens: tuple[str, ...],
    db_path: str | None,
    backend: str,
) -> None:
    """A local DS-compatible GraphQL API with realistic generated data (or, with
    --backend dynacase, a Dynacase-compatible HTTP API 1.0)."""
    if backend == "dynacase":
        ds_only = [
            f"--{name}"
            for name in ("demarches", "dossiers", "db")
            if ctx.get_parameter_source("db_path" if name == "db" else name)
            == click.core.ParameterSource.COMMANDLINE
        ]
        if ds_only:
            raise click.UsageError(f"{', '.join(ds_only)}: only for --backend ds")
        from dsbot.backends.dynacase.sandbox.server import run_from_cli as run_dynacase

        run_dynacase(host=host, port=port, seed=seed, tokens=tokens or ("sandbox-token",))
        return
    from dsbot.sandbox.server import run_from_cli

    run_from_cli(
        host=host,
        port=port,
        seed=seed,
        demarches=demarches,
        dossiers=dossiers,
        tokens=tokens or ("sandbox-token",),
        db_path=db_path,
    )


@cli.command()
@click.option(
    "--http", "http_mode", is_flag=True, help="Receive Slack over HTTP instead of Socket Mode."
)
@click.option("--port", type=int, default=3000, show_default=True, help="HTTP port (with --http).")
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP interface (with --http).")
def run(http_mode: bool, port: int, host: str) -> None:
    """Run the bot: Slack listeners and the notification poller.

    Socket Mode by default (no public URL needed); --http serves POST /slack/events and
    GET /healthz.
    """
    import signal
    import threading

    from dsbot.redact import setup_logging
    from dsbot.runtime import StartupError, start

    settings = load_settings()
    setup_logging(secrets=settings.secrets)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        runtime = start(settings, http=http_mode, host=host, port=port)
    except StartupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("dsbot is running (Ctrl-C to stop).", err=True)
    stop.wait()
    runtime.stop()


@cli.command()
@click.option(
    "--http", "http_mode", is_flag=True, help="Check for HTTP mode instead of Socket Mode."
)
def check(http_mode: bool) -> None:
    """Check the configuration against DS and Slack, and say how to fix what is wrong."""
    from dsbot.check import FAIL, WARN, run_checks

    settings = load_settings()
    findings = run_checks(settings, http=http_mode)
    marks = {"ok": "✔", WARN: "!", FAIL: "✘"}
    for f in findings:
        line = f"{marks[f.status]} {f.what}"
        if f.fix and f.status != "ok":
            line += f"\n    → {f.fix}"
        click.echo(line)
    failed = sum(f.status == FAIL for f in findings)
    if failed:
        raise click.ClickException(f"{failed} problem(s) found")
    click.echo("Everything looks right.")


@cli.command()
@click.option("--since", default=None, help="First day or instant (ISO 8601, UTC), included.")
@click.option("--until", default=None, help="Last day (included) or instant (excluded), UTC.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True
)
@click.option("--output", "-o", type=click.File("w"), default="-", help="File (default: stdout).")
def audit(since: str | None, until: str | None, fmt: str, output: TextIO) -> None:
    """Export the audit of actions taken from Slack, one row per attempt."""
    from dsbot.services.audit import AuditService, parse_bound
    from dsbot.store import Store

    try:
        start = parse_bound(since) if since else None
        end = parse_bound(until, end=True) if until else None
    except ValueError as exc:
        raise click.BadParameter(f"not a date: {exc}") from None
    store = Store(load_settings().db_path)
    store.migrate()
    count = AuditService(store).export(output, since=start, until=end, fmt=fmt)
    click.echo(f"{count} row(s) exported.", err=True)


@cli.command()
@click.option("--once", is_flag=True, help="Run one notification cycle, then exit.")
@click.option("-v", "--verbose", is_flag=True, help="Log warnings and progress too.")
# Advanced, for tests and benchmarks: real cycles in a process, fast and in small pages.
@click.option(
    "--pacing",
    type=float,
    default=1.0,
    show_default=True,
    help="Advanced: seconds between two posts in a channel.",
)
@click.option(
    "--page-size",
    type=click.IntRange(1, 100),
    default=PAGE_SIZE,
    show_default=True,
    help="Advanced: dossiers per DS page.",
)
def poll(once: bool, verbose: bool, pacing: float, page_size: int) -> None:
    """Poll DS for changes and deliver the notifications of subscribed channels.

    With --once (cron-friendly): one cycle, a one-line summary, exit 1 if a feed failed.
    Without it: a cycle every DSBOT_POLL_INTERVAL seconds, until Ctrl-C (no Slack listeners).
    """
    import signal
    import threading

    from dsbot.redact import setup_logging
    from dsbot.runtime import build_poller, run_once

    settings = load_settings()
    try:
        settings.require("DS_API_TOKEN", "SLACK_BOT_TOKEN")
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    # A cron job mails whatever it prints: once, only errors are logged unless asked.
    quiet = once and not verbose
    setup_logging(logging.ERROR if quiet else logging.INFO, secrets=settings.secrets)
    if once:
        report = run_once(settings, pacing=pacing, page_size=page_size)
        click.echo(report.summary())
        if not report.ok:
            failed = ", ".join(
                f"{f.key} ({type(f.error).__name__})" for f in report.feeds if not f.ok
            )
            raise click.ClickException(f"the cycle did not complete: {failed or 'see the logs'}")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    poller = build_poller(settings, pacing=pacing, page_size=page_size)
    poller.run_forever(settings.poll_interval, stop)


@cli.command()
@click.option(
    "--interval", type=float, default=3.0, show_default=True, help="Seconds between steps."
)
@click.option("--cycles", type=int, default=0, help="Stop after N steps (default: until Ctrl-C).")
@click.option("--seed", type=int, default=2026, show_default=True, help="Sandbox data seed.")
@click.option(
    "--channel", default=None, help="Slack channel id to post in, when Slack tokens are set."
)
def demo(interval: float, cycles: int, seed: int, channel: str | None) -> None:
    """The main job end to end, offline: an embedded DS sandbox, the real feed and the real
    message builders, with Slack messages rendered in the terminal (posted for real in
    --channel when SLACK_BOT_TOKEN is set)."""
    import signal
    import threading

    from dsbot.demo.run import DemoOptions, run_demo
    from dsbot.redact import setup_logging

    settings = load_settings()
    setup_logging(logging.ERROR, secrets=settings.secrets)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        summary = run_demo(
            settings,
            DemoOptions(seed=seed, interval=interval, cycles=cycles, channel=channel),
            sys.stdout,
            stop,
        )
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Fin de la démo : {summary.cycles} événement(s) dans DS, "
        f"{summary.posted} message(s) publié(s), {summary.updated} mis à jour."
    )


@cli.command()
@click.option("--channel", default=None, help="Only this channel (its id, e.g. C0123ABCD).")
@click.option("--dry-run", is_flag=True, help="Print the digests instead of posting them.")
def digest(channel: str | None, dry_run: bool) -> None:
    """Post today's digest of the subscribed channels now (cron, tests).

    Read from the bot's local index (no DS request). At most one digest per channel and day:
    a channel that already had today's is left alone.
    """
    from dsbot.redact import setup_logging
    from dsbot.runtime import run_digest

    settings = load_settings()
    if not dry_run:
        try:
            settings.require("DS_API_TOKEN", "SLACK_BOT_TOKEN")
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
    setup_logging(logging.ERROR, secrets=settings.secrets)
    for line in run_digest(settings, channel=channel, dry_run=dry_run):
        click.echo(line)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
