"""The Cox core's risk-set bookkeeping against brute force (every code path of RiskSets).

SOURCE: direct sums over the risk sets ``R_b = {i: start_i < t_b <= stop_i, same stratum}``
written out row by row. TOLERANCE: 1e-12 relative (only the summation order differs).
"""

from __future__ import annotations

import numpy as np
import pytest

from wsa_eval.survival._cox_core import RiskSets, _stable_order


@pytest.mark.parametrize("top", [10, 70_000])
def test_stable_order_is_a_stable_argsort(top):
    rng = np.random.default_rng(top)
    key = rng.integers(0, top, 5000)
    np.testing.assert_array_equal(_stable_order(key, top), np.argsort(key, kind="stable"))


def _brute(stop, event, start, strata, v, X):
    s = np.zeros(len(stop), dtype=int) if strata is None else strata
    st = np.full(len(stop), -np.inf) if start is None else start
    keys = sorted({(s[i], stop[i]) for i in np.flatnonzero(event)})
    S0, S1, D0 = [], [], []
    for (k, t) in keys:
        risk = (s == k) & (st < t) & (stop >= t)
        dead = (s == k) & (stop == t) & event
        S0.append(v[risk].sum())
        S1.append((v[risk, None] * X[risk]).sum(axis=0))
        D0.append(v[dead].sum())
    return np.array(S0), np.array(S1), np.array(D0), keys


@pytest.mark.parametrize("case", ["plain", "strata", "entry", "strata_entry", "fractional"])
def test_risk_sums_match_brute_force(case):
    rng = np.random.default_rng(11)
    n = 400
    stop = rng.integers(1, 30, n).astype(float)
    if case == "fractional":
        stop = stop + rng.choice([0.0, 0.25, 0.5], n)  # not whole numbers: hashing path
    event = rng.random(n) < 0.5
    start = None
    strata = None
    if "strata" in case:
        strata = rng.integers(0, 3, n)
    if "entry" in case:
        start = np.floor(stop * rng.uniform(0, 0.8, n))
    rs = RiskSets(stop, event, start, strata)
    # strata alone: entry blocks are monotone in the sorted rows (contiguous sums);
    # delayed entry: the bincount fallback
    assert rs.has_lo == (case != "plain" and case != "fractional")
    if case == "strata":
        assert rs._lo_ids is not None
    if "entry" in case:
        assert rs._lo_ids is None
    X = rng.normal(size=(n, 2))
    v = np.exp(X @ [0.3, -0.2])
    S0, S1, D0, keys = _brute(stop, event, start, strata, v, X)
    o = rs.order
    Xs = np.asfortranarray(X[o])
    s0, d0 = rs.risk_and_death_sums(v[o])
    s1, _ = rs.risk_and_death_sums(v[o], Xs)
    assert rs.K == len(keys)
    np.testing.assert_allclose(rs.block_time, [t for _, t in keys])
    np.testing.assert_allclose(s0, S0, rtol=1e-12)
    np.testing.assert_allclose(s1, S1, rtol=1e-12)
    np.testing.assert_allclose(d0, D0, rtol=1e-12)
    # the tied deaths of each block, listed block by block, are its event rows
    dead_rows = np.sort(o[rs.deaths])
    np.testing.assert_array_equal(dead_rows, np.flatnonzero(event))
    np.testing.assert_array_equal(np.bincount(rs.dblock, minlength=rs.K), rs.d)
    # at_risk_blocks: number of blocks each row is at risk for
    cnt = rs.at_risk_blocks(np.ones(rs.K))
    s = np.zeros(n, dtype=int) if strata is None else strata
    st = np.full(n, -np.inf) if start is None else start
    brute = np.array([sum((s[i] == k) and (st[i] < t <= stop[i]) for k, t in keys)
                      for i in range(n)])
    np.testing.assert_array_equal(cnt, brute[o])
    # X rows permuted by scattering equal the gathered rows
    np.testing.assert_array_equal(rs.permute(X), X[o])
