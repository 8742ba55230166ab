"""The `dsbot` command line (docs/interface.md). Each command is a thin shell over a module.

Operators read the README in French: help texts and errors are French too, click's own
included (dsbot/cli_french.py; the Slack texts follow DSBOT_LANG). Identifiers and logs stay
English. Whatever goes wrong, a command ends with one French line on stderr and exit code 1,
never a traceback (`_Group.main`).
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

import click

from dsbot.cli_french import install as speak_french
from dsbot.cli_french import ngettext
from dsbot.config import ConfigError, Settings, required_for_run

if TYPE_CHECKING:
    # Imported by the commands that open the database: sqlite-utils is a third of the start-up
    # of `dsbot --help` and of the commands that do not (check opens it read-only, itself).
    from dsbot.store import DatabaseUnavailable

# dsbot.services.feed.PAGE_SIZE, DS's largest page; not imported from there, so that `dsbot --help`
# and every short command start without loading the DS client and GraphQL (tests/test_cli.py).
FEED_PAGE_SIZE = 100

speak_french()


class OperatorError(click.ClickException):
    """A reason to stop, for operators: one line per problem, exit code 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        lines = self.format_message().splitlines() or [""]
        if len(lines) == 1:
            click.echo(f"Erreur : {lines[0]}", err=True)
        else:
            click.echo(f"Erreur : {len(lines)} réglages à corriger :", err=True)
            for line in lines:
                click.echo(f"  - {line}", err=True)


def one_line(text: str) -> str:
    return " ".join(text.split())


def listen_error(exc: OSError, host: str, port: int, setting: str) -> OperatorError:
    """Why a server could not listen on host:port, and which option or variable to change."""
    if exc.errno == errno.EADDRINUSE:
        return OperatorError(f"le port {port} est déjà pris sur {host} : changez {setting}")
    return OperatorError(f"impossible d’écouter sur {host}:{port} ({exc.strerror or exc})")


