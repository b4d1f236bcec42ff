"""Randomization inference and Conley-Taber: size by simulation, exact p-values, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wsa_eval.errors import EstimationError, InferenceWarning, PanelError, SpecificationError
from wsa_eval.inference.conley_taber import conley_taber, conley_taber_arrays
from wsa_eval.inference.randomization import (
    did_statistic,
    randomization_inference,
    randomization_test,
    t_statistic,
)


def _ar1_panel(rng, N=40, T=12, rho=0.6, effect=0.0, start=8, hetero=True):
    """Units x periods outcomes: unit effects, common shocks, AR(1) errors; unit 0 treated."""
    e = np.empty((N, T))
    scale = rng.uniform(0.5, 1.5, size=N) if hetero else np.ones(N)
    e[:, 0] = rng.normal(size=N) / np.sqrt(1 - rho**2)
    for t in range(1, T):
        e[:, t] = rho * e[:, t - 1] + rng.normal(size=N)
    Y = rng.normal(size=(N, 1)) * 2 + rng.normal(size=(1, T)) + e * scale[:, None]
    post = np.arange(T) >= start
    Y[0, post] += effect
    return Y, post


def _frame(Y, post_start=8):
    N, T = Y.shape
    return pd.DataFrame({"area": np.repeat([f"A{i:02d}" for i in range(N)], T),
                         "year": np.tile(np.arange(2010, 2010 + T), N),
                         "y": Y.ravel()})


def test_size_ri_holds_while_cluster_t_over_rejects():
    # 1 treated of 40 areas, 12 years, AR(1) errors (rho 0.6), unit heterogeneity, no effect.
    # RI is exact under exchangeability: rejection rate 2/40 = 0.05 in expectation.
    # Monte Carlo: 400 panels; 3 MC standard errors ~ 0.033.
    rng = np.random.default_rng(2024)
    reps = 400
    rej_ri = rej_crve = 0
    for _ in range(reps):
        Y, post = _ar1_panel(rng, hetero=False)
        out = randomization_test(Y, post, [0], ci=False)
        rej_ri += out["p_value"] <= 0.05
        t = t_statistic(Y, np.eye(40)[:1], post)[0]
        rej_crve += 2 * stats.t.sf(abs(t), df=39) <= 0.05
    se = math.sqrt(0.05 * 0.95 / reps)
    assert abs(rej_ri / reps - 0.05) < 3 * se
    assert rej_crve / reps > 0.2  # one treated cluster: cluster-robust t badly over-rejects


def test_power_against_large_effect():
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(50):
        Y, post = _ar1_panel(rng, effect=-4.0, hetero=False)
        hits += randomization_test(Y, post, [0], ci=False, alternative="less")["p_value"] <= 0.05
    assert hits >= 40


def test_min_p_value_is_one_over_j_plus_one():
    rng = np.random.default_rng(1)
    Y, post = _ar1_panel(rng, N=42, effect=-30.0)  # far outside every placebo
    df = _frame(Y)
    r = randomization_inference(df, outcome="y", unit="area", time="year",
                                treated="A00", start=2018)
    assert r.min_p_value == pytest.approx(1 / 42)
    assert r.p_value == pytest.approx(1 / 42)
    assert r.diagnostics["n_assignments"] == 42 and r.diagnostics["enumerated"]
    assert "0.0238" in r.inference
    assert r.ci_high < 0 and math.isfinite(r.ci_low)
    assert "evidence of a reduction" in r.interpret()
    # p-values are multiples of 1/(J+1)
    r2 = randomization_inference(_frame(_ar1_panel(rng, N=42)[0]), outcome="y", unit="area",
                                 time="year", treated="A00", start=2018)
    assert (r2.p_value * 42) == pytest.approx(round(r2.p_value * 42))


def test_did_statistic_equals_twfe_and_t_matches_statsmodels():
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(11)
    Y, post = _ar1_panel(rng, N=15, T=6, start=3, effect=1.0)
    df = _frame(Y)
    df["d"] = ((df.area == "A00") & (df.year >= 2013)).astype(float)
    m = smf.ols("y ~ d + C(area) + C(year)", df).fit(
        cov_type="cluster", cov_kwds={"groups": df["area"], "use_correction": False})
    Z = np.eye(15)[:1]
    assert did_statistic(Y, Z, post)[0] == pytest.approx(m.params["d"], abs=1e-10)
    # ours uses CRV1 with G/(G-1); statsmodels without corrections
    assert t_statistic(Y, Z, post)[0] == pytest.approx(m.tvalues["d"] * math.sqrt(14 / 15),
                                                       rel=1e-9)


def test_ci_inverts_the_test_and_callable_matches_builtin():
    rng = np.random.default_rng(5)
    Y, post = _ar1_panel(rng, N=30, effect=2.0)
    out = randomization_test(Y, post, [0, 1])
    D = np.zeros_like(Y)
    D[:2, post] = 1.0
    for end, step in ((out["ci_low"], 1e-5), (out["ci_high"], -1e-5)):
        p_in = randomization_test(Y - (end + step) * D, post, [0, 1], ci=False)["p_value"]
        p_out = randomization_test(Y - (end - step) * D, post, [0, 1], ci=False)["p_value"]
        assert p_in > 0.05 >= p_out

    def mine(Ym, treated, postm):
        d = Ym[:, postm].mean(1) - Ym[:, ~postm].mean(1)
        return d[treated].mean() - d[~treated].mean()

    a = randomization_test(Y, post, [0, 1], statistic=mine)
    b = randomization_test(Y, post, [0, 1], statistic="did")
    assert a["p_value"] == b["p_value"]
    assert a["ci_low"] == pytest.approx(b["ci_low"], abs=1e-5)
    t = randomization_test(Y, post, [0, 1], statistic="t")
    assert t["ci_low"] < t["estimate"] < t["ci_high"]


def test_random_draws_seeded_and_input_unchanged():
    rng = np.random.default_rng(9)
    df = _frame(_ar1_panel(rng, N=40)[0])
    before = df.copy()
    kw = dict(outcome="y", unit="area", time="year", treated=["A00", "A01", "A02"],
              start=2018, reps=500, ci=False)
    a = randomization_inference(df, random_state=3, **kw)
    b = randomization_inference(df, random_state=3, **kw)
    c = randomization_inference(df, random_state=4, **kw)
    pd.testing.assert_frame_equal(df, before)
    assert not a.diagnostics["enumerated"] and a.min_p_value == pytest.approx(1 / 501)
    assert a.p_value == b.p_value
    pd.testing.assert_frame_equal(a.placebo, b.placebo)
    assert not a.placebo.equals(c.placebo)
    assert a.summary().as_text() and a.plot() is not None
    ax = a.plot(kind="placebo")
    assert ax.get_xlabel() == "statistic" and len(ax.patches) > 0


def test_exclude_and_too_few_units_warn():
    rng = np.random.default_rng(2)
    df = _frame(_ar1_panel(rng, N=12)[0])
    with pytest.warns(InferenceWarning, match="smallest p-value"):
        r = randomization_inference(df, outcome="y", unit="area", time="year",
                                    treated="A00", start=2018, exclude=["A01", "A02"])
    assert r.n_units == 10 and math.isinf(r.ci_low)


def test_bad_input():
    rng = np.random.default_rng(2)
    df = _frame(_ar1_panel(rng, N=10)[0])
    kw = dict(outcome="y", unit="area", time="year")
    with pytest.raises(SpecificationError, match="'ZZ'"):
        randomization_inference(df, treated="ZZ", start=2018, **kw)
    for bad in (2010, 2009, 2030):
        with pytest.raises(SpecificationError, match="start="):
            randomization_inference(df, treated="A00", start=bad, **kw)
    with pytest.raises(EstimationError, match="at least 2 comparison"):
        randomization_inference(df[df.area.isin(["A00", "A01"])], treated="A00",
                                start=2018, **kw)
    with pytest.raises(SpecificationError, match="statistic"):
        randomization_inference(df, treated="A00", start=2018, statistic="rmspe", **kw)
    with pytest.raises(SpecificationError, match="both treated and excluded"):
        randomization_inference(df, treated="A00", start=2018, exclude="A00", **kw)
    with pytest.raises(PanelError, match="not observed in every period"):
        randomization_inference(df.iloc[1:], treated="A00", start=2018, **kw)
    with pytest.raises(SpecificationError, match="one common start"):
        conley_taber(df, treated="A00", start={"A00": 2018}, **kw)


def test_conley_taber_coverage_and_formula():
    # Coverage by simulation: exchangeable errors, J = 39 controls -> the interval is
    # [est - max W, est - min W], nominal coverage 1 - 2/40 = 0.95. 300 panels, 3 MC se ~ 0.04.
    rng = np.random.default_rng(31)
    cover = 0
    for _ in range(300):
        Y, post = _ar1_panel(rng, effect=1.5, hetero=False)
        o = conley_taber_arrays(Y, post, [0])
        cover += o["ci_low"] <= 1.5 <= o["ci_high"]
    assert abs(cover / 300 - 0.95) < 0.04
    Y, post = _ar1_panel(rng, effect=1.5)
    o = conley_taber_arrays(Y, post, [0])
    assert o["ci_low"] == pytest.approx(o["estimate"] - o["W"].max())
    assert o["ci_high"] == pytest.approx(o["estimate"] - o["W"].min())


def test_conley_taber_wrapper():
    rng = np.random.default_rng(4)
    Y, _ = _ar1_panel(rng, N=42, effect=-25.0)
    df = _frame(Y)
    before = df.copy()
    r = conley_taber(df, outcome="y", unit="area", time="year", treated="A00",
                     start=2018)
    pd.testing.assert_frame_equal(df, before)
    assert r.ci_high < 0 and r.p_value <= 2 / 42
    assert r.diagnostics["n_controls"] == 41 and len(r.W) == 41
    assert "Conley-Taber" in r.inference
    assert r.plot(kind="placebo").get_xlabel().startswith("W")
    two = conley_taber(df, outcome="y", unit="area", time="year",
                       treated=["A00", "A01"], start=2018, reps=200, random_state=1)
    again = conley_taber(df, outcome="y", unit="area", time="year",
                         treated=["A00", "A01"], start=2018, reps=200,
                         random_state=1)
    assert two.ci_low == again.ci_low and not two.diagnostics["enumerated"]
    small = _frame(_ar1_panel(rng, N=15)[0])
    with pytest.warns(InferenceWarning, match="unbounded"):
        conley_taber(small, outcome="y", unit="area", time="year", treated="A00",
                     start=2018)
