"""Simulation (known effect), options, bad input, immutability and reproducibility."""

import warnings

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import (
    ColumnError,
    ConvergenceWarning,
    DataWarning,
    EstimationError,
    PanelError,
    SpecificationError,
)
from wsa_eval.synth.adh import solve_weights, synthetic_control


def factor_panel(n_donors=15, T=24, T0=16, effect=-5.0, noise=0.3, seed=0, treated_w=None):
    """Linear factor model; the treated unit's loadings are a convex mix of donors'."""
    rng = np.random.default_rng(seed)
    F = np.cumsum(rng.normal(size=(T, 2)), axis=0) + np.array([10.0, 5.0])
    lam = rng.uniform(0.5, 1.5, size=(n_donors, 2))
    mu = rng.uniform(20, 40, size=n_donors)
    w = np.zeros(n_donors)
    if treated_w is None:
        w[:3] = [0.5, 0.3, 0.2]
    else:
        w = treated_w
    Y0 = mu[:, None] + lam @ F.T + noise * rng.normal(size=(n_donors, T))
    y1 = (w @ mu) + (w @ lam) @ F.T + noise * rng.normal(size=T)
    y1[T0:] += effect
    years = np.arange(2000, 2000 + T)
    rows = [("T", t, y) for t, y in zip(years, y1)]
    rows += [(f"D{j:02d}", t, y) for j in range(n_donors) for t, y in zip(years, Y0[j])]
    df = pd.DataFrame(rows, columns=["area", "year", "y"])
    df["x"] = df.groupby("area")["y"].transform("mean") / 10 + rng.normal(size=len(df)) * 0.01
    return df, 2000 + T0


SPEC = dict(outcome="y", unit="area", time="year", treated="T",
            special_predictors=[("y", range(2000, 2004)), ("y", range(2004, 2008)),
                                ("y", range(2008, 2012)), ("y", range(2012, 2016))])


