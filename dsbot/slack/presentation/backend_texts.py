"""Which text says a thing for a given backend: the key its registry spec names for the stem
(`BackendSpec.text_key`), or the stem's own key when the backend has none of its own (DS's
dossiers, which the item path does not serve, keep the shared wording)."""

from __future__ import annotations

from dsbot.backends import registry
from dsbot.texts import Texts


def backend_key(texts: Texts, backend: str, stem: str) -> str:
    try:
        key = registry.text_key(backend, stem)
    except KeyError:
        return stem
    return key if texts.has(key) else stem


def backend_text(texts: Texts, backend: str, stem: str, /, **params: object) -> str:
    return texts(backend_key(texts, backend, stem), **params)
