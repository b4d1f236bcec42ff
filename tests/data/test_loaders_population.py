"""read_ons_population and add_rates.

ONS-style tables are built in the tests with a known population for every local authority,
sex, single year of age and year (``_pop`` below), so each PFA total can be written down by
hand. Layouts follow ONS mid-year estimate tables: long with one column per year ("MYEB"),
one column per single year of age ("MYE2"), and long by PFA.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wsa_eval.data import add_rates, read_ons_population
from wsa_eval.datasets import load_england_wales_totals, load_gm_series
from wsa_eval.errors import ColumnError, DataFormatError, SpecificationError

LAS = {
    # code: (name, PFA as spelt in the lookup)
    "E08000001": ("Bolton", "Greater Manchester"),
    "E08000003": ("Manchester", "Greater Manchester"),
    "E09000001": ("City of London", "London, City of"),
    "E09000007": ("Camden", "Metropolitan Police"),
    "W06000015": ("Cardiff", "South Wales"),
}
AGGREGATES = {
    "E92000001": "England",
    "E12000002": "North West",
    "E11000001": "Greater Manchester (Met County)",
    "K04000001": "England and Wales",
    "S12000033": "Aberdeen City",
}
YEARS = (2019, 2020)


def _pop(i: int, sex: int, age: int, year: int) -> int:
    """Population of LA number i, sex (1 male, 2 female), age, year."""
    return 100 * (i + 1) + 10 * sex + (age % 7) + (year - 2019) * 3


def _female_18_plus(i: int, year: int) -> int:
    return sum(_pop(i, 2, a, year) for a in range(18, 91))


EXPECTED = {}
for _i, (_code, (_name, _pfa)) in enumerate(LAS.items()):
    for _y in YEARS:
        key = ("City of London" if _pfa.startswith("London") else _pfa, _y)
        EXPECTED[key] = EXPECTED.get(key, 0) + _female_18_plus(_i, _y)


def _lookup() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "LAD21CD": list(LAS),
            "LAD21NM": [v[0] for v in LAS.values()],
            "CSP21NM": ["csp"] * len(LAS),
            "PFA21CD": [f"E23{i:06d}" for i in range(len(LAS))],
            "PFA21NM": [v[1] for v in LAS.values()],
        }
    )


def _myeb() -> pd.DataFrame:
    """Long by LA, sex and age; one column per year (population_2019, population_2020)."""
    rows = []
    for i, (code, (name, _)) in enumerate(LAS.items()):
        for sex in (1, 2):
            for age in range(91):
                rows.append(
                    [code, name, "country", sex, age] + [_pop(i, sex, age, y) for y in YEARS]
                )
    for code, name in AGGREGATES.items():
        for sex in (1, 2):
            for age in range(91):
                rows.append([code, name, "x", sex, age, 10**6, 10**6])
    return pd.DataFrame(
        rows,
        columns=["ladcode21", "laname21", "country", "sex", "age"]
        + [f"population_{y}" for y in YEARS],
    )


def _expected_frame(years=YEARS) -> pd.DataFrame:
    out = pd.DataFrame(
        [(p, y, float(v)) for (p, y), v in EXPECTED.items() if y in years],
        columns=["pfa", "year", "population"],
    )
    return out.sort_values(["pfa", "year"]).reset_index(drop=True)


def test_by_local_authority_with_lookup_myeb_shape():
    pop, lk = _myeb(), _lookup()
    pop0, lk0 = pop.copy(), lk.copy()
    out = read_ons_population(pop, lookup=lk)
    pd.testing.assert_frame_equal(out, _expected_frame())
    # GM = Bolton + Manchester; City of London separate from the Met
    assert set(out.pfa) == {
        "City of London",
        "Greater Manchester",
        "Metropolitan Police",
        "South Wales",
    }
    pd.testing.assert_frame_equal(pop, pop0)
    pd.testing.assert_frame_equal(lk, lk0)


def test_lookup_matched_on_la_names_too():
    pop = _myeb().drop(columns="ladcode21")
    pop = pop[~pop.laname21.isin(AGGREGATES.values()) | pop.laname21.eq("England")]
    out = read_ons_population(pop, lookup=_lookup())
    pd.testing.assert_frame_equal(out, _expected_frame())


def test_age_and_sex_options():
    pop, lk = _myeb(), _lookup()
    men = read_ons_population(pop, lookup=lk, sex="male", min_age=0)
    gm19 = men[(men.pfa == "Greater Manchester") & (men.year == 2019)].population.iloc[0]
    assert gm19 == sum(_pop(i, 1, a, 2019) for i in (0, 1) for a in range(91))
    band = read_ons_population(pop, lookup=lk, min_age=18, max_age=20)
    cardiff = band[(band.pfa == "South Wales") & (band.year == 2020)].population.iloc[0]
    assert cardiff == sum(_pop(4, 2, a, 2020) for a in (18, 19, 20))
    one_year = read_ons_population(pop, lookup=lk, year=2020)
    assert set(one_year.year) == {2020}


def test_mye2_wide_by_age_with_geography_rows():
    """One column per single year of age (0 ... 90), a Females sheet with no sex column."""
    rows = []
    for i, (code, (name, _)) in enumerate(LAS.items()):
        ages = [_pop(i, 2, a, 2019) for a in range(91)]
        rows.append([code, name, "Metropolitan District", sum(ages), *ages])
    rows.append(["E12000002", "NORTH WEST", "Region", 1, *([10**6] * 91)])
    rows.append(["E11000001", "GREATER MANCHESTER", "Metropolitan County", 1, *([10**6] * 91)])
    wide = pd.DataFrame(
        rows, columns=["Code", "Name", "Geography", "All ages", *[str(a) for a in range(90)], "90+"]
    )
    out = read_ons_population(wide, lookup=_lookup(), sex=None, year=2019)
    pd.testing.assert_frame_equal(out, _expected_frame((2019,)))
    with pytest.raises(SpecificationError, match="no year column.*pass year="):
        read_ons_population(wide, lookup=_lookup(), sex=None)
    with pytest.raises(SpecificationError, match="no sex column.*sex=None"):
        read_ons_population(wide, lookup=_lookup(), year=2019)


def test_by_pfa_long_table_without_lookup():
    rows = []
    spellings = {"Greater Manchester": "GREATER MANCHESTER POLICE", "Metropolitan Police": "London"}
    for (pfa, year), value in EXPECTED.items():
        name = spellings.get(pfa, pfa)
        for sex, label in ((1, "Male"), (2, "Female")):
            rows.append([name, label, "18+", year, value if sex == 2 else 1])
            rows.append([name, label, "0-17", year, 999])
    rows.append(["England and Wales", "Female", "18+", 2019, 10**8])
    t = pd.DataFrame(rows, columns=["PFA name", "Sex", "Age", "Year", "Value"])
    out = read_ons_population(t)
    pd.testing.assert_frame_equal(out, _expected_frame())
    with pytest.raises(DataFormatError, match="straddles"):
        read_ons_population(t.replace({"0-17": "16-20"}))


def test_nomis_style_download_and_title_rows(tmp_path):
    """Nomis CSV: DATE, GEOGRAPHY_CODE, GENDER 0/1/2, C_AGE codes with C_AGE_NAME "Age 18"."""
    rows = []
    for i, (code, (name, _)) in enumerate(LAS.items()):
        for g in (1, 2):
            for age in range(91):
                label = "Age 90+" if age == 90 else f"Age {age}"
                rows.append([2020, 2020, 1000 + i, name, code, g, age + 101, label,
                             _pop(i, g, age, 2020)])  # fmt: skip
    nomis = pd.DataFrame(
        rows,
        columns=["DATE", "DATE_NAME", "GEOGRAPHY", "GEOGRAPHY_NAME", "GEOGRAPHY_CODE",
                 "GENDER", "C_AGE", "C_AGE_NAME", "OBS_VALUE"],
    )  # fmt: skip
    path = tmp_path / "nomis.csv"
    path.write_text("Population estimates\nsource: ONS\n" + nomis.to_csv(index=False))
    with pytest.raises(DataFormatError, match="skiprows"):
        read_ons_population(path, lookup=_lookup())
    out = read_ons_population(path, lookup=_lookup(), skiprows=2)
    pd.testing.assert_frame_equal(out, _expected_frame((2020,)))


def test_by_pfa_with_ons_pfa_codes():
    t = _expected_frame()
    t["PFA23CD"] = t.pfa.map({"City of London": "E23000034", "Greater Manchester": "E23000005",
                              "Metropolitan Police": "E23000001", "South Wales": "W15000003"})
    out = read_ons_population(t.drop(columns="pfa"), sex=None, min_age=None)
    pd.testing.assert_frame_equal(out, _expected_frame())


def test_already_aggregated_table():
    t = _expected_frame().rename(columns={"population": "population"})
    t["pfa"] = t["pfa"].replace({"Metropolitan Police": "Metropolitan"})
    out = read_ons_population(t, sex=None, min_age=None)
    pd.testing.assert_frame_equal(out, _expected_frame())
    with pytest.raises(SpecificationError, match="no age column.*min_age=None"):
        read_ons_population(t, sex=None)


def test_population_errors():
    pop, lk = _myeb(), _lookup()
    with pytest.raises(DataFormatError, match="not in the lookup: 'E08000003'.*boundary vintage"):
        read_ons_population(pop, lookup=lk[lk.LAD21CD != "E08000003"])
    with pytest.raises(DataFormatError, match="codes.*pass a lookup"):
        read_ons_population(pop)
    two = pd.concat([lk, lk.iloc[[0]].assign(PFA21NM="Cheshire")])
    with pytest.raises(DataFormatError, match="more than one PFA: 'E08000001'"):
        read_ons_population(pop, lookup=two)
    with pytest.raises(DataFormatError, match="PFA column of the lookup"):
        read_ons_population(pop, lookup=lk.rename(columns={"PFA21NM": "area", "PFA21CD": "c"}))
    with pytest.raises(DataFormatError, match="No area of the population table"):
        read_ons_population(pop, lookup=lk.assign(LAD21CD="X", LAD21NM="Y", CSP21NM="Z"))
    with pytest.raises(DataFormatError, match="population values"):
        read_ons_population(pd.DataFrame({"pfa": ["Kent"], "what": ["?"]}))
    with pytest.raises(SpecificationError, match="sex must be"):
        read_ons_population(pop, lookup=lk, sex="women")
    with pytest.raises(SpecificationError, match="No rows with sex 'male'"):
        read_ons_population(pop.assign(sex=2), lookup=lk, sex="male")
    with pytest.raises(DataFormatError, match="not recognised.*Atlantis"):
        read_ons_population(
            pd.DataFrame({"pfa": ["Atlantis"], "year": [2019], "population": [5]}),
            sex=None,
            min_age=None,
        )


def test_add_rates_by_hand():
    pop = _expected_frame()
    counts = pd.DataFrame(
        {
            "pfa": ["Greater Manchester", "Metropolitan", "City of London"],
            "year": [2019, 2020, 2019],
            "outcome": "Immediate custody",
            "count": [446, 1000, 3],
        }
    )
    c0, p0 = counts.copy(), pop.copy()
    out = add_rates(counts, pop)
    assert list(out.columns) == [*counts.columns, "population", "rate_per_100k"]
    assert list(out.pfa) == list(counts.pfa)  # names as given
    gm_pop = EXPECTED[("Greater Manchester", 2019)]
    assert out.population.iloc[0] == gm_pop
    assert out.rate_per_100k.iloc[0] == pytest.approx(446 / gm_pop * 100_000, rel=1e-12)
    assert out.rate_per_100k.iloc[1] == pytest.approx(
        1000 / EXPECTED[("Metropolitan Police", 2020)] * 1e5, rel=1e-12
    )
    pd.testing.assert_frame_equal(counts, c0)
    pd.testing.assert_frame_equal(pop, p0)
    per1000 = add_rates(counts, pop, per=1000)
    assert "rate_per_1000" in per1000.columns
    assert per1000.rate_per_1000.iloc[0] == pytest.approx(446 / gm_pop * 1000, rel=1e-12)


def test_add_rates_reproduces_prt_england_and_wales_rates():
    # PRT printed E&W rates (gm_vs_england_wales_series.csv, ew_rate_edA_prt_printed) =
    # printed custody / printed adult female population * 100,000 (women_custody_england_
    # wales_totals.csv). Tolerance 1e-6 (the printed rates have 6 decimals).
    tot = load_england_wales_totals()
    ew = tot[(tot.geography == "England and Wales") & (tot.edition == "A")].dropna(
        subset=["adult_female_population_prt"]
    )
    counts = ew[["geography", "year", "immediate_custody_prt_printed"]]
    pop = ew[["geography", "year"]].assign(population=ew.adult_female_population_prt)
    out = add_rates(counts, pop, count="immediate_custody_prt_printed", on=("geography", "year"))
    printed = load_gm_series().set_index("year").ew_rate_edA_prt_printed
    got = out.set_index("year").rate_per_100k
    assert len(got) == 9
    np.testing.assert_allclose(got.to_numpy(), printed.reindex(got.index).to_numpy(), atol=1e-6)


def test_add_rates_errors():
    pop = _expected_frame()
    counts = pd.DataFrame({"pfa": ["Kent", "Greater Manchester"], "year": [2019, 2021], "count": 1})
    with pytest.raises(DataFormatError) as exc:
        add_rates(counts, pop)
    msg = str(exc.value)
    assert "No population for 2 pfa/year combination(s)" in msg
    assert "('Kent', 2019)" in msg and "('Greater Manchester', 2021)" in msg
    assert "covers years 2019-2020" in msg
    ok = counts.iloc[[1]].assign(year=2019)
    with pytest.raises(DataFormatError, match="more than one row for"):
        add_rates(ok, pd.concat([pop, pop.iloc[[0]]]))
    with pytest.raises(DataFormatError, match="missing, zero or negative"):
        add_rates(ok, pop.assign(population=0.0))
    with pytest.raises(ColumnError, match="count=."):
        add_rates(ok.rename(columns={"count": "n"}), pop)
    with pytest.raises(ColumnError, match="population lacks"):
        add_rates(ok, pop.rename(columns={"population": "pop"}))
    with pytest.raises(SpecificationError, match="already has"):
        add_rates(ok.assign(population=1), pop)
    with pytest.raises(SpecificationError, match="per must be"):
        add_rates(ok, pop, per=0)
    with pytest.raises(SpecificationError, match="DataFrame"):
        add_rates([1], pop)


def test_pipeline_moj_file_to_rates_to_panel():
    """An analyst's path: MoJ file -> counts -> rates with ONS population -> validated panel."""
    import warnings
    from pathlib import Path

    from wsa_eval import validate_panel
    from wsa_eval.data import read_moj_outcomes
    from wsa_eval.errors import DataWarning

    moj = Path(__file__).parent / "files" / "moj_dec2022_sample.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        counts = read_moj_outcomes(moj, exclude_pfa=("Not known", "City of London", "Cumbria"))
    # population for GM and Gwent, 2014 and 2020 (invented round numbers)
    pop = pd.DataFrame(
        {
            "pfa": ["Greater Manchester"] * 2 + ["Gwent"] * 2,
            "year": [2014, 2020] * 2,
            "population": [1_000_000.0, 1_100_000.0, 240_000.0, 250_000.0],
        }
    )
    rates = add_rates(counts, pop)
    gm = rates[(rates.pfa == "Greater Manchester") & (rates.year == 2014)]
    assert gm.rate_per_100k.iloc[0] == pytest.approx(44.6, abs=1e-12)  # 446 per 1.0m
    # Gwent has no 2020 row in the file at all; the panel is unbalanced and says so
    report = validate_panel(
        rates, unit="pfa", time="year", outcome="rate_per_100k", balanced=False, warn=False
    )
    assert set(report.units) == {"Greater Manchester", "Gwent"}