class _Group(click.Group):
    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """click's standalone mode, except that every failure is one French line and exit code
        1 (click's usage errors exit 2 and span three lines; the README promises one and 1)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except OperatorError as exc:
            exc.show()
            sys.exit(1)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "dsbot"
            click.echo(
                f"Erreur : {one_line(exc.format_message())} (aide : {where} --help)", err=True
            )
            sys.exit(1)
        except click.ClickException as exc:
            click.echo(f"Erreur : {one_line(exc.format_message())}", err=True)
            sys.exit(1)
        except click.Abort:
            click.echo("Interrompu.", err=True)
            sys.exit(1)
        except Exception as exc:
            # A fault nobody foresaw: still one line, naming what failed; never the traceback
            # (operators and cron mails get one line; the logs keep their own details).
            reason = one_line(str(exc)) or "sans message"
            click.echo(f"Erreur : échec inattendu ({type(exc).__name__} : {reason})", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def load_settings(required: Iterable[str] = ()) -> Settings:
    """Settings, or an error listing every invalid or missing (`required`) variable at once."""
    try:
        return Settings.from_env(required=required)
    except ConfigError as exc:
        raise OperatorError(str(exc)) from None


def start_logging(settings: Settings, default: int = logging.INFO) -> None:
    """Logs on stderr at DSBOT_LOG_LEVEL (else the command's `default`), in DSBOT_LOG_FORMAT."""
    from dsbot.logs import configure

    level = default if settings.log_level is None else settings.log_level
    configure(level, settings.log_format, secrets=settings.secrets)


def database_error(exc: DatabaseUnavailable) -> OperatorError:
    return OperatorError(f"DSBOT_DB : {exc}")


def database_folder(settings: Settings) -> None:
    """Refuse a DSBOT_DB whose folder is missing before loading the rest of dsbot."""
    from dsbot.db_location import folder_problem

    problem = folder_problem(settings.db_path)
    if problem is not None:
        raise OperatorError(f"DSBOT_DB : {problem}")


def existing_database(settings: Settings, missing: str) -> None:
    """Refuse a missing database (`missing` says what cannot be done without it) before
    loading the rest of dsbot: only `run`, `poll` and `abonner` create one."""
    if not Path(settings.db_path).is_file():
        raise OperatorError(f"DSBOT_DB : la base {settings.db_path} n’existe pas, {missing}")


@click.group(
    cls=_Group,
    subcommand_metavar="COMMANDE [ARGUMENTS]...",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="dsbot")
def cli() -> None:
    """dsbot : les dossiers de Démarche numérique (demarches-simplifiees.fr) dans Slack."""
    from dsbot.backends import registry

    # The backends of DSBOT_BACKEND_MODULES register before any command builds the wiring.
    try:
        registry.load_plugins()
    except ImportError as exc:
        raise OperatorError(f"{registry.PLUGINS_ENV} : {exc}") from None


@cli.command()
@click.option("--port", type=int, default=8000, show_default=True, help="Port d’écoute.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface d’écoute.")
@click.option("--seed", type=int, default=None, help="Graine aléatoire (données reproductibles).")
@click.option("--demarches", type=int, default=2, show_default=True, help="Démarches à générer.")
@click.option("--dossiers", type=int, default=200, show_default=True, help="Dossiers par démarche.")
@click.option(
    "--token",
    "tokens",
    multiple=True,
    help="Jeton d’API accepté (répétable). Par défaut : sandbox-token.",
)
@click.option("--db", "db_path", default=None, help="Fichier SQLite gardant les données.")
@click.option(
    "--backend",
    type=click.Choice(["ds", "dynacase"]),
    default="ds",
    show_default=True,
    help="L’API servie : GraphQL de DS, ou HTTP API 1.0 de Dynacase (/api/v1/).",
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
    """Une API GraphQL locale compatible DS, avec des données générées réalistes (ou, avec
    --backend dynacase, une API HTTP 1.0 compatible Dynacase)."""
    if backend == "dynacase":
        ds_only = [
            f"--{name}"
            for name in ("demarches", "dossiers", "db")
            if ctx.get_parameter_source("db_path" if name == "db" else name)
            == click.core.ParameterSource.COMMANDLINE
        ]
        if ds_only:
            raise click.UsageError(f"{', '.join(ds_only)} : seulement avec --backend ds")
        from dsbot.sandboxes.dynacase.server import run_from_cli as run_dynacase

        try:
            run_dynacase(host=host, port=port, seed=seed, tokens=tokens or ("sandbox-token",))
        except OSError as exc:
            raise listen_error(exc, host, port, "--port") from None
        return
    from dsbot.sandboxes.ds.server import run_from_cli
    from dsbot.store import DatabaseUnavailable

    try:
        run_from_cli(
            host=host,
            port=port,
            seed=seed,
            demarches=demarches,
            dossiers=dossiers,
            tokens=tokens or ("sandbox-token",),
            db_path=db_path,
        )
    except DatabaseUnavailable as exc:
        raise OperatorError(f"--db : {exc}") from None
    except OSError as exc:
        raise listen_error(exc, host, port, "--port") from None


@cli.command()
@click.option(
    "--http", "http_mode", is_flag=True, help="Recevoir Slack en HTTP plutôt qu’en Socket Mode."
)
@click.option("--port", type=int, default=3000, show_default=True, help="Port HTTP (avec --http).")
@click.option(
    "--host",
    default="0.0.0.0",
    show_default=True,
    help="Interface d’écoute : HTTP (avec --http) et port de santé (DSBOT_HEALTH_PORT).",
)
def run(http_mode: bool, port: int, host: str) -> None:
    """Lance le bot : écouteurs Slack et scrutation des notifications.

    Socket Mode par défaut (aucune URL publique) ; --http sert POST /slack/events. Santé
    (/livez, /readyz, /healthz) et mesures (/metrics) sur DSBOT_HEALTH_PORT.
    """
    import signal
    import threading

    settings = load_settings(required_for_run(http_mode))
    database_folder(settings)

    from dsbot.app_runtime import StartupError, start

    start_logging(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        runtime = start(settings, http=http_mode, host=host, port=port)
    except StartupError as exc:
        raise OperatorError(str(exc)) from None
    if settings.log_format == "json":
        # stderr is then one JSON object per line, for whatever collects it.
        from dsbot.logs import get_logger

        get_logger("dsbot.cli").info("runtime.started", mode="http" if http_mode else "socket")
    else:
        click.echo("dsbot tourne (Ctrl-C pour arrêter).", err=True)
    stop.wait()
    runtime.stop()


@cli.command()
@click.option(
    "--http", "http_mode", is_flag=True, help="Vérifier pour le mode HTTP plutôt que Socket Mode."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Secondes d’attente au plus pour chaque requête à DS, Slack ou Dynacase.",
)
def check(http_mode: bool, timeout: float) -> None:
    """Vérifie la configuration contre DS et Slack, et dit quoi corriger.

    Chaque vérification s’annonce (« … ») avant d’attendre une réponse. Ne modifie rien :
    ni DS, ni Slack, ni la base (qui n’est pas créée si elle manque).
    """
    settings = load_settings()

    from dsbot.check import FAIL, WARN, Checking, iter_checks

    start_logging(settings, logging.WARNING)
    marks = {"ok": "✔", WARN: "!", FAIL: "✘"}
    failed = 0
    for step in iter_checks(settings, http=http_mode, timeout=timeout):
        if isinstance(step, Checking):
            click.echo(f"… {step.what}")
            continue
        line = f"{marks[step.status]} {step.what}"
        if step.fix and step.status != "ok":
            line += f"\n    → {step.fix}"
        click.echo(line)
        failed += step.status == FAIL
    if failed:
        raise OperatorError(
            ngettext("{n} problème à corriger", "{n} problèmes à corriger", failed).format(n=failed)
        )
    click.echo("Tout est en ordre.")


@cli.command()
@click.option("--since", default=None, help="Premier jour ou instant (ISO 8601, UTC), inclus.")
@click.option("--until", default=None, help="Dernier jour (inclus) ou instant (exclu), UTC.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default="csv",
    show_default=True,
    help="Format de sortie.",
)
@click.option(
    "--output", "-o", type=click.File("w"), default="-", help="Fichier (défaut : sortie standard)."
)
def audit(since: str | None, until: str | None, fmt: str, output: TextIO) -> None:
    """Exporte le journal d’audit des actions faites depuis Slack, une ligne par tentative."""
    from dsbot.services.audit import AuditService, parse_bound
    from dsbot.store import DatabaseUnavailable, Store

    bounds: list[Any] = []
    for option, value, end in (("--since", since, False), ("--until", until, True)):
        try:
            bounds.append(parse_bound(value, end=end) if value else None)
        except ValueError:
            raise OperatorError(
                f"{option} : « {value} » n’est pas une date (AAAA-MM-JJ ou ISO 8601)"
            ) from None
    store = Store(load_settings().db_path)
    if not store.exists():
        # Exporting must not leave an empty database behind (a wrong folder, a typo).
        raise OperatorError(f"DSBOT_DB : la base {store.path} n’existe pas, rien à exporter")
    try:
        store.migrate()
    except DatabaseUnavailable as exc:
        raise database_error(exc) from None
    count = AuditService(store).export(output, since=bounds[0], until=bounds[1], fmt=fmt)
    click.echo(
        ngettext("{n} ligne exportée.", "{n} lignes exportées.", count).format(n=count), err=True
    )


@cli.command()
@click.option(
    "--dossier",
    "number",
    type=click.IntRange(1, 2**31 - 1),
    required=True,
    help="Numéro du dossier DS dont effacer les données.",
)
@click.option(
    "--par",
    "by",
    default=None,
    help="Qui fait la demande, pour l’audit (défaut : l’utilisateur du système).",
)
def purge(number: int, by: str | None) -> None:
    """Efface les données personnelles d’un dossier (demande d’effacement) : messages Slack
    remplacés par une mention d’effacement, lignes de la base effacées, action auditée."""
    import getpass

    from dsbot.services.privacy import describe
    from dsbot.services.privacy import purge as erase
    from dsbot.store import DatabaseUnavailable, Store

    store = Store(load_settings().db_path)
    if not store.exists():
        raise OperatorError(f"DSBOT_DB : la base {store.path} n’existe pas, rien à effacer")
    try:
        store.migrate()
        removed = erase(store, number, lambda: datetime.now(UTC), by=by or getpass.getuser())
    except DatabaseUnavailable as exc:
        raise database_error(exc) from None
    except sqlite3.Error as exc:
        raise OperatorError(f"DSBOT_DB : la base {store.path} : {exc}") from None
    click.echo(describe(number, removed))


@cli.command()
@click.option("--once", is_flag=True, help="Un cycle de notifications, puis sortie.")
@click.option("-v", "--verbose", is_flag=True, help="Journaliser aussi avertissements et progrès.")
# Advanced, for tests and benchmarks: real cycles in a process, fast and in small pages.
@click.option(
    "--pacing",
    type=float,
    default=1.0,
    show_default=True,
    help="Avancé : secondes entre deux messages dans un canal.",
)
@click.option(
    "--page-size",
    type=click.IntRange(1, 100),
    default=FEED_PAGE_SIZE,
    show_default=True,
    help="Avancé : dossiers par page DS.",
)
def poll(once: bool, verbose: bool, pacing: float, page_size: int) -> None:
    """Scrute DS et envoie les notifications des canaux abonnés.

    Avec --once (pour cron) : un cycle, un résumé d’une ligne, code 1 si un flux a échoué.
    Sans : un cycle toutes les DSBOT_POLL_INTERVAL secondes jusqu’à Ctrl-C (sans écouter
    Slack). SLACK_BOT_TOKEN n’est exigé que s’il y a quelque chose à publier.
    """
    import signal
    import threading

    settings = load_settings(required=("DS_API_TOKEN",))
    database_folder(settings)

    from dsbot.runtime import build_poller, run_once
    from dsbot.store import DatabaseUnavailable

    # A cron job mails whatever it prints: once, only errors are logged unless asked.
    quiet = once and not verbose
    start_logging(settings, logging.ERROR if quiet else logging.INFO)
    try:
        if once:
            report = run_once(settings, pacing=pacing, page_size=page_size)
        else:
            poller = build_poller(settings, pacing=pacing, page_size=page_size)
    except ConfigError as exc:
        raise OperatorError(str(exc)) from None
    except DatabaseUnavailable as exc:
        raise database_error(exc) from None
    if once:
        click.echo(report.summary())
        if not report.ok:
            failed = ", ".join(
                f"{f.key} ({type(f.error).__name__})" for f in report.feeds if not f.ok
            )
            raise OperatorError(f"le cycle n’a pas abouti : {failed or 'voir les journaux'}")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    poller.run_forever(settings.poll_interval, stop)


@cli.command()
@click.option(
    "--interval", type=float, default=3.0, show_default=True, help="Secondes entre deux étapes."
)
@click.option(
    "--cycles", type=int, default=0, help="S’arrêter après N étapes (défaut : jusqu’à Ctrl-C)."
)
@click.option(
    "--seed", type=int, default=2026, show_default=True, help="Graine des données du bac à sable."
)
@click.option(
    "--channel", default=None, help="Canal Slack où publier aussi, si SLACK_BOT_TOKEN est défini."
)
@click.option(
    "--dynacase",
    is_flag=True,
    help="Faire tourner aussi un bac à sable Dynacase et suivre une de ses familles.",
)
def demo(interval: float, cycles: int, seed: int, channel: str | None, dynacase: bool) -> None:
    """Le travail principal de bout en bout, hors ligne : un bac à sable DS embarqué, le vrai
    flux et les vrais constructeurs de messages, les messages Slack rendus dans le terminal
    (publiés pour de vrai dans --channel si SLACK_BOT_TOKEN est défini)."""
    import signal
    import threading

    settings = load_settings()
    if settings.slack_bot_token and not channel:
        from dsbot.demo import NEEDS_CHANNEL

        raise OperatorError(NEEDS_CHANNEL)

    from dsbot.demo.run import DemoOptions, run_demo

    start_logging(settings, logging.ERROR)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        summary = run_demo(
            settings,
            DemoOptions(
                seed=seed, interval=interval, cycles=cycles, channel=channel, dynacase=dynacase
            ),
            sys.stdout,
            stop,
        )
    except ConfigError as exc:
        raise OperatorError(str(exc)) from None
    events = ngettext("{n} événement", "{n} événements", summary.cycles)
    where = f"{events.format(n=summary.cycles)} dans DS"
    if summary.dynacase_events:
        where += f", {summary.dynacase_events} dans Dynacase"
    posted = ngettext("{n} message publié", "{n} messages publiés", summary.posted)
    click.echo(
        f"Fin de la démo : {where}, {posted.format(n=summary.posted)},"
        f" {summary.updated} mis à jour."
    )


@cli.command()
@click.option("--channel", default=None, help="Seulement ce canal (son id, p. ex. C0123ABCD).")
@click.option("--dry-run", is_flag=True, help="Afficher les résumés au lieu de les publier.")
def digest(channel: str | None, dry_run: bool) -> None:
    """Publie maintenant le résumé du jour des canaux abonnés (cron, tests).

    Lu dans l’index local du bot (aucune requête à DS). Au plus un résumé par canal et par
    jour : un canal qui a déjà eu celui du jour est laissé tel quel.
    """
    settings = load_settings(() if dry_run else ("DS_API_TOKEN", "SLACK_BOT_TOKEN"))
    # The digests come from the database's subscriptions: a missing one is a wrong path or
    # folder, and creating it (empty) would hide that.
    existing_database(settings, "aucun résumé à faire")

    from dsbot.runtime import run_digest
    from dsbot.store import DatabaseUnavailable

    start_logging(settings, logging.ERROR)
    try:
        lines = run_digest(settings, channel=channel, dry_run=dry_run)
    except DatabaseUnavailable as exc:
        raise database_error(exc) from None
    for line in lines:
        click.echo(line)


# --- the subscriptions from the command line (dsbot/operator_subscriptions.py) ------------------

CANAL_HELP = "Le canal : son identifiant (C0123ABCD), ou #son-nom si SLACK_BOT_TOKEN est défini."
EQUIPE_HELP = "L’espace Slack (T…), quand la base ne le connaît pas encore."


def _subscription_store(settings: Settings) -> Any:
    """The database, not yet migrated (nothing is written before the arguments are checked).
    Only `abonner` may create it: the others call existing_database() first."""
    from dsbot.store import Store

    return Store(settings.db_path)


def _migrated(store: Any) -> Any:
    from dsbot.store import DatabaseUnavailable

    try:
        store.migrate()
    except DatabaseUnavailable as exc:
        raise database_error(exc) from None
    return store


@cli.command()
@click.argument("words", nargs=-1, required=True, metavar="<démarche> [groupe N] [etat E…]")
@click.option("--canal", "channel", required=True, help=CANAL_HELP)
@click.option("--equipe", "team", default=None, help=EQUIPE_HELP)
@click.option(
    "--par",
    "by",
    default=None,
    help="L’admin Slack (U…) prévenu si le canal refuse un jour les messages."
    " Défaut : le premier de DSBOT_ADMINS.",
)
def abonner(words: tuple[str, ...], channel: str, team: str | None, by: str | None) -> None:
    """Abonne un canal à une démarche (ou à une famille d’un autre backend), comme
    `/ds abonner` : mêmes mots, mêmes règles.

    Exemples : `dsbot abonner 1234 groupe 3 etat en_instruction --canal C0123ABCD`,
    `dsbot abonner dynacase DEMANDE_SUBVENTION --canal #subventions`.
    """
    settings = load_settings()
    database_folder(settings)

    from dsbot import operator_subscriptions as o

    start_logging(settings, logging.ERROR)
    try:
        request = o.parse("abonner", list(words))
        creator = o.resolve_creator(settings, by)
        channel_id = o.resolve_channel(settings, channel)
        store = _subscription_store(settings)
        team_id = o.resolve_team(settings, store, team)
        line = o.subscribe(settings, _migrated(store), team_id, channel_id, creator, request)
    except (o.OperatorFault, ConfigError) as exc:
        raise OperatorError(str(exc)) from None
    click.echo(line)


@cli.command()
@click.argument("words", nargs=-1, required=True, metavar="<démarche>")
@click.option("--canal", "channel", required=True, help=CANAL_HELP)
@click.option("--equipe", "team", default=None, help=EQUIPE_HELP)
def desabonner(words: tuple[str, ...], channel: str, team: str | None) -> None:
    """Retire l’abonnement d’un canal à une démarche (ou à une famille), comme
    `/ds desabonner`."""
    settings = load_settings()
    existing_database(settings, "aucun abonnement")

    from dsbot import operator_subscriptions as o

    start_logging(settings, logging.ERROR)
    try:
        request = o.parse("desabonner", list(words))
        channel_id = o.resolve_channel(settings, channel)
        store = _subscription_store(settings)
        # No workspace in the database: nothing is subscribed, whichever it would be.
        known = team is not None or o.store_teams(store)
        team_id = o.resolve_team(settings, store, team) if known else ""
        line = o.unsubscribe(_migrated(store), team_id, channel_id, request)
    except o.OperatorFault as exc:
        raise OperatorError(str(exc)) from None
    click.echo(line)


@cli.command()
@click.option("--canal", "channel", default=None, help="Seulement ce canal. " + CANAL_HELP)
def abonnements(channel: str | None) -> None:
    """Liste les abonnements de tous les canaux (ou d’un seul), en pause compris ; ne crée
    jamais de base."""
    settings = load_settings()
    existing_database(settings, "aucun abonnement")

    from dsbot import operator_subscriptions as o

    start_logging(settings, logging.ERROR)
    try:
        channel_id = o.resolve_channel(settings, channel) if channel else None
    except o.OperatorFault as exc:
        raise OperatorError(str(exc)) from None
    lines = o.listing(_migrated(_subscription_store(settings)), channel_id)
    for line in lines:
        click.echo(line)
    click.echo(ngettext("{n} abonnement.", "{n} abonnements.", len(lines)).format(n=len(lines)))


@cli.command()
@click.argument("file", metavar="FICHIER")
@click.option("--force", is_flag=True, help="Remplacer FICHIER s’il existe.")
def backup(file: str, force: bool) -> None:
    """Copie cohérente de la base DSBOT_DB dans FICHIER, même pendant que le bot tourne
    (sauvegarde en ligne de SQLite). Voir le README, « Sauvegarde et restauration »."""
    from dsbot.backup import BackupRefused
    from dsbot.backup import backup as copy_database

    settings = load_settings()
    try:
        report = copy_database(settings.db_path, file, force=force)
    except BackupRefused as exc:
        raise OperatorError(str(exc)) from None
    tables = ngettext("{n} table", "{n} tables", report.tables).format(n=report.tables)
    click.echo(
        f"Copie de {settings.db_path} dans {report.path} : {report.size // 1024} Kio, {tables},"
        " intégrité vérifiée."
    )


def main() -> None:
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
