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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
from dsbot.network_errors import explain
from dsbot.redact import redact
from dsbot.slack.transport.scopes import missing_scopes

# A probe answers at once or reports the failure: no retry lines before the checklist.
PROBE_TIMEOUT_SECONDS = 10.0
# "dsbot.backends": every backend's client, whose refusals the probes expect.
QUIET_LOGGERS = ("dsbot.backends", "slack_sdk", "httpx", "httpcore")


@dataclass(frozen=True)
class Checking:
    """What is being checked now (said before a probe that may wait on the network)."""

    what: str


Step = Finding | Checking


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def unreachable(service: str, exc: BaseException, url: str, timeout: float | None) -> str:
    """`service est injoignable : why`, in words when the cause is a known network failure."""
    words = explain(exc, host_of(url), timeout)
    if words is None:
        message = getattr(exc, "message", None)
        words = message if isinstance(message, str) and message else type(exc).__name__
    return f"{service} est injoignable : {words}"


def slack_refusal(what: str, exc: SlackApiError, url: str) -> str:
    """Slack's refusal by its error code, or what SLACK_API_URL answered instead of Slack
    (Slack answers its refusals with HTTP 200, or 429)."""
    error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
    status = exc.response.status_code
    if status >= 500:
        return f"Slack ne répond pas (HTTP {status}) : réessayez plus tard"
    if error and status in (200, 429) and " " not in str(error):
        return f"Slack refuse {what} ({error})"
    return (
        f"{host_of(url)} ne répond pas comme l’API Slack (HTTP {exc.response.status_code}) :"
        " SLACK_API_URL mène ailleurs"
    )


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


def check_slack(
    settings: Settings, http: bool, timeout: float = PROBE_TIMEOUT_SECONDS
) -> Iterator[Step]:
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
    yield Checking(f"Slack : le jeton du bot, à {settings.slack_api_url}")
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,  # type: ignore[arg-type]  # urllib takes any number of seconds
        retry_handlers=[],
    )
    try:
        auth = client.auth_test()
    except SlackApiError as exc:
        yield Finding(
            FAIL,
            slack_refusal("le jeton du bot", exc, settings.slack_api_url),
            "Réinstallez l’application et copiez le nouveau jeton xoxb-…",
        )
        return
    except OSError as exc:
        yield Finding(
            FAIL,
            unreachable("Slack", exc, settings.slack_api_url, timeout),
            "Vérifiez SLACK_API_URL et le proxy",
        )
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
    yield from _check_app_token(settings, timeout)


def _check_app_token(settings: Settings, timeout: float) -> Iterator[Step]:
    """Socket Mode: whether Slack opens a connection with the app-level token."""
    yield Checking("Slack : le jeton d’application (Socket Mode)")
    try:
        WebClient(
            base_url=settings.slack_api_url,
            timeout=timeout,  # type: ignore[arg-type]  # urllib takes any number of seconds
            retry_handlers=[],
        ).apps_connections_open(app_token=settings.slack_app_token or "")
    except SlackApiError as exc:
        yield Finding(
            FAIL,
            slack_refusal("le jeton d’application", exc, settings.slack_api_url),
            "Générez un jeton xapp- avec connections:write ; activez le Socket Mode",
        )
    except OSError as exc:
        yield Finding(
            FAIL,
            unreachable("Slack", exc, settings.slack_api_url, timeout),
            "Vérifiez SLACK_API_URL et le proxy",
        )
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


def check_dynacase(
    settings: Settings, client: Any = None, timeout: float = PROBE_TIMEOUT_SECONDS
) -> Iterator[Step]:
    """Only when DYNACASE_API_URL is set: the API answers, the read token is accepted, and
    people's tokens can be stored encrypted (docs/dynacase-api.md §3)."""
    from dsbot.services.credentials import KEY_HINT, SecretKeyError, fernet_from_key

    spec = registry.get("dynacase")
    problems = spec.check(settings)
    for problem in problems:
        yield Finding(FAIL, problem.what, problem.fix)
    if problems or not spec.enabled(settings):
        return
    url = settings.dynacase_api_url or ""
    yield Checking(f"Dynacase : {url}")
    dynacase = client or spec.client(
        settings, max_read_retries=0, timeout=timeout, connect_timeout=timeout
    )
    try:
        # A logical name no document carries: "not found" for a valid token, 403 for a bad one.
        dynacase.probe_token()
    except BackendAuthFailed:
        yield Finding(
            FAIL,
            "Dynacase n’accepte pas DYNACASE_TOKEN",
            "Créez un jeton DcpOpen pour l’utilisateur lecteur de dsbot sur le serveur Dynacase",
        )
    except BackendError as exc:
        yield Finding(
            FAIL,
            unreachable("Dynacase", exc, url, timeout),
            "Vérifiez DYNACASE_API_URL et le réseau",
        )
    else:
        yield Finding(OK, f"Dynacase répond à {url} et accepte le jeton")
    try:
        yield from check_dynacase_families(settings, dynacase)
    finally:
        if client is None:
            dynacase.close()
    try:
        fernet_from_key(settings.secret_key)
    except SecretKeyError:
        yield Finding(
            FAIL,
            "DSBOT_SECRET_KEY n’est pas une clé Fernet (32 octets en base64 url-safe) :"
            " les jetons Dynacase de chacun ne peuvent pas être chiffrés"
            if settings.secret_key
            else "DSBOT_SECRET_KEY n’est pas définie : les jetons Dynacase de chacun ne peuvent"
            " pas être chiffrés",
            f"Générez-en une ({KEY_HINT}), puis gardez-la : la changer oublie les jetons",
        )
    else:
        yield Finding(
            OK, "DSBOT_SECRET_KEY est définie : les jetons Dynacase de chacun sont chiffrés"
        )


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


def iter_checks(
    settings: Settings,
    *,
    http: bool,
    ds_factory: Callable[[], Any] | None = None,
    timeout: float = PROBE_TIMEOUT_SECONDS,
) -> Iterator[Step]:
    """Each check as it goes: what is being checked (before it may wait), then its findings,
    redacted."""

    def probe_client() -> Any:
        return registry.get("ds").client(settings, timeout=timeout, max_read_retries=0)

    def steps() -> Iterable[Step]:
        yield Checking(f"la base {settings.db_path}")
        yield from check_database(settings)
        with quiet_clients():
            yield Checking(f"DS : {settings.ds_api_url} (délai {timeout:g} s par requête)")
            ds = (ds_factory or probe_client)()
            try:
                yield from check_ds(settings, ds)
            finally:
                ds.close()
            yield from check_slack(settings, http, timeout)
            yield from check_dynacase(settings, timeout=timeout)

    secrets = settings.secrets
    for step in steps():
        if isinstance(step, Checking):
            yield Checking(redact(step.what, secrets))
        else:
            yield Finding(step.status, redact(step.what, secrets), redact(step.fix, secrets))


def run_checks(
    settings: Settings,
    *,
    http: bool,
    ds_factory: Callable[[], Any] | None = None,
    timeout: float = PROBE_TIMEOUT_SECONDS,
) -> list[Finding]:
    """Every finding, once all checks are done."""
    steps = iter_checks(settings, http=http, ds_factory=ds_factory, timeout=timeout)
    return [step for step in steps if isinstance(step, Finding)]
