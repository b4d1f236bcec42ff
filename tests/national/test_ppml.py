"""Poisson difference-in-differences (``wsa_eval.did.ppml``, Wooldridge 2023).

Known answers:

* R fixest ``feglm(family = "poisson")`` through R etwfe on ``mpdta`` (Callaway & Sant'Anna's
  county employment data, ``emp = exp(lemp)``) with ``lpop`` as a covariate: every
  coefficient and clustered standard error, and the event-time effects on the count and
  log scales (R marginaleffects), stored with their source in
  ``tests/reference/ppml/reference_values.json`` (commands in ``make_reference.R`` there).
  Tolerances: coefficients 1e-6 relative (measured largest difference 6e-9), clustered
  standard errors 3e-5 relative (the same small-sample factor; measured differences 2e-7 to
  1.4e-5, all with ours slightly larger, as from fixest's IRLS state at its deviance
  tolerance of 1e-8; the unit-effects test below checks the variance formula against
  statsmodels to 1e-6), delta-method standard
  errors of the event-time effects 1e-4 relative (marginaleffects differentiates
  numerically).
* statsmodels ``GLM(family=Poisson)`` with explicit unit and year dummies, an independent
  implementation computed here: the unit-effects estimator and its (unadjusted)
  cluster-robust variance to 1e-6.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.datasets import load_mpdta
from wsa_eval.did import PPMLResult, ppml
from wsa_eval.did.ppml import claim_gaps
from wsa_eval.errors import (
    ColumnError,
    DataWarning,
    InferenceWarning,
    PanelError,
    SpecificationError,
    WsaEvalError,
)

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "ppml" /
                  "reference_values.json").read_text())
KW = dict(outcome="emp", unit="countyreal", time="year", first_treated="first.treat")


@pytest.fixture(scope="module")
def mpdta():
    m = load_mpdta()
    m["emp"] = np.exp(m["lemp"])
    return m


@pytest.fixture(scope="module")
def m3p(mpdta):
    return ppml(mpdta, **KW, covariates="lpop", fixed_effects="cohort", inference="cluster")


def test_coefficients_and_clustered_se_match_r_fixest(m3p):
    got = m3p.coefficients.set_index("term")
    ref = REF["m3p_coeftable"]
    assert set(ref) <= set(got.index)
    for name, (est, se) in ref.items():
        assert got.loc[name, "estimate"] == pytest.approx(est, rel=1e-6, abs=1e-9), name
        assert got.loc[name, "std_error"] == pytest.approx(se, rel=3e-5), name


def test_event_effects_match_r_etwfe_emfx(m3p):
    eff = m3p.effects.set_index("event_time")
    for key, col, secol in (("event_pois_response", "att_count", "att_count_std_error"),
                            ("event_pois_link", "link_average", "link_average_std_error")):
        ref = REF[key]
        np.testing.assert_allclose(eff.loc[ref["event"], col], ref["estimate"], rtol=1e-6)
        np.testing.assert_allclose(eff.loc[ref["event"], secol], ref["std_error"], rtol=1e-4)


def _cells_frame(m):
    g, t = m["first.treat"].to_numpy(), m["year"].to_numpy()
    cols = {}
    for gg in (2004, 2006, 2007):
        for tt in range(gg, 2008):
            cols[f"c{gg}_{tt}"] = ((g == gg) & (t == tt)).astype(float)
    return pd.DataFrame(cols, index=m.index)


def test_unit_effects_match_statsmodels_glm_with_dummies(mpdta):
    import statsmodels.api as sm

    # every fifth county (100 of 500, all cohorts present) keeps the dummy regression quick
    keep = sorted(mpdta["countyreal"].unique())[::5]
    mpdta = mpdta[mpdta["countyreal"].isin(keep)].reset_index(drop=True)
    assert set(mpdta["first.treat"]) == {0, 2004, 2006, 2007}
    r = ppml(mpdta, **KW, inference="cluster")
    cells = _cells_frame(mpdta)
    X = pd.concat([pd.get_dummies(mpdta["countyreal"], prefix="u", dtype=float),
                   pd.get_dummies(mpdta["year"], prefix="y", drop_first=True, dtype=float),
                   cells], axis=1)
    fit = sm.GLM(mpdta["emp"], X, family=sm.families.Poisson()).fit(
        tol=1e-10, cov_type="cluster",
        cov_kwds={"groups": mpdta["countyreal"].to_numpy(), "use_correction": False})
    got = r.coefficients.set_index("term")
    factor = r.diagnostics["small_sample_factor"]
    for gg in (2004, 2006, 2007):
        for tt in range(gg, 2008):
            name = f"treat::{gg}:{tt}"
            assert got.loc[name, "estimate"] == pytest.approx(fit.params[f"c{gg}_{tt}"],
                                                              abs=1e-8)
            assert got.loc[name, "std_error"] / math.sqrt(factor) == pytest.approx(
                fit.bse[f"c{gg}_{tt}"], rel=1e-6)


def test_unit_and_cohort_effects_agree_without_covariates(mpdta):
    # Wooldridge (2023): with Poisson, unit and cohort effects give the same cell effects
    a = ppml(mpdta, **KW, inference="cluster").cells.set_index("term")["estimate"]
    b = ppml(mpdta, **KW, fixed_effects="cohort", inference="cluster").cells.set_index(
        "term")["estimate"]
    pd.testing.assert_series_equal(a, b, atol=1e-9)


def test_headline_is_ratio_of_fitted_to_no_scheme_counts(mpdta):
    r = ppml(mpdta, **KW, inference="cluster")
    assert r.percent_change == pytest.approx(math.expm1(r.estimate))
    assert r.percent_ci_low == pytest.approx(math.expm1(r.ci_low))
    # one cell only: the ratio is exp(tau)
    one = mpdta[mpdta["first.treat"].isin([0, 2007])]
    r1 = ppml(one, **KW, inference="cluster")
    tau = r1.cells.set_index("term").loc["treat::2007:2007", "estimate"]
    assert r1.estimate == pytest.approx(tau, abs=1e-12)
    assert isinstance(r1, PPMLResult)


def _sim(n_units=60, years=range(2010, 2021), effect=-0.3, starts=None, seed=0, zeros=False,
         exposure=False, level=3.0):
    rng = np.random.default_rng(seed)
    years = list(years)
    starts = starts or {}
    rows = []
    for i in range(n_units):
        a = rng.normal(level, 0.6)
        pop = rng.uniform(5e4, 5e5)
        for k, t in enumerate(years):
            g = starts.get(i, math.inf)
            lam = math.exp(a + 0.04 * k - 0.02 * (k % 3) + (effect if t >= g else 0.0))
            if exposure:
                lam *= pop / 1e5
            rows.append({"area": f"a{i:02d}", "year": t, "y": rng.poisson(lam),
                         "pop": pop, "g": g if np.isfinite(g) else 0})
    d = pd.DataFrame(rows)
    if zeros:
        d.loc[d["area"] == "a59", "y"] = 0
    return d


def test_recovers_a_known_effect_with_zeros_and_offsets():
    starts = {i: 2014 + (i % 3) for i in range(20)}
    d = _sim(starts=starts, effect=math.log(0.7), exposure=True, seed=3)
    d.loc[d.index[:3], "y"] = 0  # zeros are fine
    r = ppml(d, outcome="y", unit="area", time="year", first_treated="g", exposure="pop",
             inference="cluster")
    assert r.percent_change == pytest.approx(-0.3, abs=0.05)
    assert r.percent_ci_low < -0.3 < r.percent_ci_high
    # the offset matters: a population that grows in the treated areas after the start
    d2 = d.copy()
    d2.loc[(d2["g"] > 0) & (d2["year"] >= d2["g"]), "pop"] *= 1.5
    r2 = ppml(d2, outcome="y", unit="area", time="year", first_treated="g", exposure="pop",
              inference="cluster")
    assert r2.percent_change == pytest.approx(0.7 / 1.5 - 1, abs=0.05)


def test_all_zero_unit_is_dropped_with_a_warning():
    d = _sim(starts={0: 2015, 1: 2015}, zeros=True, seed=1)
    with pytest.warns(DataWarning, match="a59"):
        r = ppml(d, outcome="y", unit="area", time="year", first_treated="g",
                 inference="cluster")
    assert r.n_units == 59


def test_one_treated_unit_placebo_inference_is_exact():
    d = _sim(n_units=20, starts={0: 2015}, effect=-0.5, seed=5)
    r = ppml(d, outcome="y", unit="area", time="year", treated="a00", start=2015)
    assert "placebo-in-space" in r.inference
    # the placebo loop by hand: each comparison area in turn, a00 left out
    rest = d[d["area"] != "a00"]
    ests = []
    for c in sorted(rest["area"].unique()):
        q = ppml(rest, outcome="y", unit="area", time="year", treated=c, start=2015,
                 inference="cluster")
        ests.append(q.estimate)
    ests = np.array(ests)
    J = len(ests)
    n_ge = int(np.sum(np.abs(ests) >= abs(r.estimate) * (1 - 1e-12)))
    assert r.p_value == pytest.approx((1 + n_ge) / (J + 1))
    assert r.se == pytest.approx(np.std(ests))
    assert r.diagnostics["min_p_value"] == pytest.approx(1 / 20)
    np.testing.assert_allclose(np.sort(r.replications), np.sort(ests), atol=1e-9)
    assert r.spec["seed"] is None  # exact: nothing random


def test_randomization_with_several_treated_is_seeded():
    d = _sim(n_units=30, starts={i: 2014 + (i % 2) for i in range(12)}, seed=2)
    kw = dict(outcome="y", unit="area", time="year", first_treated="g",
              inference="randomization", reps=49)
    a = ppml(d, **kw, random_state=7)
    b = ppml(d, **kw, random_state=7)
    assert a.p_value == b.p_value and 1 / 50 <= a.p_value <= 1
    assert a.spec["seed"] == 7 and len(a.replications) == 49


def test_event_study_leads_and_reference_period():
    d = _sim(n_units=40, starts={i: 2015 for i in range(10)}, seed=4, effect=-0.4, level=6.0)
    r = ppml(d, outcome="y", unit="area", time="year", first_treated="g", event_study=True,
             inference="cluster")
    e = r.effects.set_index("event_time")
    assert -1 not in e.index and -5 in e.index and 5 in e.index
    # no effect before the start (counts of about 400: sampling noise of a few percent)
    assert (e.loc[[-5, -4, -3, -2], "percent_change"].abs() < 0.08).all()
    np.testing.assert_allclose(e.loc[[0, 1, 2, 3, 4, 5], "percent_change"], math.expm1(-0.4),
                               atol=0.08)
    assert r.plot() is not None


def test_claim_gaps_are_the_poisson_did_of_the_treated_area_and_its_placebos():
    d = _sim(n_units=12, starts={0: 2015}, seed=6)
    gaps, pg, avg, pav = claim_gaps(d, outcome="y", unit="area", time="year", treated="a00",
                                    start=2015)
    r = ppml(d, outcome="y", unit="area", time="year", treated="a00", start=2015,
             inference="randomization")
    cells = r.cells.set_index("time")["estimate"]
    for t in range(2015, 2021):
        assert gaps.loc[t] == pytest.approx(cells.loc[t], abs=1e-9)
    # before the start: residuals log(y / fitted); the fitted level is the pre-period's
    pre = d[(d["area"] == "a00") & (d["year"] < 2015)]["y"].to_numpy(float)
    fitted = pre / np.exp(gaps.loc[2010:2014].to_numpy())
    assert fitted.sum() == pytest.approx(pre.sum(), rel=1e-9)  # Poisson: totals match
    assert list(pg.columns) == sorted(set(d["area"]) - {"a00"})
    assert avg == pytest.approx(r.estimate, abs=1e-9)
    assert len(pav) == 11 and pg.shape == (11, 11)
    np.testing.assert_allclose(np.sort(pav), np.sort(r.replications), atol=1e-9)
    assert r.p_value == pytest.approx((1 + np.sum(np.abs(pav) >= abs(avg) * (1 - 1e-12))) / 12)


def test_few_treated_clusters_warn():
    d = _sim(n_units=20, starts={0: 2015, 1: 2015}, seed=8)
    with pytest.warns(InferenceWarning, match="over-reject"):
        ppml(d, outcome="y", unit="area", time="year", first_treated="g", inference="cluster")


def test_bad_input_gets_the_librarys_errors(mpdta):
    d = _sim(n_units=10, starts={0: 2015}, seed=9)
    base = dict(outcome="y", unit="area", time="year", treated="a00", start=2015)
    with pytest.raises(ColumnError, match="outcome='nope'"):
        ppml(d, **{**base, "outcome": "nope"})
    bad = d.copy()
    bad.loc[3, "y"] = -1
    with pytest.raises(PanelError, match="negative"):
        ppml(bad, **base)
    with pytest.raises(PanelError, match="exposure"):
        ppml(d.assign(pop=0.0), **base, exposure="pop")
    with pytest.raises(PanelError, match="do not appear"):
        ppml(d, **{**base, "treated": "zz"})
    on_off = d.assign(d=((d["area"] == "a00") & (d["year"].isin([2015, 2016]))).astype(int))
    with pytest.raises(PanelError, match="switches off"):
        ppml(on_off, outcome="y", unit="area", time="year", treatment="d")
    with pytest.raises(PanelError, match="first period"):
        ppml(d, **{**base, "start": 2010})
    with pytest.raises(SpecificationError):
        ppml(d, **base, first_treated="g")
    with pytest.raises(SpecificationError):
        ppml(d, **base, inference="bootstrap")
    with pytest.raises(WsaEvalError):
        ppml(d, **base, event_study=True, control_group="not_yet_treated")


def test_input_is_not_modified(mpdta):
    before = mpdta.copy()
    ppml(mpdta, **KW, covariates="lpop", inference="cluster")
    pd.testing.assert_frame_equal(mpdta, before)


def test_report_content_words_a_percentage_and_hides_small_counts():
    from wsa_eval.reporting import build

    d = _sim(n_units=15, starts={0: 2015}, seed=10)
    d.loc[(d["area"] == "a00") & (d["year"] >= 2015), "y"] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ppml(d, outcome="y", unit="area", time="year", treated="a00", start=2015)
    assert r.report_content().verdict is not None
    assert "%" in r.interpret()
    safe = build(r, threshold=5)
    t = next(t for t in safe.tables if t.source.name == "effects")
    assert t.mask["observed"].all()  # each year's count is 2: withheld ...
    assert t.mask["att_count"].all()  # ... and so is the effect in counts that reveals it
