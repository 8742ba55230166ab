"""User-facing texts: one catalog per language (`fr` first, `en` beside it).

Builders and listeners never hold literal sentences: they ask `Texts` for a key.
"""

from __future__ import annotations

from collections.abc import Mapping

from dsbot.texts import en, fr

CATALOGS: dict[str, dict[str, str]] = {"fr": fr.TEXTS, "en": en.TEXTS}

# Texts a backend outside the product brings with its spec (owner → language → key → text),
# added and removed with its registration (`dsbot/backends/registry.py`).
_ADDED: dict[str, Mapping[str, Mapping[str, str]]] = {}


def add_catalogs(owner: str, catalogs: Mapping[str, Mapping[str, str]]) -> None:
    if catalogs:
        _ADDED[owner] = catalogs
    else:
        _ADDED.pop(owner, None)


def remove_catalogs(owner: str) -> None:
    _ADDED.pop(owner, None)


def _added(lang: str, key: str) -> str:
    for catalogs in _ADDED.values():
        text = (catalogs.get(lang) or {}).get(key) or (catalogs.get("fr") or {}).get(key)
        if text:
            return text
    raise KeyError(key)


class Texts:
    def __init__(self, lang: str = "fr") -> None:
        self.lang = lang
        self._catalog = CATALOGS[lang]

    def has(self, key: str) -> bool:
        """Whether some catalog (or a backend's) holds `key`."""
        try:
            self(key)
        except KeyError:
            return False
        except (IndexError, ValueError):
            return True  # there, only asking for its parameters
        return True

    def __call__(self, key: str, /, **params: object) -> str:
        """The text for `key`, formatted with `params` (French is the fallback)."""
        template = self._catalog.get(key) or fr.TEXTS.get(key) or _added(self.lang, key)
        return template.format(**params) if params else template


def get_texts(lang: str = "fr") -> Texts:
    return Texts(lang)
