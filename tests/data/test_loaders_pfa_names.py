"""PFA name harmonisation (wsa_eval.data.harmonise_pfa)."""

from __future__ import annotations

import pandas as pd
import pytest

from wsa_eval.data import CITY_OF_LONDON, PFA_CODES, PFA_NAMES, harmonise_pfa
from wsa_eval.errors import DataFormatError, SpecificationError


def test_canonical_names_round_trip():
    assert len(PFA_NAMES) == 42 and len(set(PFA_NAMES)) == 42
    assert harmonise_pfa(list(PFA_NAMES)) == list(PFA_NAMES)
    # variations of every canonical name come back to it
    upper = [n.upper() for n in PFA_NAMES]
    padded = [f"  {n}  " for n in PFA_NAMES]
    police = [f"{n} Police" for n in PFA_NAMES]
    amp = [n.replace(" and ", " & ") for n in PFA_NAMES]
    prefixed = [f"{i:02d}: {n}" for i, n in enumerate(PFA_NAMES)]
    for variant in (upper, padded, police, amp, prefixed):
        assert harmonise_pfa(variant) == list(PFA_NAMES)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Metropolitan", "Metropolitan Police"),
        ("Metropolitan Police", "Metropolitan Police"),
        ("Metropolitan Police Service", "Metropolitan Police"),
        ("London", "Metropolitan Police"),
        ("Dyfed Powys", "Dyfed-Powys"),
        ("Dyfed-Powys", "Dyfed-Powys"),
        ("dyfed - powys police", "Dyfed-Powys"),
        ("Devon & Cornwall", "Devon and Cornwall"),
        ("Devon and Cornwall Police", "Devon and Cornwall"),
        ("Avon & Somerset Constabulary", "Avon and Somerset"),
        ("greater  manchester", "Greater Manchester"),
        ("Hampshire and Isle of Wight", "Hampshire"),
        ("City of London", CITY_OF_LONDON),
        ("City of London Police", CITY_OF_LONDON),
        ("London, City of", CITY_OF_LONDON),
    ],
)
def test_known_variants(raw, canonical):
    assert harmonise_pfa(raw) == canonical


def test_ons_codes():
    # ONS GSS codes: E23000001..E23000039 (England, E23000034 = City of London), W15000001..4
    assert set(PFA_CODES) == set(PFA_NAMES) | {CITY_OF_LONDON}
    assert len(set(PFA_CODES.values())) == 43
    assert sorted(c for c in PFA_CODES.values() if c.startswith("E23")) == [
        f"E23{i:06d}" for i in range(1, 40)
    ]
    assert harmonise_pfa(["E23000005", "w15000004", "E23000034"]) == [
        "Greater Manchester",
        "Dyfed-Powys",
        CITY_OF_LONDON,
    ]
    assert all(harmonise_pfa(code) == name for name, code in PFA_CODES.items())


def test_city_of_london_is_not_the_met():
    out = harmonise_pfa(["City of London", "London", "Metropolitan"])
    assert out == ["City of London", "Metropolitan Police", "Metropolitan Police"]


def test_container_types_preserved():
    s = pd.Series(["Metropolitan", "Gwent"], index=[10, 20], name="area")
    out = harmonise_pfa(s)
    assert isinstance(out, pd.Series) and list(out.index) == [10, 20] and out.name == "area"
    assert list(out) == ["Metropolitan Police", "Gwent"]
    assert list(s) == ["Metropolitan", "Gwent"]  # input unchanged
    idx = harmonise_pfa(pd.Index(["Dyfed Powys"], name="pfa"))
    assert isinstance(idx, pd.Index) and idx.name == "pfa" and list(idx) == ["Dyfed-Powys"]
    assert harmonise_pfa(("Kent",)) == ("Kent",)


def test_unmatched_names_error_with_suggestions():
    with pytest.raises(DataFormatError) as exc:
        harmonise_pfa(["Gwent", "Greater Manchestr", "Northumberland", "Atlantis"])
    msg = str(exc.value)
    assert "3 police force area name(s) not recognised" in msg
    assert "'Greater Manchestr' (did you mean 'Greater Manchester'?)" in msg
    assert "'Northumberland'" in msg and "Northumbria" in msg
    assert "'Atlantis'" in msg
    assert "'Gwent'" not in msg


def test_errors_keep_and_extra():
    assert harmonise_pfa(["Atlantis", "Kent"], errors="keep") == ["Atlantis", "Kent"]
    assert harmonise_pfa(["GMP HQ"], extra={"GMP HQ": "Greater Manchester"}) == [
        "Greater Manchester"
    ]
    with pytest.raises(SpecificationError, match="not a canonical PFA name"):
        harmonise_pfa(["x"], extra={"x": "Manchester"})
    with pytest.raises(SpecificationError, match="errors must be"):
        harmonise_pfa(["Kent"], errors="ignore")
    with pytest.raises(SpecificationError, match="names must be"):
        harmonise_pfa(42)
    with pytest.raises(DataFormatError):
        harmonise_pfa([None, "Kent"])
