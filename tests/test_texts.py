"""The catalogs stay in step: same keys, same placeholders, and every key the code asks for."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import dsbot
from dsbot.backends.ds.models import DossierState
from dsbot.texts import CATALOGS, Texts, en, fr

PACKAGE = Path(dsbot.__file__).parent
# t("key"), texts("key"), self.texts("key"), _t('key', …): a literal key as first argument.
# A key followed by `+` (built at run time) is not a literal key and is skipped.
KEY_CALL = re.compile(r"""\b(?:t|_t|texts|tr)\(\s*["']([A-Za-z0-9_.\-]+)["']\s*[,)]""")
# Keys written as constants (REASON_X = "card.reason.x") are found by their dotted prefix.
KEY_CONSTANT = re.compile(
    r"""^[A-Z][A-Z0-9_]*\s*(?::[^=]+)?=\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", re.M
)
CONSTANT_PREFIXES = ("card.reason.", "acted.")
# Catalog values are mrkdwn templates, except these plain-text pieces escaped by the code.
PLAIN_TEXT_KEYS = re.compile(r"^help\.args\.")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def keys_used_in_code() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if "texts" in path.relative_to(PACKAGE).parts[:1]:
            continue
        source = path.read_text(encoding="utf-8")
        found = set(KEY_CALL.findall(source))
        found |= {k for k in KEY_CONSTANT.findall(source) if k.startswith(CONSTANT_PREFIXES)}
        for key in found:
            used.setdefault(key, set()).add(str(path.relative_to(PACKAGE)))
    return used


def test_fr_and_en_have_the_same_keys():
    assert set(fr.TEXTS) - set(en.TEXTS) == set(), "missing in en.py"
    assert set(en.TEXTS) - set(fr.TEXTS) == set(), "missing in fr.py"


@pytest.mark.parametrize("key", sorted(fr.TEXTS))
def test_same_placeholders_in_both_languages(key):
    assert placeholders(fr.TEXTS[key]) == placeholders(en.TEXTS.get(key, "")), key


def test_every_key_used_in_code_exists():
    used = keys_used_in_code()
    assert used, "the scan found no key at all: the pattern is broken"
    missing = {key: sorted(files) for key, files in used.items() if key not in fr.TEXTS}
    assert missing == {}


def test_the_scan_sees_the_card_keys():
    # Guards the scan itself: keys we know the card uses must be found.
    used = keys_used_in_code()
    for key in ("card.header", "card.demandeur.empty", "help.title", "card.reason.not_linked"):
        assert key in used


def test_every_state_has_a_text():
    for state in DossierState:
        for catalog in CATALOGS.values():
            assert f"state.{state.value}" in catalog


@pytest.mark.parametrize("lang", sorted(CATALOGS))
def test_templates_format_and_hold_no_raw_mrkdwn_control_characters(lang):
    catalog = CATALOGS[lang]
    for key, template in catalog.items():
        assert template.strip(), key
        params = {name: "X" for name in placeholders(template)}
        template.format(**params)
        if not PLAIN_TEXT_KEYS.match(key):
            # Data is escaped by the builders; a raw < or & in a template would be markup.
            assert "<" not in template and ">" not in template and "&" not in template, key


def test_texts_formats_params_per_language():
    assert Texts("en")("state.accepte") == "Accepted"
    assert Texts("fr")("card.messages.many", count=3) == "3 messages"
    assert Texts("en")("card.header", number=7, demarche="D") == "Dossier #7 · D"
