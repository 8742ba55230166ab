"""Query resolvers and the views of démarches, groupes and dossiers.

Views expose GraphQL field names as attributes, properties or methods `(info, **args)`; any
other field falls through to the underlying data dict. Permissions follow DS: a token only
sees the démarches of its scope ("An object of type X was hidden due to permissions").
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from graphql import GraphQLError, GraphQLResolveInfo, GraphQLSchema

from dsbot.sandboxes.ds.clock import add_months
from dsbot.sandboxes.ds.context import RequestContext
from dsbot.sandboxes.ds.errors import InternalError, hidden, not_found
from dsbot.sandboxes.ds.ids import (
    decode_gid,
    decode_int_gid,
    gid,
    ruby_inspect,
    ruby_urlsafe_decode,
)
from dsbot.sandboxes.ds.pagination import connection, failing_connection, page_spec
from dsbot.sandboxes.ds.schema import bind

# --- small objects -------------------------------------------------------------------------


def instructeur_profile(ctx: RequestContext, instructeur_id: int) -> dict[str, Any]:
    instructeur = ctx.store.world.instructeurs[instructeur_id]
    return {"id": gid("Instructeur", instructeur_id), "email": instructeur["email"]}


def groupe_object(ctx: RequestContext, number: int) -> dict[str, Any]:
    groupe = ctx.store.world.groupes[number]
    return {
        "id": gid("GroupeInstructeur", number),
        "number": number,
        "label": groupe["label"],
        "closed": groupe["closed"],
        "instructeurs": [instructeur_profile(ctx, i) for i in groupe["instructeurs"]],
    }


def label_object(ctx: RequestContext, label_id: int) -> dict[str, Any]:
    label = ctx.store.world.labels[label_id]
    return {"id": gid("Label", label_id), "name": label["name"], "color": label["color"]}


def revision_by_number(ctx: RequestContext, number: int) -> dict[str, Any] | None:
    for demarche in ctx.store.world.demarches.values():
        for revision in demarche["revisions"]:
            if revision["number"] == number:
                return revision
    return None


def published_revision(demarche: dict[str, Any]) -> dict[str, Any]:
    return demarche["revisions"][-2]


class View:
    """Attributes first, then the data dict."""

    __slots__ = ("ctx", "data")

    def __init__(self, ctx: RequestContext, data: dict[str, Any]) -> None:
        self.ctx = ctx
        self.data = data

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: a plain data field.
        if name.startswith("__"):
            raise AttributeError(name)
        return self.data.get(name)


# --- connections ---------------------------------------------------------------------------

# A connection's pagination arguments, in page_spec's order.
PAGE_ARGUMENTS = ("first", "last", "after", "before", "order")


def dossiers_connection(
    ctx: RequestContext, scope: str, scope_id: int, demarche: dict[str, Any], args: dict[str, Any]
) -> dict[str, Any]:
    try:
        spec = page_spec(*(args.get(name) for name in PAGE_ARGUMENTS))
    except GraphQLError as error:
        return failing_connection(error)
    updated_since = args.get("updatedSince")
    created_since = args.get("createdSince")
    since: tuple[str, Any] | None
    if updated_since is not None:
        sort, since = "updated_at", ("updated_at", updated_since)
    else:
        sort = "depose_at"
        since = ("depose_at", created_since) if created_since is not None else None
    revisions = _revision_filter(demarche, args)
    if spec.matches_nothing:
        return connection([], spec, lambda r: r[sort], lambda r: DossierView(ctx, r))
    rows = ctx.store.page(
        scope=scope,
        scope_id=scope_id,
        sort=sort,
        since=since,
        state=args.get("state"),
        archived=args.get("archived"),
        revisions=revisions,
        after=spec.after,
        before=spec.before,
        limit=spec.limit,
        inverted=spec.inverted,
    )
    return connection(rows, spec, lambda r: r[sort], lambda r: DossierView(ctx, r))


def _db_id(global_id: str) -> str:
    decoded = decode_gid(global_id)
    return decoded[1] if decoded else ""


def _revision_filter(demarche: dict[str, Any], args: dict[str, Any]) -> list[int] | None:
    """The revision numbers to list; an unknown revision id is `not_found`, as in DS."""
    revisions = demarche["revisions"]

    def find(value: object) -> dict[str, Any]:
        # DemarcheType#find_revision: graphql-ruby's id decoder, then `revisions.find` on the
        # id after the first "-", whatever the type before it; RecordNotFound becomes
        # "<field type> not found" (the schema's rescue_from), the field being `dossiers`.
        raw = ruby_urlsafe_decode(str(value))
        if raw is None:
            raise GraphQLError(f"Invalid input: {ruby_inspect(str(value))}")
        _, _, db_id = raw.decode("utf-8", "replace").partition("-")
        found = next((r for r in revisions if _db_id(r["id"]) == db_id), None)
        if found is None:
            raise not_found("DossierConnection")
        return found

    if args.get("revision") is not None:
        return [find(args["revision"])["number"]]
    low, high = args.get("minRevision"), args.get("maxRevision")
    if low is None and high is None:
        return None
    low_at = find(low)["dateCreation"] if low is not None else None
    high_at = find(high)["dateCreation"] if high is not None else None
    return [
        r["number"]
        for r in revisions
        if (low_at is None or r["dateCreation"] >= low_at)
        and (high_at is None or r["dateCreation"] <= high_at)
    ]


def deleted_connection(
    ctx: RequestContext, scope: str, scope_id: int, args: dict[str, Any], pending: bool
) -> dict[str, Any]:
    try:
        spec = page_spec(*(args.get(name) for name in PAGE_ARGUMENTS))
    except GraphQLError as error:
        return failing_connection(error)
    since_value = args.get("deletedSince")
    sort = "pending_at" if pending else "deleted_at"
    since = None
    if since_value is not None:
        since = ("hidden", since_value) if pending else ("deleted_at", since_value)
    if spec.matches_nothing:
        return connection([], spec, lambda r: r[sort], lambda r: deleted_dossier(r, pending))
    rows = ctx.store.page(
        scope=scope,
        scope_id=scope_id,
        sort=sort,
        listing="pending" if pending else "deleted",
        since=since,
        after=spec.after,
        before=spec.before,
        limit=spec.limit,
        inverted=spec.inverted,
    )
    return connection(rows, spec, lambda r: r[sort], lambda r: deleted_dossier(r, pending))


DELETED_RECORD_BASE = 500_000


def deleted_record_id(number: int) -> int:
    return DELETED_RECORD_BASE + number


def deleted_dossier(row: dict[str, Any], pending: bool) -> dict[str, Any]:
    if pending:
        by_user = row["state"] == "en_construction" and row["hidden_user_at"] is not None
        reason = "user_request" if by_user else "instructeur_request"
        at = row["pending_at"]
    else:
        reason, at = row["deleted_reason"] or "user_request", row["deleted_at"]
    # A deleted dossier's id is its deletion record's own id in DS (a `deleted_dossiers` row),
    # not the dossier’s; a dossier in the trash still has its own (docs/ds-api.md, "Deletions").
    record = row["number"] if pending else deleted_record_id(row["number"])
    return {
        "id": gid("DeletedDossier", record),
        "number": row["number"],
        "state": row["state"],
        "reason": reason,
        "dateSupression": at,
    }


# --- views ---------------------------------------------------------------------------------


class DemarcheView(View):
    __slots__ = ()

    @property
    def activeRevision(self) -> dict[str, Any]:
        return published_revision(self.data)

    publishedRevision = activeRevision

    @property
    def draftRevision(self) -> dict[str, Any]:
        return self.data["revisions"][-1]

    @property
    def champDescriptors(self) -> list[dict[str, Any]]:
        return published_revision(self.data)["champDescriptors"]

    @property
    def annotationDescriptors(self) -> list[dict[str, Any]]:
        return published_revision(self.data)["annotationDescriptors"]

    def groupeInstructeurs(
        self, info: GraphQLResolveInfo[RequestContext], closed: bool | None = None
    ) -> list[dict[str, Any]]:
        if closed is not None:
            # DS calls `closed.true?` on a Ruby boolean: NoMethodError, HTTP 500
            # (docs/ds-api.md, "Errors").
            raise InternalError("groupeInstructeurs(closed:) is broken in DS")
        return [groupe_object(self.ctx, n) for n in self.data["groupes"]]

    @property
    def labels(self) -> list[dict[str, Any]]:
        return [label_object(self.ctx, i) for i in self.data["labels"]]

    def dossiers(self, info: GraphQLResolveInfo[RequestContext], **args: Any) -> dict[str, Any]:
        return dossiers_connection(self.ctx, "demarche", self.data["number"], self.data, args)

    def deletedDossiers(
        self, info: GraphQLResolveInfo[RequestContext], **args: Any
    ) -> dict[str, Any]:
        return deleted_connection(self.ctx, "demarche", self.data["number"], args, pending=False)

    def pendingDeletedDossiers(
        self, info: GraphQLResolveInfo[RequestContext], **args: Any
    ) -> dict[str, Any]:
        return deleted_connection(self.ctx, "demarche", self.data["number"], args, pending=True)


class GroupeView(View):
    __slots__ = ()

    @property
    def id(self) -> str:
        return gid("GroupeInstructeur", self.data["number"])

    @property
    def instructeurs(self) -> list[dict[str, Any]]:
        return [instructeur_profile(self.ctx, i) for i in self.data["instructeurs"]]

    def _demarche(self) -> dict[str, Any]:
        return self.ctx.store.world.demarches[self.data["demarche"]]

    def dossiers(self, info: GraphQLResolveInfo[RequestContext], **args: Any) -> dict[str, Any]:
        number = self.data["number"]
        return dossiers_connection(self.ctx, "groupe", number, self._demarche(), args)

    def deletedDossiers(
        self, info: GraphQLResolveInfo[RequestContext], **args: Any
    ) -> dict[str, Any]:
        return deleted_connection(self.ctx, "groupe", self.data["number"], args, pending=False)

    def pendingDeletedDossiers(
        self, info: GraphQLResolveInfo[RequestContext], **args: Any
    ) -> dict[str, Any]:
        return deleted_connection(self.ctx, "groupe", self.data["number"], args, pending=True)


class DemarcheDescriptorView(View):
    """A démarche seen through one revision (the dossier's, or the published one)."""

    __slots__ = ("revision_data",)

    def __init__(self, ctx: RequestContext, data: dict[str, Any], revision: dict[str, Any]) -> None:
        super().__init__(ctx, data)
        self.revision_data = revision

    def revision(self, info: GraphQLResolveInfo[RequestContext]) -> dict[str, Any]:
        return self.revision_data

    @property
    def demarcheURL(self) -> str:
        return f"{self.ctx.base_url}/commencer/demarche-{self.data['number']}"

    demarcheUrl = demarcheURL

    @property
    def cadreJuridiqueURL(self) -> str:
        return "https://www.legifrance.gouv.fr/"

    cadreJuridiqueUrl = cadreJuridiqueURL


def _filter_by_id(items: list[dict[str, Any]], wanted: str | None) -> list[dict[str, Any]]:
    return items if wanted is None else [item for item in items if item["id"] == wanted]


class DossierView:
    """A dossier: the light fields come from the core row, the rest from its details."""

    __slots__ = ("_details", "ctx", "row")

    def __init__(self, ctx: RequestContext, row: dict[str, Any]) -> None:
        self.ctx = ctx
        self.row = row
        self._details: dict[str, Any] | None = None

    @property
    def details(self) -> dict[str, Any]:
        if self._details is None:
            self._details = self.ctx.store.details(self.row)
        return self._details

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.details.get(name)

    # light fields
    @property
    def id(self) -> str:
        return gid("Dossier", self.row["number"])

    @property
    def number(self) -> int:
        return self.row["number"]

    @property
    def state(self) -> str:
        return self.row["state"]

    @property
    def archived(self) -> bool:
        return bool(self.row["archived"])

    @property
    def dateDepot(self) -> int:
        return self.row["depose_at"]

    @property
    def datePassageEnConstruction(self) -> int:
        # Moved by repasser en construction; until then, the deposit.
        saved = self.ctx.store.saved_details(self.row["number"])
        moved = saved.get("datePassageEnConstruction") if saved else None
        return moved or self.row["depose_at"]

    @property
    def datePassageEnInstruction(self) -> int | None:
        return self.row["en_instruction_at"]

    @property
    def dateTraitement(self) -> int | None:
        return self.row["processed_at"]

    @property
    def dateDerniereModification(self) -> int:
        return self.row["updated_at"]

    @property
    def dateDerniereModificationChamps(self) -> int:
        return self.row["champs_at"]

    @property
    def dateDerniereModificationAnnotations(self) -> int:
        return self.row["annotations_at"]

    @property
    def dateDerniereCorrectionEnAttente(self) -> int | None:
        return self.row["correction_at"]

    @property
    def dateSuppressionParUsager(self) -> int | None:
        return self.row["hidden_user_at"]

    @property
    def dateSuppressionParAdministration(self) -> int | None:
        return self.row["hidden_admin_at"]

    @property
    def dateExpiration(self) -> int | None:
        # DS adds calendar months (Rails' `+ n.months`, in Paris time) to the passage en
        # construction or to the decision; en instruction, none (docs/ds-api.md).
        months = self.ctx.store.world.demarches[self.row["demarche"]]["dureeConservationDossiers"]
        state = self.row["state"]
        if state == "en_instruction":
            return None
        base = self.datePassageEnConstruction if state == "en_construction" else None
        base = base or self.row["processed_at"] or self.row["depose_at"]
        return add_months(base, months)

    @property
    def attestation(self) -> dict[str, Any] | None:
        # Built by a job after the acceptance: absent until it has run.
        ready_at = self.details.get("attestationReadyAt") or 0
        return self.details.get("attestation") if self.ctx.now >= ready_at else None

    @property
    def groupeInstructeur(self) -> dict[str, Any]:
        return groupe_object(self.ctx, self.row["groupe"])

    def _revision(self) -> dict[str, Any]:
        revision = revision_by_number(self.ctx, self.row["revision"])
        assert revision is not None
        return revision

    @property
    def revision(self) -> dict[str, Any]:
        return self._revision()

    @property
    def demarche(self) -> DemarcheDescriptorView:
        data = self.ctx.store.world.demarches[self.row["demarche"]]
        return DemarcheDescriptorView(self.ctx, data, self._revision())

    # heavy fields
    def champs(
        self, info: GraphQLResolveInfo[RequestContext], id: str | None = None
    ) -> list[dict[str, Any]]:
        return _filter_by_id(self.details["champs"], id)

    def annotations(
        self, info: GraphQLResolveInfo[RequestContext], id: str | None = None
    ) -> list[dict[str, Any]]:
        return _filter_by_id(self.details["annotations"], id)

    def messages(
        self, info: GraphQLResolveInfo[RequestContext], id: str | None = None
    ) -> list[dict[str, Any]]:
        return _filter_by_id(self.details["messages"], id)

    def avis(
        self, info: GraphQLResolveInfo[RequestContext], id: str | None = None
    ) -> list[dict[str, Any]]:
        return _filter_by_id(self.details["avis"], id)

    @property
    def labels(self) -> list[dict[str, Any]]:
        return [label_object(self.ctx, i) for i in self.details["labels"]]

    @property
    def instructeurs(self) -> list[dict[str, Any]]:
        return [instructeur_profile(self.ctx, i) for i in self.details["followers"]]


# --- Query ---------------------------------------------------------------------------------


def _ctx(info: GraphQLResolveInfo[RequestContext]) -> RequestContext:
    return info.context


def resolve_demarche(
    _root: object, info: GraphQLResolveInfo[RequestContext], number: int
) -> DemarcheView:
    ctx = _ctx(info)
    data = ctx.store.world.demarches.get(number)
    if data is None:
        raise not_found("Demarche")
    if not ctx.token.can_see(number):
        raise hidden("Demarche")
    return DemarcheView(ctx, data)


def visible_dossier_row(ctx: RequestContext, number: int) -> dict[str, Any] | None:
    row = ctx.store.dossier(number)
    return row if row is not None and row["visible"] else None


def resolve_dossier(
    _root: object, info: GraphQLResolveInfo[RequestContext], number: int
) -> DossierView:
    ctx = _ctx(info)
    row = visible_dossier_row(ctx, number)
    if row is None:
        raise not_found("Dossier")
    if not ctx.token.can_see(row["demarche"]):
        raise hidden("Dossier")
    return DossierView(ctx, row)


def resolve_groupe(
    _root: object, info: GraphQLResolveInfo[RequestContext], number: int
) -> GroupeView:
    ctx = _ctx(info)
    data = ctx.store.world.groupes.get(number)
    if data is None:
        raise not_found("GroupeInstructeurWithDossiers")
    if not ctx.token.can_see(data["demarche"]):
        raise hidden("GroupeInstructeurWithDossiers")
    return GroupeView(ctx, data)


def resolve_demarche_descriptor(
    _root: object, info: GraphQLResolveInfo[RequestContext], demarche: dict[str, Any]
) -> DemarcheDescriptorView:
    ctx = _ctx(info)
    number = demarche.get("number")
    if number is None:
        number = decode_int_gid(demarche.get("id"), "Procedure")
    data = ctx.store.world.demarches.get(number) if number is not None else None
    if data is None or number is None:
        raise not_found("DemarcheDescriptor")
    if not (ctx.token.can_see(number) or data.get("opendata")):
        raise hidden("DemarcheDescriptor")
    return DemarcheDescriptorView(ctx, data, published_revision(data))


# --- references inside plain dicts ---------------------------------------------------------


def resolve_file_url(source: object, info: GraphQLResolveInfo[RequestContext]) -> str | None:
    ctx = _ctx(info)
    if not isinstance(source, dict) or not source.get("key"):
        return None
    key = source["key"]
    return f"{ctx.base_url}/_files/{quote(key)}/{quote(source.get('filename') or 'fichier')}"


def resolve_linked_dossier(
    source: dict[str, Any], info: GraphQLResolveInfo[RequestContext]
) -> DossierView | None:
    ctx = _ctx(info)
    number = source.get("dossierNumber")
    row = visible_dossier_row(ctx, number) if number else None
    if row is None or not ctx.token.can_see(row["demarche"]):
        return None
    return DossierView(ctx, row)


def resolve_traitement_revision(
    source: dict[str, Any], info: GraphQLResolveInfo[RequestContext]
) -> dict[str, Any] | None:
    number = source.get("revisionNumber")
    return revision_by_number(_ctx(info), number) if number else None


def install(schema: GraphQLSchema) -> None:
    bind(schema, "Query", "demarche", resolve_demarche)
    bind(schema, "Query", "dossier", resolve_dossier)
    bind(schema, "Query", "groupeInstructeur", resolve_groupe)
    bind(schema, "Query", "demarcheDescriptor", resolve_demarche_descriptor)
    bind(schema, "File", "url", resolve_file_url)
    bind(schema, "DossierLinkChamp", "dossier", resolve_linked_dossier)
    bind(schema, "Traitement", "revision", resolve_traitement_revision)
