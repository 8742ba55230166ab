"""The port's view types of a backend's items, through the registry: the Slack layer holds a
backend's item (a DS dossier, from the services) without knowing its model, and asks the
backend's spec to turn it into what the builders render (`ItemDetail`, `ItemState`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from dsbot.backends import registry
from dsbot.backends.port import BackendName, ItemDetail, ItemState
from dsbot.texts import Texts


def item_detail(backend: BackendName, item: Any, texts: Texts, web_base: str) -> ItemDetail:
    """`item` (the backend's own model) as its card shows it."""
    spec = registry.get(backend)
    if spec.detail is None:
        raise LookupError(f"backend {backend} has no card view")
    return spec.detail(item, texts, web_base)


def dossier_detail(dossier: Any, texts: Texts, web_base: str) -> ItemDetail:
    """A DS dossier (as DossierAccessService or the client gives it) as its card shows it."""
    return item_detail(BackendName.DS, dossier, texts, web_base)


def reached_by(backend: BackendName, item: Any) -> tuple[str, datetime] | None:
    """Who put `item` (the backend's own model) in its current state, and when; None when the
    backend names nobody or does not say."""
    spec = registry.get(backend)
    return spec.reached_by(item) if spec.reached_by else None


def dossier_url(web_base: str, demarche: int, number: int) -> str:
    """A DS dossier's page for its instructeurs, from its démarche's and its own number."""
    spec = registry.get(BackendName.DS)
    if spec.url is None:
        raise LookupError("backend ds has no page URLs")
    return spec.url(web_base, str(demarche), str(number))


def max_attachment_bytes(backend: BackendName) -> int:
    """The largest file the backend takes; raises LookupError when it takes none."""
    size = registry.get(backend).attachment_bytes
    if not size:
        raise LookupError(f"backend {backend} takes no files")
    return size


def backend_states(backend: BackendName, texts: Callable[..., str]) -> tuple[ItemState, ...]:
    """Every state of the backend's items, in its order."""
    spec = registry.get(backend)
    if spec.states is None:
        raise LookupError(f"backend {backend} lists no states")
    return spec.states(texts)


def ds_states(texts: Texts) -> tuple[ItemState, ...]:
    """DS's five states, from en construction to classé sans suite."""
    return backend_states(BackendName.DS, texts)


def ds_state_ids() -> tuple[str, ...]:
    """DS's state ids, in order (what a subscription's `etat` filter and counts hold)."""
    return tuple(s.id for s in backend_states(BackendName.DS, _key))


def _key(key: str, **params: object) -> str:
    # Ids do not depend on the language: the text keys stand in for the labels.
    return key


def ds_state(state_id: str, texts: Texts) -> ItemState:
    """One of DS's states by its id (`"accepte"`); raises ValueError for another id."""
    for state in ds_states(texts):
        if state.id == state_id:
            return state
    raise ValueError(f"not a DS state: {state_id!r}")
