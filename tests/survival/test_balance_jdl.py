"""Tests for survival.balance: logistic scores vs statsmodels, SMDs vs a hand computation,
IPW weights vs their formula, matching vs a brute-force greedy matcher, a simulation where
matching removes a known confounding bias, seeds, and bad inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import (
    ColumnError,
    ConvergenceWarning,
    DataFormatError,
    DataWarning,
    EstimationError,
    SpecificationError,
)
from wsa_eval.survival.balance import balance, match, propensity, weight


def confounded(n=4000, seed=0, effect=0.5):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.4, n)
    p = 1 / (1 + np.exp(-(-1 + 0.8 * x1 + 0.5 * x2)))
    z = rng.binomial(1, p)
    y = 1 + 2 * x1 + x2 + effect * z + rng.normal(size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "z": z, "y": y}, index=np.arange(n) + 100)


def test_propensity_matches_statsmodels():
    import statsmodels.api as sm

    d = confounded(1000)
    pr = propensity(d, treatment="z", covariates=["x1", "x2"])
    ref = sm.Logit(d["z"], sm.add_constant(d[["x1", "x2"]])).fit(disp=0)
    # SOURCE: statsmodels Logit MLE; TOLERANCE 1e-8
    np.testing.assert_allclose(pr.params.to_numpy(), ref.params.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(pr.scores.to_numpy(), ref.predict(), atol=1e-10)
    assert (pr.scores.index == d.index).all()


def test_smd_hand_computation():
    d = pd.DataFrame({"z": [1, 1, 1, 0, 0, 0, 0],
                      "age": [20.0, 30.0, 40.0, 25.0, 35.0, 45.0, 55.0],
                      "prior": [1, 0, 1, 0, 0, 1, 0]})
    w = np.array([1, 1, 1, 2, 1, 1, 0.0])
    res = balance(d, treatment="z", covariates=["age", "prior"], weights=w, threshold=10)
    tab = res.to_frame().set_index("covariate")
    # hand: age means 30 vs 40; sample variances 100 and 166.667 -> pooled sd sqrt(133.333)
    sd_age = np.sqrt((100 + 500 / 3) / 2)
    assert tab.loc["age", "smd_unadjusted"] == pytest.approx((30 - 40) / sd_age, rel=1e-12)
    # weighted comparison mean = (2*25 + 35 + 45) / 4 = 32.5
    assert tab.loc["age", "mean_comparison_adjusted"] == pytest.approx(32.5)
    assert tab.loc["age", "smd_adjusted"] == pytest.approx((30 - 32.5) / sd_age, rel=1e-12)
    # binary: p_t = 2/3, p_c = 1/4; sd = sqrt((2/9 + 3/16) / 2)
    sd_p = np.sqrt((2 / 9 + 3 / 16) / 2)
    assert tab.loc["prior", "smd_unadjusted"] == pytest.approx((2 / 3 - 1 / 4) / sd_p)
    assert tab.loc["prior", "smd_adjusted"] == pytest.approx((2 / 3 - 1 / 4) / sd_p)
    assert res.balanced


def test_balance_warns_in_plain_english_after_adjustment():
    d = confounded(500)
    with pytest.warns(DataWarning, match="still differ on"):
        balance(d, treatment="z", covariates=["x1", "x2"], weights=np.ones(len(d)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # unadjusted table only: no warning
        res = balance(d, treatment="z", covariates=["x1", "x2"])
    assert "before adjustment" in res.interpret()
    assert res.plot().get_xlabel().startswith("absolute")


def test_ipw_weights_follow_their_formulas_and_att_equals_weighted_means():
    d = confounded(2000, seed=3)
    pr = propensity(d, treatment="z", covariates=["x1", "x2"])
    e = pr.scores.to_numpy()
    z = d["z"].to_numpy()
    att = weight(d, treatment="z", propensity=pr, estimand="ATT")
    ate = weight(d, treatment="z", covariates=["x1", "x2"], estimand="ATE")
    np.testing.assert_allclose(att.weights, np.where(z == 1, 1, e / (1 - e)))
    np.testing.assert_allclose(ate.weights, np.where(z == 1, 1 / e, 1 / (1 - e)))
    # the IPW ATT as a weighted mean equals the odds-weighted formula written out
    y = d["y"].to_numpy()
    w = att.weights.to_numpy()
    est = y[z == 1].mean() - np.sum(w[z == 0] * y[z == 0]) / np.sum(w[z == 0])
    odds = e / (1 - e)
    formula = (np.sum(z * y) / np.sum(z)
               - np.sum((1 - z) * odds * y) / np.sum((1 - z) * odds))
    assert est == pytest.approx(formula, rel=1e-12)
    assert abs(est - 0.5) < 0.15  # truth 0.5 (simulation tolerance)
    # weighting balances the covariate means (ATT) to within 0.1 SD
    b = balance(d, treatment="z", covariates=["x1", "x2"], weights=att)
    assert (b.to_frame()["smd_adjusted"].abs() < 0.1).all()
    ess = att.effective_n
    assert ess["treated"] == pytest.approx(z.sum())
    with pytest.warns(DataWarning, match="outside"):
        tr = weight(d, treatment="z", propensity=pr, trim=0.2)
    out = (e < 0.2) | (e > 0.8)
    assert (tr.weights.to_numpy()[out] == 0).all() and out.any()


def _brute_greedy(lt, lc, order, width):
    used = set()
    pairs = []
    for t in order:
        best, bd = None, np.inf
        for j in range(len(lc)):
            if j in used:
                continue
            dist = abs(lc[j] - lt[t])
            if dist < bd or (dist == bd and j < best):
                best, bd = j, dist
        if best is not None and bd <= width:
            used.add(best)
            pairs.append((t, best))
    return pairs


@pytest.mark.filterwarnings("ignore::wsa_eval.errors.DataWarning")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matching_without_replacement_equals_brute_force_greedy(seed):
    d = confounded(300, seed=seed)
    m = match(d, treatment="z", covariates=["x1", "x2"], caliper=0.1, random_state=seed)
    ps = m.data["propensity"].to_numpy()
    lg = np.log(ps / (1 - ps))
    z = d["z"].to_numpy()
    ti, ci = np.flatnonzero(z == 1), np.flatnonzero(z == 0)
    order = np.random.default_rng(seed).permutation(len(ti))
    width = 0.1 * np.std(lg, ddof=1)
    bf = _brute_greedy(lg[ti], lg[ci], order, width)
    got = sorted(zip(m.pairs["treated_row"], m.pairs["control_row"]))
    assert got == sorted((int(ti[a]), int(ci[b])) for a, b in bf)
    assert (m.pairs["distance"] <= width + 1e-15).all()
    assert not m.pairs["control_row"].duplicated().any()


@pytest.mark.filterwarnings("ignore::wsa_eval.errors.DataWarning")
def test_matching_with_replacement_equals_brute_force():
    d = confounded(300, seed=9)
    m = match(d, treatment="z", covariates=["x1", "x2"], caliper=0.1, ratio=2,
              with_replacement=True, random_state=0)
    ps = m.data["propensity"].to_numpy()
    lg = np.log(ps / (1 - ps))
    z = d["z"].to_numpy()
    ti, ci = np.flatnonzero(z == 1), np.flatnonzero(z == 0)
    width = 0.1 * np.std(lg, ddof=1)
    expected = []
    for t in ti:
        dist = np.abs(lg[ci] - lg[t])
        o = np.lexsort((ci, dist))[:2]
        expected += [(int(t), int(ci[j])) for j in o if dist[j] <= width]
    got = sorted(zip(m.pairs["treated_row"], m.pairs["control_row"]))
    assert got == sorted(expected)
    # ATT weights: each matched treated 1; a control gets 1/k per treated it serves
    w = m.weights.to_numpy()
    k = m.pairs.groupby("treated_row").size()
    exp_w = np.zeros(len(d))
    exp_w[k.index] = 1
    for t, c in zip(m.pairs["treated_row"], m.pairs["control_row"]):
        exp_w[c] += 1 / k[t]
    np.testing.assert_allclose(w, exp_w)


def test_matching_removes_known_confounding_bias():
    d = confounded(6000, seed=7, effect=0.5)
    naive = d.loc[d.z == 1, "y"].mean() - d.loc[d.z == 0, "y"].mean()
    assert naive > 1.2  # strongly biased by x1, x2 (truth 0.5)
    for rep, ratio in ((False, 1), (True, 2)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            m = match(d, treatment="z", covariates=["x1", "x2"], with_replacement=rep,
                      ratio=ratio, random_state=1)
        w = m.weights.to_numpy()
        z, y = d["z"].to_numpy(), d["y"].to_numpy()
        est = (np.sum(w * z * y) / np.sum(w * z)
               - np.sum(w * (1 - z) * y) / np.sum(w * (1 - z)))
        assert abs(est - 0.5) < 0.12  # simulation tolerance (se about 0.04)
        b = balance(d, treatment="z", covariates=["x1", "x2"], matched=m)
        assert (b.to_frame()["smd_adjusted"].abs() < 0.1).all()
        if ratio == 2:
            k = m.pairs.groupby("treated_row").size()
            assert (k <= 2).all() and (k == 2).mean() > 0.9


def test_matching_seed_reproducible_and_input_unchanged():
    d = confounded(800, seed=4)
    before = d.copy()
    kw = dict(treatment="z", covariates=["x1", "x2"], caliper=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        a = match(d, random_state=11, **kw)
        b = match(d, random_state=11, **kw)
        c = match(d, random_state=np.random.default_rng(11), **kw)
        others = [match(d, random_state=s, **kw).pairs for s in range(12, 16)]
    pd.testing.assert_frame_equal(a.pairs, b.pairs)
    pd.testing.assert_frame_equal(a.pairs, c.pairs)
    assert any(not o.equals(a.pairs) for o in others)  # greedy order matters
    pd.testing.assert_frame_equal(d, before)
    assert a.spec["seed"] == 11


def test_unmatched_treated_are_reported():
    d = confounded(400, seed=5)
    with pytest.warns(DataWarning, match="no comparison person within the caliper"):
        m = match(d, treatment="z", covariates=["x1", "x2"], caliper=0.001, random_state=0)
    assert m.n_matched_treated + len(m.unmatched) == m.n_treated
    assert "Treated matched" in str(m.summary())


def test_bad_inputs():
    d = confounded(200)
    with pytest.raises(ColumnError):
        propensity(d, treatment="nope", covariates=["x1"])
    with pytest.raises(DataFormatError, match="0/1"):
        propensity(d.assign(z=d["z"] * 2), treatment="z", covariates=["x1"])
    with pytest.raises(EstimationError):
        propensity(d.assign(z=1), treatment="z", covariates=["x1"])
    dz = d.astype({"z": float})
    dz.iloc[0, dz.columns.get_loc("z")] = np.nan
    with pytest.raises(DataFormatError, match="missing"):
        propensity(dz, treatment="z", covariates=["x1"])
    dx = d.copy()
    dx.iloc[0, 0] = np.nan
    with pytest.raises(DataFormatError, match="missing"):
        propensity(dx, treatment="z", covariates=["x1"])
    with pytest.raises(ColumnError, match="not numeric"):
        propensity(d.assign(a="x"), treatment="z", covariates=["a"])
    with pytest.raises(EstimationError, match="'x3'.*collinear"):
        propensity(d.assign(x3=2 * d["x1"]), treatment="z", covariates=["x1", "x3"])
    with pytest.raises(SpecificationError):
        propensity(d, treatment="z", covariates=[])
    with pytest.raises(SpecificationError):
        match(d, treatment="z", covariates=["x1"], ratio=0)
    with pytest.raises(SpecificationError):
        match(d, treatment="z", covariates=["x1"], caliper=-1)
    with pytest.raises(SpecificationError):
        match(d, treatment="z")
    with pytest.raises(SpecificationError):
        match(d, treatment="z", propensity=np.ones(len(d)))
    with pytest.raises(SpecificationError):
        match(d, treatment="z", covariates=["x1"], random_state="seed")
    with pytest.raises(SpecificationError):
        weight(d, treatment="z", covariates=["x1"], estimand="ATC")
    with pytest.raises(SpecificationError):
        weight(d, treatment="z", covariates=["x1"], trim=0.7)
    with pytest.raises(SpecificationError):
        balance(d, treatment="z", covariates=["x1"], weights=np.ones(3))
    with pytest.raises(DataFormatError):
        balance(d, treatment="z", covariates=["x1"], weights=-np.ones(len(d)))
    with pytest.raises(SpecificationError):
        balance(d, treatment="z", covariates=["x1"], weights=np.ones(len(d)),
                matched=object())
    with pytest.raises(SpecificationError):
        balance(d, treatment="z", covariates=["x1"], matched=object())


def test_perfect_separation_is_refused_naming_the_covariate():
    sep = pd.DataFrame({"z": [0, 0, 0, 1, 1, 1], "x": [1.0, 2, 3, 4, 5, 6],
                        "a": [0.3, 0.1, 0.2, 0.2, 0.1, 0.3]})
    with pytest.raises(EstimationError, match="'x' separate"):
        propensity(sep, treatment="z", covariates=["a", "x"])
    with pytest.raises(EstimationError, match="'x' separate"):
        match(sep, treatment="z", covariates=["x"])
    # separation by a combination only: x1 + x2 splits the groups, neither does alone
    comb = pd.DataFrame({"z": [0, 0, 0, 0, 1, 1, 1, 1],
                         "x1": [0.0, 1, 2, 3, 1, 2, 3, 4], "x2": [3.0, 2, 1, 0, 4, 3, 2, 1]})
    with pytest.raises(EstimationError, match="together separate"):
        propensity(comb, treatment="z", covariates=["x1", "x2"])


def test_near_separation_warns():
    rng = np.random.default_rng(2)
    x = rng.normal(size=400)
    z = (x + 0.05 * rng.normal(size=400) > 0).astype(int)
    with pytest.warns(ConvergenceWarning, match="separates"):
        pr = propensity(pd.DataFrame({"z": z, "x": x}), treatment="z", covariates=["x"])
    assert np.isfinite(pr.params).all()


def test_old_argument_replace_still_works():
    d = confounded(300, seed=9)
    with pytest.warns(FutureWarning, match="'replace' is now 'with_replacement'"):
        a = match(d, treatment="z", covariates=["x1"], replace=True, random_state=3)
    b = match(d, treatment="z", covariates=["x1"], with_replacement=True, random_state=3)
    pd.testing.assert_frame_equal(a.pairs, b.pairs)
    assert a.with_replacement and callable(a.replace)  # the method is no longer shadowed
    assert a.replace(method="renamed").method == "renamed"


def test_love_plot_on_given_axes():
    import matplotlib.pyplot as plt

    d = confounded(600, seed=8)
    wr = weight(d, treatment="z", covariates=["x1", "x2"])
    res = balance(d, treatment="z", covariates=["x1", "x2"], weights=wr)
    _, ax = plt.subplots()
    assert res.plot(ax=ax, absolute=False) is ax
    assert len(ax.get_lines()) >= 2
    assert "balanced after adjustment" in res.interpret()
