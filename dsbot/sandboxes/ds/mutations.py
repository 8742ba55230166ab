"""Mutations, with DS's checks in DS's order and DS's French messages (docs/ds-api.md, "Mutations").

- Read-only token: payload `errors: [{message: "Le jeton utilisé est configuré seulement en
  lecture"}]`; `createDirectUpload` (no `errors` field) gets a top-level `invalid_null` error.
- Blob checks first (`justificatif`, `attachment`), then the global ids (`<Payload> not found`,
  or "hidden due to permissions" outside the token's scope), then state, then the instructeur,
  who must belong to the dossier's groupe.
- Business failures are data: `errors` filled, the other payload fields null.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo, GraphQLSchema

from dsbot.sandboxes.ds.context import RequestContext
from dsbot.sandboxes.ds.dossier_content import (
    ID_STRIDE,
    empty_champ,
    french_date,
    french_datetime,
)
from dsbot.sandboxes.ds.errors import api_error, hidden, not_found
from dsbot.sandboxes.ds.generator import TERMINE
from dsbot.sandboxes.ds.ids import decode_gid, decode_int_gid, gid
from dsbot.sandboxes.ds.resolvers import (
    DossierView,
    instructeur_profile,
    label_object,
    revision_by_number,
)
from dsbot.sandboxes.ds.schema import bind
from dsbot.sandboxes.ds.workflow import Change, already

READ_ONLY = "Le jeton utilisé est configuré seulement en lecture"
NO_ACCESS = "L’instructeur n’a pas les droits d’accès à ce dossier"
NOT_TERMINE = (
    "Un dossier ne peut être déplacé dans « à archiver » qu’une fois le traitement terminé"
)
NOT_ARCHIVED = "Un dossier non archivé ne peut pas être désarchivé"
EMPTY_BODY = "Le champ « Votre message » ne peut être vide"
# errors.add(:dossier, …) under DS's error format « Le champ « %{attribute} » %{message} », the
# attribute having no French name of its own.
MESSAGERIE_CLOSED = (
    "Le champ « Dossier » Il n’est pas possible d’envoyer un message sur un dossier supprimé, "
    "à archiver ou en brouillon"
)
SIRET_DEGRADED = (
    "Les informations du SIRET du dossier ne sont pas complètes. Veuillez réessayer plus tard."
)
BAD_EMAIL = "est invalide. Saisissez une adresse électronique valide. Exemple : adresse@mail.com"
# Champs::DropDownListChamp / MultipleDropDownListChamp: errors.add(:value, :not_in_options),
# whose full message is the bare text (the champ's `format` is "%{message}"): no label, no value.
NOT_IN_OPTIONS = "doit être dans les options proposées"
NOT_IN_SANDBOX = "Cette mutation n’est pas disponible dans le bac à sable dsbot"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Failure(Exception):
    """A business error: the payload carries it in `errors`."""


def errors(*messages: str) -> dict[str, Any]:
    return {"errors": [{"message": m} for m in messages]}


# --- loading the arguments (graphql-ruby `loads:`) ------------------------------------------


class Loader:
    def __init__(self, ctx: RequestContext, payload: str) -> None:
        self.ctx = ctx
        self.payload = payload

    def dossier(self, value: object) -> dict[str, Any]:
        number = decode_int_gid(value, "Dossier")
        row = self.ctx.store.dossier(number) if number is not None else None
        if row is None or not row["visible"]:
            raise not_found(self.payload)
        if not self.ctx.token.can_see(row["demarche"]):
            raise hidden("Dossier")
        return row

    def instructeur(self, value: object) -> int:
        number = decode_int_gid(value, "Instructeur")
        if number is None or number not in self.ctx.store.world.instructeurs:
            raise not_found(self.payload)
        return number

    def label(self, value: object) -> int:
        number = decode_int_gid(value, "Label")
        labels = self.ctx.store.world.labels
        if number is None or number not in labels:
            raise not_found(self.payload)
        if not self.ctx.token.can_see(labels[number]["demarche"]):
            raise hidden("Label")
        return number

    def groupe(self, value: object) -> int:
        number = decode_int_gid(value, "GroupeInstructeur")
        groupes = self.ctx.store.world.groupes
        if number is None or number not in groupes:
            raise not_found(self.payload)
        if not self.ctx.token.can_see(groupes[number]["demarche"]):
            raise hidden("GroupeInstructeur")
        return number


def _authorized(ctx: RequestContext, row: dict[str, Any], instructeur_id: int) -> None:
    if instructeur_id not in ctx.store.world.groupes[row["groupe"]]["instructeurs"]:
        raise Failure(NO_ACCESS)


def _email(ctx: RequestContext, instructeur_id: int) -> str:
    email: str = ctx.store.world.instructeurs[instructeur_id]["email"]
    return email


def _blob(ctx: RequestContext, signed_id: object) -> dict[str, Any] | None:
    if not signed_id:
        return None
    blob, message = ctx.uploads.validate(signed_id, ctx.now)
    if message is not None:
        raise Failure(message)
    assert blob is not None
    return blob


def _blob_file(ctx: RequestContext, signed_id: object) -> dict[str, Any] | None:
    blob = _blob(ctx, signed_id)
    return None if blob is None else ctx.uploads.file_of(blob)


def _can_terminer(ctx: RequestContext, row: dict[str, Any], details: dict[str, Any]) -> bool:
    """DS's `can_terminer?`, annotation part: no required annotation privée left empty."""
    required = {d["id"] for d in _descriptors(ctx, row).values() if d.get("required")}
    for champ in details["annotations"]:
        if champ.get("champDescriptorId") in required and _is_blank(champ):
            return False
    return True


