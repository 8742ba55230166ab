"""`dsbot check`: the configuration against the live services, with what to fix.

Each check yields a Finding; nothing here changes anything in DS or Slack.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import build_client_schema, validate
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dsbot.config import Settings
from dsbot.ds import errors as e
from dsbot.ds.documents import documents
from dsbot.redact import redact
from dsbot.slack.scopes import missing_scopes

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class Finding:
    status: str  # ok | warn | fail
    what: str
    fix: str = ""


def _gid(kind: str, n: int) -> str:
    return base64.b64encode(f"{kind}-{n}".encode()).decode()


def check_ds(settings: Settings, ds: Any) -> Iterator[Finding]:
    if not settings.ds_api_token:
        yield Finding(FAIL, "DS_API_TOKEN is not set", "Create an API token in DS (Profil → Jeton)")
        return
    try:
        # A dossier that cannot exist: a valid token gets "not found", a bad one an auth error.
        ds.get_dossier_state(0)
    except e.DSNotFound:
        yield Finding(OK, f"DS answers at {settings.ds_api_url} and accepts the token")
    except e.DSTokenExpired:
        yield Finding(
            FAIL, "The DS token has expired", "Create a new token in DS, set DS_API_TOKEN"
        )
        return
    except e.DSNotAuthenticated:
        yield Finding(
            FAIL, "DS does not recognise the token", "Copy the whole token into DS_API_TOKEN"
        )
        return
    except e.DSForbiddenNetwork as exc:
        yield Finding(FAIL, f"DS refuses this machine's IP: {exc.message}", "Allow it on the token")
        return
    except e.DSError as exc:
        yield Finding(FAIL, f"DS is unreachable: {exc.message}", "Check DS_API_URL and the network")
        return

    for number in settings.demarches:
        try:
            demarche = ds.get_demarche(number)
        except e.DSPermissionDenied:
            yield Finding(
                FAIL,
                f"Démarche {number} is outside the token's scope",
                "Add it to the token in DS, or remove it from DSBOT_DEMARCHES",
            )
        except e.DSError as exc:
            yield Finding(FAIL, f"Démarche {number}: {exc.message}")
        else:
            count = sum(len(g.instructeurs) for g in demarche.groupes)
            yield Finding(OK, f"Démarche {number} « {demarche.title} »: {count} instructeur seats")
    if not settings.demarches:
        yield Finding(
            WARN,
            "DSBOT_DEMARCHES is empty: automatic linking only knows subscribed démarches",
            "List your démarche numbers in DSBOT_DEMARCHES",
        )

    try:
        ds.execute(
            "dossier_passer_en_instruction",
            {"input": {"dossierId": _gid("Dossier", 0), "instructeurId": _gid("Instructeur", 0)}},
        )
    except e.DSReadOnlyToken:
        yield Finding(
            FAIL,
            "The DS token is read-only: buttons cannot act",
            "Create a token with read-write access",
        )
    except e.DSError:
        # Any other refusal (not found...) means DS got past the read-only check.
        yield Finding(OK, "The DS token has write access")
    else:
        yield Finding(OK, "The DS token has write access")

    yield from check_schema(ds)


def check_schema(ds: Any) -> Iterator[Finding]:
    """Validate every dsbot document against the live schema (docs/ds-api.md, "Schema drift")."""
    try:
        live = build_client_schema(ds.execute("introspection", {}))
    except (e.DSError, TypeError, KeyError) as exc:
        yield Finding(WARN, f"Live schema not readable ({exc}); documents not re-checked")
        return
    from graphql import parse

    broken = []
    for doc in documents().values():
        errors = validate(live, parse(doc.text))
        if errors:
            broken.append(f"{doc.name}: {errors[0].message}")
    if broken:
        yield Finding(
            FAIL, "DS's live schema rejects: " + "; ".join(broken), "Upgrade dsbot (schema drift)"
        )
    else:
        yield Finding(OK, f"All {len(documents())} dsbot documents are valid on the live schema")


def check_slack(settings: Settings, http: bool) -> Iterator[Finding]:
    if not settings.slack_bot_token:
        yield Finding(FAIL, "SLACK_BOT_TOKEN is not set", "Copy the Bot User OAuth Token (xoxb-…)")
        return
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
    try:
        auth = client.auth_test()
    except SlackApiError as exc:
        yield Finding(
            FAIL,
            f"Slack refuses the bot token ({exc.response.get('error')})",
            "Reinstall the app and copy the new xoxb- token",
        )
        return
    except OSError as exc:
        yield Finding(FAIL, f"Slack unreachable: {exc}", "Check SLACK_API_URL and the proxy")
        return
    yield Finding(OK, f"Slack bot token valid: workspace « {auth.get('team')} »")
    granted = auth.headers.get("x-oauth-scopes", "")
    missing = missing_scopes(granted)
    if granted and missing:
        yield Finding(
            FAIL,
            "Missing Slack scopes: " + ", ".join(missing),
            "Update the app from manifest.yml and reinstall it",
        )
    elif granted:
        yield Finding(OK, "Slack scopes: all granted")

    if http:
        if not settings.slack_signing_secret:
            yield Finding(
                FAIL, "SLACK_SIGNING_SECRET is not set (needed by --http)", "Basic Information page"
            )
        else:
            yield Finding(OK, "SLACK_SIGNING_SECRET is set")
        return
    if not settings.slack_app_token:
        yield Finding(
            FAIL,
            "SLACK_APP_TOKEN is not set (needed by Socket Mode)",
            "Basic Information → App-Level Tokens, scope connections:write",
        )
        return
    try:
        WebClient(base_url=settings.slack_api_url, timeout=10).apps_connections_open(
            app_token=settings.slack_app_token
        )
    except SlackApiError as exc:
        yield Finding(
            FAIL,
            f"Slack refuses the app-level token ({exc.response.get('error')})",
            "Generate an xapp- token with connections:write; enable Socket Mode",
        )
    else:
        yield Finding(OK, "Socket Mode: the app-level token opens a connection")


def check_database(settings: Settings) -> Iterator[Finding]:
    from dsbot.store import Store

    try:
        Store(settings.db_path).migrate()
    except (sqlite3.Error, OSError) as exc:
        yield Finding(FAIL, f"Database {settings.db_path}: {exc}", "Check DSBOT_DB and its folder")
    else:
        yield Finding(OK, f"Database {settings.db_path} is writable and up to date")


def check_dynacase(settings: Settings, client: Any = None) -> Iterator[Finding]:
    """Only when DYNACASE_API_URL is set: the API answers, the read token is accepted, and
    people's tokens can be stored encrypted (docs/dynacase-api.md §3)."""
    from dsbot.backends.dynacase import errors as de
    from dsbot.backends.dynacase.client import client_from_settings
    from dsbot.services.credentials import SecretKeyError, fernet_from_key

    if not settings.dynacase_api_url:
        return
    dynacase = client or client_from_settings(settings, max_read_retries=0)
    if dynacase is None:  # DYNACASE_TOKEN missing: Settings refuses that already
        return
    try:
        # A document that cannot exist: a valid token gets "not found", a bad one 403.
        dynacase.get_document("0", attributes=False)
    except (de.DynacaseNotFound, de.DynacaseAccessDenied):
        yield Finding(OK, f"Dynacase answers at {settings.dynacase_api_url} and accepts the token")
    except de.DynacaseNotAuthenticated:
        yield Finding(
            FAIL,
            "Dynacase does not accept DYNACASE_TOKEN",
            "Create a DcpOpen token for dsbot's reading user on the Dynacase server",
        )
    except de.DynacaseError as exc:
        yield Finding(
            FAIL, f"Dynacase is unreachable: {exc}", "Check DYNACASE_API_URL and the network"
        )
    else:
        yield Finding(OK, f"Dynacase answers at {settings.dynacase_api_url}")
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


def run_checks(
    settings: Settings, *, http: bool, ds_factory: Callable[[], Any] | None = None
) -> list[Finding]:
    from dsbot.ds.client import DSClient

    findings = list(check_database(settings))
    ds = (ds_factory or (lambda: DSClient(settings.ds_api_url, settings.ds_api_token or "")))()
    try:
        findings += list(check_ds(settings, ds))
    finally:
        ds.close()
    findings += list(check_slack(settings, http))
    findings += list(check_dynacase(settings))
    secrets = settings.secrets
    return [Finding(f.status, redact(f.what, secrets), redact(f.fix, secrets)) for f in findings]
