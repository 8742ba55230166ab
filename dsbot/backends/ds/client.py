"""The DS GraphQL API client: typed reads, safe mutations, direct upload.

Knows DS and nothing of Slack. Reads return `dsbot.backends.ds.models` dataclasses; failures
raise the classes of `dsbot.backends.ds.errors`, carrying DS's own (French) messages.

Mutations are not idempotent (docs/ds-api.md, pitfall 11): they are never resent after DS may
have seen them.
When the answer of a mutation is lost (timeout, dropped connection, 5xx), the dossier is read
again; if it already is where the mutation wanted it, the call succeeds with `recovered=True`,
otherwise the original error is raised.
"""

from __future__ import annotations

import copy
import pathlib
import random
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, BinaryIO, Protocol, TypeVar

import httpx

from dsbot.backends.ds.annotations import (
    Annotation,
    AnnotationSheet,
    SavedAnnotations,
    parse_annotation,
    parse_sheet,
)
from dsbot.backends.ds.annotations import holds as _holds
from dsbot.backends.ds.documents import get_document
from dsbot.backends.ds.errors import (
    DSError,
    DSMutationError,
    DSNotFound,
    DSPartialMutationError,
    DSPermissionDenied,
    DSReadOnlyToken,
    DSServerError,
    DSUploadError,
)
from dsbot.backends.ds.models import (
    Champ,
    DeletedDossier,
    Demarche,
    DirectUpload,
    Dossier,
    DossierState,
    FeedPage,
    GroupeInstructeur,
    Message,
    MutationResult,
    format_datetime,
    parse_champ,
    parse_deleted,
    parse_demarche,
    parse_dossier,
    parse_dossier_partial,
    parse_feed_page,
    parse_groupe,
    parse_message,
)
from dsbot.backends.ds.transport import (
    READ_ONLY_MARKER,
    GraphQLTransport,
    RetryPolicy,
    backoff_delay,
    map_http_exception,
)
from dsbot.backends.ds.upload import PreparedFile, Source, parse_direct_upload, prepare, put_file
from dsbot.backends.port import RequestObserver
from dsbot.logs import get_logger
from dsbot.ratelimit import RateLimiter, shared_limiter
from dsbot.tls import verified_context

logger = get_logger(__name__)

PAGE_SIZE = 100  # DS's maximum (larger values are silently clamped)
# Slots of queries/get_dossiers.graphql: full dossiers read per request by get_dossiers.
BATCH_SIZE = 20
# createDirectUpload only creates an unattached blob: sending it twice is harmless.
IDEMPOTENT_MUTATIONS = frozenset({"create_direct_upload"})
# How far before the call a message found on re-read may be dated: DS dates to the second and
# its clock is not ours.
MESSAGE_RECOVERY_SLACK = timedelta(seconds=10)

T = TypeVar("T")


class DossierRef(Protocol):
    """What a mutation needs to know of a dossier (models.Dossier, DossierSummary...)."""

    @property
    def id(self) -> str: ...

    @property
    def number(self) -> int: ...