def _is_blank(champ: dict[str, Any]) -> bool:
    if champ.get("__typename") == "RepetitionChamp":
        return not champ.get("rows")
    value = champ.get("stringValue")
    return value is None or not str(value).strip()


# A mutation's work: its input in, its payload out (`Failure` for a business error).
Handler = Callable[[RequestContext, Loader, dict[str, Any]], dict[str, Any]]

# --- the state machine ----------------------------------------------------------------------


def _transition(
    required: tuple[str, ...], apply: Callable[..., None], *, decision: bool = False
) -> Handler:
    def handler(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
        justificatif = _blob_file(ctx, data.get("justificatif")) if decision else None
        row = load.dossier(data["dossierId"])
        instructeur_id = load.instructeur(data["instructeurId"])
        if row["state"] not in required:
            raise Failure(already(row["state"]))
        change = Change(ctx.store, row, ctx.now)
        if decision and not _can_terminer(ctx, row, change.details):
            # DS answers a decision it cannot take with the state message, misleading as it is.
            raise Failure(already(row["state"]))
        if decision and change.details["demandeur"]["__typename"] == "PersonneMoraleIncomplete":
            raise Failure(SIRET_DEGRADED)  # DS's établissement in degraded mode
        _authorized(ctx, row, instructeur_id)
        apply(change, (instructeur_id, _email(ctx, instructeur_id)), data, justificatif)
        change.save()
        return {"dossier": DossierView(ctx, change.row), "errors": None}

    return handler


passer_en_instruction = _transition(
    ("en_construction",), lambda c, who, data, _j: c.passer_en_instruction(who[1], who[0])
)
accepter = _transition(
    ("en_instruction",),
    lambda c, who, data, j: c.decide("accepte", who[1], data.get("motivation"), j),
    decision=True,
)
refuser = _transition(
    ("en_instruction",),
    lambda c, who, data, j: c.decide("refuse", who[1], data["motivation"], j),
    decision=True,
)
classer_sans_suite = _transition(
    ("en_instruction",),
    lambda c, who, data, j: c.decide("sans_suite", who[1], data["motivation"], j),
    decision=True,
)
repasser_en_instruction = _transition(
    TERMINE, lambda c, who, data, _j: c.repasser_en_instruction(who[1])
)
repasser_en_construction = _transition(
    ("en_instruction",), lambda c, who, data, _j: c.repasser_en_construction(who[1])
)


def archiver(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
    row = load.dossier(data["dossierId"])
    instructeur_id = load.instructeur(data["instructeurId"])
    if row["state"] not in TERMINE:
        raise Failure(NOT_TERMINE)
    _authorized(ctx, row, instructeur_id)
    change = Change(ctx.store, row, ctx.now)
    change.set_archived(True)
    change.save()
    return {"dossier": DossierView(ctx, change.row), "errors": None}


def desarchiver(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
    row = load.dossier(data["dossierId"])
    instructeur_id = load.instructeur(data["instructeurId"])
    if not row["archived"]:
        raise Failure(NOT_ARCHIVED)
    _authorized(ctx, row, instructeur_id)
    change = Change(ctx.store, row, ctx.now)
    change.set_archived(False)
    change.save()
    return {"dossier": DossierView(ctx, change.row), "errors": None}


# --- messages -----------------------------------------------------------------------------


def envoyer_message(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
    blob = _blob(ctx, data.get("attachment"))
    row = load.dossier(data["dossierId"])
    instructeur_id = load.instructeur(data["instructeurId"])
    _authorized(ctx, row, instructeur_id)
    # Commentaire's validations, all run, in the order the model declares them: messagerie,
    # body, attachment; the payload lists every full message.
    problems = [MESSAGERIE_CLOSED] if row["archived"] or not row["visible"] else []
    if not (data.get("body") or "").strip():
        problems.append(EMPTY_BODY)
    refused = ctx.uploads.attachment_error(blob) if blob is not None else None
    if refused is not None:
        problems.append(refused)
    if problems:
        return {"message": None, **errors(*problems)}
    attachment = ctx.uploads.file_of(blob) if blob is not None else None
    change = Change(ctx.store, row, ctx.now)
    correction = data.get("correction")
    state = row["state"]
    pending = row["correction_at"] is not None
    open_states = ("en_construction", "en_instruction")
    flag = correction if correction and not pending and state in open_states else None
    email = _email(ctx, instructeur_id)
    message = change.add_message(
        email, data["body"], [attachment] if attachment else [], "instructeur", flag
    )
    if flag and state == "en_instruction":
        change.repasser_en_construction(email)
    change.save()
    return {"message": message, "errors": None}


def supprimer_message(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
    message_id = decode_int_gid(data["messageId"], "Commentaire")
    row = ctx.store.dossier(message_id // ID_STRIDE) if message_id else None
    if row is None or message_id is None:
        raise not_found(load.payload)
    if not ctx.token.can_see(row["demarche"]):
        raise hidden("Message")
    instructeur_id = load.instructeur(data["instructeurId"])
    change = Change(ctx.store, row, ctx.now)
    wanted = gid("Commentaire", message_id)
    message = next((m for m in change.details["messages"] if m["id"] == wanted), None)
    if message is None:
        raise not_found(load.payload)
    if message["email"] != _email(ctx, instructeur_id) or message.get("discardedAt"):
        raise Failure("Le message ne peut pas être supprimé")
    # Then DS checks the author still reaches the dossier: after a change of groupe they may not.
    _authorized(ctx, row, instructeur_id)
    message["discardedAt"] = ctx.now
    message["body"] = ""  # DS empties the body; its web interface writes « Message supprimé »
    message["attachments"], message["attachment"] = [], None
    correction = message.get("correction")
    if correction and correction.get("dateResolution") is None:
        change.resolve_correction()  # deleting the request withdraws it
    change.touch()
    change.save()
    return {"message": message, "errors": None}


# --- annotations --------------------------------------------------------------------------

INPUT_KEYS = {
    "text": "text",
    "textarea": "textarea",
    "email": "email",
    "checkbox": "checkbox",
    "yes_no": "yesNo",
    "date": "date",
    "datetime": "datetime",
    "integer_number": "integerNumber",
    "decimal_number": "decimalNumber",
    "drop_down_list": "dropDownList",
    "multiple_drop_down_list": "multipleDropDownList",
    "repetition": "repetition",
}


def _descriptors(ctx: RequestContext, row: dict[str, Any]) -> dict[int, dict[str, Any]]:
    revision = revision_by_number(ctx, row["revision"]) or {}
    found: dict[int, dict[str, Any]] = {}
    for desc in revision.get("annotationDescriptors", []):
        found[desc["stableId"]] = desc
        for child in desc.get("champDescriptors") or []:
            found[child["stableId"]] = child
    return found


def _find_annotation(annotations: list[dict[str, Any]], champ_id: str) -> dict[str, Any] | None:
    for champ in annotations:
        if champ["id"] == champ_id:
            return champ
        for row in champ.get("rows") or []:
            children: list[dict[str, Any]] = row["champs"]
            for child in children:
                if child["id"] == champ_id:
                    return child
    return None


def _set_value(champ: dict[str, Any], kind: str, value: Any, now: int) -> None:
    champ["updatedAt"] = now
    if kind in ("text", "textarea", "email"):
        champ["value"] = champ["stringValue"] = value
    elif kind in ("checkbox", "yes_no"):
        champ["value"] = bool(value)
        champ["stringValue"] = "Oui" if value else "Non"
    elif kind == "date":
        champ["date"] = value
        champ["stringValue"] = french_date(value)
    elif kind == "datetime":
        champ["datetime"] = value
        champ["stringValue"] = french_datetime(value)
    elif kind in ("integer_number", "decimal_number"):
        champ["value"] = value
        champ["stringValue"] = str(value)
    elif kind == "drop_down_list":
        champ["value"] = champ["stringValue"] = value
    elif kind == "multiple_drop_down_list":
        champ["values"] = list(value)
        champ["stringValue"] = ", ".join(value)
    column_value = {
        "date": champ.get("date"),
        "datetime": champ.get("datetime"),
        "multiple_drop_down_list": champ.get("values"),
    }.get(kind, champ.get("value"))
    for column in champ.get("columns") or []:
        column["stringValue"] = champ["stringValue"]
        column["value"] = column_value


def _add_rows(
    ctx: RequestContext, champ: dict[str, Any], desc: dict[str, Any], count: int, number: int
) -> None:
    rows = champ.setdefault("rows", [])
    for _ in range(max(count, 0)):
        row_id = f"{number}{ctx.now % 1_000_000}{len(rows)}"
        children = [
            empty_champ(child, number, ctx.now, row_id) for child in desc["champDescriptors"] or []
        ]
        rows.append({"id": gid("Row", row_id), "champs": children})
    champ["champs"] = [c for r in rows for c in r["champs"]]
    champ["updatedAt"] = ctx.now


def _not_an_option(desc: dict[str, Any], value: Any) -> str | None:
    """DS's inclusion check of a choice: the first value that is not an option, if any."""
    options = desc.get("options") or []
    if desc["type"] == "drop_down_list" and not desc.get("otherOption"):
        return None if value in options else str(value)
    if desc["type"] == "multiple_drop_down_list":
        return next((str(v) for v in value if v not in options), None)
    return None


def modifier_annotations(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
    row = load.dossier(data["dossierId"])
    instructeur_id = load.instructeur(data["instructeurId"])
    _authorized(ctx, row, instructeur_id)
    descriptors = _descriptors(ctx, row)
    change = Change(ctx.store, row, ctx.now)
    saved, messages = [], []
    for item in data["annotations"]:
        decoded = decode_gid(item["id"])
        stable_text = decoded[1].split("|")[0] if decoded and decoded[0] == "Champ" else ""
        desc = descriptors.get(int(stable_text)) if stable_text.isdigit() else None
        champ = _find_annotation(change.details["annotations"], item["id"]) if desc else None
        if desc is None or champ is None:
            messages.append(f'L‘annotation "{item["id"]}" n’existe pas')
            continue
        key = INPUT_KEYS.get(desc["type"])
        value = item["value"].get(key) if key else None
        if value is None:
            messages.append(f'L‘annotation "{item["id"]}" n’est pas de type attendu')
            continue
        if desc["type"] == "email" and not EMAIL_RE.match(value):
            messages.append(BAD_EMAIL)
            continue
        refused = _not_an_option(desc, value)
        if refused is not None:
            messages.append(NOT_IN_OPTIONS)
            continue
        if desc["type"] == "repetition":
            _add_rows(ctx, champ, desc, value, row["number"])
        else:
            _set_value(champ, desc["type"], value, ctx.now)
        saved.append(champ)
    if saved:
        change.annotation_changed()
        change.save()
    return {"annotations": saved, "errors": [{"message": m} for m in messages] or None}


def _modifier_annotation(key: str) -> Handler:
    """The deprecated one-value mutations, through dossierModifierAnnotations."""

    def handler(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
        row = load.dossier(data["dossierId"])
        descriptors = _descriptors(ctx, row)
        decoded = decode_gid(data["annotationId"])
        stable = decoded[1].split("|")[0] if decoded else ""
        desc = descriptors.get(int(stable)) if stable.isdigit() else None
        actual = INPUT_KEYS.get(desc["type"]) if desc else None
        value_key = actual if key == "text" and actual in ("text", "textarea") else key
        if key == "checkbox" and actual == "yesNo":
            value_key = "yesNo"
        if key == "ligne":
            value_key, data = "repetition", {**data, "value": 1}
        result = modifier_annotations(
            ctx,
            load,
            {
                "dossierId": data["dossierId"],
                "instructeurId": data["instructeurId"],
                "annotations": [{"id": data["annotationId"], "value": {value_key: data["value"]}}],
            },
        )
        if result["errors"]:
            return {"annotation": None, "errors": result["errors"]}
        return {"annotation": result["annotations"][0], "errors": None}

    return handler


# --- labels, suivi, groupe ------------------------------------------------------------------


def ajouter_label(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
    row = load.dossier(data["dossierId"])
    label_id = load.label(data["labelId"])
    change = Change(ctx.store, row, ctx.now)
    if label_id in change.details["labels"]:
        raise Failure("Ce label est déjà associé au dossier")
    if ctx.store.world.labels[label_id]["demarche"] != row["demarche"]:
        raise Failure("Ce label n’appartient pas à la même démarche que le dossier")
    change.details["labels"].append(label_id)
    # No touch: labels do not move dateDerniereModification (docs/ds-api.md, pitfall 3).
    change.save()
    return {"dossier": DossierView(ctx, row), "label": label_object(ctx, label_id), "errors": None}


def supprimer_label(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
    row = load.dossier(data["dossierId"])
    label_id = load.label(data["labelId"])
    change = Change(ctx.store, row, ctx.now)
    if label_id not in change.details["labels"]:
        raise Failure("Ce label n’est pas associé au dossier")
    change.details["labels"].remove(label_id)
    change.save()
    return {"dossier": DossierView(ctx, row), "label": label_object(ctx, label_id), "errors": None}


def bascule_suivi(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
    row = load.dossier(data["dossierId"])
    instructeur_id = load.instructeur(data["instructeurId"])
    _authorized(ctx, row, instructeur_id)
    change = Change(ctx.store, row, ctx.now)
    change.follow(instructeur_id, bool(data.get("follow", True)))
    change.save()
    return {
        "dossier": DossierView(ctx, change.row),
        "instructeur": instructeur_profile(ctx, instructeur_id),
        "errors": None,
    }


def changer_groupe(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
    row = load.dossier(data["dossierId"])
    groupe_number = load.groupe(data["groupeInstructeurId"])
    groupe = ctx.store.world.groupes[groupe_number]
    if row["groupe"] == groupe_number:
        raise Failure(f"Le dossier est déjà avec le groupe instructeur: '{groupe['label']}'")
    if groupe["demarche"] != row["demarche"]:
        raise Failure(
            f"Le groupe instructeur '{groupe['label']}' n’appartient pas à la même démarche "
            "que le dossier"
        )
    change = Change(ctx.store, row, ctx.now)
    change.change_groupe(groupe_number)
    change.save()
    return {"dossier": DossierView(ctx, change.row), "errors": None}


# --- upload -------------------------------------------------------------------------------


def create_direct_upload(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
    row = load.dossier(data["dossierId"])
    upload = ctx.uploads.create(
        ctx.base_url,
        row["number"],
        data["filename"],
        data["byteSize"],
        data["checksum"],
        data["contentType"],
        ctx.now,
    )
    return {"directUpload": upload}


def not_available(ctx: RequestContext, load: Loader, data: dict[str, Any]) -> dict[str, Any]:
    return errors(NOT_IN_SANDBOX)


# --- wiring -------------------------------------------------------------------------------

HANDLERS: dict[str, Callable[[RequestContext, Loader, dict[str, Any]], dict[str, Any]]] = {
    "dossierPasserEnInstruction": passer_en_instruction,
    "dossierAccepter": accepter,
    "dossierRefuser": refuser,
    "dossierClasserSansSuite": classer_sans_suite,
    "dossierRepasserEnInstruction": repasser_en_instruction,
    "dossierRepasserEnConstruction": repasser_en_construction,
    "dossierArchiver": archiver,
    "dossierDesarchiver": desarchiver,
    "dossierEnvoyerMessage": envoyer_message,
    "dossierSupprimerMessage": supprimer_message,
    "dossierModifierAnnotations": modifier_annotations,
    "dossierModifierAnnotationText": _modifier_annotation("text"),
    "dossierModifierAnnotationCheckbox": _modifier_annotation("checkbox"),
    "dossierModifierAnnotationDate": _modifier_annotation("date"),
    "dossierModifierAnnotationDatetime": _modifier_annotation("datetime"),
    "dossierModifierAnnotationIntegerNumber": _modifier_annotation("integerNumber"),
    "dossierModifierAnnotationDecimalNumber": _modifier_annotation("decimalNumber"),
    "dossierModifierAnnotationDropDownList": _modifier_annotation("dropDownList"),
    "dossierModifierAnnotationAjouterLigne": _modifier_annotation("ligne"),
    "dossierAjouterLabel": ajouter_label,
    "dossierSupprimerLabel": supprimer_label,
    "dossierBasculeSuivi": bascule_suivi,
    "dossierChangerGroupeInstructeur": changer_groupe,
    "createDirectUpload": create_direct_upload,
}


def _resolver(field_name: str, payload_type: str, handler: Handler) -> Callable[..., Any]:
    def resolve(
        _root: object, info: GraphQLResolveInfo[RequestContext], input: dict[str, Any]
    ) -> dict[str, Any]:
        ctx: RequestContext = info.context
        if not ctx.token.write_access:
            if field_name == "createDirectUpload":
                raise api_error(
                    f"Cannot return null for non-nullable field {payload_type}.directUpload",
                    "invalid_null",
                )
            return errors(READ_ONLY)
        try:
            result = handler(ctx, Loader(ctx, payload_type), input)
        except Failure as failure:
            return errors(str(failure))
        if "clientMutationId" in input:
            result["clientMutationId"] = input["clientMutationId"]
        return result

    return resolve


def install(schema: GraphQLSchema) -> None:
    mutation_type = schema.mutation_type
    assert mutation_type is not None
    for field_name, field in mutation_type.fields.items():
        payload_type = field.type.name  # payloads are nullable object types
        handler = HANDLERS.get(field_name, not_available)
        bind(schema, "Mutation", field_name, _resolver(field_name, payload_type, handler))
