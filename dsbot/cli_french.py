"""French for the command line: click's own messages (usage, errors, help headings) and the
French plural rule for ours.

click marks its strings with the standard library's `gettext`/`ngettext`, which choose a
language from the process locale (LANGUAGE, LC_ALL, LANG…): unset in containers and cron jobs,
so operators would read English whatever the README promises. `install()` binds click's
gettext names to `FRENCH`, a `gettext.GNUTranslations` fed from the catalog below rather than
from a compiled .mo file, so that no build step stands between a clone and a French CLI.
"""

from __future__ import annotations

import gettext
import importlib
from collections.abc import Mapping
from typing import Any

# click's msgids (click 8.x) → French. A msgid click changes falls back to English: the tests
# (tests/test_cli_french.py) run every command's help and usage errors to catch that.
MESSAGES: Mapping[str, str] = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d’environnement : {var}",
    "(dynamic)": "(calculé)",
    "deprecated": "obsolète",
    "Aborted!": "Interrompu.",
    "Missing command.": "Commande manquante.",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Aide : « {command} {option} ».",
    "unknown error": "erreur inconnue",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Missing {param_type}": "{param_type} manquant",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Could not open file {filename!r}: {message}": (
        "Impossible d’ouvrir le fichier {filename!r} : {message}"
    ),
    "Value must be an iterable.": "La valeur doit être une liste.",
    "Option {name!r} does not take a value.": "L’option {name!r} ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "L’argument {name!r} prend {nargs} valeurs.",
    "Choose from:\n\t{choices}": "Au choix :\n\t{choices}",
    "{value} is not in the range {range}.": "{value} n’est pas dans l’intervalle {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} n’est pas un booléen. Valeurs reconnues : {states}"
    ),
    "{value!r} is not a valid {number_type}.": "{value!r} n’est pas un nombre valide.",
    "{value!r} is not a valid UUID.": "{value!r} n’est pas un UUID valide.",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "{name} {filename!r} does not exist.": "{name} {filename!r} : n’existe pas.",
    "{name} {filename!r} is a file.": "{name} {filename!r} : est un fichier.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} : est un dossier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} : illisible.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} : non modifiable.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} : non exécutable.",
    "Do you want to continue?": "Continuer ?",
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux valeurs diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
}

# click's singular msgid → (French singular, French plural).
PLURALS: Mapping[str, tuple[str, str]] = {
    "Got unexpected extra argument ({args})": (
        "Argument en trop : {args}",
        "Arguments en trop : {args}",
    ),
    "Takes {nargs} values but 1 was given.": (
        "Attend {nargs} valeurs, {len} donnée.",
        "Attend {nargs} valeurs, {len} données.",
    ),
    "Did you mean {possibility}?": (
        "Vouliez-vous dire {possibility} ?",
        "(Vouliez-vous dire l’une de : {possibilities} ?)",
    ),
    "Option {name!r} requires an argument.": (
        "L’option {name!r} attend une valeur.",
        "L’option {name!r} attend {nargs} valeurs.",
    ),
    "{value!r} is not {choice}.": (
        "{value!r} n’est pas {choice}.",
        "{value!r} n’est pas l’une des valeurs {choices}.",
    ),
    "{value!r} does not match the format {format}.": (
        "{value!r} ne suit pas le format {format}.",
        "{value!r} ne suit aucun des formats {formats}.",
    ),
    "{len_type} values are required, but {len_value} was given.": (
        "{len_type} valeurs attendues, {len_value} donnée.",
        "{len_type} valeurs attendues, {len_value} données.",
    ),
}

# The click modules whose module-level `_`/`ngettext` are the standard library's.
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types")


class FrenchCatalog(gettext.GNUTranslations):
    """GNUTranslations over an in-memory catalog, with French's plural rule (0 and 1 take the
    singular: « 0 dossier », « 1 dossier », « 2 dossiers »)."""

    def __init__(self, messages: Mapping[str, str], plurals: Mapping[str, tuple[str, str]]) -> None:
        super().__init__()  # no file to parse: the catalog is filled below
        # GNUTranslations' own layout: msgid → text, (msgid, plural form) → text.
        catalog: dict[Any, str] = dict(messages)
        for singular, forms in plurals.items():
            for index, form in enumerate(forms):
                catalog[(singular, index)] = form
        self._catalog = catalog
        self.plural = self.french_plural

    @staticmethod
    def french_plural(n: int) -> int:
        return int(n > 1)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        form = self._catalog.get((msgid1, self.plural(n)))
        if form is not None:
            return form
        # Our own messages are French already: pick the form by French's rule, not English's.
        return msgid1 if self.plural(n) == 0 else msgid2


FRENCH = FrenchCatalog(MESSAGES, PLURALS)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The French form for `n` (0 and 1 singular) of one of our own French messages."""
    return FRENCH.ngettext(singular, plural, n)


def install() -> None:
    """Make click speak French, whatever the process locale (idempotent)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            setattr(module, "_", FRENCH.gettext)  # noqa: B010 (a module's global, by name)
        if hasattr(module, "ngettext"):
            setattr(module, "ngettext", FRENCH.ngettext)  # noqa: B010