class DSClient:
    """One DS endpoint and token. Thread-safe; share one per process and token."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        limiter: RateLimiter | None = None,
        max_read_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        max_retry_after: float = 60.0,
        keepalive_expiry: float = 5.0,
        rng: random.Random | None = None,
        wall_clock: Callable[[], float] = time.time,
        observer: RequestObserver | None = None,
    ) -> None:
        """`wall_clock` is the epoch time DS's `RateLimit-Reset` is read against (tests give
        the sandbox's clock); `observer` counts the requests (/metrics)."""
        self.url = url
        self._token = token
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.policy = RetryPolicy(
            max_read_retries=max_read_retries,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            max_retry_after=max_retry_after,
        )
        self.limiter = limiter or shared_limiter(url, token)
        # A short keep-alive: servers and proxies drop idle connections, and reusing a dropped
        # one fails in ways that are ambiguous for a mutation
        # (docs/ds-api.md, pitfall 9).
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            limits=httpx.Limits(
                max_connections=20, max_keepalive_connections=10, keepalive_expiry=keepalive_expiry
            ),
            transport=transport,
            headers={"User-Agent": "dsbot"},
            follow_redirects=False,
            verify=verified_context(),
        )
        self._transport = GraphQLTransport(
            self._http,
            url,
            token,
            limiter=self.limiter,
            policy=self.policy,
            sleep=sleep,
            rng=self._rng,
            wall_clock=wall_clock,
            observer=observer,
        )

    def __repr__(self) -> str:
        return f"DSClient(url={self.url!r}, token=***)"

    def background(self) -> DSClient:
        """This client for the poller: the same connections and rate limiter, its requests
        served after people's (`RateLimiter`, "People come first")."""
        clone = copy.copy(self)
        clone._transport = copy.copy(self._transport)
        clone._transport.background = True
        return clone

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DSClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- low level ---------------------------------------------------------------------------

    def execute(
        self,
        name: str,
        variables: dict[str, Any],
        *,
        mutation: bool = False,
        retry_timeouts: bool = True,
    ) -> dict[str, Any]:
        """Send `queries/<name>.graphql` and return its `data`.

        Reads are retried on transient failures (timeouts too, unless `retry_timeouts` is
        False). A mutation document (or `mutation=True`) is only resent when DS cannot have
        seen it.
        """
        document = get_document(name)
        as_mutation = mutation or (document.is_mutation and name not in IDEMPOTENT_MUTATIONS)
        data = self._transport.execute(
            document, variables, mutation=as_mutation, retry_timeouts=retry_timeouts
        )
        if document.is_mutation:
            # DS refuses a read-only token inside the payload (HTTP 200, errors as data):
            # even a low-level caller must not mistake that for success.
            for payload in data.values():
                if isinstance(payload, dict):
                    errors = payload.get("errors") or ()
                    messages = [str(e.get("message", "")) for e in errors if isinstance(e, dict)]
                    if any(READ_ONLY_MARKER in m for m in messages):
                        raise DSReadOnlyToken(" ; ".join(messages))
        return data

    @staticmethod
    def _root(data: dict[str, Any], key: str, what: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise DSNotFound(f"{what} not found", code="not_found")
        return value

    # --- reads -------------------------------------------------------------------------------

    def get_dossier(self, number: int) -> Dossier:
        """The full dossier (card, checks): champs, annotations, messages, avis, traitements."""
        data = self.execute("get_dossier", {"number": number})
        return parse_dossier(self._root(data, "dossier", "Dossier"))

    def get_dossiers(self, numbers: Iterable[int]) -> dict[int, Dossier]:
        """Full dossiers (get_dossier's selection), BATCH_SIZE per request, by number.

        A dossier that cannot be read (deleted, in the trash, out of the token's reach) is
        left out. DS fails a whole request for one such dossier: that batch is then read one
        by one, to find which.
        """
        wanted = list(dict.fromkeys(numbers))
        found: dict[int, Dossier] = {}
        for start in range(0, len(wanted), BATCH_SIZE):
            batch = wanted[start : start + BATCH_SIZE]
            variables: dict[str, Any] = {}
            for slot, number in enumerate(batch):
                variables[f"n{slot}"] = number
                variables[f"i{slot}"] = True
            try:
                data = self.execute("get_dossiers", variables)
            except (DSNotFound, DSPermissionDenied):
                for number in batch:
                    try:
                        found[number] = self.get_dossier(number)
                    except (DSNotFound, DSPermissionDenied):
                        continue
                continue
            for slot, number in enumerate(batch):
                node = data.get(f"d{slot}")
                if isinstance(node, dict):
                    found[number] = parse_dossier(node)
        return found

    def get_dossier_state(self, number: int) -> Dossier:
        """A light re-read: state, archived, groupe, traitements (other fields left empty)."""
        data = self.execute("get_dossier_state", {"number": number})
        return parse_dossier_partial(self._root(data, "dossier", "Dossier"))

    def get_dossier_activity(self, number: int) -> Dossier:
        """A light re-read: state, groupe, followers, labels and messages."""
        data = self.execute("get_dossier_activity", {"number": number})
        return parse_dossier_partial(self._root(data, "dossier", "Dossier"))

    def get_demarche(self, number: int) -> Demarche:
        """A démarche with all its groupes (closed ones too) and labels."""
        data = self.execute("get_demarche", {"number": number})
        return parse_demarche(self._root(data, "demarche", "Demarche"))

    def get_groupe(self, number: int) -> GroupeInstructeur:
        data = self.execute("get_groupe", {"number": number})
        return parse_groupe(self._root(data, "groupeInstructeur", "GroupeInstructeur"))

    @staticmethod
    def _scope(demarche: int | None, groupe: int | None) -> tuple[str, int, str, str]:
        if (demarche is None) == (groupe is None):
            raise ValueError("give exactly one of demarche= or groupe=")
        if demarche is not None:
            return "demarche", demarche, "demarche", "Demarche"
        assert groupe is not None
        return "groupe", groupe, "groupeInstructeur", "GroupeInstructeurWithDossiers"

    @staticmethod
    def _check_aware(value: datetime, name: str) -> None:
        # A naive datetime would be read by DS in its own time zone.
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware")

    def feed_page(
        self,
        *,
        demarche: int | None = None,
        groupe: int | None = None,
        updated_since: datetime,
        after: str | None = None,
        page_size: int = PAGE_SIZE,
        full: bool = False,
        deleted_since: datetime | None = None,
    ) -> FeedPage:
        """One page of the change feed: `dossiers(updatedSince:, after:, first:)`.

        With `deleted_since`, the same request also lists the deletions since then
        (`FeedPage.deletions`, None when they take more than one page: `deleted_dossiers`).

        Light by default. With `full`, each node also holds what the dossier card needs
        (`FeedPage.details`): a page of changes then needs no second read. Such a page is heavy
        for DS: a timeout is raised at once rather than resent as is, so that the caller asks
        for a smaller or a light page instead (docs/ds-api.md, "Timeout").
        """
        prefix, number, root, what = self._scope(demarche, groupe)
        self._check_aware(updated_since, "updated_since")
        variables: dict[str, Any] = {
            "number": number,
            "updatedSince": format_datetime(updated_since),
            "first": page_size,
        }
        if after:
            variables["after"] = after
        if full:
            variables["full"] = True
        if deleted_since is not None:
            self._check_aware(deleted_since, "deleted_since")
            variables["withDeletions"] = True
            variables["deletedSince"] = format_datetime(deleted_since)
        data = self.execute(f"{prefix}_dossiers", variables, retry_timeouts=not full)
        scope = self._root(data, root, what)
        asked = deleted_since is not None
        return parse_feed_page(
            scope.get("dossiers") or {},
            full=full,
            deleted=(scope.get("deletedDossiers") or {}) if asked else None,
            pending=(scope.get("pendingDeletedDossiers") or {}) if asked else None,
        )

    def feed_pages(
        self,
        *,
        demarche: int | None = None,
        groupe: int | None = None,
        updated_since: datetime,
        after: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[FeedPage]:
        """The change feed, light page by light page, lazily.

        Keep `updated_since` fixed between polls and resume from the last non-null
        `end_cursor` (docs/ds-api.md, "Incremental sync"): dossiers updated since have moved
        past it and come back. The last page yielded has `has_next_page` False (or is empty,
        with `end_cursor` None).
        """
        self._scope(demarche, groupe)
        self._check_aware(updated_since, "updated_since")
        return self._feed(demarche, groupe, updated_since, after, page_size)

    def _feed(
        self,
        demarche: int | None,
        groupe: int | None,
        updated_since: datetime,
        after: str | None,
        page_size: int,
    ) -> Iterator[FeedPage]:
        cursor = after
        while True:
            page = self.feed_page(
                demarche=demarche,
                groupe=groupe,
                updated_since=updated_since,
                after=cursor,
                page_size=page_size,
            )
            yield page
            if not page.has_next_page or page.end_cursor is None:
                return
            cursor = page.end_cursor

    def deleted_dossiers(
        self,
        *,
        demarche: int | None = None,
        groupe: int | None = None,
        since: datetime,
        page_size: int = PAGE_SIZE,
    ) -> list[DeletedDossier]:
        """Dossiers deleted since `since`: definitive ones and those in the trash, all pages."""
        prefix, number, root, what = self._scope(demarche, groupe)
        self._check_aware(since, "since")
        connections = {"deletedDossiers": "after", "pendingDeletedDossiers": "pendingAfter"}
        cursors: dict[str, str | None] = dict.fromkeys(connections)
        done = dict.fromkeys(connections, False)
        found: dict[tuple[bool, str], DeletedDossier] = {}
        while not all(done.values()):
            variables: dict[str, Any] = {
                "number": number,
                "since": format_datetime(since),
                "first": page_size,
            }
            for field, variable in connections.items():
                if cursors[field]:
                    variables[variable] = cursors[field]
            data = self.execute(f"{prefix}_deleted", variables)
            scope = self._root(data, root, what)
            for field in connections:
                if done[field]:
                    # Its last cursor is re-sent only to keep the request valid: ignore it.
                    continue
                connection = scope.get(field) or {}
                pending = field == "pendingDeletedDossiers"
                for node in connection.get("nodes") or ():
                    if node:
                        deleted = parse_deleted(node, pending=pending)
                        found[(pending, deleted.id)] = deleted
                info = connection.get("pageInfo") or {}
                if info.get("hasNextPage") and info.get("endCursor"):
                    cursors[field] = info["endCursor"]
                else:
                    done[field] = True
        return list(found.values())

    # --- mutations ---------------------------------------------------------------------------

    @staticmethod
    def _payload(data: dict[str, Any], field: str) -> dict[str, Any]:
        """The mutation payload, or the DSError for its `errors` (DS's messages verbatim)."""
        payload = data.get(field)
        if not isinstance(payload, dict):
            raise DSServerError(f"{field} returned no payload")
        messages = [
            str(e.get("message", "")) for e in payload.get("errors") or () if isinstance(e, dict)
        ]
        if any(READ_ONLY_MARKER in m for m in messages):
            raise DSReadOnlyToken(" ; ".join(messages))
        if messages:
            if field == "dossierModifierAnnotations":
                # Not atomic: the valid annotations were saved anyway.
                saved = [parse_champ(c) for c in payload.get("annotations") or () if c]
                raise DSPartialMutationError(messages, result=saved)
            raise DSMutationError(messages)
        return payload

    def _recover(self, exc: DSError, name: str, probe: Callable[[], T | None]) -> T | None:
        """After an ambiguous failure, `probe()` tells whether the mutation was applied."""
        if not exc.ambiguous:
            return None
        logger.warning("ds.mutation_ambiguous", mutation=name, error=type(exc).__name__)
        try:
            result = probe()
        except DSError as reread_error:
            logger.warning(
                "ds.mutation_reread_failed", mutation=name, error=type(reread_error).__name__
            )
            return None
        if result is None:
            logger.warning("ds.mutation_not_applied", mutation=name)
        else:
            logger.warning("ds.mutation_recovered", mutation=name)
        return result

    def _state_mutation(
        self,
        name: str,
        field: str,
        dossier: DossierRef,
        input_: dict[str, Any],
        reached: Callable[[Dossier], bool],
        *,
        reread: Callable[[int], Dossier] | None = None,
    ) -> MutationResult:
        """Send a mutation that moves the dossier; after an ambiguous failure, re-read it
        (`reread`, by default its state) and call it done only if `reached` holds."""
        read = reread or self.get_dossier_state
        try:
            data = self.execute(name, {"input": input_}, mutation=True)
        except DSError as exc:

            def probe() -> MutationResult | None:
                current = read(dossier.number)
                if not reached(current):
                    return None
                return MutationResult(
                    dossier_id=current.id,
                    state=current.state,
                    archived=current.archived,
                    recovered=True,
                )

            result = self._recover(exc, name, probe)
            if result is None:
                raise
            return result
        payload = self._payload(data, field)
        node = payload.get("dossier") or {}
        state = node.get("state")
        return MutationResult(
            dossier_id=node.get("id") or dossier.id,
            state=DossierState(state) if state else None,
            archived=node.get("archived"),
        )

    @staticmethod
    def _decision_input(
        dossier: DossierRef,
        instructeur_id: str,
        disable_notification: bool,
        **optional: Any,
    ) -> dict[str, Any]:
        input_: dict[str, Any] = {"dossierId": dossier.id, "instructeurId": instructeur_id}
        input_.update({k: v for k, v in optional.items() if v is not None})
        if disable_notification:
            input_["disableNotification"] = True
        return input_

    def _to_state(
        self,
        name: str,
        field: str,
        dossier: DossierRef,
        instructeur_id: str,
        target: DossierState,
        disable_notification: bool,
        **optional: Any,
    ) -> MutationResult:
        input_ = self._decision_input(dossier, instructeur_id, disable_notification, **optional)
        return self._state_mutation(name, field, dossier, input_, lambda d: d.state == target)

    def passer_en_instruction(
        self, dossier: DossierRef, instructeur_id: str, *, disable_notification: bool = False
    ) -> MutationResult:
        """en_construction → en_instruction."""
        return self._to_state(
            "dossier_passer_en_instruction",
            "dossierPasserEnInstruction",
            dossier,
            instructeur_id,
            DossierState.EN_INSTRUCTION,
            disable_notification,
        )

    def accepter(
        self,
        dossier: DossierRef,
        instructeur_id: str,
        *,
        motivation: str | None = None,
        justificatif: str | None = None,
        disable_notification: bool = False,
    ) -> MutationResult:
        """en_instruction → accepte. `justificatif` is a signedBlobId (see upload_file)."""
        return self._to_state(
            "dossier_accepter",
            "dossierAccepter",
            dossier,
            instructeur_id,
            DossierState.ACCEPTE,
            disable_notification,
            motivation=motivation,
            justificatif=justificatif,
        )

    def refuser(
        self,
        dossier: DossierRef,
        instructeur_id: str,
        *,
        motivation: str,
        justificatif: str | None = None,
        disable_notification: bool = False,
    ) -> MutationResult:
        """en_instruction → refuse (motivation required by DS)."""
        return self._to_state(
            "dossier_refuser",
            "dossierRefuser",
            dossier,
            instructeur_id,
            DossierState.REFUSE,
            disable_notification,
            motivation=motivation,
            justificatif=justificatif,
        )

    def classer_sans_suite(
        self,
        dossier: DossierRef,
        instructeur_id: str,
        *,
        motivation: str,
        justificatif: str | None = None,
        disable_notification: bool = False,
    ) -> MutationResult:
        """en_instruction → sans_suite (motivation required by DS)."""
        return self._to_state(
            "dossier_classer_sans_suite",
            "dossierClasserSansSuite",
            dossier,
            instructeur_id,
            DossierState.SANS_SUITE,
            disable_notification,
            motivation=motivation,
            justificatif=justificatif,
        )

    def repasser_en_instruction(
        self, dossier: DossierRef, instructeur_id: str, *, disable_notification: bool = False
    ) -> MutationResult:
        """accepte / refuse / sans_suite → en_instruction."""
        return self._to_state(
            "dossier_repasser_en_instruction",
            "dossierRepasserEnInstruction",
            dossier,
            instructeur_id,
            DossierState.EN_INSTRUCTION,
            disable_notification,
        )

    def repasser_en_construction(
        self, dossier: DossierRef, instructeur_id: str, *, disable_notification: bool = False
    ) -> MutationResult:
        """en_instruction → en_construction."""
        return self._to_state(
            "dossier_repasser_en_construction",
            "dossierRepasserEnConstruction",
            dossier,
            instructeur_id,
            DossierState.EN_CONSTRUCTION,
            disable_notification,
        )

    def archiver(self, dossier: DossierRef, instructeur_id: str) -> MutationResult:
        """Archive a terminé dossier."""
        input_ = {"dossierId": dossier.id, "instructeurId": instructeur_id}
        return self._state_mutation(
            "dossier_archiver", "dossierArchiver", dossier, input_, lambda d: d.archived
        )

    def desarchiver(self, dossier: DossierRef, instructeur_id: str) -> MutationResult:
        """Take an archived dossier out of the archives."""
        input_ = {"dossierId": dossier.id, "instructeurId": instructeur_id}
        return self._state_mutation(
            "dossier_desarchiver", "dossierDesarchiver", dossier, input_, lambda d: not d.archived
        )

    def changer_groupe_instructeur(self, dossier: DossierRef, groupe_id: str) -> MutationResult:
        """Move the dossier to another groupe of its démarche.

        DS takes no instructeur here: it acts as the token's administrateur, so whoever calls
        this must have checked the user first (docs/ds-api.md, "Mutations").
        """
        input_ = {"dossierId": dossier.id, "groupeInstructeurId": groupe_id}
        return self._state_mutation(
            "dossier_changer_groupe_instructeur",
            "dossierChangerGroupeInstructeur",
            dossier,
            input_,
            lambda d: d.groupe_instructeur.id == groupe_id,
            reread=self.get_dossier_activity,
        )

    def supprimer_message(
        self, dossier: DossierRef, instructeur_id: str, message_id: str
    ) -> MutationResult:
        """Delete one of the instructeur's own messages (DS keeps it, with an empty body)."""
        name = "dossier_supprimer_message"
        input_ = {"instructeurId": instructeur_id, "messageId": message_id}
        try:
            data = self.execute(name, {"input": input_}, mutation=True)
        except DSError as exc:

            def probe() -> MutationResult | None:
                current = self.get_dossier_activity(dossier.number)
                gone = any(m.id == message_id and m.discarded_at for m in current.messages)
                return MutationResult(current.id, None, recovered=True) if gone else None

            result = self._recover(exc, name, probe)
            if result is None:
                raise
            return result
        self._payload(data, "dossierSupprimerMessage")
        return MutationResult(dossier.id, None)

    def envoyer_message(
        self,
        dossier: DossierRef,
        instructeur_id: str,
        body: str,
        *,
        attachment: str | None = None,
        correction: str | None = None,
    ) -> Message:
        """A message to the usager; `attachment` is a signedBlobId (see upload_file).

        `correction` (`incomplete`, `incorrect`, `outdated`) makes it a correction request: DS
        puts an en_instruction dossier back en construction until the usager corrects.
        """
        input_: dict[str, Any] = {
            "dossierId": dossier.id,
            "instructeurId": instructeur_id,
            "body": body,
        }
        if attachment is not None:
            input_["attachment"] = attachment
        if correction is not None:
            input_["correction"] = correction
        started = datetime.now(UTC)
        name = "dossier_envoyer_message"
        try:
            data = self.execute(name, {"input": input_}, mutation=True)
        except DSError as exc:
            found = self._recover(
                exc,
                name,
                lambda: self._find_message(
                    dossier, instructeur_id, body, started - MESSAGE_RECOVERY_SLACK
                ),
            )
            if found is None:
                raise
            return found
        payload = self._payload(data, "dossierEnvoyerMessage")
        message = payload.get("message")
        if not isinstance(message, dict):
            raise DSServerError("dossierEnvoyerMessage returned no message")
        return parse_message(message)

    def _find_message(
        self, dossier: DossierRef, instructeur_id: str, body: str, since: datetime
    ) -> Message | None:
        current = self.get_dossier_activity(dossier.number)
        profiles = (*current.groupe_instructeur.instructeurs, *current.followers)
        emails = {p.email.lower() for p in profiles if p.id == instructeur_id and p.email}
        matches = [
            m
            for m in current.messages
            if m.discarded_at is None
            and m.body.strip() == body.strip()
            and m.created_at >= since
            and (not emails or m.email.lower() in emails)
        ]
        return max(matches, key=lambda m: m.created_at) if matches else None

    def get_dossier_annotations(self, number: int) -> AnnotationSheet:
        """The dossier's labels and typed annotations, with its revision's descriptors."""
        data = self.execute("get_dossier_annotations", {"number": number})
        return parse_sheet(self._root(data, "dossier", "Dossier"))

    def get_annotation_values(self, number: int) -> tuple[Annotation, ...]:
        """The dossier's annotations with typed values (a light re-read)."""
        data = self.execute("get_dossier_annotations_values", {"number": number})
        node = self._root(data, "dossier", "Dossier")
        return tuple(parse_annotation(a) for a in node.get("annotations") or ())

    def modifier_annotations(
        self, dossier: DossierRef, instructeur_id: str, annotations: list[dict[str, Any]]
    ) -> SavedAnnotations:
        """Set private annotations: `[{"id": <annotation id>, "value": {"text": "…"}}, …]`
        (`AnnotationChange.to_input()`).

        DS saves the valid ones even when others fail: then DSPartialMutationError carries
        what was saved in `.result`. When DS's answer is lost, the annotations are re-read (never
        sent again): the values found as asked were saved (`recovered`); if only some were, the
        others are reported in a DSPartialMutationError without DS's reason, which was lost.
        """
        input_ = {
            "dossierId": dossier.id,
            "instructeurId": instructeur_id,
            "annotations": annotations,
        }
        try:
            data = self.execute("dossier_modifier_annotations", {"input": input_}, mutation=True)
        except DSError as exc:

            def probe() -> list[Champ] | None:
                current = {a.id: a for a in self.get_annotation_values(dossier.number)}
                applied = [
                    Champ(a.id, a.typename, a.label, a.string_value)
                    for item in annotations
                    if (a := current.get(item["id"])) is not None and _holds(a, item)
                ]
                return applied or None

            recovered = self._recover(exc, "dossier_modifier_annotations", probe)
            if recovered is None:
                raise
            if len(recovered) < len(annotations):
                raise DSPartialMutationError([], result=recovered) from exc
            return SavedAnnotations(tuple(recovered), recovered=True)
        payload = self._payload(data, "dossierModifierAnnotations")
        return SavedAnnotations(
            tuple(parse_champ(c) for c in payload.get("annotations") or () if c)
        )

    def _label_mutation(self, name: str, field: str, dossier: DossierRef, label_id: str) -> bool:
        """True when DS's answer was lost and a re-read showed the label change made."""
        wanted = name == "dossier_ajouter_label"
        try:
            data = self.execute(
                name, {"input": {"dossierId": dossier.id, "labelId": label_id}}, mutation=True
            )
        except DSError as exc:

            def probe() -> bool | None:
                labels = self.get_dossier_activity(dossier.number).labels
                return True if any(lb.id == label_id for lb in labels) == wanted else None

            if self._recover(exc, name, probe) is None:
                raise
            return True
        self._payload(data, field)
        return False

    def ajouter_label(self, dossier: DossierRef, label_id: str) -> bool:
        """Put a label (id from `get_demarche().labels`) on the dossier; True if recovered."""
        return self._label_mutation(
            "dossier_ajouter_label", "dossierAjouterLabel", dossier, label_id
        )

    def supprimer_label(self, dossier: DossierRef, label_id: str) -> bool:
        return self._label_mutation(
            "dossier_supprimer_label", "dossierSupprimerLabel", dossier, label_id
        )

    def bascule_suivi(
        self, dossier: DossierRef, instructeur_id: str, *, follow: bool = True
    ) -> None:
        """Follow (or unfollow) the dossier as that instructeur."""
        name = "dossier_bascule_suivi"
        input_ = {"dossierId": dossier.id, "instructeurId": instructeur_id, "follow": follow}
        try:
            data = self.execute(name, {"input": input_}, mutation=True)
        except DSError as exc:

            def probe() -> bool | None:
                followers = self.get_dossier_activity(dossier.number).followers
                following = any(p.id == instructeur_id for p in followers)
                return True if following == follow else None

            if self._recover(exc, name, probe) is None:
                raise
            return
        self._payload(data, "dossierBasculeSuivi")

    # --- direct upload -----------------------------------------------------------------------

    def create_direct_upload(
        self,
        dossier: DossierRef,
        *,
        filename: str,
        byte_size: int,
        checksum: str,
        content_type: str,
    ) -> DirectUpload:
        """Step 1 of an upload: where to PUT the bytes, with which headers."""
        input_ = {
            "dossierId": dossier.id,
            "filename": filename,
            "byteSize": byte_size,
            "checksum": checksum,
            "contentType": content_type,
        }
        data = self.execute("create_direct_upload", {"input": input_})
        payload = data.get("createDirectUpload") or {}
        direct_upload = payload.get("directUpload")
        if not isinstance(direct_upload, dict):
            raise DSServerError("createDirectUpload returned no directUpload")
        return parse_direct_upload(direct_upload)

    def put_upload(self, upload: DirectUpload, prepared: PreparedFile) -> None:
        """Step 2: PUT the bytes (idempotent, so transient failures are retried)."""
        attempt = 0
        while True:
            try:
                put_file(self._http, upload, prepared)
                return
            except httpx.HTTPError as exc:
                error: DSError = map_http_exception(exc, (self._token,))
            except DSUploadError as exc:
                if exc.http_status is None or exc.http_status < 500:
                    raise
                error = exc
            if attempt >= self.policy.max_read_retries:
                raise error
            delay = backoff_delay(attempt, self.policy, self._rng)
            logger.warning(
                "ds.upload_retry", error=type(error).__name__, retry_in_s=round(delay, 1)
            )
            self._sleep(delay)
            attempt += 1

    def upload_file(
        self,
        dossier: DossierRef,
        source: bytes | BinaryIO | pathlib.Path,
        *,
        filename: str,
        content_type: str,
    ) -> str:
        """Upload a file for this dossier and return its signedBlobId.

        Over 20 MB, DSFileTooLarge is raised before any request is made.
        """
        prepared = prepare(source)
        upload = self.create_direct_upload(
            dossier,
            filename=filename,
            byte_size=prepared.byte_size,
            checksum=prepared.checksum,
            content_type=content_type,
        )
        self.put_upload(upload, prepared)
        return upload.signed_blob_id


__all__ = ["DSClient", "DossierRef", "Source"]
