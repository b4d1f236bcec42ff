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
        ps.append(conformal_p_value(y1, Y0, post, 0.0, permutations="iid", reps=99,
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
    # a -4 effect with noise sd 0.5 (8 noise sd) is detected in every period: with
    # moving-block permutations the per-period p-value is then the floor 1/25 (the treated
    # period's residual is the largest of the 25)
    assert (tab["p_value"] <= 1 / 25 + 1e-12).all()
    # ... and the 95% intervals cover the truth in every period (6 periods; at nominal
    # coverage P(all 6 covered) = 0.95^6 = 0.74, so this checks the seeded draw, and the
    # bounded ones are narrow: under 4 noise-sd + the fit error wide)
    cover = (tab["ci_low"] <= -4.0) & (tab["ci_high"] >= -4.0)
    assert cover.all()
    assert (tab["ci_status"] == "bounded").all()
    assert c.diagnostics["conformal"]["smallest_per_period_p_value"] == pytest.approx(1 / 25)
    # the effects table carries the same numbers for the post periods
    post = c.effects.loc[c.effects["post"]]
    np.testing.assert_allclose(post["p_value"], tab["p_value"])
    assert c.inference.startswith("conformal")
    assert np.isnan(res.p_value)  # original unchanged
    # one model: the estimate is the mean post-period gap of the model whose intervals
    # these are (outcome-only SC fitted on the pre-period), not the nested-V ADH estimate
    post_gaps = c.effects.loc[c.effects["post"], "estimate"]
    assert c.estimate == pytest.approx(post_gaps.mean())
    np.testing.assert_allclose(c.path["gap"], c.effects["estimate"])
    assert c.diagnostics["conformal"]["adh_estimate"] == res.estimate
    assert c.weights.sum() == pytest.approx(1.0)


def test_null_equal_to_truth_is_not_rejected():
    df, start = panel(effect=-4.0)
    res = fit(df, start)
    p_true = res.conformal(null=-4.0, per_period=False, permutations="iid",
                           reps=199).p_value
    p_zero = res.conformal(null=0.0, per_period=False, permutations="iid",
                           reps=199).p_value
    assert p_true > 0.1
    assert p_zero <= 0.01
    c = res.conformal(per_period=False, permutations="iid", reps=199)
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


def _hand_moving_block_p(y1, a, b, post, theta):
    """CWZ moving-block p-value computed independently for two donors: the simplex
    least-squares weight has the closed form w = clip((y - b)'(a - b) / |a - b|^2, 0, 1);
    residuals u = y - w a - (1 - w) b; S(u) = sum_{post} |u| / sqrt(T1) (q = 1); p = share
    of the T cyclic shifts (np.roll) whose statistic is at least S(u)."""
    y = y1.astype(float).copy()
    y[post] -= theta
    d = a - b
    w = min(max(float((y - b) @ d / (d @ d)), 0.0), 1.0)
    u = y - w * a - (1 - w) * b
    s0 = np.abs(u[post]).sum() / np.sqrt(post.sum())
    stats = [np.abs(np.roll(u, k)[post]).sum() / np.sqrt(post.sum()) for k in range(len(u))]
    return np.mean(np.array(stats) >= s0 - 1e-12)


def test_conformal_p_value_matches_a_hand_computation():
    # an independent reference on a small case (2 donors, 7 periods, 2 post periods)
    a = np.array([1.0, 2.0, 1.5, 3.0, 2.5, 4.0, 3.5])
    b = np.array([2.0, 1.0, 2.5, 2.0, 3.5, 3.0, 4.5])
    y1 = 0.3 * a + 0.7 * b + np.array([0.1, -0.2, 0.05, 0.15, -0.1, 2.0, 2.5])
    post = np.arange(7) >= 5
    Y0 = np.column_stack([a, b])
    for theta in (0.0, 1.0, 2.25, 3.0):
        p = conformal_p_value(y1, Y0, post, theta)
        assert p == pytest.approx(_hand_moving_block_p(y1, a, b, post, theta), abs=1e-12)
    # the numbers themselves, worked by hand from the formula above: with theta = 0 the
    # two post residuals dominate (rank 1 of 7: p = 1/7); with theta = 2.25 they do not
    assert conformal_p_value(y1, Y0, post, 0.0) == pytest.approx(1 / 7)
    assert conformal_p_value(y1, Y0, post, 2.25) > 1 / 7


def test_empty_confidence_set_is_called_empty():
    # a treated series that jumps around in the post-period (effects +20, -20): no constant
    # effect makes the two post residuals look like pre-period noise at alpha = 0.5
    df, start = panel(T=30, T0=28, effect=0.0)
    df = df.copy()
    m = (df["area"] == "T") & (df["year"] >= start)
    df.loc[m, "y"] = df.loc[m, "y"] + np.array([20.0, -20.0])
    res = fit(df, start)
    with pytest.warns(InferenceWarning, match="empty"):
        c = res.conformal(per_period=False, alpha=0.5)
    assert c.diagnostics["conformal"]["ci_status"] == "empty"
    assert np.isnan(c.ci_low) and np.isnan(c.ci_high)
    assert "unbounded" not in " ".join(c.warnings)


def test_old_n_permutations_name_warns():
    df, start = panel()
    res = fit(df, start)
    with pytest.warns(FutureWarning, match="'n_permutations' is now 'reps'"):
        a = res.conformal(permutations="iid", per_period=False, n_permutations=99,
                          random_state=1)
    b = res.conformal(permutations="iid", per_period=False, reps=99, random_state=1)
    assert a.p_value == b.p_value
    assert b.spec["conformal"]["seed"] == 1
