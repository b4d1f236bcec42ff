"""Shipped women's custody panel and companion tables (wsa_eval.datasets).

Expected values are from /work/shared/data/README.md and women_custody_pfa/PROVENANCE.md
(the project's data notes; numbers transcribed from the Prison Reform Trust's outputs of MoJ
CJS statistics quarterly). Counts are exact (tolerance 0); rates are as published to 1 dp.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.data import PFA_NAMES, harmonise_pfa
from wsa_eval.datasets import (
    OGL_ATTRIBUTION,
    list_datasets,
    load_edition_comparison,
    load_england_wales_totals,
    load_gm_series,
    load_pfa_2009_fragments,
    load_pfa_custody,
    load_published_claims,
    load_reported_evaluations,
    load_wsa_start_dates,
    treated_areas,
)
from wsa_eval.errors import ColumnError, SpecificationError

BASE = [
    "pfa",
    "pfa_code",
    "year",
    "edition",
    "immediate_custody",
    "custody_lt_6m",
    "custody_6m_to_lt_12m",
    "custody_12m_plus",
    "community_sentence",
    "suspended_sentence",
    "rate_per_100k",
]
FLAGS = ["suspect_2017", "rate_population_provisional"]


def _value(df, pfa, year, col="immediate_custody"):
    row = df[(df.pfa == pfa) & (df.year == year)]
    assert len(row) == 1
    return row[col].iloc[0]


@pytest.mark.parametrize(
    ("edition", "years"), [("A", range(2010, 2023)), ("B", range(2010, 2025))]
)
def test_panel_shape_and_columns(edition, years):
    df = load_pfa_custody(edition)
    assert list(df.columns) == BASE + FLAGS
    years = list(years)
    # 42 PFAs x every year, one row each (data README: 546 = 42 x 13; 630 = 42 x 15)
    assert len(df) == 42 * len(years)
    assert sorted(df.pfa.unique()) == sorted(PFA_NAMES)
    assert sorted(df.year.unique()) == years
    assert not df.duplicated(["pfa", "year"]).any()
    assert (df.edition == edition).all()
    assert df["year"].dtype == np.int64
    assert df["immediate_custody"].dtype == np.int64
    assert df.equals(df.sort_values(["pfa", "year"]).reset_index(drop=True))
    # canonical names: harmonising changes nothing; City of London is not in the panel
    assert list(harmonise_pfa(df.pfa)) == list(df.pfa)
    assert "City of London" not in set(df.pfa)
    assert df.pfa_code.notna().all() and df.groupby("pfa").pfa_code.nunique().eq(1).all()
    assert df.pfa_code.nunique() == 42
    assert _value(df, "Greater Manchester", 2014, "pfa_code") == "E23000005"


def test_panel_without_flags_and_with_provenance():
    df = load_pfa_custody("B", include_flags=False)
    assert list(df.columns) == BASE
    prov = load_pfa_custody("A", include_provenance=True)
    assert {"src_counts", "src_rate"} <= set(prov.columns)
    assert prov.src_counts.str.contains("ccb1183c9ea5").all()


def test_gm_known_values_edition_a():
    # /work/shared/data/README.md: GM 446 in 2014, 186 in 2020 (edition A), -58%
    a = load_pfa_custody("A")
    assert _value(a, "Greater Manchester", 2014) == 446
    assert _value(a, "Greater Manchester", 2020) == 186
    change = 186 / 446 - 1
    assert round(100 * change) == -58
    # PROVENANCE.md: 446 / 43.1 per 100k (final_table.xlsx); rate 2014 published as 43.1
    assert _value(a, "Greater Manchester", 2014, "rate_per_100k") == pytest.approx(43.1, abs=1e-9)
    # England and Wales fell about 41% (README): sum of PFA rows 7418 -> 4383
    ew = a.groupby("year").immediate_custody.sum()
    assert ew[2014] == 7418 and ew[2020] == 4383
    assert round(100 * (ew[2020] / ew[2014] - 1)) == -41


def test_bands_sum_to_totals():
    # PROVENANCE.md: band sums equal totals in all 546 A cells and all B cells 2014-2024
    for ed in ("A", "B"):
        df = load_pfa_custody(ed)
        bands = df[["custody_lt_6m", "custody_6m_to_lt_12m", "custody_12m_plus"]].sum(axis=1)
        assert (bands == df.immediate_custody).all()


def test_edition_b_flags_and_known_values():
    b = load_pfa_custody("B")
    # every 2017 row flagged, and only those (PROVENANCE.md)
    assert b.loc[b.year == 2017, "suspect_2017"].all()
    assert not b.loc[b.year != 2017, "suspect_2017"].any()
    assert b.loc[b.year == 2017, "immediate_custody"].sum() == 5398
    # 2024 rate uses PRT's projected population
    assert b.loc[b.year == 2024, "rate_population_provisional"].all()
    assert not b.loc[b.year < 2024, "rate_population_provisional"].any()
    # remapping examples (PROVENANCE.md): Gwent 2014 90 -> 56, Dyfed-Powys 37 -> 18
    a = load_pfa_custody("A")
    assert _value(a, "Gwent", 2014) == 90 and _value(b, "Gwent", 2014) == 56
    assert _value(a, "Dyfed-Powys", 2014) == 37 and _value(b, "Dyfed-Powys", 2014) == 18
    # community / suspended only for Gwent and Cumbria in B
    has = b.dropna(subset=["community_sentence"]).pfa.unique()
    assert sorted(has) == ["Cumbria", "Gwent"]
    assert not a.suspect_2017.any()
    assert a.loc[a.year == 2022, "rate_population_provisional"].all()


def test_rates_only_from_2014():
    for ed in ("A", "B"):
        df = load_pfa_custody(ed)
        assert df.loc[df.year < 2014, "rate_per_100k"].isna().all()
        assert df.loc[df.year >= 2014, "rate_per_100k"].notna().all()


def test_loader_returns_fresh_copies():
    a = load_pfa_custody("A")
    a.loc[:, "immediate_custody"] = -1
    assert _value(load_pfa_custody("A"), "Greater Manchester", 2014) == 446


def test_bad_edition():
    with pytest.raises(SpecificationError, match="edition must be 'A'"):
        load_pfa_custody("C")
    assert len(load_pfa_custody("b")) == 630  # case-insensitive


def test_start_dates_table():
    sd = load_wsa_start_dates()
    assert list(sd.columns) == [
        "pfa",
        "scheme",
        "event",
        "date",
        "start_year",
        "date_precision",
        "evidence_strength",
        "source_url",
        "note",
    ]
    assert len(sd) == 27
    assert set(sd.pfa) <= set(PFA_NAMES)
    assert set(sd.evidence_strength) <= {"high", "medium", "low", "none"}
    gm = sd[sd.pfa == "Greater Manchester"]
    assert gm.start_year.min() == 2014
    dated = sd[sd.date.notna()]
    assert (dated.start_year.astype(int) == dated.date.str[:4].astype(int)).all()
    assert sd.loc[sd.date.isna(), "start_year"].isna().all()


def test_treated_areas():
    sd = load_wsa_start_dates()
    all_med = treated_areas(sd)
    assert all_med == sorted(all_med)
    assert {"Greater Manchester", "South Wales", "Lancashire", "Sussex", "Surrey"} <= set(
        all_med
    )
    assert "Leicestershire" not in all_med  # graded 'none': no scheme found
    assert "Humberside" not in all_med  # only 'low' evidence
    assert "Humberside" in treated_areas(sd, min_strength="low")
    # before 2015: Lancashire (2013), South Wales (2014-07), Sussex (2013-04), GM (2014-09),
    # West Yorkshire and Merseyside (2008 pilots); not Surrey (2016) nor Norfolk (2017)
    early = treated_areas(sd, before=2015)
    assert early == [
        "Greater Manchester",
        "Lancashire",
        "Merseyside",
        "South Wales",
        "Sussex",
        "West Yorkshire",
    ]
    # a date cut-off: GM's own start (2014-09) is not before 2014-09-01
    by_date = treated_areas(sd, before="2014-09")
    assert "South Wales" in by_date and "Greater Manchester" not in by_date
    # undated events count unless include_undated=False
    assert "Humberside" in treated_areas(sd, min_strength="low", before=2000)
    assert "Humberside" not in treated_areas(
        sd, min_strength="low", before=2000, include_undated=False
    )
    assert treated_areas() == all_med  # default: shipped table


def test_treated_areas_bad_input():
    sd = load_wsa_start_dates()
    with pytest.raises(SpecificationError, match="min_strength"):
        treated_areas(sd, min_strength="strong")
    with pytest.raises(ColumnError, match="evidence_strength"):
        treated_areas(sd.drop(columns="evidence_strength"))
    with pytest.raises(SpecificationError, match="before must be"):
        treated_areas(sd, before="next spring")
    with pytest.raises(SpecificationError, match="unknown values"):
        treated_areas(sd.assign(evidence_strength="maybe"))
    with pytest.raises(SpecificationError, match="DataFrame"):
        treated_areas([1, 2])
    before = sd.copy()
    treated_areas(sd, before=2015)
    pd.testing.assert_frame_equal(sd, before)


def test_companion_tables():
    tot = load_england_wales_totals()
    assert len(tot) == 54
    ew_a = tot[(tot.geography == "England and Wales") & (tot.edition == "A")].set_index("year")
    assert ew_a.loc[2014, "immediate_custody_prt_printed"] == 7418
    printed = tot.dropna(subset=["immediate_custody_prt_printed"])
    assert (
        printed.immediate_custody_prt_printed == printed.immediate_custody_sum_of_pfa_rows
    ).all()
    # sums of PFA rows agree with the shipped panel
    for ed in ("A", "B"):
        panel = load_pfa_custody(ed).groupby("year").immediate_custody.sum()
        t = tot[(tot.geography == "England and Wales") & (tot.edition == ed)].set_index("year")
        assert (t.immediate_custody_sum_of_pfa_rows == panel.reindex(t.index)).all()

    gm = load_gm_series()
    assert len(gm) == 15
    g = gm.set_index("year")
    assert g.loc[2014, "gm_custody_edA"] == 446 and g.loc[2020, "gm_custody_edA"] == 186
    assert "suspect" in g.loc[2017, "flags"]

    comp = load_edition_comparison()
    assert len(comp) == 630
    both = comp.dropna(subset=["edA_cjsq_dec2022"])
    assert (both.diff_B_minus_A == both.edB_cjsq_dec2024 - both.edA_cjsq_dec2022).all()

    frag = load_pfa_2009_fragments()
    assert len(frag) == 3 and (frag.year == 2009).all()

    claims = load_published_claims()
    assert len(claims) == 10 and claims.claim_id.is_unique
    ev = load_reported_evaluations()
    assert len(ev) == 11 and "source_url" in ev.columns


def test_list_datasets_and_licences():
    cat = list_datasets()
    assert list(cat.columns) == [
        "name",
        "loader",
        "file",
        "rows",
        "description",
        "licence",
        "source",
    ]
    assert cat.name.is_unique
    assert cat.licence.str.len().gt(0).all()
    custody = cat[cat.name.str.startswith("pfa_custody")]
    assert custody.licence.str.contains("Open Government Licence v3.0").all()
    assert "Open Government Licence v3.0" in OGL_ATTRIBUTION
    # the advertised row counts are right, and every loader call works
    import wsa_eval.datasets as ds

    for _, row in cat.iterrows():
        frame = eval(row.loader, {k: getattr(ds, k) for k in ds.__all__})  # noqa: S307
        assert len(frame) == row.rows, row["name"]
    # every data file is catalogued and documented in the data README
    data_dir = Path(ds.__file__).parent / "data"
    files = {p.name for p in data_dir.glob("*.csv")}
    assert files == set(cat.file)
    readme = (data_dir / "README.md").read_text()
    for f in files:
        assert f in readme


def test_docstrings_carry_attribution():
    for fn in (
        load_pfa_custody,
        load_england_wales_totals,
        load_gm_series,
        load_edition_comparison,
        load_pfa_2009_fragments,
    ):
        doc = " ".join(fn.__doc__.split())
        assert "Open Government Licence v3.0" in doc, fn.__name__
        assert "Prison Reform Trust" in doc, fn.__name__
