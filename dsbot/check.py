"""`dsbot check`: the configuration against the live services, with what to fix.

Each check yields a Finding (in French, for operators); nothing here changes anything in DS,
in Slack or in the database. The probes expect refusals ("not found" for a dossier that cannot
exist): the clients' log lines about them, and their retries, would only bury the checklist.
What only DS's errors tell apart is its spec's probe (`dsbot/backends/ds/probe.py`).
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dsbot.backends import registry
from dsbot.backends.errors import BackendAuthFailed, BackendError, BackendNotFound
from dsbot.backends.registry import FAIL as FAIL
from dsbot.backends.registry import OK as OK
from dsbot.backends.registry import WARN as WARN
from dsbot.backends.registry import Finding as Finding
from dsbot.cli_french import ngettext
from dsbot.config import Settings
from dsbot.redact import redact
from dsbot.slack.transport.scopes import missing_scopes

# A probe answers at once or reports the failure: no retry lines before the checklist.
PROBE_TIMEOUT_SECONDS = 10.0
# "dsbot.backends": every backend's client, whose refusals the probes expect.
QUIET_LOGGERS = ("dsbot.backends", "slack_sdk", "httpx", "httpcore")


def check_ds(settings: Settings, ds: Any) -> Iterator[Finding]:
    """DS's settings, then what DS itself answers (its spec's probe, over `ds`, its client)."""
    spec = registry.get("ds")
    problems = spec.check(settings)
    for problem in problems:
        yield Finding(FAIL, problem.what, problem.fix)
    if problems:
        return
    if spec.probe is not None:
        yield from spec.probe(ds, settings)


def check_slack(settings: Settings, http: bool) -> Iterator[Finding]:
    # Every missing setting first, before any call: one run of `check` lists them all.
    mode_ok = True
    if http and not settings.slack_signing_secret:
        mode_ok = False
        yield Finding(
            FAIL,
            "SLACK_SIGNING_SECRET n’est pas défini (requis par --http)",
            "Basic Information → Signing Secret",
        )
    if not http and not settings.slack_app_token:
        mode_ok = False
        yield Finding(
            FAIL,
            "SLACK_APP_TOKEN n’est pas défini (requis en Socket Mode)",
            "Basic Information → App-Level Tokens, portée connections:write",
        )
    if not settings.slack_bot_token:
        yield Finding(
            FAIL,
            "SLACK_BOT_TOKEN n’est pas défini",
            "Copiez le Bot User OAuth Token (xoxb-…)",
        )
        return
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[],
    )
    try:
        auth = client.auth_test()
    except SlackApiError as exc:
        yield Finding(
            FAIL,
            f"Slack refuse le jeton du bot ({exc.response.get('error')})",
            "Réinstallez l’application et copiez le nouveau jeton xoxb-",
        )
        return
    except OSError as exc:
        yield Finding(FAIL, f"Slack est injoignable : {exc}", "Vérifiez SLACK_API_URL et le proxy")
        return
    yield Finding(OK, f"Jeton du bot Slack valide : espace de travail « {auth.get('team')} »")
    granted = auth.headers.get("x-oauth-scopes", "")
    missing = missing_scopes(granted)
    if granted and missing:
        yield Finding(
            FAIL,
            "Portées Slack manquantes : " + ", ".join(missing),
            "Mettez l’application à jour depuis manifest.yml et réinstallez-la",
        )
    elif granted:
        yield Finding(OK, "Portées Slack : toutes accordées")

    if not mode_ok:
        return
    if http:
        yield Finding(OK, "SLACK_SIGNING_SECRET est défini")
        return
    yield from _check_app_token(settings)


def _check_app_token(settings: Settings) -> Iterator[Finding]:
    """Socket Mode: whether Slack opens a connection with the app-level token."""
    try:
        WebClient(
            base_url=settings.slack_api_url, timeout=10, retry_handlers=[]
        ).apps_connections_open(app_token=settings.slack_app_token or "")
    except SlackApiError as exc:
        yield Finding(
            FAIL,
            f"Slack refuse le jeton d’application ({exc.response.get('error')})",
            "Générez un jeton xapp- avec connections:write ; activez le Socket Mode",
        )
    except OSError as exc:
        yield Finding(FAIL, f"Slack est injoignable : {exc}", "Vérifiez SLACK_API_URL et le proxy")
    else:
        yield Finding(OK, "Socket Mode : le jeton d’application ouvre une connexion")


def check_database(settings: Settings) -> Iterator[Finding]:
    """Whether `dsbot run` can open and write the database, without creating or migrating it."""
    from dsbot.store import Store

    store = Store(settings.db_path)
    path = Path(settings.db_path)
    folder = path.parent
    fix = "Corrigez DSBOT_DB, ou créez le dossier avec les droits d’écriture"
    if not folder.is_dir():
        yield Finding(FAIL, f"Base {path} : le dossier {folder} n’existe pas", fix)
        return
    if path.is_dir():
        yield Finding(FAIL, f"Base {path} : c’est un dossier, pas un fichier", fix)
        return
    # SQLite writes its journal (WAL) beside the file: the folder must be writable too.
    if not _can_write_in(folder):
        yield Finding(
            FAIL, f"Base {path} : le dossier {folder} n’est pas accessible en écriture", fix
        )
        return
    if not store.exists():
        yield Finding(WARN, f"Base {path} absente : `dsbot run` la créera (rien de créé ici)")
        return
    try:
        with open(path, "r+b"):
            pass  # opened for writing, nothing written
    except OSError as exc:
        yield Finding(
            FAIL, f"Base {path} : fichier non accessible en écriture ({exc.strerror})", fix
        )
        return
    try:
        pending = store.pending_migrations()
    except sqlite3.Error as exc:
        yield Finding(FAIL, f"Base {path} illisible : {exc}", fix)
        return
    if pending:
        yield Finding(
            OK,
            f"Base {path} accessible en écriture ; "
            + ngettext(
                "{n} migration à appliquer", "{n} migrations à appliquer", len(pending)
            ).format(n=len(pending))
            + " au prochain `dsbot run`",
        )
    else:
        yield Finding(OK, f"Base {path} accessible en écriture et à jour")


def _can_write_in(folder: Path) -> bool:
    # A real attempt: permission bits say nothing of root, read-only mounts or /proc.
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


@contextmanager
def quiet_clients() -> Iterator[None]:
    """Silence the HTTP clients' own log lines while the probes run (see the module's doc)."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


