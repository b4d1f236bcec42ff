"""Results of the synthetic-control family keep the contract (issue 11): frozen (writing to
what a result hands out changes nothing, and a later ``.placebo()`` is unaffected), a
non-empty ``to_frame()``; and independent references for ``placebo_in_time`` and
``leave_one_out``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import nnls

from wsa_eval.synth import augmented, did, sc, sdid, synthetic_control


def panel(n=8, T=14, T0=10, effect=-3.0, seed=5):
    rng = np.random.default_rng(seed)
    F = np.cumsum(rng.normal(size=(T, 2)), axis=0)
    lam = rng.uniform(0.5, 1.5, size=(n, 2))
    Y = 20 + lam @ F.T + 0.3 * rng.normal(size=(n, T))
    y1 = rng.dirichlet(np.ones(n)) @ Y + 0.3 * rng.normal(size=T)
    y1[T0:] += effect
    years = np.arange(2000, 2000 + T)
    rows = [("T", t, v) for t, v in zip(years, y1)]
    rows += [(f"D{j}", t, v) for j in range(n) for t, v in zip(years, Y[j])]
    return pd.DataFrame(rows, columns=["area", "year", "y"]), 2000 + T0


KW = dict(outcome="y", unit="area", time="year", treated="T")


@pytest.fixture(scope="module")
def data():
    return panel()


def _adh(df, start, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return synthetic_control(df, **KW, start=start, random_state=0, **kw)


def test_adh_result_is_frozen_and_placebo_unaffected(data):
    df, start = data
    res = _adh(df, start)
    before = res.weights.copy()
    w = res.weights
    w[:] = 0  # a caller's copy
    assert res.weights.equals(before)
    with pytest.raises((ValueError, TypeError)):
        res.problem.Y[0, 0] = 0.0  # the problem arrays are read-only
    p1 = res.placebo(progress=False)
    fresh = _adh(df, start).placebo(progress=False)
    pd.testing.assert_frame_equal(p1.placebo_table, fresh.placebo_table)
    with pytest.raises(TypeError):
        res.diagnostics["fit_mspe"] = 0.0


@pytest.mark.parametrize("fn", [sdid, sc, did])
def test_sdid_results_are_frozen(data, fn):
    df, start = data
    r = fn(df, **KW, start=start, random_state=0)
    uw = r.unit_weights
    uw[:] = 0
    assert r.unit_weights.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError):
        r.replications[:] = 0
    assert not r.to_frame().empty


def test_augmented_result_is_frozen(data):
    df, start = data
    r = augmented(df, **KW, start=start)
    w = r.unit_weights
    w[:] = 0
    assert r.unit_weights.sum() == pytest.approx(1.0)
    assert not r.to_frame().empty


def test_to_frame_is_never_empty(data):
    df, start = data
    res = _adh(df, start)
    for r in (res, res.placebo(progress=False), res.leave_one_out(progress=False)):
        f = r.to_frame()
        assert len(f) == 14 and f["estimate"].notna().all()


# -- independent references -------------------------------------------------------------
def _simplex_ls(A, b):
    """Least squares on the simplex by scipy's NNLS with a heavily weighted sum row."""
    M = 1e4 * max(1.0, float(np.abs(A).max()))
    w, _ = nnls(np.vstack([A, M * np.ones(A.shape[1])]), np.append(b, M), maxiter=5000)
    return w / w.sum()


def _wide(df):
    Y = df.pivot(index="area", columns="year", values="y")
    return Y.loc["T"].to_numpy(), Y.drop(index="T"), Y.columns.to_numpy()


def test_leave_one_out_matches_an_independent_refit(data):
    # with V equal on the raw outcome values in every pre-period (v="equal", the default
    # predictors) the inner problem is the outcome-only fit: refit by NNLS without the
    # dropped donor and compare the post-period mean gap (tol 1e-6)
    df, start = data
    res = _adh(df, start, v="equal")
    y1, Y0, years = _wide(df)
    pre = years < start
    out = res.leave_one_out(progress=False).loo.set_index("dropped")
    assert len(out) >= 1
    for u in out.index:
        keep = Y0.drop(index=u)
        w = _simplex_ls(keep.to_numpy()[:, pre].T, y1[pre])
        gap = y1 - w @ keep.to_numpy()
        assert out.loc[u, "estimate"] == pytest.approx(gap[~pre].mean(), abs=1e-6)
        assert out.loc[u, "pre_rmspe"] == pytest.approx(np.sqrt(np.mean(gap[pre] ** 2)),
                                                        abs=1e-6)


def test_placebo_in_time_matches_an_independent_refit(data):
    # fake start s: only data before the real start; predictors (the outcome in each
    # pre-period) move back with the start, so with v="equal" the fit is the outcome-only
    # fit on the periods before s. Reference: NNLS on those periods (tol 1e-6).
    df, start = data
    res = _adh(df, start, v="equal")
    y1, Y0, years = _wide(df)
    out = res.placebo_in_time(starts=[2006, 2008], progress=False).in_time.set_index(
        "fake_start")
    real = years < start
    for s in (2006, 2008):
        before = years < s
        w = _simplex_ls(Y0.to_numpy()[:, before].T, y1[before])
        gap = (y1 - w @ Y0.to_numpy())[real]
        after = years[real] >= s
        assert out.loc[s, "pre_rmspe"] == pytest.approx(
            np.sqrt(np.mean(gap[~after] ** 2)), abs=1e-6)
        assert out.loc[s, "post_rmspe"] == pytest.approx(
            np.sqrt(np.mean(gap[after] ** 2)), abs=1e-6)
        assert out.loc[s, "mean_gap"] == pytest.approx(gap[after].mean(), abs=1e-6)
