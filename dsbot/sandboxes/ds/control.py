"""The control API (`/_sandbox/*`): JSON, no auth, for tests and demos
(docs/interface.md, "Control API").

- `GET /_sandbox/health` → `{"ok": true}`
- `GET /_sandbox/demarches` → `{"demarches": [{number, id, title, dossiers_count,
  groupes: [{number, id, label, closed, instructeurs: [{id, email}]}],
  labels: [{id, name, color}]}]}` (closed groupes included)
- `POST /_sandbox/dossiers` `{"demarche", "state"?, "groupe"?, "motivation"?,
  "siret_degraded"?}` → 201 `{"number", "id"}`: a dossier deposited now (default groupe: the
  first open one); `siret_degraded` (démarches for personnes morales only): DS could not read
  the établissement (`PersonneMoraleIncomplete`), so it refuses any decision
- `GET /_sandbox/dossiers/<n>` → the stored dossier (`dossier_json`), deleted ones too
- `POST /_sandbox/dossiers/<n>/messages` `{"body", "attachment"?}` → 201 `{"id", "createdAt"}`:
  a message from the usager (moves dateDerniereModification)
- `POST /_sandbox/dossiers/<n>/state` `{"state", "motivation"?, "instructeur"?}` → the dossier:
  a change made in DS's web interface, through the intermediate states, with traitements
- `POST /_sandbox/dossiers/<n>/touch` → the dossier: the usager edited a field (which answers a
  pending correction request)
- `DELETE /_sandbox/dossiers/<n>` (`?reason=<DeletedDossierReason>`) → the dossier, deleted now
  (listed by `deletedDossiers`, no longer by `dossiers`)
- `GET /_sandbox/stats` → `{"graphql_requests", "by_operation"}` since start
- `GET` / `POST /_sandbox/faults` → the fault settings (see `dsbot.sandboxes.ds.faults`)
- `GET /_sandbox/clock` → `{"now", "now_us", "frozen"}`: the sandbox's time, which stamps
  everything it writes (deposits, modification dates, messages, traitements, deletions,
  cursors, rate-limit windows, upload URL expiry)
- `POST /_sandbox/clock` `{"advance_s": 60}` or `{"now": "<ISO 8601>"}`, and/or
  `{"freeze": true | false}` → the new clock: time jumps forward, then keeps running (or
  stands still while frozen; a frozen clock still ticks one microsecond per write so that
  sort keys stay unique). Time never goes backwards: an earlier `now` or a negative
  `advance_s` is refused with 400. The move is kept in the `--db` file.

Extensions:

- `POST /_sandbox/tokens` `{"token", "read_only": false, "expired": false,
  "forbidden_network": false, "demarches": null | [numbers]}` → 201: one more accepted token
  (read-only, expired (401), outside the allowed networks (403), or scoped to démarches)
- `POST /_sandbox/dossiers/<n>/trash` `{"by": "administration" | "usager"}` → the dossier,
  hidden (listed by `pendingDeletedDossiers`; the administration hides terminé dossiers, the
  usager hides en_construction ones)
- `POST /_sandbox/dossiers/<n>/avis` `{"question"?, "reponse"?, "expert"?}` → 201 `{"id"}`:
  an avis asked by an instructeur of the groupe to an expert (moves dateDerniereModification)
- `POST /_sandbox/blobs/corrupt` `{"signedBlobId"}` → `{"ok": true}`: the uploaded bytes stop
  matching their checksum ("Le hash du fichier téléversé est invalide")

`messages` `attachment`, when given, is `{"filename", "content_type", "content_base64"}`.
Errors answer `{"error": "<reason>"}` with 400 or 404.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dsbot.sandboxes.ds import dossier_content
from dsbot.sandboxes.ds.auth import Tokens
from dsbot.sandboxes.ds.clock import ClockError, iso, parse_iso
from dsbot.sandboxes.ds.faults import FaultError
from dsbot.sandboxes.ds.generator import TERMINE
from dsbot.sandboxes.ds.ids import gid
from dsbot.sandboxes.ds.uploads import BLOB_BASE
from dsbot.sandboxes.ds.workflow import Change, apply_step, path_to
from dsbot.sandboxes.http import ControlError, Response, control_answer, json_response

if TYPE_CHECKING:
    from dsbot.sandboxes.ds.app import SandboxApp

CLOCK_OFFSET_KEY = "clock_offset_us"  # in the store's meta: a restart keeps the moved clock

STATES = ("en_construction", "en_instruction", "accepte", "refuse", "sans_suite")
DELETED_REASONS = (
    "expired",
    "instructeur_request",
    "manager_request",
    "procedure_removed",
    "user_expired",
    "user_removed",
    "user_request",
)
DOSSIER_PATH = re.compile(r"^/_sandbox/dossiers/(\d+)(?:/(messages|state|touch|trash|avis))?$")


def _file_json(file: dict[str, Any] | None) -> dict[str, Any] | None:
    if not file:
        return None
    return {
        "filename": file["filename"],
        "contentType": file["contentType"],
        "checksum": file["checksum"],
        "byteSize": file["byteSize"],
    }


def dossier_json(app: SandboxApp, row: dict[str, Any]) -> dict[str, Any]:
    """The stored dossier, with the keys docs/interface.md lists, and a few more."""
    store = app.store
    details = store.details(row)
    world = store.world
    deleted = None
    if row["deleted_at"] is not None:
        deleted = {"reason": row["deleted_reason"], "dateSupression": iso(row["deleted_at"])}
    return {
        "number": row["number"],
        "id": gid("Dossier", row["number"]),
        "demarche": row["demarche"],
        "groupe": row["groupe"],
        "state": row["state"],
        "archived": bool(row["archived"]),
        "motivation": details.get("motivation"),
        "justificatif": _file_json(details.get("motivationAttachment")),
        "messages": [
            {
                "id": m["id"],
                "body": m["body"],
                "email": m["email"],
                "author": m.get("author"),
                "createdAt": iso(m["createdAt"]),
                "attachments": [_file_json(f) for f in m["attachments"]],
                "correction": m.get("correction"),
            }
            for m in details["messages"]
        ],
        "traitements": [
            {
                "event": t["event"],
                "state": t["state"],
                "emailAgentTraitant": t["emailAgentTraitant"],
                "motivation": t["motivation"],
                "dateTraitement": iso(t["dateTraitement"]),
            }
            for t in details["traitements"]
        ],
        "labels": [world.labels[i]["name"] for i in details["labels"]],
        "followers": [world.instructeurs[i]["email"] for i in details["followers"]],
        "usager": details["usager"]["email"],
        "dateDepot": iso(row["depose_at"]),
        "dateDerniereModification": iso(row["updated_at"]),
        "dateDerniereModificationChamps": iso(row["champs_at"]),
        "dateDerniereModificationAnnotations": iso(row["annotations_at"]),
        "listed": bool(row["visible"]),
        "pending_deletion": None if row["pending_at"] is None else iso(row["pending_at"]),
        "deleted": deleted,
    }


def demarches_json(app: SandboxApp) -> dict[str, Any]:
    world = app.store.world
    result = []
    for number, demarche in sorted(world.demarches.items()):
        result.append(
            {
                "number": number,
                "id": demarche["id"],
                "title": demarche["title"],
                "dossiers_count": app.store.count_dossiers(number),
                "groupes": [
                    {
                        "number": g,
                        "id": gid("GroupeInstructeur", g),
                        "label": world.groupes[g]["label"],
                        "closed": world.groupes[g]["closed"],
                        "instructeurs": [
                            {"id": gid("Instructeur", i), "email": world.instructeurs[i]["email"]}
                            for i in world.groupes[g]["instructeurs"]
                        ],
                    }
                    for g in demarche["groupes"]
                ],
                "labels": [
                    {
                        "id": gid("Label", i),
                        "name": world.labels[i]["name"],
                        "color": world.labels[i]["color"],
                    }
                    for i in demarche["labels"]
                ],
            }
        )
    return {"demarches": result}


# --- writes ----------------------------------------------------------------------------------


def _row(app: SandboxApp, number: int) -> dict[str, Any]:
    row = app.store.dossier(number)
    if row is None:
        raise ControlError(404, f"no dossier {number}")
    return row


def _first_agent(app: SandboxApp, row: dict[str, Any]) -> str:
    groupe = app.store.world.groupes[row["groupe"]]
    email: str = app.store.world.instructeurs[groupe["instructeurs"][0]]["email"]
    return email


def _instructeur_id(app: SandboxApp, email: str) -> int | None:
    """The instructeur with that email (who follows a dossier they take), if any."""
    found = (i for i, v in app.store.world.instructeurs.items() if v["email"] == email)
    return next(found, None)


def create_dossier(app: SandboxApp, body: dict[str, Any]) -> Response:
    world = app.store.world
    number = body.get("demarche")
    demarche = world.demarches.get(number) if isinstance(number, int) else None
    if demarche is None:
        raise ControlError(404, f"no démarche {body.get('demarche')!r}")
    state = body.get("state", "en_construction")
    if state not in STATES:
        raise ControlError(400, f"state must be one of {', '.join(STATES)}")
    groupe = body.get("groupe")
    if groupe is None:
        groupe = next(g for g in demarche["groupes"] if not world.groupes[g]["closed"])
    elif groupe not in demarche["groupes"]:
        raise ControlError(400, f"groupe {groupe!r} is not a groupe of that démarche")
    degraded = bool(body.get("siret_degraded"))
    if degraded and demarche["individual"]:
        raise ControlError(400, "siret_degraded needs a démarche for personnes morales")
    now = app.clock.now_us()
    row = {
        "number": app.store.next_dossier_number(),
        "demarche": demarche["number"],
        "groupe": groupe,
        "revision": demarche["revisions"][-2]["number"],
        "state": "en_construction",
        "archived": 0,
        "created_at": now,
        "depose_at": now,
        "en_instruction_at": None,
        "processed_at": None,
        "updated_at": now,
        "champs_at": now,
        "annotations_at": now,
        "correction_at": None,
        "hidden_user_at": None,
        "hidden_admin_at": None,
        "deleted_at": None,
        "deleted_reason": None,
    }
    app.store.insert_dossier(row)
    change = Change(app.store, row, now)
    if degraded:
        demandeur = change.details["demandeur"]
        change.details["demandeur"] = {
            "__typename": "PersonneMoraleIncomplete",
            "id": demandeur["id"],
            "siret": demandeur["siret"],
        }
    email = _first_agent(app, row)
    who = _instructeur_id(app, email)
    for step in path_to("en_construction", state):
        motivation = body.get("motivation") or _default_motivation(step)
        apply_step(change, step, email, motivation, who)
    change.save()
    return json_response(201, {"number": row["number"], "id": gid("Dossier", row["number"])})


def _default_motivation(state: str) -> str | None:
    return {"refuse": "Dossier non éligible.", "sans_suite": "Demande abandonnée."}.get(state)


def set_state(app: SandboxApp, row: dict[str, Any], body: dict[str, Any]) -> Response:
    state = body.get("state")
    if state not in STATES:
        raise ControlError(400, f"state must be one of {', '.join(STATES)}")
    email = body.get("instructeur") or _first_agent(app, row)
    change = Change(app.store, row, app.clock.now_us())
    who = _instructeur_id(app, email)
    for step in path_to(row["state"], state):
        motivation = body.get("motivation") or _default_motivation(step)
        apply_step(change, step, email, motivation, who)
    change.save()
    return json_response(200, dossier_json(app, change.row))


def add_message(app: SandboxApp, row: dict[str, Any], body: dict[str, Any]) -> Response:
    text = body.get("body")
    if not isinstance(text, str) or not text.strip():
        raise ControlError(400, "body must be a non-empty string")
    files = []
    attachment = body.get("attachment")
    now = app.clock.now_us()
    if attachment:
        try:
            data = base64.b64decode(attachment["content_base64"], validate=True)
            filename = str(attachment["filename"])
        except (KeyError, TypeError, binascii.Error) as exc:
            raise ControlError(400, f"bad attachment: {exc}") from None
        content_type = str(attachment.get("content_type", "application/octet-stream"))
        # Kept like an upload, so that its url serves these bytes.
        key = secrets.token_hex(14)
        blob_id = app.store.next_id("blob", BLOB_BASE)
        file = dossier_content.file_dict(f"up-{key}", filename, content_type, now, data=data)
        app.store.create_blob(
            {
                "id": blob_id,
                "key": key,
                "dossier": row["number"],
                "filename": filename,
                "content_type": content_type,
                "byte_size": len(data),
                "checksum": file["checksum"],
                "created_at": now,
            }
        )
        app.store.store_blob_data(blob_id, data)
        files.append(file)
    change = Change(app.store, row, now)
    usager = change.details["usager"]["email"]
    message = change.add_message(usager, text, files, "usager")
    change.save()
    return json_response(201, {"id": message["id"], "createdAt": iso(message["createdAt"])})


def add_avis(app: SandboxApp, row: dict[str, Any], body: dict[str, Any]) -> Response:
    world = app.store.world
    claimant_id = world.groupes[row["groupe"]]["instructeurs"][0]
    claimant = {
        "id": gid("Instructeur", claimant_id),
        "email": world.instructeurs[claimant_id]["email"],
    }
    change = Change(app.store, row, app.clock.now_us())
    avis = change.add_avis(
        claimant,
        str(body.get("expert") or "expert.avis@cerema.fr"),
        str(body.get("question") or "Pouvez-vous donner votre avis sur ce dossier ?"),
        body.get("reponse"),
    )
    change.save()
    return json_response(201, {"id": avis["id"]})


def touch(app: SandboxApp, row: dict[str, Any]) -> Response:
    change = Change(app.store, row, app.clock.now_us())
    change.edit_champ()
    if row["correction_at"] is not None:
        # DS closes the pending correction request when the usager submits the corrected dossier.
        change.resolve_correction()
    change.save()
    return json_response(200, dossier_json(app, change.row))


def delete(app: SandboxApp, row: dict[str, Any], reason: str | None) -> Response:
    if reason is None:
        reason = "user_request" if row["state"] == "en_construction" else "instructeur_request"
    if reason not in DELETED_REASONS:
        raise ControlError(400, f"reason must be one of {', '.join(DELETED_REASONS)}")
    change = Change(app.store, row, app.clock.now_us())
    if row["deleted_at"] is None:
        row["deleted_at"] = change.now
        row["deleted_reason"] = reason
    change.save()
    return json_response(200, dossier_json(app, change.row))


def trash(app: SandboxApp, row: dict[str, Any], body: dict[str, Any]) -> Response:
    by = body.get("by", "administration")
    if by not in ("administration", "usager"):
        raise ControlError(400, 'by must be "administration" or "usager"')
    if by == "administration" and row["state"] not in TERMINE:
        raise ControlError(400, "the administration only hides terminé dossiers")
    change = Change(app.store, row, app.clock.now_us())
    row["hidden_admin_at" if by == "administration" else "hidden_user_at"] = change.now
    change.touch()
    change.save()
    return json_response(200, dossier_json(app, change.row))


# --- routing ---------------------------------------------------------------------------------


def _body(raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ControlError(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def handle(
    app: SandboxApp, method: str, path: str, query: dict[str, list[str]], raw: bytes
) -> Response:
    return control_answer(lambda: _route(app, method, path.rstrip("/") or "/", query, raw))


def _route(app: SandboxApp, method: str, path: str, query: dict[str, Any], raw: bytes) -> Response:
    service = _SERVICE_ROUTES.get((method, path))
    if service is not None:
        return service(app, raw)
    with app.store.lock:
        data = _DATA_ROUTES.get((method, path))
        if data is not None:
            return data(app, raw)
        match = DOSSIER_PATH.match(path)
        if match:
            row = _row(app, int(match.group(1)))
            answer = _dossier_route(app, method, match.group(2), row, query, raw)
            if answer is not None:
                return answer
    raise ControlError(404, f"no route {method} {path}")


def _update_faults(app: SandboxApp, raw: bytes) -> Response:
    try:
        return json_response(200, app.faults.update(_body(raw)))
    except FaultError as exc:
        raise ControlError(400, str(exc)) from None


def _corrupt_blob(app: SandboxApp, raw: bytes) -> Response:
    ok = app.uploads.corrupt(str(_body(raw).get("signedBlobId")), app.clock.now_us())
    return json_response(200 if ok else 404, {"ok": ok})


Route = Callable[["SandboxApp", bytes], Response]

# Paths that read or set the sandbox itself, by (method, path): no store lock.
_SERVICE_ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/_sandbox/health"): lambda app, raw: json_response(200, {"ok": True}),
    ("GET", "/_sandbox/stats"): lambda app, raw: json_response(200, app.stats.snapshot()),
    ("GET", "/_sandbox/faults"): lambda app, raw: json_response(200, app.faults.snapshot()),
    ("POST", "/_sandbox/faults"): _update_faults,
    ("POST", "/_sandbox/tokens"): lambda app, raw: _add_token(app, _body(raw)),
    ("GET", "/_sandbox/clock"): lambda app, raw: json_response(200, app.clock.as_json()),
    ("POST", "/_sandbox/clock"): lambda app, raw: _move_clock(app, _body(raw)),
}

# Paths that read or write the data, under the store lock.
_DATA_ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/_sandbox/demarches"): lambda app, raw: json_response(200, demarches_json(app)),
    ("POST", "/_sandbox/dossiers"): lambda app, raw: create_dossier(app, _body(raw)),
    ("POST", "/_sandbox/blobs/corrupt"): _corrupt_blob,
}

DossierChange = Callable[["SandboxApp", dict[str, Any], bytes], Response]

# POST /_sandbox/dossiers/<number>/<action>
_DOSSIER_CHANGES: dict[str, DossierChange] = {
    "messages": lambda app, row, raw: add_message(app, row, _body(raw)),
    "state": lambda app, row, raw: set_state(app, row, _body(raw)),
    "touch": lambda app, row, raw: touch(app, row),
    "trash": lambda app, row, raw: trash(app, row, _body(raw)),
    "avis": lambda app, row, raw: add_avis(app, row, _body(raw)),
}


def _dossier_route(
    app: SandboxApp,
    method: str,
    action: str | None,
    row: dict[str, Any],
    query: dict[str, Any],
    raw: bytes,
) -> Response | None:
    """The answer of a dossier's path, or None when the method or action is not one."""
    if action is None and method == "GET":
        return json_response(200, dossier_json(app, row))
    if action is None and method == "DELETE":
        return delete(app, row, (query.get("reason") or [None])[0])
    change = _DOSSIER_CHANGES.get(action) if method == "POST" and action is not None else None
    return None if change is None else change(app, row, raw)


