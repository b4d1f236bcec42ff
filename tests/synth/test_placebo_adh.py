"""Placebo in space (pruning, alternatives), placebo in time and leave-one-out."""

import warnings

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import ConvergenceWarning, SpecificationError
from wsa_eval.synth.adh import synthetic_control
from wsa_eval.synth.placebo import rank_p_value


def panel(n=10, T=20, T0=14, effect=-6.0, seed=1):
    rng = np.random.default_rng(seed)
    F = np.cumsum(rng.normal(size=(T, 2)), axis=0)
    lam = rng.uniform(0.5, 1.5, size=(n, 2))
    Y = 30 + lam @ F.T + 0.3 * rng.normal(size=(n, T))
    w = rng.dirichlet(np.ones(n))
    y1 = w @ Y + 0.3 * rng.normal(size=T)
    y1[T0:] += effect
    years = np.arange(2000, 2000 + T)
    rows = [("T", t, v) for t, v in zip(years, y1)]
    rows += [(f"D{j}", t, v) for j in range(n) for t, v in zip(years, Y[j])]
    return pd.DataFrame(rows, columns=["area", "year", "y"]), 2000 + T0


@pytest.fixture(scope="module")
def placebo(res):
    return res.placebo(progress=False)


@pytest.fixture(scope="module")
def res():
    df, start = panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return synthetic_control(df, outcome="y", unit="area", time="year", treated="T",
                                 start=start, special_predictors=[
                                     ("y", range(2000, 2005)), ("y", range(2005, 2010)),
                                     ("y", range(2010, 2014))])


def test_rank_p_value():
    assert rank_p_value([5, 1, 2, 3]) == pytest.approx(1 / 4)
    assert rank_p_value([2, 1, 2, 3]) == pytest.approx(3 / 4)  # ties count against
    assert rank_p_value([-5, 1, -2, 3], "two-sided") == pytest.approx(1 / 4)
    assert rank_p_value([-5, 1, -2, 3], "less") == pytest.approx(1 / 4)
    assert rank_p_value([-5, 1, -2, 3], "greater") == pytest.approx(1.0)


def test_placebo_in_space_tables(res, placebo):
    p = placebo
    tab = p.placebo_table
    assert len(tab) == 11 and tab["included"].all()
    # the p-value is the treated unit's rank among the 11 RMSPE ratios
    r = tab.set_index("unit")["ratio"]
    assert p.p_value == pytest.approx(np.mean(r >= r["T"]))
    assert p.p_value == pytest.approx(1 / 11)
    # placebo gaps: columns are units, the treated unit first, equal to its own gaps
    np.testing.assert_allclose(p.placebo_gaps["T"], res.path["gap"])
    # mean-gap p-value in words of the direction
    pl = p.placebo(alternative="less", progress=False)
    assert pl.diagnostics["placebo"]["p_mean_gap"] == pytest.approx(1 / 11)
    assert "1/11" in p.inference
    assert p.plot(kind="placebo") is not None


def test_placebo_pruning_drops_poor_fits(res, placebo):
    full = placebo
    pre = full.placebo_table.set_index("unit")["pre_rmspe"] ** 2
    k = 2.0
    pr = full.placebo(prune=k, progress=False)  # reuses the placebo fits
    kept = pr.placebo_table.set_index("unit")["included"]
    expected = (pre <= k * pre["T"]) | (pre.index == "T")
    assert (kept == expected.reindex(kept.index)).all()
    assert pr.smallest_p_value == pytest.approx(1 / kept.sum())
    with pytest.raises(SpecificationError, match="prune"):
        full.placebo(prune=0.5)


def test_placebo_in_time(res):
    out = res.placebo_in_time(starts=[2008, 2010], progress=False)
    tab = out.in_time
    assert list(tab["fake_start"]) == [2008, 2010]
    assert (tab["pre_rmspe"] > 0).all()
    # no fake effect before the real start: fake-period gaps are small next to the real one
    assert (tab["mean_gap"].abs() < abs(res.estimate) / 2).all()
    paths = out.in_time_paths
    assert set(paths["fake_start"]) == {2008, 2010}
    assert paths["time"].max() < res.start  # only data before the real start
    default = res.placebo_in_time(progress=False)
    assert len(default.in_time) >= 1
    with pytest.raises(SpecificationError):
        res.placebo_in_time(starts=[2016])
    assert out.plot(kind="in_time") is not None


def test_leave_one_out(res):
    out = res.leave_one_out(progress=False)
    tab = out.loo
    positive = res.weights[res.weights > 1e-3]
    assert set(tab["dropped"]) == set(positive.index)
    assert np.allclose(tab["change"], tab["estimate"] - res.estimate)
    # dropping a donor with (essentially) no weight would change nothing; dropping one with
    # weight changes the fit but the effect stays of the same sign and size here
    assert (tab["estimate"] < 0).all()
    assert out.plot(kind="leave_one_out") is not None
    assert res.loo is None  # the original result is unchanged


def test_other_plots_and_summary(res, placebo):
    for kind in ("path", "gap", "weights", "effects"):
        ax = res.plot(kind=kind)
        assert hasattr(ax, "plot")
    s = str(placebo.summary())
    assert "Placebo-in-space" in s and "smallest p-value this test can give" in s


def test_penalised_placebo_runs():
    df, start = panel(seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        r = synthetic_control(df, outcome="y", unit="area", time="year", treated="T",
                              start=start, v="inverse_variance", penalty=0.1)
    p = r.placebo(progress=False)
    assert 0 < p.p_value <= 1


def test_infinite_ratios_tie():
    # exact pre-period fits (rounding-error RMSPE) have infinite post/pre ratios: they tie
    # with each other, so the treated unit's p-value counts every other exact fit
    assert rank_p_value([np.inf, np.inf, 1.0, 2.0]) == pytest.approx(0.5)
    assert rank_p_value([np.inf, 3.0, 1.0, 2.0]) == pytest.approx(0.25)
    assert rank_p_value([2.0, np.inf, 1.0, 3.0]) == pytest.approx(0.75)
