"""`dateExpiration` as DS computes it: the passage en construction or the decision plus the
démarche's `dureeConservationDossiers` in calendar months, in Paris time, with the day clamped
to the month's end (Rails' `+ n.months`; docs/ds-api.md, "dateExpiration").
"""

from __future__ import annotations

import pytest

from dsbot.sandboxes.ds.clock import add_months, iso, parse_iso
from tests.sandboxes.ds.gql import data, first_demarche, open_groupe

DOSSIER = """
query($n: Int!) { dossier(number: $n) {
  state datePassageEnConstruction dateTraitement dateExpiration
} }
"""


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2027-01-31T10:00:00+01:00", 1, "2027-02-28T10:00:00+01:00"),
        ("2028-01-31T10:00:00+01:00", 1, "2028-02-29T10:00:00+01:00"),  # leap year
        ("2028-02-29T10:00:00+01:00", 12, "2029-02-28T10:00:00+01:00"),
        ("2027-08-31T09:00:00+02:00", 1, "2027-09-30T09:00:00+02:00"),
        ("2027-12-31T00:15:00+01:00", 2, "2028-02-29T00:15:00+01:00"),  # across the year
        ("2027-01-15T12:00:00+01:00", 24, "2029-01-15T12:00:00+01:00"),
        # The wall-clock time stays across a change of offset, as in a Paris TimeWithZone.
        ("2027-03-15T10:00:00+01:00", 1, "2027-04-15T10:00:00+02:00"),
        ("2027-10-30T23:30:00+02:00", 1, "2027-11-30T23:30:00+01:00"),
        # 31 January 23:30 UTC is 1 February in Paris: DS counts from the Paris day.
        ("2027-01-31T23:30:00+00:00", 1, "2027-03-01T00:30:00+01:00"),
    ],
)
def test_months_are_calendar_months_clamped_to_the_month_end(start, months, expected):
    assert iso(add_months(parse_iso(start), months)) == expected


def _dossier_at(sandbox, when: str, state: str = "en_construction") -> int:
    sandbox.control.set_clock(when, freeze=True)
    demarche = first_demarche(sandbox)
    created = sandbox.control.create_dossier(
        demarche["number"], state, open_groupe(demarche)["number"]
    )
    return created["number"]


def _read(sandbox, number: int) -> dict:
    return data(sandbox, DOSSIER, {"n": number})["dossier"]


def test_en_construction_counts_from_the_passage_en_construction(sandbox):
    number = _dossier_at(sandbox, "2028-02-29T10:00:00+01:00")
    dossier = _read(sandbox, number)
    assert dossier["datePassageEnConstruction"] == "2028-02-29T10:00:00+01:00"
    # 12 × 30 days would give 2029-02-23: the calendar rule clamps 29 February instead.
    assert dossier["dateExpiration"] == "2029-02-28T10:00:00+01:00"


def test_en_instruction_has_no_expiration(sandbox):
    number = _dossier_at(sandbox, "2028-01-31T10:00:00+01:00", "en_instruction")
    assert _read(sandbox, number)["dateExpiration"] is None


@pytest.mark.parametrize("decision", ["accepte", "refuse", "sans_suite"])
def test_a_decision_counts_from_the_traitement(sandbox, decision):
    number = _dossier_at(sandbox, "2028-01-10T09:00:00+01:00")
    sandbox.control.set_clock("2028-02-29T16:45:00+01:00", freeze=True)
    sandbox.control.set_state(number, "en_instruction")
    sandbox.control.set_state(number, decision)
    dossier = _read(sandbox, number)
    assert dossier["state"] == decision
    assert dossier["dateTraitement"] == "2028-02-29T16:45:00+01:00"
    assert dossier["dateExpiration"] == "2029-02-28T16:45:00+01:00"


def test_going_back_en_construction_counts_from_the_new_passage(sandbox):
    number = _dossier_at(sandbox, "2028-01-10T09:00:00+01:00", "en_instruction")
    sandbox.control.set_clock("2028-08-31T08:00:00+02:00", freeze=True)
    sandbox.control.set_state(number, "en_construction")
    dossier = _read(sandbox, number)
    assert dossier["state"] == "en_construction"
    assert dossier["datePassageEnConstruction"] == "2028-08-31T08:00:00+02:00"
    assert dossier["dateExpiration"] == "2029-08-31T08:00:00+02:00"
