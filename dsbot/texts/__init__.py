"""User-facing texts: one catalog per language (`fr` first, `en` beside it).

Builders and listeners never hold literal sentences: they ask `Texts` for a key.
"""

from __future__ import annotations

from dsbot.texts import en, fr

CATALOGS: dict[str, dict[str, str]] = {"fr": fr.TEXTS, "en": en.TEXTS}


class Texts:
    def __init__(self, lang: str = "fr") -> None:
        self.lang = lang
        self._catalog = CATALOGS[lang]

    def __call__(self, key: str, /, **params: object) -> str:
        """The text for `key`, formatted with `params` (French is the fallback)."""
        template = self._catalog.get(key) or fr.TEXTS[key]
        return template.format(**params) if params else template


def get_texts(lang: str = "fr") -> Texts:
    return Texts(lang)