def fit(df, start, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return synthetic_control(df, start=start, **{**SPEC, **kw})


def test_recovers_known_effect():
    df, start = factor_panel()
    res = fit(df, start)
    # true effect -5 in every post period; noise sd 0.3 -> tolerance 1.0 on the mean gap
    assert res.estimate == pytest.approx(-5.0, abs=1.0)
    assert res.pre_rmspe < 1.0
    post = res.effects.loc[res.effects["post"], "estimate"]
    assert np.all(np.abs(post + 5) < 2.0)


def test_placebo_size_under_the_null():
    # the treated unit is exchangeable with the donors (all drawn alike, no effect): the
    # placebo p-value is uniform on {1/N, ..., 1}, so P(p <= 0.1) <= 0.1 in expectation
    ps = []
    for s in range(30):
        rng = np.random.default_rng(100 + s)
        df, start = factor_panel(n_donors=9, T=16, T0=10, effect=0.0, noise=1.0, seed=100 + s,
                                 treated_w=rng.dirichlet(np.ones(9) * 0.3))
        # inverse-variance V keeps the 30 x 10 fits fast
        res = fit(df, start, special_predictors=None, v="inverse_variance")
        ps.append(res.placebo(progress=False).p_value)
    ps = np.array(ps)
    assert ps.min() >= 0.1 - 1e-12  # smallest attainable p = 1/10
    # binomial(30, 0.1): P(X >= 8) ~ 0.026, so 8+ rejections would be a size failure
    assert np.sum(ps <= 0.1 + 1e-12) <= 7
    assert 0.3 < ps.mean() < 0.75


def test_placebo_detects_a_large_effect():
    df, start = factor_panel(n_donors=12, effect=-15.0)
    res = fit(df, start, special_predictors=None, v="inverse_variance").placebo(progress=False)
    assert res.p_value == pytest.approx(1 / 13)
    assert res.smallest_p_value == pytest.approx(1 / 13)
    assert "evidence of a reduction" in res.interpret() or res.p_value > res.alpha


def test_v_options_and_user_v():
    df, start = factor_panel()
    base = fit(df, start)
    assert base.v_weights.sum() == pytest.approx(1.0)
    assert list(base.v_weights.index) == list(base.balance["predictor"])
    for v in ("inverse_variance", "equal", "train_validation"):
        r = fit(df, start, v=v)
        assert r.weights.sum() == pytest.approx(1.0) and (r.weights >= 0).all()
        assert np.isfinite(r.estimate)
    # a user V equal to the nested one is used as given; the predictors it fits are close
    # to the nested fit's (the weights can differ where several weightings tie)
    user = fit(df, start, v=base.v_weights.to_dict())
    np.testing.assert_allclose(user.v_weights, base.v_weights, rtol=1e-9)
    np.testing.assert_allclose(user.balance["synthetic"], base.balance["synthetic"],
                               rtol=1e-2)
    arr = fit(df, start, v=np.array([1.0, 1.0, 1.0, 1.0]))
    np.testing.assert_allclose(arr.v_weights, 0.25)
    # equal user V on standardised predictors is the inverse-variance V
    iv = fit(df, start, v="inverse_variance")
    np.testing.assert_allclose(iv.weights, arr.weights, atol=1e-10)


def test_penalty_moves_towards_nearest_neighbour():
    df, start = factor_panel()
    r0 = fit(df, start, v="inverse_variance")
    rp0 = fit(df, start, v="inverse_variance", penalty=0.0)
    np.testing.assert_allclose(r0.weights, rp0.weights, atol=1e-10)
    big = fit(df, start, v="inverse_variance", penalty=1e6)
    # lambda -> infinity: all weight on the donor nearest in (standardised) predictors
    wide = df.pivot(index="area", columns="year", values="y")
    X = np.column_stack([wide.loc[:, a:a + 3].mean(axis=1) for a in (2000, 2004, 2008, 2012)])
    Xs = X / X.std(axis=0, ddof=1)
    Xs = pd.DataFrame(Xs, index=wide.index)
    dist = ((Xs.drop("T") - Xs.loc["T"]) ** 2).sum(axis=1)
    assert big.weights.idxmax() == dist.idxmin()
    assert big.weights.max() > 0.99
    assert big.n_effective_donors < r0.n_effective_donors


def test_solve_weights_penalty_formula():
    rng = np.random.default_rng(3)
    X1, X0, v = rng.normal(size=4), rng.normal(size=(4, 9)), rng.dirichlet(np.ones(4))
    lam = 0.7
    r = solve_weights(X1, X0, v, lam)
    d = ((X1[:, None] - X0) ** 2 * v[:, None]).sum(0)

    def obj(w):
        e = X1 - X0 @ w
        return e @ (v * e) + lam * d @ w

    for _ in range(200):  # no feasible point does better
        w = rng.dirichlet(np.ones(9) * 0.5)
        assert obj(r.w) <= obj(w) + 1e-10


def test_exclude_and_donors():
    df, start = factor_panel()
    r = fit(df, start, exclude=["D00", "D01"])
    assert "D00" not in r.weights.index and "D01" not in r.weights.index
    r2 = fit(df, start, donors=["D02", "D03", "D04", "D05"])
    assert list(r2.weights.index) == ["D02", "D03", "D04", "D05"]


def test_outside_convex_hull_warns():
    df, start = factor_panel()
    df.loc[df.area == "T", "y"] += 100  # far above every donor
    with pytest.warns(DataWarning, match="convex hull"):
        r = synthetic_control(df, start=start, **SPEC, v="inverse_variance")
    assert r.diagnostics["outside_convex_hull"]
    assert any("penalty" in w for w in r.warnings)


def test_duplicate_donor_gives_non_unique_warning():
    df, start = factor_panel()
    dup = df[df.area == "D00"].assign(area="D00copy")
    df2 = pd.concat([df, dup], ignore_index=True)
    # make D00 essential: the treated unit is D00 itself plus the effect
    t = df2.area == "T"
    df2.loc[t, "y"] = df2.loc[df2.area == "D00", "y"].to_numpy()
    with pytest.warns(ConvergenceWarning, match="not unique"):
        r = synthetic_control(df2, start=start, **SPEC, v="inverse_variance")
    assert not r.diagnostics["weights_unique"]


def test_input_unchanged_and_reproducible():
    df, start = factor_panel()
    before = df.copy()
    a = fit(df, start, n_starts=8, random_state=5)
    b = fit(df, start, n_starts=8, random_state=5)
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_series_equal(a.weights, b.weights)
    assert a.spec["seed"] == 5 and a.spec["data_hash"] == b.spec["data_hash"]
    c = fit(df, start, n_starts=8, random_state=np.random.default_rng(5))
    assert np.isfinite(c.estimate)


def test_result_is_immutable_and_tidy():
    df, start = factor_panel()
    r = fit(df, start)
    from dataclasses import FrozenInstanceError

    with pytest.raises(FrozenInstanceError):
        r.estimate = 0.0
    eff = r.to_frame()
    assert list(eff.columns[:7]) == ["term", "estimate", "std_error", "statistic", "p_value",
                                     "ci_low", "ci_high"]
    eff["estimate"] = 0
    assert not (r.effects["estimate"] == 0).all()
    text = str(r.summary())
    assert "Donor weights" in text and "Predictor balance" in text and "1/16" in text
    assert "cannot be called" in r.interpret()


# -- bad input ------------------------------------------------------------------------------
def test_treated_unit_missing():
    df, start = factor_panel()
    with pytest.raises(PanelError, match="'Nowhere'"):
        synthetic_control(df, start=start, **{**SPEC, "treated": "Nowhere"})


def test_too_few_pre_periods():
    df, _ = factor_panel()
    with pytest.raises(PanelError, match="before treatment"):
        synthetic_control(df, start=2001, **{**SPEC, "special_predictors": None})


def test_donor_with_missing_years():
    df, start = factor_panel()
    df = df[~((df.area == "D03") & (df.year.isin([2005, 2006])))]
    with pytest.raises(PanelError, match="D03"):
        synthetic_control(df, start=start, **SPEC)


def test_constant_outcome():
    df, start = factor_panel()
    df["y"] = 3.0
    with pytest.raises(EstimationError, match="constant"):
        synthetic_control(df, start=start, **SPEC)


def test_predictor_all_nan():
    df, start = factor_panel()
    df["x"] = np.nan
    with pytest.raises(EstimationError, match="'x'"):
        synthetic_control(df, start=start, predictors=["x"], **SPEC)


def test_predictor_missing_for_one_unit_in_its_window():
    df, start = factor_panel()
    df.loc[(df.area == "D04") & (df.year < 2010), "x"] = np.nan
    with pytest.raises(EstimationError, match="D04"):
        synthetic_control(df, start=start, predictors=["x"], predictor_periods=range(2005, 2010),
                          **SPEC)


def test_bad_arguments():
    df, start = factor_panel()
    with pytest.raises(ColumnError, match="nope"):
        synthetic_control(df, start=start, **{**SPEC, "outcome": "nope"})
    with pytest.raises(ColumnError, match="zz"):
        synthetic_control(df, start=start, predictors=["zz"], **SPEC)
    with pytest.raises(SpecificationError, match="v="):
        synthetic_control(df, start=start, v="magic", **SPEC)
    with pytest.raises(SpecificationError, match="weights"):
        synthetic_control(df, start=start, v=[1.0, 2.0], **SPEC)
    with pytest.raises(SpecificationError, match="Atlantis"):
        synthetic_control(df, start=start, exclude=["Atlantis"], **SPEC)
    with pytest.raises(SpecificationError, match="1990"):
        synthetic_control(df, start=start, **{**SPEC, "special_predictors": [("y", [1990])]})
    with pytest.raises(PanelError, match="post-period"):
        synthetic_control(df, start=2100, **SPEC)
    with pytest.raises(SpecificationError, match="penalty"):
        synthetic_control(df, start=start, penalty=-1.0, **SPEC)
    with pytest.raises(EstimationError, match="donor"):
        synthetic_control(df, start=start, donors=["D01"], **SPEC)


def test_train_validation_uses_the_validation_window():
    df, start = factor_panel()
    r = fit(df, start, v="train_validation", validation_periods=range(2012, 2016))
    opt = r.diagnostics["optimisation"]
    assert list(opt["validation_periods"]) == [2012, 2013, 2014, 2015]
    assert opt["validation_mspe"] >= 0
    assert r.v_weights.sum() == pytest.approx(1.0)
    assert r.estimate == pytest.approx(-5.0, abs=1.5)
    with pytest.raises(SpecificationError, match="validation"):
        fit(df, start, v="train_validation", validation_periods=range(2000, 2016))
