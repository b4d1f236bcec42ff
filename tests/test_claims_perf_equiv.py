"""The fast placebo-in-space path of check_claim gives the numbers of the slow one.

``claims._placebo.placebo_gaps`` solves all placebo fits together
(``synth.sdid.placebo_fits`` -> ``_sdid_core.fit_cohort_many``);
``claims._placebo.placebo_gaps_reference`` calls the estimator once per comparison area. The
fast path performs the same floating-point operations, so the tolerance is 1e-10 (observed:
identical to the last bit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wsa_eval.claims import _placebo
from wsa_eval.synth import _sdid_core as core
from wsa_eval.synth.sdid import placebo_fits, sc, sdid


def _panel(n: int = 9, years=range(2006, 2019), seed: int = 0) -> pd.DataFrame:
    """Small log panel: unit level + trend + factor x loading + noise; 'T' treated."""
    rng = np.random.default_rng(seed)
    years = list(years)
    factor = np.cumsum(rng.normal(0, 0.08, len(years)))
    rows = []
    for i in range(n):
        lev, load = rng.normal(4, 0.4), rng.uniform(0.3, 1.7)
        for k, t in enumerate(years):
            y = lev - 0.03 * k + load * factor[k] + rng.normal(0, 0.04)
            rows.append({"area": "T" if i == 0 else f"A{i}", "year": t, "y": y})
    return pd.DataFrame(rows)


def _both(method, df, start=2013):
    donors = sorted(set(df["area"]) - {"T"})
    args = (method, df, "y", "area", "year", "T", start, donors, False)
    return _placebo.placebo_gaps(*args), _placebo.placebo_gaps_reference(*args)


@pytest.mark.parametrize("method", ["sdid", "sc", "did"])
@pytest.mark.parametrize("seed", [0, 1])
def test_fast_permutation_equals_reference_loop(method, seed):
    df = _panel(seed=seed)
    before = df.copy()
    (gaps, est), (gaps0, est0) = _both(method, df)
    np.testing.assert_allclose(est, est0, rtol=0, atol=1e-10)
    assert list(gaps.columns) == list(gaps0.columns)
    assert list(gaps.index) == list(gaps0.index)
    np.testing.assert_allclose(gaps.to_numpy(), gaps0.to_numpy(), rtol=0, atol=1e-10)
    pd.testing.assert_frame_equal(df, before)


def test_placebo_fits_equal_one_by_one_estimator_calls():
    df = _panel(n=7, seed=4)
    rest = df[df["area"] != "T"]
    Yw = rest.pivot(index="area", columns="year", values="y")
    est, gaps = placebo_fits("sdid", Yw.to_numpy(), Yw.columns.to_numpy(), 2013)
    for j, d in enumerate(Yw.index):
        r = sdid(rest, outcome="y", unit="area", time="year", treated=d, start=2013, inference=None)
        assert abs(est[j] - r.estimate) <= 1e-10
        np.testing.assert_allclose(gaps[j], r.effects["estimate"], rtol=0, atol=1e-10)
    est_sc, _ = placebo_fits("sc", Yw.to_numpy(), Yw.columns.to_numpy(), 2013, [2])
    r = sc(rest, outcome="y", unit="area", time="year", treated=Yw.index[2], start=2013,
           inference=None)
    assert abs(est_sc[0] - r.estimate) <= 1e-10


def test_fw_exact_many_equals_single_solves():
    rng = np.random.default_rng(3)
    H, c, x0, res = [], [], [], []
    for r in range(5):
        A = rng.normal(size=(12, 6))
        b = rng.normal(size=12)
        G = (A.T @ A)[None]
        Hr, cr, nr = core._single_form(G, (A.T @ b)[None], 12, 0.1 * (r + 1))
        H.append(Hr)
        c.append(cr)
        x0.append(np.full(6, 1 / 6))
        w, t = core._fw_single(Hr, cr, 0.0, nr, np.full(6, 1 / 6), (1e-4 * (r + 1)) ** 2,
                               10_000, 500)
        res.append((w, t))
    W, it = core.fw_exact_many(H, c, [12.0] * 5, [(1e-4 * (r + 1)) ** 2 for r in range(5)],
                               np.array(x0), 10_000)
    for r in range(5):
        np.testing.assert_allclose(W[r], res[r][0], rtol=0, atol=1e-12)
        assert it[r] == res[r][1]


def test_placebo_fits_falls_back_when_a_placebo_cannot_be_fitted():
    Y = np.ones((4, 8))  # no variation before the start: SC / SDID cannot be fitted
    assert placebo_fits("sdid", Y, np.arange(8), 5) is None
    assert placebo_fits("sdid", np.zeros((2, 8)), np.arange(8), 5) is None  # one comparison
