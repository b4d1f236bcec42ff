"""Bad input and simulation tests for wsa_eval.synth.sdid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import (
    ColumnError,
    EstimationError,
    PanelError,
    SpecificationError,
)
from wsa_eval.synth.sdid import did, sc, sdid


def factor_panel(seed=0, n_co=20, n_tr=1, T=12, T0=8, effect=-3.0, noise=0.5):
    """Two-factor model; treated units load more on the factors (so DiD is biased)."""
    rng = np.random.default_rng(seed)
    N = n_co + n_tr
    load = rng.normal(size=(N, 2))
    load[n_co:] += 1.0
    fac = np.cumsum(rng.normal(size=(T, 2)), axis=0)
    y = (rng.normal(size=N)[:, None] + np.linspace(0, 2, T)[None, :] + load @ fac.T
         + rng.normal(scale=noise, size=(N, T)))
    y[n_co:, T0:] += effect
    units = [f"a{i:02d}" for i in range(N)]
    df = pd.DataFrame({"area": np.repeat(units, T), "year": np.tile(np.arange(2000, 2000 + T), N),
                       "y": y.ravel()})
    return df, units[n_co:], 2000 + T0


KW = dict(outcome="y", unit="area", time="year")


@pytest.fixture(scope="module")
def small():
    return factor_panel()


def test_missing_treated_unit(small):
    df, _, start = small
    with pytest.raises(PanelError, match="Atlantis"):
        sdid(df, **KW, treated="Atlantis", start=start)


def test_too_few_pre_periods(small):
    df, tr, _ = small
    with pytest.raises(PanelError, match="before treatment"):
        sdid(df, **KW, treated=tr, start=2001)  # one pre-period: no first differences


def test_donor_with_missing_years(small):
    df, tr, start = small
    gappy = df[~((df.area == "a03") & df.year.isin([2002, 2003]))]
    with pytest.raises(PanelError, match="a03"):
        sdid(gappy, **KW, treated=tr, start=start)


def test_missing_outcome_value(small):
    df, tr, start = small
    bad = df.copy()
    bad.loc[5, "y"] = np.nan
    with pytest.raises(PanelError, match="missing"):
        sdid(bad, **KW, treated=tr, start=start)


def test_constant_outcome(small):
    df, tr, start = small
    flat = df.assign(y=1.0)
    for fn in (sdid, sc):
        with pytest.raises(EstimationError, match="constant"):
            fn(flat, **KW, treated=tr, start=start, inference=None)


def test_missing_column_and_bad_arguments(small):
    df, tr, start = small
    with pytest.raises(ColumnError, match="cigs"):
        sdid(df, outcome="cigs", unit="area", time="year", treated=tr, start=start)
    with pytest.raises(SpecificationError, match="inference="):
        sdid(df, **KW, treated=tr, start=start, inference="wild")
    with pytest.raises(SpecificationError, match="reps"):
        sdid(df, **KW, treated=tr, start=start, reps=1)
    with pytest.raises(SpecificationError, match="alpha"):
        sdid(df, **KW, treated=tr, start=start, alpha=5)
    with pytest.raises(SpecificationError, match="zeta"):
        sdid(df, **KW, treated=tr, start=start, zeta=-1.0)
    with pytest.raises(SpecificationError, match="start"):
        sdid(df, **KW, treated=tr)
    with pytest.raises(SpecificationError, match="start"):
        sdid(df, **KW, treated=tr + ["a00"], start={tr[0]: start})
    with pytest.raises(SpecificationError, match="exclude"):
        sdid(df, **KW, treated=tr, start=start, exclude=["nowhere"])
    with pytest.raises(SpecificationError, match="excluded"):
        sdid(df, **KW, treated=tr, start=start, exclude=tr)
    with pytest.raises(SpecificationError, match="one way"):
        sdid(df.assign(g=0), **KW, treated=tr, start=start, first_treated="g")


def test_placebo_needs_more_controls_than_treated():
    df, tr, start = factor_panel(n_co=3, n_tr=3)
    with pytest.raises(EstimationError, match="more comparison units"):
        did(df, **KW, treated=tr, start=start)


def test_too_few_controls():
    df, tr, start = factor_panel(n_co=1, n_tr=1)
    with pytest.raises(EstimationError, match="comparison unit"):
        sdid(df, **KW, treated=tr, start=start, inference=None)


def test_sdid_recovers_a_known_effect_where_did_is_biased():
    # factor model with treated units loading differently: SDID close to the truth (-3),
    # plain DiD off; tolerance 0.6 (noise sd 0.5, 3 treated units, 4 post periods)
    df, tr, start = factor_panel(seed=11, n_co=30, n_tr=3, T=16, T0=12)
    r = sdid(df, **KW, treated=tr, start=start, inference=None)
    d = did(df, **KW, treated=tr, start=start, inference=None)
    assert abs(r.estimate + 3.0) < 0.6
    assert abs(d.estimate + 3.0) > abs(r.estimate + 3.0)


def test_placebo_coverage_is_roughly_nominal():
    # 40 simulated panels with one treated unit, exchangeable noise and no factor
    # selection: the 90% placebo interval should cover the true effect in most of them
    # (binomial sd ~ 4.7 points at 90%; accept >= 75%)
    covered = 0
    n = 40
    for s in range(n):
        rng = np.random.default_rng(100 + s)
        N, T, T0 = 15, 10, 7
        load = rng.normal(size=(N, 1))
        fac = np.cumsum(rng.normal(size=(T, 1)), axis=0)
        y = rng.normal(size=N)[:, None] + load @ fac.T + rng.normal(size=(N, T))
        y[-1, T0:] += 1.0
        df = pd.DataFrame({"area": np.repeat(np.arange(N), T), "year": np.tile(np.arange(T), N),
                           "y": y.ravel()})
        r = did(df, **KW, treated=N - 1, start=T0, reps=50, random_state=s, alpha=0.10)
        covered += r.ci_low <= 1.0 <= r.ci_high
    assert covered / n >= 0.75


def test_batched_solver_matches_single_problems_in_both_memory_layouts():
    # the batch solver (stacked Gram matrices, or one shared matrix for large donor pools)
    # must reproduce the one-problem-at-a-time Frank-Wolfe path exactly (tol 1e-10),
    # including padded problems with fewer donors
    from wsa_eval.synth import _sdid_core as core

    rng = np.random.default_rng(5)
    N, T0 = 14, 9
    Y = rng.normal(size=(N, T0 + 3)).cumsum(axis=1)
    R = 6
    C = np.array([rng.permutation(N - 2) for _ in range(R)])
    Cm = np.ones(C.shape, dtype=bool)
    Cm[0, -3:] = False  # problem 0 has three donors fewer
    P = np.tile([N - 2, N - 1], (R, 1))
    Pm = np.ones(P.shape, dtype=bool)
    stacked = core._omega_problem(Y, C, Cm, P, Pm, T0, True)
    Gfull = (Y[:, :T0] - Y[:, :T0].mean(axis=1, keepdims=True))
    shared = ((Gfull @ Gfull.T, C), stacked[1], stacked[2])
    x0 = Cm / Cm.sum(axis=1, keepdims=True)
    a, ia = core.fw_batch(*stacked[:3], T0, 0.3, x0, 1e-6, 300)
    b, ib = core.fw_batch(*shared, T0, 0.3, x0, 1e-6, 300)
    np.testing.assert_allclose(a, b, atol=1e-10)
    np.testing.assert_array_equal(ia, ib)
    assert np.all(a[0, -3:] == 0)
    for r in range(R):
        keep = Cm[r]
        single = core._omega_problem(Y, C[r:r + 1, keep], Cm[r:r + 1, keep], P[r:r + 1],
                                     Pm[r:r + 1], T0, True)
        w, it = core.fw_batch(*single, T0, 0.3, x0[r:r + 1, keep], 1e-6, 300)
        np.testing.assert_allclose(w[0], a[r, keep], atol=1e-10)
        assert it[0] == ia[r]
