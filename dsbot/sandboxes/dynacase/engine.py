"""The workflow engine: next states per user, transition forms, and the state change.

Follows the core's rules as docs/dynacase-api.md §6 describes them: the admin (user 1) sees
every state and may jump anywhere; anyone else sees the states reachable through a transition
whose right they hold; a refusal is a 403 CRUD0230 with the core's text; a change freezes the
current revision (with the history entries) and creates a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from dsbot.sandboxes.dynacase.errors import ApiError, bad_request
from dsbot.sandboxes.dynacase.store import HistoryEntry, Revision, Store, format_date
from dsbot.sandboxes.dynacase.world import (
    ADMIN_ID,
    AttrDef,
    StateDef,
    TransitionDef,
    User,
    WorkflowDef,
)

PLAFOND_DELEGATION = 50_000


def _plafond_delegation(revision: Revision) -> str:
    amount = revision.attributes.get("sub_montant") or 0
    if amount > PLAFOND_DELEGATION:
        return (
            "Montant demandé supérieur au plafond de délégation (50 000 €) : "
            "décision du conseil municipal requise"
        )
    return ""


# m0 pre-conditions: "" passes, any other text is the refusal (and the `error` of the states).
M0_CHECKS: dict[str, Callable[[Revision], str]] = {"plafond_delegation": _plafond_delegation}


def no_workflow(revision: Revision) -> ApiError:
    return ApiError(
        404,
        "No workflow detected",
        "CRUD0227",
        f'No associated workflow for document "{revision.initid}"',
    )


def refused(text: str) -> ApiError:
    return ApiError(
        403, "Forbidden", "CRUD0230", text, exception_message=f'Cannot use transition "{text}" '
    )


def workflow_of(revision: Revision) -> WorkflowDef:
    workflow = revision.family.workflow
    if workflow is None:
        raise no_workflow(revision)
    return workflow


def holds_right(workflow: WorkflowDef, transition: TransitionDef, user: User) -> bool:
    return user.id == ADMIN_ID or user.login in workflow.rights.get(transition.id, frozenset())


def m0_error(transition: TransitionDef, revision: Revision) -> str | None:
    """None without an m0, "" when it passes, the message when it fails."""
    if transition.m0 is None:
        return None
    return M0_CHECKS[transition.m0](revision)


def raw_text(value: Any) -> str:
    """A raw value as `getRawValue` gives it: a multiple value joined with ", "."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def state_display(state: StateDef) -> str:
    return state.activity or state.label


def state_property(workflow: WorkflowDef, state_id: str) -> dict[str, Any]:
    """The `state` property of a document."""
    state = workflow.state(state_id) or StateDef(state_id, state_id)
    return {
        "reference": state.id,
        "stateLabel": state.label,
        "activity": state.activity,
        "displayValue": state_display(state),
        "color": state.color,
    }


def state_object(workflow: WorkflowDef, state_id: str, current: str | None) -> dict[str, Any]:
    """A state as the workflow routes show it (`beginState`, `endState`, the POST answer)."""
    state = workflow.state(state_id) or StateDef(state_id, state_id)
    return {
        "id": state.id,
        "isCurrentState": state.id == current,
        "label": state.label,
        "activity": state.activity,
        "displayValue": state_display(state),
        "color": state.color,
    }


def following_states(revision: Revision, user: User) -> list[str]:
    """WDoc::getFollowingStates: nothing for a fixed revision; everything for the admin; else
    the ends of the transitions from the current state whose right the user holds."""
    workflow = workflow_of(revision)
    if revision.locked == -1:
        return []
    if user.id == ADMIN_ID:
        return [s.id for s in workflow.states]
    found: list[str] = []
    for begin, end, tid in workflow.cycle:
        transition = workflow.transition(tid)
        if (
            begin == revision.state
            and transition
            and holds_right(workflow, transition, user)
            and end not in found
        ):
            found.append(end)
    return found


def parse_param(param: AttrDef, value: Any) -> Any:
    """A raw parameter value (docs/dynacase-api.md §6.6), checked for its type."""
    if value is None or value == "":
        return None
    if param.type == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise bad_request(f"« {param.label} » : date invalide {value!r} (AAAA-MM-JJ)") from None
    if param.type in ("double", "int"):
        try:
            number = float(value) if param.type == "double" else int(value)
        except (TypeError, ValueError):
            raise bad_request(f"« {param.label} » : nombre invalide {value!r}") from None
        return number
    if param.type == "enum":
        if str(value) not in dict(param.enum):
            raise bad_request(f"« {param.label} » : valeur inconnue {value!r}")
        return str(value)
    if not isinstance(value, str):
        raise bad_request(f"« {param.label} » : texte attendu")
    return value


def display_value(attr: AttrDef, value: Any) -> str:
    if value is None:
        return ""
    if attr.type == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if attr.type == "enum":
        return attr.enum_label(value)
    if attr.type == "double":
        return f"{value:,.2f}".replace(",", " ").replace(".", ",")
    return str(value)


def change_state(
    store: Store,
    revision: Revision,
    target: str,
    user: User,
    *,
    comment: str = "",
    parameters: dict[str, Any] | None = None,
    when: datetime,
) -> Revision:
    """WDoc::changeState with every check on. Returns the new (alive) revision.

    Raises ApiError: 400 for a parameter the workflow does not have or a value of the wrong
    type, 403 CRUD0230 when the state is unknown or unreachable (admin excepted), the right is
    missing or the m0 pre-condition fails.
    """
    workflow = workflow_of(revision)
    values: dict[str, Any] = {}
    for key, value in (parameters or {}).items():
        param = workflow.param(key)
        if param is None:
            raise bad_request(f"Paramètre inconnu « {key} » pour le cycle {workflow.family_name}")
        values[key] = parse_param(param, value)
    current = workflow.state(revision.state or "") or StateDef(str(revision.state), "")
    state = workflow.state(target)
    transition = workflow.edge(current.id, target)
    if state is None or (transition is None and user.id != ADMIN_ID):
        # WDoc::changeState: this message has no French translation in the core's catalog, so
        # a French server says it in English (docs/dynacase-api.md §6.6).
        shown = state.label if state else target
        raise refused(
            f"ChangeState :: the new state '{shown}' is not known or is not allowed "
            f"from {current.label}"
        )
    if transition is not None:
        if not holds_right(workflow, transition, user):
            # Doc::noPrivilegeMessage on the workflow document, the transition as privilege.
            raise refused(
                f"pas de privilège {transition.id} pour le document {workflow.title} "
                f"[{workflow.doc_id}]"
            )
        error = m0_error(transition, revision)
        if error:
            raise refused(f"Erreur : {error}")
    stamp = format_date(when)
    revision.state = state.id
    if comment:
        revision.history.append(HistoryEntry(user.id, user.title, stamp, "info", None, comment))
    # WDoc::changeState's revision comment: the raw value of each asked parameter that has
    # one (an enumerate's key, not its label), empty ones left out (docs/dynacase-api.md §6.8).
    lines = [f"changement d'état de {current.label or ' '} vers {state.label}"]
    for ask in transition.asks if transition else ():
        param = workflow.param(ask)
        raw = values.get(ask)
        if param is not None and raw not in (None, ""):
            lines.append(f"-{param.label} : {raw_text(raw)}")
    revision.history.append(
        HistoryEntry(user.id, user.title, stamp, "message", "REVISION", "\n".join(lines))
    )
    return store.revise(revision, when)
