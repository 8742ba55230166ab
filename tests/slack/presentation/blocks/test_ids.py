from __future__ import annotations

import pytest

from dsbot.slack import ids


def test_ref_round_trip_is_compact_json():
    assert ids.encode_ref(1234) == '{"d":1234}'
    assert ids.decode_ref(ids.encode_ref(1234)) == 1234


@pytest.mark.parametrize(
    "value",
    [None, "", "1234", "not json", "[1]", '{"d": "12"}', '{"d": -1}', '{"d": true}', '{"x": 1}'],
)
def test_decode_ref_rejects_what_is_not_ours(value):
    with pytest.raises(ValueError):
        ids.decode_ref(value)


@pytest.mark.parametrize("number", [0, -5, True, "12"])
def test_encode_ref_rejects_non_numbers(number):
    with pytest.raises(ValueError):
        ids.encode_ref(number)


def test_ids_are_unique_and_within_slack_limits():
    values = {
        name: value
        for name, value in vars(ids).items()
        if name.isupper() and isinstance(value, str) and name != "COMMAND_DS"
    }
    # An id typed twice would route two buttons (or two blocks) to the same handler.
    by_kind: dict[str, list[str]] = {}
    for name, value in values.items():
        by_kind.setdefault(name.split("_")[0], []).append(value)
        assert 0 < len(value) <= 255, name
    for kind, kind_values in by_kind.items():
        assert len(set(kind_values)) == len(kind_values), kind
    assert ids.ACTION_PASSER_EN_INSTRUCTION == "dossier_passer_en_instruction"
    assert set(ids.DOSSIER_ACTIONS) <= set(values.values())


# --- the card's « Plus d'actions… » menu ----------------------------------------------------


@pytest.mark.parametrize("option", ids.MORE_OPTIONS)
def test_menu_values_round_trip(option: str) -> None:
    for number in (1, 4242, ids.MAX_DOSSIER_NUMBER):
        value = ids.encode_more(option, number)
        assert value == f"{option}:{number}"
        assert ids.decode_more(value) == (option, number)


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        "",
        "suivre",
        "suivre:",
        ":12",
        "inconnu:12",
        "suivre:0",
        "suivre:-1",
        "suivre:+1",
        "suivre: 1",
        "suivre:012",
        "suivre:1.5",
        "suivre:١٢",  # Arabic-Indic digits: decimal for Python, not a DS number
        f"suivre:{2**31}",
        "suivre:1:2",
        "suivre:" + "9" * 200,
    ],
)
def test_menu_values_not_ours_are_refused_clearly(value: object) -> None:
    with pytest.raises(ValueError, match=r"menu|option|number"):
        ids.decode_more(value)


def test_encode_more_refuses_unknown_option_and_bad_number() -> None:
    with pytest.raises(ValueError):
        ids.encode_more("nope", 12)
    with pytest.raises(ValueError):
        ids.encode_more(ids.MORE_SUIVRE, 0)
