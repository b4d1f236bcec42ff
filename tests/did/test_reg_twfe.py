"""2x2 DiD, static TWFE and the binned event study (wsa_eval.did.twfe).

Reference numbers: tests/reference/did_reg/reference_values.json, written by
tests/reference/did_reg/make_reference.py (pyfixest 0.60 ``feols`` with CRV1 standard errors,
fixest's default small-sample correction; statsmodels OLS with cluster-robust errors).
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsa_eval.did.twfe import did2x2, event_study, twfe
from wsa_eval.errors import (
    ColumnError,
    DataWarning,
    EstimationError,
    InferenceWarning,
    PanelError,
    SpecificationError,
)
from wsa_eval.interpret import INCONCLUSIVE, INCREASE, REDUCTION
from wsa_eval.results import TIDY_COLUMNS

REF = json.loads((Path(__file__).parents[1] / "reference" / "did_reg" /
                  "reference_values.json").read_text())


def _quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


# -- known answers ---------------------------------------------------------------------------

def test_twfe_castle_published(castle):
    r = twfe(castle, outcome="l_homicide", unit="state", time="year", treatment="post")
    # Goodman-Bacon (2021) / Cheng & Hoekstra (2013): TWFE 0.0818; R bacondecomp README prints
    # lm(l_homicide ~ post + factor(state) + factor(year)) = 0.0818 (rounded to 4 dp)
    assert r.estimate == pytest.approx(0.0818, abs=5e-5)
    # pyfixest feols l_homicide ~ post | sid + year, CRV1 by state (make_reference.py)
    assert r.estimate == pytest.approx(REF["castle_twfe"]["coef"], abs=1e-10)
    assert r.se == pytest.approx(REF["castle_twfe"]["se_crv1"], abs=1e-6)
    assert list(r.effects.columns[:7]) == list(TIDY_COLUMNS)
    assert r.vcov.loc["treated", "treated"] == pytest.approx(r.se ** 2, rel=1e-12)


def test_twfe_first_treated_equals_treated(castle):
    a = twfe(castle, outcome="l_homicide", unit="state", time="year", treatment="post")
    b = twfe(castle, outcome="l_homicide", unit="state", time="year", first_treated="g")
    assert a.estimate == pytest.approx(b.estimate, abs=1e-12)
    assert a.se == pytest.approx(b.se, abs=1e-12)


def test_twfe_population_weights(castle):
    r = twfe(castle, outcome="l_homicide", unit="state", time="year", treatment="post",
             weights="popwt")
    # pyfixest feols(..., weights="popwt"), CRV1 by state (make_reference.py); tol 1e-6
    assert r.estimate == pytest.approx(REF["castle_twfe_popwt"]["coef"], abs=1e-9)
    assert r.se == pytest.approx(REF["castle_twfe_popwt"]["se_crv1"], abs=1e-6)


def test_twfe_covariate_and_coarser_cluster(castle):
    d = castle.copy()
    d["block"] = d["sid"] % 7
    d["x"] = np.sin(d["sid"] * 1.3 + d["year"] * 0.7)
    r = _quiet(twfe, d, outcome="l_homicide", unit="state", time="year", treatment="post",
               covariates=["x"], cluster="block")
    ref = REF["castle_twfe_cov_block"]  # pyfixest post + x | sid + year, CRV1 by block
    assert r.effects["estimate"].to_numpy() == pytest.approx(ref["coef"], abs=1e-9)
    assert r.effects["std_error"].to_numpy() == pytest.approx(ref["se_crv1"], abs=1e-6)
    assert list(r.effects["term"]) == ["treated", "x"]


def test_event_study_binned_matches_pyfixest(castle):
    r = event_study(castle, outcome="l_homicide", unit="state", time="year",
                    first_treated="g", leads=4, lags=4)
    ref = REF["castle_event_study_b4"]  # pyfixest with hand-built binned dummies, CRV1
    eff = r.to_frame()
    assert list(eff.columns[:7]) == list(TIDY_COLUMNS)
    assert list(eff["event_time"]) == ref["event_time"]
    assert eff["estimate"].to_numpy() == pytest.approx(ref["coef"], abs=1e-9)
    assert eff["std_error"].to_numpy() == pytest.approx(ref["se_crv1"], abs=1e-6)
    assert isinstance(r.vcov, pd.DataFrame)
    assert list(r.vcov.index) == list(eff["term"])
    np.testing.assert_allclose(r.vcov.to_numpy(), np.asarray(ref["vcov"]), atol=1e-8)
    # pre-trend Wald test computed from the reference coefficients and covariance
    pre = np.asarray(ref["event_time"]) < 0
    b = np.asarray(ref["coef"])[pre]
    V = np.asarray(ref["vcov"])[np.ix_(pre, pre)]
    stat = float(b @ np.linalg.solve(V, b))
    pw = r.diagnostics["pretrend_wald"]
    assert pw["stat"] == pytest.approx(stat, rel=1e-6)
    assert pw["df"] == 3
    assert 0 < pw["p_value"] < 1
    # headline: mean of the post coefficients
    post = ~pre
    assert r.estimate == pytest.approx(np.mean(np.asarray(ref["coef"])[post]), abs=1e-9)


def test_event_study_bins_pool_endpoints(castle):
    """Binning: the -4 bin holds every event time <= -4; without binning those rows go."""
    full = event_study(castle, outcome="l_homicide", unit="state", time="year",
                       first_treated="g")
    assert full.effects["event_time"].min() == -9 and full.effects["event_time"].max() == 5
    with pytest.warns(DataWarning, match="outside the event-time window"):
        trimmed = event_study(castle, outcome="l_homicide", unit="state", time="year",
                              first_treated="g", leads=2, lags=2, bin_endpoints=False)
    assert list(trimmed.effects["event_time"]) == [-2, 0, 1, 2]
    assert trimmed.n_obs < full.n_obs


def test_did2x2_matches_statsmodels(castle):
    d = castle.loc[castle.g.isin([0, 2006])]
    units = list(d.loc[d.g == 2006, "state"].unique())
    r = did2x2(d, outcome="l_homicide", unit="state", time="year", treated=units,
               start=2006)
    ref = REF["castle_2x2_2006"]  # statsmodels OLS l_homicide ~ tr * po, cluster by state
    assert r.estimate == pytest.approx(ref["coef"], abs=1e-10)
    assert r.se == pytest.approx(ref["se"], abs=1e-8)
    d2 = d.assign(tr=d["g"].eq(2006).astype(int))
    r2 = did2x2(d2, outcome="l_homicide", unit="state", time="year", treatment="tr", start=2006)
    assert r2.estimate == pytest.approx(r.estimate, abs=1e-12)
    # the 2x2 by hand from the four means
    m = d2.assign(po=d2.year >= 2006).groupby(["tr", "po"])["l_homicide"].mean()
    by_hand = (m[1, True] - m[1, False]) - (m[0, True] - m[0, False])
    assert r.estimate == pytest.approx(by_hand, abs=1e-12)


# -- simulations -------------------------------------------------------------------------------

def _sim(seed: int, n_per: int = 20, T: int = 10, cohorts=(4, 7), never: int = 20,
         effect=lambda e: 0.0 * e - 1.0, noise: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    gs = [c for c in cohorts for _ in range(n_per)] + [0] * never
    rows = []
    for i, g in enumerate(gs):
        a = rng.normal()
        for t in range(1, T + 1):
            tau = effect(t - g) if g > 0 and t >= g else 0.0
            rows.append((f"u{i}", t, g, a + 0.2 * t + tau + rng.normal(scale=noise)))
    return pd.DataFrame(rows, columns=["unit", "t", "g", "y"])


def test_twfe_recovers_constant_effect():
    d = _sim(3)
    r = twfe(d, outcome="y", unit="unit", time="t", first_treated="g")
    assert abs(r.estimate - (-1.0)) < 4 * r.se
    assert r.ci_low < -1.0 < r.ci_high
    e = event_study(d, outcome="y", unit="unit", time="t", first_treated="g", leads=3,
                    lags=3)
    post = e.post_period
    assert np.all(np.abs(post["estimate"] + 1.0) < 4 * post["std_error"])
    pre = e.pre_period
    assert np.all(np.abs(pre["estimate"]) < 4 * pre["std_error"])
    assert REDUCTION in r.interpret()


def test_few_treated_clusters_warning():
    d = _sim(4, n_per=2, never=20)
    with pytest.warns(InferenceWarning, match="randomization inference or wild cluster"):
        r = twfe(d, outcome="y", unit="unit", time="t", first_treated="g")
    assert any("treated" in w for w in r.warnings)
    d = _sim(4, n_per=10, never=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InferenceWarning)
        twfe(d, outcome="y", unit="unit", time="t", first_treated="g")


def test_single_treated_unit_by_label(castle):
    """One treated area (the Greater Manchester set-up): treated_units + start."""
    d = castle.loc[castle.treatment_date.isna() | castle.state.eq("Florida")]
    with pytest.warns(InferenceWarning, match="Only 1 cluster"):
        a = twfe(d, outcome="l_homicide", unit="state", time="year", treated="Florida",
                 start=2005)
    with pytest.warns(InferenceWarning):
        b = twfe(d, outcome="l_homicide", unit="state", time="year", first_treated="g")
    assert a.estimate == pytest.approx(b.estimate, abs=1e-12)
    assert a.n_treated == 1
    with pytest.warns(InferenceWarning):
        e = event_study(d, outcome="l_homicide", unit="state", time="year",
                        treated=["Florida"], start={"Florida": 2005}, leads=3, lags=3)
    assert list(e.effects["event_time"]) == [-3, -2, 0, 1, 2, 3]


def test_interpret_inconclusive():
    d = _sim(5, effect=lambda e: 0.0 * e, noise=1.0)
    r = twfe(d, outcome="y", unit="unit", time="t", first_treated="g")
    text = r.interpret()
    assert r.ci_low < 0 < r.ci_high  # no true effect, and this seed's interval covers zero
    assert INCONCLUSIVE in text
    assert INCREASE not in text and REDUCTION not in text


# -- results behave ----------------------------------------------------------------------------

def test_results_frozen_plot_summary(castle):
    r = event_study(castle, outcome="l_homicide", unit="state", time="year",
                    first_treated="g", leads=3, lags=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.estimate = 1.0  # type: ignore[misc]
    ax = r.plot()
    assert ax.get_xlabel().startswith("years relative")
    assert r.plot(kind="effects") is not None
    text = str(r.summary())
    assert "Pre-trend test" in text and "event_time=0" in text
    assert "event_study" in r.plot_kinds
    pw = r.diagnostics["pretrend_wald"]
    assert f"joint test p = {pw['p_value']:.3g}" in r.interpret()
    assert pw["p_value"] > 0.05 and "does not prove" in r.interpret()
    assert repr(r).startswith("<EventStudyResult")


def test_input_unchanged(castle):
    before = castle.copy()
    _quiet(twfe, castle, outcome="l_homicide", unit="state", time="year", treatment="post",
           weights="popwt")
    _quiet(event_study, castle, outcome="l_homicide", unit="state", time="year",
           first_treated="g", leads=2, lags=2)
    _quiet(did2x2, castle, outcome="l_homicide", unit="state", time="year",
           treated=["Florida"], start=2005)
    pd.testing.assert_frame_equal(castle, before)


# -- bad input -----------------------------------------------------------------------------------

def test_bad_inputs(castle):
    kw = dict(outcome="l_homicide", unit="state", time="year")
    with pytest.raises(SpecificationError, match="nope"):
        twfe(castle, treated="nope", **kw)
    with pytest.raises(SpecificationError, match="one way"):
        twfe(castle, treatment="post", first_treated="g", **kw)
    with pytest.raises(SpecificationError, match="timing"):
        twfe(castle, **kw)
    off = castle.copy()
    off.loc[(off.state == "Florida") & (off.year == 2010), "post"] = 0
    with pytest.raises(PanelError, match="switch|back to"):
        twfe(off, treatment="post", **kw)
    with pytest.raises(SpecificationError, match="reference"):
        event_study(castle, first_treated="g", reference=0, **kw)
    with pytest.raises(SpecificationError, match="outside"):
        event_study(castle, first_treated="g", leads=0, lags=2, **kw)
    with pytest.raises(SpecificationError, match="leads"):
        event_study(castle, first_treated="g", leads=-1, **kw)
    with pytest.raises(SpecificationError, match="alpha"):
        twfe(castle, treatment="post", alpha=2, **kw)
    with pytest.raises(SpecificationError, match="one way"):
        did2x2(castle, start=2006, **kw)
    with pytest.raises(EstimationError, match="no periods before"):
        did2x2(castle, treated=["Florida"], start=1990, **kw)
    varying = castle.assign(tr=(castle.year > 2005).astype(int))
    with pytest.raises(SpecificationError, match="same in every row"):
        did2x2(varying, treatment="tr", start=2006, **kw)
    with pytest.raises(ColumnError):
        twfe(castle, treatment="post", cluster="region", **kw)
    with pytest.raises(SpecificationError, match="zeros"):
        twfe(castle.assign(w=castle.popwt.where(castle.year > 2000, 0.0)), treatment="post",
             weights="w", **kw)
    with pytest.raises(PanelError, match="weights"):
        twfe(castle.assign(w=-1.0), treatment="post", weights="w", **kw)


def test_event_study_not_identified_without_never_treated():
    d = _sim(6, never=0, cohorts=(3, 5, 7))
    with pytest.raises(EstimationError, match="collinear|fully explained"):
        _quiet(event_study, d, outcome="y", unit="unit", time="t", first_treated="g")


def test_twfe_unbalanced_weighted(castle):
    """Unbalanced panel (1 row in 13 removed by a fixed rule) with population weights."""
    d = castle.loc[(castle["sid"] * 7 + castle["year"]) % 13 != 0]
    with pytest.warns(DataWarning, match="not observed in every period"):
        r = twfe(d, outcome="l_homicide", unit="state", time="year", treatment="post",
                 weights="popwt")
    ref = REF["castle_unbalanced_twfe_popwt"]  # statsmodels WLS with dummies + CR1 by hand
    assert r.n_obs == ref["n"]
    assert r.estimate == pytest.approx(ref["coef"], abs=1e-10)
    assert r.se == pytest.approx(ref["se_crv1"], abs=1e-8)


def test_event_study_binned_without_never_treated():
    """All units eventually treated: binned end points keep the design identified."""
    d = _sim(7, never=0, cohorts=(3, 5, 7), n_per=20)
    r = event_study(d, outcome="y", unit="unit", time="t", first_treated="g", leads=2,
                    lags=2)
    assert list(r.effects["event_time"]) == [-2, 0, 1, 2]
    assert np.all(np.abs(r.post_period["estimate"] + 1.0) < 4 * r.post_period["std_error"])
