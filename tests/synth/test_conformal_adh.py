"""Conformal inference (Chernozhukov, Wuthrich & Zhu 2021) on simulated panels."""

import warnings

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import InferenceWarning, SpecificationError
from wsa_eval.synth.adh import synthetic_control
from wsa_eval.synth.conformal import conformal_p_value


def panel(n=12, T=30, T0=24, effect=-4.0, noise=0.5, seed=2):
    rng = np.random.default_rng(seed)
    F = np.cumsum(rng.normal(size=(T, 2)), axis=0)
    lam = rng.uniform(0.5, 1.5, size=(n, 2))
    Y = 30 + lam @ F.T + noise * rng.normal(size=(n, T))
    w = rng.dirichlet(np.ones(n))
    y1 = w @ (30 + lam @ F.T) + noise * rng.normal(size=T)
    y1[T0:] += effect
    years = np.arange(1990, 1990 + T)
    rows = [("T", t, v) for t, v in zip(years, y1)]
    rows += [(f"D{j}", t, v) for j in range(n) for t, v in zip(years, Y[j])]
    return pd.DataFrame(rows, columns=["area", "year", "y"]), 1990 + T0


def fit(df, start):
    return synthetic_control(df, outcome="y", unit="area", time="year", treated="T",
                             start=start, v="inverse_variance")


def test_p_value_is_exact_under_iid_exchangeability():
    # pure noise panels, no effect: the i.i.d.-permutation p-value is (super-)uniform
    rng = np.random.default_rng(0)
    ps = []
    for _ in range(200):
        Y0 = rng.normal(size=(15, 5))
        y1 = Y0 @ rng.dirichlet(np.ones(5)) + rng.normal(size=15)
        post = np.arange(15) >= 12
        ps.append(conformal_p_value(y1, Y0, post, 0.0, permutations="iid", n_permutations=99,
                                    rng=rng))
    ps = np.array(ps)
    # binomial(200, 0.1) has sd ~4.2: more than 32 rejections at 0.1 would be a size failure
    assert np.sum(ps <= 0.1) <= 32
    assert ps.min() >= 1 / 100


def test_moving_block_smallest_p_and_known_effect():
    df, start = panel()
    res = fit(df, start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InferenceWarning)
        c = res.conformal(n_grid=41)
    T0 = 24
    tab = c.conformal_table
    assert len(tab) == 6
    # each per-period test uses T0 + 1 cyclic shifts: p is a multiple of 1/25
    np.testing.assert_allclose(tab["p_value"] * (T0 + 1), np.round(tab["p_value"] * (T0 + 1)),
                               atol=1e-9)
    assert (tab["p_value"] >= 1 / (T0 + 1) - 1e-12).all()
    # a -4 effect with noise sd 0.5 is detected period by period ...
    assert (tab["p_value"] <= 0.05).mean() >= 0.5
    # ... and the intervals cover the truth in most periods
    cover = (tab["ci_low"] <= -4.0) & (tab["ci_high"] >= -4.0)
    assert cover.mean() >= 0.5
    assert c.diagnostics["conformal"]["smallest_per_period_p_value"] == pytest.approx(1 / 25)
    # the effects table carries the same numbers for the post periods
    post = c.effects.loc[c.effects["post"]]
    np.testing.assert_allclose(post["p_value"], tab["p_value"])
    assert c.inference.startswith("conformal")
    assert np.isnan(res.p_value)  # original unchanged


def test_null_equal_to_truth_is_not_rejected():
    df, start = panel(effect=-4.0)
    res = fit(df, start)
    p_true = res.conformal(null=-4.0, per_period=False, permutations="iid",
                           n_permutations=199).p_value
    p_zero = res.conformal(null=0.0, per_period=False, permutations="iid",
                           n_permutations=199).p_value
    assert p_true > 0.1
    assert p_zero <= 0.01
    c = res.conformal(per_period=False, permutations="iid", n_permutations=199)
    assert c.ci_low <= -4.0 <= c.ci_high
    assert c.ci_high < 0


def test_short_pre_period_gives_unbounded_intervals_with_warning():
    df, start = panel(T=8, T0=4)
    res = fit(df, start)
    with pytest.warns(InferenceWarning, match="unbounded"):
        c = res.conformal(n_grid=21)
    assert np.isinf(c.conformal_table[["ci_low", "ci_high"]].to_numpy()).any()
    assert c.diagnostics["conformal"]["smallest_per_period_p_value"] == pytest.approx(1 / 5)


def test_conformal_reproducible_and_checks():
    df, start = panel()
    res = fit(df, start)
    a = res.conformal(permutations="iid", per_period=False, random_state=3)
    b = res.conformal(permutations="iid", per_period=False, random_state=3)
    assert a.p_value == b.p_value and a.ci_low == b.ci_low
    with pytest.raises(SpecificationError, match="null"):
        res.conformal(null=[1.0, 2.0])
    with pytest.raises(SpecificationError, match="permutations"):
        res.conformal(permutations="bootstrap")
    assert res.conformal(per_period=False).plot(kind="gap") is not None
