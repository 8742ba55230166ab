"""Which dossier a DS URL or a message names."""

from __future__ import annotations

import pytest

from dsbot.slack.interaction.dossier_refs import (
    NATIONAL_HOSTS,
    DossierLink,
    dossier_link,
    dossiers_named,
    ds_hosts,
)

NATIONAL = ds_hosts("https://demarche.numerique.gouv.fr")


def test_hosts_of_the_national_instance_and_of_another():
    assert NATIONAL == NATIONAL_HOSTS
    assert ds_hosts("https://www.demarches-simplifiees.fr") == NATIONAL_HOSTS
    assert ds_hosts("https://ds.example.gouv.fr") == {"ds.example.gouv.fr"}
    assert ds_hosts("") == frozenset()


@pytest.mark.parametrize(
    ("url", "number", "demarche"),
    [
        ("https://demarche.numerique.gouv.fr/procedures/42/dossiers/1234", 1234, 42),
        ("https://www.demarches-simplifiees.fr/procedures/42/dossiers/1234/messagerie", 1234, 42),
        ("https://demarche.numerique.gouv.fr/dossiers/1234", 1234, None),
        ("https://demarche.numerique.gouv.fr/dossiers/1234/demande?x=1", 1234, None),
        ("http://DEMARCHE.numerique.gouv.fr/dossiers/1234/", 1234, None),
    ],
)
def test_dossier_urls(url: str, number: int, demarche: int | None):
    assert dossier_link(url, NATIONAL) == DossierLink(url, number, demarche)


@pytest.mark.parametrize(
    "url",
    [
        "https://ds.example.org/dossiers/1234",
        "https://demarche.numerique.gouv.fr.evil.example/dossiers/1234",
        "https://demarche.numerique.gouv.fr/procedures/42",
        "https://demarche.numerique.gouv.fr/dossiers/abc",
        "https://demarche.numerique.gouv.fr/dossiers/0",
        "https://demarche.numerique.gouv.fr/dossiers/99999999999",
        "ftp://demarche.numerique.gouv.fr/dossiers/1234",
        "https://[::1/dossiers/1",
    ],
)
def test_other_urls_name_no_dossier(url: str):
    assert dossier_link(url, NATIONAL) is None


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Pour le n° 1234, merci", (1234,)),
        ("N°1234 et nº 55", (1234, 55)),
        ("le dossier 77 est prêt", (77,)),
        ("voir <https://demarche.numerique.gouv.fr/procedures/42/dossiers/9|ici>", (9,)),
        ("voir https://demarche.numerique.gouv.fr/dossiers/9. Et le n° 9", (9,)),
        ("https://ds.example.org/dossiers/9", ()),
        ("Réunion à 14 h, salle 3", ()),
        ("", ()),
    ],
)
def test_dossiers_named(text: str, numbers: tuple[int, ...]):
    assert dossiers_named(text, NATIONAL) == numbers