def check_dynacase(settings: Settings, client: Any = None) -> Iterator[Finding]:
    """Only when DYNACASE_API_URL is set: the API answers, the read token is accepted, and
    people's tokens can be stored encrypted (docs/dynacase-api.md §3)."""
    from dsbot.services.credentials import SecretKeyError, fernet_from_key

    spec = registry.get("dynacase")
    problems = spec.check(settings)
    for problem in problems:
        yield Finding(FAIL, problem.what, problem.fix)
    if problems or not spec.enabled(settings):
        return
    dynacase = client or spec.client(settings, max_read_retries=0)
    try:
        # A logical name no document carries: "not found" for a valid token, 403 for a bad one.
        dynacase.probe_token()
    except BackendAuthFailed:
        yield Finding(
            FAIL,
            "Dynacase does not accept DYNACASE_TOKEN",
            "Create a DcpOpen token for dsbot's reading user on the Dynacase server",
        )
    except BackendError as exc:
        yield Finding(
            FAIL, f"Dynacase is unreachable: {exc}", "Check DYNACASE_API_URL and the network"
        )
    else:
        yield Finding(OK, f"Dynacase answers at {settings.dynacase_api_url} and accepts the token")
    try:
        yield from check_dynacase_families(settings, dynacase)
    finally:
        if client is None:
            dynacase.close()
    try:
        fernet_from_key(settings.secret_key)
    except SecretKeyError as exc:
        yield Finding(
            FAIL, str(exc), "Set DSBOT_SECRET_KEY, then keep it: changing it forgets tokens"
        )
    else:
        yield Finding(OK, "DSBOT_SECRET_KEY is set: people's Dynacase tokens are stored encrypted")


def subscribed_families(settings: Settings) -> list[str]:
    """The Dynacase families channels follow, read from an existing database (never created
    or migrated here)."""
    from dsbot.backends.port import BackendName
    from dsbot.store import Store
    from dsbot.store.subscriptions import subscribed_families as families_in

    store = Store(settings.db_path)
    if not store.exists():
        return []
    try:
        with store.connect() as db:
            if "subscriptions" not in db.table_names():
                return []
            return families_in(db, BackendName.DYNACASE.value)
    except Exception:  # the database's own finding says what is wrong with it
        return []


def check_dynacase_families(settings: Settings, dynacase: Any) -> Iterator[Finding]:
    """Each followed family can still be listed with the bot's token (one short page each)."""
    for family in subscribed_families(settings):
        try:
            dynacase.list_documents(family, slice=1)
        except BackendNotFound:
            yield Finding(
                FAIL,
                f"Famille Dynacase {family} suivie, mais introuvable avec DYNACASE_TOKEN",
                f"Donnez au lecteur de dsbot l’accès à {family}, ou tapez"
                f" `/ds desabonner dynacase {family}` dans les canaux qui la suivent",
            )
        except BackendError:
            return  # unreachable or refused: the finding above says so already
        else:
            yield Finding(OK, f"Famille Dynacase {family} suivie et lisible")


def run_checks(
    settings: Settings, *, http: bool, ds_factory: Callable[[], Any] | None = None
) -> list[Finding]:
    def probe_client() -> Any:
        return registry.get("ds").client(
            settings, timeout=PROBE_TIMEOUT_SECONDS, max_read_retries=0
        )

    findings = list(check_database(settings))
    with quiet_clients():
        ds = (ds_factory or probe_client)()
        try:
            findings += list(check_ds(settings, ds))
        finally:
            ds.close()
        findings += list(check_slack(settings, http))
        findings += list(check_dynacase(settings))
    secrets = settings.secrets
    return [Finding(f.status, redact(f.what, secrets), redact(f.fix, secrets)) for f in findings]
