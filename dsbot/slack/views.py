"""The port's view types of a backend's items, through the registry: the Slack layer holds a
backend's item (a DS dossier, from the services) without knowing its model, and asks the
backend's spec to turn it into what the builders render (`ItemDetail`, `ItemState`)."""

from __future__ import annotations

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


def dossier_url(web_base: str, demarche: int, number: int) -> str:
    """A DS dossier's page for its instructeurs, from its démarche's and its own number."""
    spec = registry.get(BackendName.DS)
    if spec.url is None:
        raise LookupError("backend ds has no page URLs")
    return spec.url(web_base, str(demarche), str(number))


def backend_states(backend: BackendName, texts: Texts) -> tuple[ItemState, ...]:
    """Every state of the backend's items, in its order."""
    spec = registry.get(backend)
    if spec.states is None:
        raise LookupError(f"backend {backend} lists no states")
    return spec.states(texts)


def ds_states(texts: Texts) -> tuple[ItemState, ...]:
    """DS's five states, from en construction to classé sans suite."""
    return backend_states(BackendName.DS, texts)


def ds_state(state_id: str, texts: Texts) -> ItemState:
    """One of DS's states by its id (`"accepte"`); raises ValueError for another id."""
    for state in ds_states(texts):
        if state.id == state_id:
            return state
    raise ValueError(f"not a DS state: {state_id!r}")
