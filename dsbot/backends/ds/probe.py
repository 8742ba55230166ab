"""What `dsbot check` asks DS itself, once its settings are complete: the token is accepted
(and from this machine's address), each démarche of DSBOT_DEMARCHES is within its reach, it may
write, and every document of dsbot is valid on the live schema. Only DS's own errors tell these
refusals apart, so the probe lives here and reaches `dsbot check` through the registry
(`BackendSpec.probe`). The probes expect refusals ("not found" for a dossier that cannot exist);
nothing here changes anything in DS."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from dsbot.backends.ds import errors as e
from dsbot.backends.ds.documents import documents
from dsbot.backends.errors import BackendError
from dsbot.backends.registry import FAIL, OK, WARN, Finding
from dsbot.config import Settings
from dsbot.network_errors import explain

if TYPE_CHECKING:
    from graphql import IntrospectionQuery


def _gid(kind: str, n: int) -> str:
    return base64.b64encode(f"{kind}-{n}".encode()).decode()


def probe(ds: Any, settings: Settings) -> Iterator[Finding]:
    """DS's findings, asked through `ds` (its client): the token, then (when DS accepts it)
    the démarches, the right to write and the schema."""
    token = list(_check_token(ds, settings))
    yield from token
    if any(finding.status == FAIL for finding in token):
        return
    yield from _check_demarches(ds, settings)
    yield from _check_write_access(ds)
    yield from check_schema(ds)


def _check_token(ds: Any, settings: Settings) -> Iterator[Finding]:
    try:
        # A dossier that cannot exist: a valid token gets "not found", a bad one an auth error.
        ds.get_dossier_state(0)
    except e.DSNotFound:
        yield Finding(OK, f"DS répond à {settings.ds_api_url} et accepte le jeton")
    except e.DSTokenExpired:
        yield Finding(
            FAIL,
            "Le jeton DS a expiré",
            "Créez un nouveau jeton dans DS, mettez-le dans DS_API_TOKEN",
        )
    except e.DSNotAuthenticated:
        yield Finding(
            FAIL, "DS ne reconnaît pas le jeton", "Copiez le jeton entier dans DS_API_TOKEN"
        )
    except e.DSForbiddenNetwork as exc:
        yield Finding(
            FAIL,
            f"DS refuse l’adresse IP de cette machine : {exc.message}",
            "Autorisez-la sur le jeton dans DS",
        )
    except BackendError as exc:
        host = urlsplit(settings.ds_api_url).netloc
        words = explain(exc, host) or exc.message
        yield Finding(FAIL, f"DS est injoignable : {words}", "Vérifiez DS_API_URL et le réseau")


def _check_demarches(ds: Any, settings: Settings) -> Iterator[Finding]:
    for number in settings.demarches:
        try:
            demarche = ds.get_demarche(number)
        except e.DSPermissionDenied:
            yield Finding(
                FAIL,
                f"La démarche {number} est hors de portée du jeton",
                "Ajoutez-la au jeton dans DS, ou retirez-la de DSBOT_DEMARCHES",
            )
        except BackendError as exc:
            yield Finding(FAIL, f"Démarche {number} : {exc.message}")
        else:
            count = sum(len(g.instructeurs) for g in demarche.groupes)
            yield Finding(
                OK,
                f"Démarche {number} « {demarche.title} » : {count} "
                + ("place d’instructeur" if count <= 1 else "places d’instructeur"),
            )
    if not settings.demarches:
        yield Finding(
            WARN,
            "DSBOT_DEMARCHES est vide : la liaison automatique ne connaît que les démarches"
            " abonnées",
            "Listez vos numéros de démarche dans DSBOT_DEMARCHES",
        )


def _check_write_access(ds: Any) -> Iterator[Finding]:
    try:
        ds.execute(
            "dossier_passer_en_instruction",
            {"input": {"dossierId": _gid("Dossier", 0), "instructeurId": _gid("Instructeur", 0)}},
        )
    except e.DSReadOnlyToken:
        yield Finding(
            FAIL,
            "Le jeton DS est en lecture seule : les boutons ne peuvent pas agir",
            "Créez un jeton en lecture et écriture",
        )
    except BackendError:
        # Any other refusal (not found...) means DS got past the read-only check.
        yield Finding(OK, "Le jeton DS peut écrire")
    else:
        yield Finding(OK, "Le jeton DS peut écrire")


def check_schema(ds: Any) -> Iterator[Finding]:
    """Validate every dsbot document against the live schema (docs/ds-api.md, "Schema drift")."""
    # Imported here: every process that builds the DS backend imports this module, and only
    # `dsbot check` validates (graphql-core is a fifth of the start-up of `dsbot poll`).
    from graphql import build_client_schema, parse, validate

    try:
        # DS's answer is checked by build_client_schema itself (TypeError/KeyError below).
        live = build_client_schema(cast("IntrospectionQuery", ds.execute("introspection", {})))
    except (BackendError, TypeError, KeyError) as exc:
        yield Finding(WARN, f"Schéma en ligne illisible ({exc}) : documents non revérifiés")
        return
    broken = []
    for doc in documents().values():
        errors = validate(live, parse(doc.text))
        if errors:
            broken.append(f"{doc.name}: {errors[0].message}")
    if broken:
        yield Finding(
            FAIL,
            "Le schéma en ligne de DS refuse : " + " ; ".join(broken),
            "Mettez dsbot à jour (le schéma de DS a changé)",
        )
    else:
        yield Finding(
            OK, f"Les {len(documents())} documents de dsbot sont valides sur le schéma en ligne"
        )
