"""Exact / coarsened exact matching, the area panel, and the synthetic linked data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from wsa_eval import validate_panel
from wsa_eval.engine import area_panel, simulate_linked_data
from wsa_eval.engine.simulate import TRUE_LOG_HR
from wsa_eval.errors import DataWarning, EstimationError, SpecificationError
from wsa_eval.survival import cox, exact_match, proven_reoffending

CUTS = [21, 25, 30, 40, 50]


def cem_by_hand(p: pd.DataFrame, y: str):
    """Coarsened exact matching done in pandas, independently of the engine."""
    d = p.assign(band=np.searchsorted(CUTS, p["age"], side="right"))
    keys = ["sex", "band", "disposal"]
    g = d.groupby(keys)["programme"].agg(n_t="sum", n="size").reset_index()
    g["n_c"] = g["n"] - g["n_t"]
    g = g[(g["n_t"] > 0) & (g["n_c"] > 0)]
    MT, MC = g["n_t"].sum(), g["n_c"].sum()
    g["wc"] = g["n_t"] / g["n_c"] * MC / MT
    m = d.merge(g[keys + ["wc"]], on=keys)
    m["w"] = np.where(m["programme"] == 1, 1.0, m["wc"])
    out = {}
    for arm in (1, 0):
        s = m[m["programme"] == arm]
        w, v = s["w"].to_numpy(), s[y].to_numpy(float)
        mean = np.sum(w * v) / w.sum()
        out[arm] = (mean, np.sum(w**2 * (v - mean) ** 2) / w.sum() ** 2, len(s))
    return g, out


def test_coarsened_exact_matching_equals_hand_computation(linked, linked_paths):
    p = linked.people.assign(y=(linked.people["person_id"] % 7 == 0).astype(int))
    g, want = cem_by_hand(p, "y")
    before = p.copy()
    res = exact_match(p, treatment="programme", covariates=["sex", "age", "disposal"],
                      coarsen={"age": CUTS}, outcomes=["y"])
    pd.testing.assert_frame_equal(p, before)  # input not modified
    assert res.n_matched_treated == g["n_t"].sum()
    assert res.n_matched_control == g["n_c"].sum()
    e = res.effects.iloc[0]
    assert e["treated_value"] == pytest.approx(want[1][0], abs=1e-12)
    assert e["comparison_value"] == pytest.approx(want[0][0], abs=1e-12)
    assert e["std_error"] == pytest.approx(np.sqrt(want[1][1] + want[0][1]), abs=1e-12)
    assert isinstance(res.data, pd.DataFrame)
    w = res.data.groupby("programme")["match_weight"].sum()
    assert w[0] == pytest.approx(res.n_matched_control)  # CEM weights keep the group size
    # the same on a Parquet path
    p.to_parquet(linked_paths["people"] + ".y.parquet")
    res2 = exact_match(linked_paths["people"] + ".y.parquet", treatment="programme",
                       covariates=["sex", "age", "disposal"], coarsen={"age": CUTS},
                       outcomes=["y"])
    pd.testing.assert_frame_equal(res.effects, res2.effects)
    assert "share their banded characteristics" in res.interpret()


def test_exact_match_errors(linked):
    p = linked.people
    with pytest.raises(SpecificationError, match="not in covariates"):
        exact_match(p, treatment="programme", covariates=["sex"], coarsen={"age": CUTS})
    with pytest.raises(EstimationError, match="nobody can be matched"):
        exact_match(p.assign(programme=(p["sex"] == "F").astype(int)), treatment="programme",
                    covariates=["sex"])


def test_area_panel_counts_rates_and_zero_fill(linked, linked_paths):
    off = linked.offences
    got = area_panel(linked_paths["offences"], area="pfa", date="offence_date",
                     population=linked_paths["population"], start=2016, end=2021,
                     first_treated={"Greater Manchester": 2018})
    want = (off.assign(year=off["offence_date"].dt.year)
            .query("2016 <= year <= 2021").groupby(["pfa", "year"]).size())
    g = got.set_index(["pfa", "year"])["count"]
    assert (g[g > 0] == want.reindex(g[g > 0].index)).all()
    assert g.sum() == want.sum()
    assert len(got) == 42 * 6  # every area in every year
    pop = linked.population.set_index(["pfa", "year"])["population"]
    np.testing.assert_allclose(got["rate"], got["count"] / pop.reindex(
        list(zip(got["pfa"], got["year"]))).to_numpy() * 1e5)
    assert set(got.loc[got["first_treated"] > 0, "pfa"]) == {"Greater Manchester"}
    rep = validate_panel(got, unit="pfa", time="year", outcome="rate",
                         first_treated="first_treated")
    assert rep is not None
    people = area_panel(linked.offences, area="pfa", date="offence_date", period="quarter",
                        person="person_id")
    q = off.assign(q=off["offence_date"].dt.year * 10 + off["offence_date"].dt.quarter)
    want = q.groupby(["pfa", "q"])["person_id"].nunique()
    g = people.set_index(["pfa", "quarter"])["count"]
    assert (g[g > 0] == want.reindex(g[g > 0].index)).all()


def test_simulated_data_recover_the_hazard_ratios():
    """Known effects: the Cox fit of the engine's cohort recovers the generator's log HRs."""
    d = simulate_linked_data(30000, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        coh = proven_reoffending(d.people, d.offences, data_end=d.data_end,
                                 person="person_id")
    persons = coh.persons.assign(female=(coh.persons["sex"] == "F").astype(int))
    import duckdb

    con = duckdb.connect()
    con.register("p", persons)
    fit = cox(con.sql("SELECT * FROM p"), duration="time", event="event",
              covariates=["programme", "female", "age_band", "prior_band", "disposal"])
    for term, truth in (("programme", TRUE_LOG_HR["programme"]),
                        ("female", TRUE_LOG_HR["female"]),
                        ("disposal_custody release", TRUE_LOG_HR["custody release"])):
        est = fit.coef[term]
        se = np.sqrt(fit.vcov.loc[term, term])
        if term == "disposal_custody release":  # reference level is "caution" (sorted first)
            truth = TRUE_LOG_HR["custody release"] - TRUE_LOG_HR["caution"]
        assert abs(est - truth) < 4 * se, (term, est, truth, se)
