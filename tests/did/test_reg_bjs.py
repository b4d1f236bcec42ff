"""Borusyak, Jaravel & Spiess (2024) imputation estimator (wsa_eval.did.imputation).

Reference numbers: tests/reference/did_reg/reference_values.json, from
tests/reference/did_reg/make_reference.py:
* point estimates: pyfixest 0.60 ``did2s`` (Gardner's two-stage estimator, whose
  fully-dynamic and static estimates equal the imputation estimates);
* standard errors: a naive dense-matrix, explicit-loop implementation of the paper's
  Theorem 3 variance (cohort x horizon averaging, with and without leave-out), written
  independently of the package.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.did.imputation import imputation
from wsa_eval.errors import DataWarning, SpecificationError
from wsa_eval.results import TIDY_COLUMNS

REF = json.loads((Path(__file__).parents[1] / "reference" / "did_reg" /
                  "reference_values.json").read_text())


def _fit(*a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return imputation(*a, **k)


def _sim(seed: int, n_per: int = 20, T: int = 10, cohorts=(4, 7), never: int = 20,
         slope: float = 1.0, noise: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    gs = [c for c in cohorts for _ in range(n_per)] + [0] * never
    rows = []
    for i, g in enumerate(gs):
        a = rng.normal()
        for t in range(1, T + 1):
            tau = slope * (t - g + 1) if g > 0 and t >= g else 0.0
            rows.append((i, t, g, a + 0.1 * t + tau + rng.normal(scale=noise), tau))
    return pd.DataFrame(rows, columns=["id", "t", "g", "y", "tau"])


def test_bjs_castle_points_match_did2s(castle):
    r = _fit(castle, outcome="l_homicide", unit="state", time="year", first_treated="g")
    # pyfixest did2s; tol 1e-6 because pyfixest's iterative demeaning stops at ~1e-7 (the
    # exact dense reference in test_bjs_castle_se_match_naive agrees to 1e-9)
    ref = REF["castle_imputation_points"]
    eff = r.to_frame()
    assert list(eff.columns[:7]) == list(TIDY_COLUMNS)
    assert list(eff["event_time"]) == ref["event_time"]
    assert eff["estimate"].to_numpy() == pytest.approx(ref["coef"], abs=1e-6)
    assert r.estimate == pytest.approx(ref["att"], abs=1e-6)


@pytest.mark.parametrize("leave_out", [False, True])
def test_bjs_castle_se_match_naive(castle, leave_out):
    r = _fit(castle, outcome="l_homicide", unit="state", time="year", first_treated="g",
             leave_out=leave_out)
    ref = REF["castle_bjs_naive"][f"leave_out_{str(leave_out).lower()}"]
    assert r.effects["estimate"].to_numpy() == pytest.approx(ref["coef"], abs=1e-9)
    assert r.effects["std_error"].to_numpy() == pytest.approx(ref["se"], abs=1e-8)
    assert r.estimate == pytest.approx(ref["att"], abs=1e-9)
    assert r.se == pytest.approx(ref["att_se"], abs=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(r.vcov)), r.effects["std_error"], rtol=1e-12)


@pytest.mark.parametrize("leave_out", [False, True])
def test_bjs_mpdta_se_match_naive(mpdta, leave_out):
    r = _fit(mpdta, outcome="lemp", unit="countyreal", time="year",
             first_treated="first.treat", leave_out=leave_out)
    ref = REF["mpdta_bjs_naive"][f"leave_out_{str(leave_out).lower()}"]
    assert list(r.effects["event_time"]) == ref["event_time"]
    assert r.effects["estimate"].to_numpy() == pytest.approx(ref["coef"], abs=1e-9)
    assert r.effects["std_error"].to_numpy() == pytest.approx(ref["se"], abs=1e-8)
    assert r.se == pytest.approx(ref["att_se"], abs=1e-8)


def test_bjs_pretrends_and_horizons(castle):
    r = _fit(castle, outcome="l_homicide", unit="state", time="year", first_treated="g",
             pretrends=3, horizons=[0, 1, 2])
    assert list(r.effects["event_time"]) == [-3, -2, -1, 0, 1, 2]
    pw = r.diagnostics["pretrend_wald"]
    assert pw["df"] == 3 and 0 < pw["p_value"] < 1
    pre = r.pre_period
    b = pre["estimate"].to_numpy()
    se = pre["std_error"].to_numpy()
    assert np.all(se > 0)
    # the Wald statistic is at least the largest squared t-statistic
    assert pw["stat"] >= (b / se).max() ** 2 - 1e-9
    # ATT restricted to horizons 0-2 = weighted mean of those horizons by their counts
    full = _fit(castle, outcome="l_homicide", unit="state", time="year", first_treated="g")
    assert r.vcov.shape == (3, 3)
    assert r.estimate != pytest.approx(full.estimate)


def test_bjs_recovers_dynamic_effects_and_drops_unimputable():
    d = _sim(21, never=0, cohorts=(3, 6, 9), n_per=30, T=12, noise=0.2)
    with pytest.warns(DataWarning, match="cannot be imputed"):
        r = imputation(d, outcome="y", unit="id", time="t", first_treated="g")
    post = r.post_period
    truth = post["event_time"].to_numpy() + 1.0
    assert np.all(np.abs(post["estimate"].to_numpy() - truth) < 4 * post["std_error"])
    assert np.abs(post["estimate"].to_numpy() - truth).max() < 0.3
    # the imputable treated observations are those in periods 3..8
    kept = d[(d.t >= d.g) & (d.t < 9)]
    assert r.estimate == pytest.approx(kept["tau"].mean(), abs=0.15)


def test_bjs_coverage_small_monte_carlo():
    """95% intervals for the ATT should cover the truth about 95% of the time (conservative)."""
    hits = []
    for s in range(40):
        d = _sim(1000 + s, n_per=8, never=8, T=6, cohorts=(3, 5), noise=1.0)
        r = imputation(d, outcome="y", unit="id", time="t", first_treated="g")
        truth = d.loc[d.t >= d.g].query("g > 0")["tau"].mean()
        hits.append(r.ci_low <= truth <= r.ci_high)
    cover = float(np.mean(hits))
    assert cover >= 0.85  # 40 draws: binomial sd ~ 0.035 around 0.95


def test_bjs_weights_and_seedless_determinism():
    d = _sim(22)
    d["two"] = 2.0
    a = imputation(d, outcome="y", unit="id", time="t", first_treated="g", weights="two")
    b = imputation(d, outcome="y", unit="id", time="t", first_treated="g")
    assert a.estimate == pytest.approx(b.estimate, abs=1e-10)
    assert a.se == pytest.approx(b.se, rel=1e-8)
    c = imputation(d, outcome="y", unit="id", time="t", first_treated="g")
    assert c.estimate == b.estimate and c.se == b.se
    d["pop"] = 1.0 + (d["id"] % 4)
    w = imputation(d, outcome="y", unit="id", time="t", first_treated="g", weights="pop")
    # weighted ATT = population-weighted mean of the imputed effects: close to the weighted truth
    tr = d[(d.g > 0) & (d.t >= d.g)]
    assert w.estimate == pytest.approx(np.average(tr["tau"], weights=tr["pop"]), abs=0.3)


def test_bjs_covariates_and_input_unchanged(castle):
    d = castle.copy()
    d["x"] = np.cos(d["sid"] * 0.9 + d["year"])
    before = d.copy()
    r = _fit(d, outcome="l_homicide", unit="state", time="year", first_treated="g",
             covariates=["x"])
    pd.testing.assert_frame_equal(d, before)
    assert np.isfinite(r.estimate) and r.se > 0
    assert r.plot() is not None
    assert "imputation" in str(r.summary())


def test_bjs_bad_inputs(castle):
    kw = dict(outcome="l_homicide", unit="state", time="year", first_treated="g")
    with pytest.raises(SpecificationError, match="horizons"):
        _fit(castle, horizons=[-1, 0], **kw)
    with pytest.raises(SpecificationError, match="horizon"):
        _fit(castle, horizons=[0, 40], **kw)
    with pytest.raises(SpecificationError, match="pretrends"):
        _fit(castle, pretrends=-2, **kw)


def test_bjs_unbalanced_matches_naive(castle):
    d = castle.loc[(castle["sid"] * 7 + castle["year"]) % 13 != 0]
    r = _fit(d, outcome="l_homicide", unit="state", time="year", first_treated="g")
    ref = REF["castle_unbalanced_bjs_naive"]  # dense naive BJS, leave-out; tol 1e-8
    assert list(r.effects["event_time"]) == ref["event_time"]
    assert r.effects["estimate"].to_numpy() == pytest.approx(ref["coef"], abs=1e-9)
    assert r.effects["std_error"].to_numpy() == pytest.approx(ref["se"], abs=1e-8)
    assert r.estimate == pytest.approx(ref["att"], abs=1e-9)
    assert r.se == pytest.approx(ref["att_se"], abs=1e-8)


def test_bjs_unit_without_pre_period_dropped():
    d = _sim(23)
    late = d.loc[d.g > 0, "id"].iloc[0]
    g0 = int(d.loc[d.id == late, "g"].iloc[0])
    d = d.loc[~((d.id == late) & (d.t < g0))]  # that unit is only seen once treated
    with pytest.warns(DataWarning, match="never observed before treatment"):
        r = imputation(d, outcome="y", unit="id", time="t", first_treated="g")
    assert np.isfinite(r.estimate) and r.se > 0
    assert r.n_units == d["id"].nunique() - 1


def test_bjs_cluster_option(castle):
    kw = dict(outcome="l_homicide", unit="state", time="year", first_treated="g")
    a = _fit(castle, **kw)
    b = _fit(castle, cluster="state", **kw)
    assert a.se == b.se
    d = castle.assign(block=castle["sid"] % 7)
    c = _fit(d, cluster="block", **kw)
    assert c.estimate == pytest.approx(a.estimate, abs=1e-12)
    assert np.isfinite(c.se) and c.se != pytest.approx(a.se, rel=1e-6)
    assert "'block'" in c.inference