def _move_clock(app: SandboxApp, body: dict[str, Any]) -> Response:
    unknown = set(body) - {"advance_s", "now", "freeze"}
    if unknown:
        raise ControlError(400, f"unknown clock field(s): {', '.join(sorted(unknown))}")
    if "advance_s" in body and "now" in body:
        raise ControlError(400, "give advance_s or now, not both")
    freeze = body.get("freeze")
    if "freeze" in body and not isinstance(freeze, bool):
        raise ControlError(400, "freeze must be true or false")
    target = None
    if "now" in body:
        try:
            target = parse_iso(body["now"])
        except (ValueError, TypeError):
            raise ControlError(
                400,
                f"now must be an ISO 8601 date-time like 2026-03-05T14:02:11+01:00, "
                f"not {body['now']!r}",
            ) from None
    clock = app.clock
    with app.store.lock:
        try:
            if "advance_s" in body:
                clock.advance(body["advance_s"])
            elif target is not None:
                clock.set(target)
        except ClockError as exc:
            raise ControlError(400, str(exc)) from None
        if freeze is not None:
            clock.freeze(freeze)
        app.store.set_meta(CLOCK_OFFSET_KEY, clock.offset_us)
    return json_response(200, clock.as_json())


def _add_token(app: SandboxApp, body: dict[str, Any]) -> Response:
    value = body.get("token")
    if not isinstance(value, str) or not value:
        raise ControlError(400, "token must be a non-empty string")
    demarches = body.get("demarches")
    if demarches is not None and (
        not isinstance(demarches, list) or not all(isinstance(n, int) for n in demarches)
    ):
        raise ControlError(400, "demarches must be null or a list of démarche numbers")
    token = Tokens.from_json(value, body)
    app.tokens.add(token)
    with app.store.lock:
        app.store.save_token(value, token.as_json())
    return json_response(201, {"token": value, **token.as_json()})
