"""The Cox core's risk-set bookkeeping against brute force (every code path of RiskSets).

SOURCE: direct sums over the risk sets ``R_b = {i: start_i < t_b <= stop_i, same stratum}``
written out row by row. TOLERANCE: 1e-12 relative (only the summation order differs).
"""

from __future__ import annotations

import numpy as np
import pytest

from wsa_eval.survival._cox_core import RiskSets


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
    # strata or delayed entry: rows enter the risk set after block 0 (the lo totals)
    assert rs.has_lo == (case != "plain" and case != "fractional")
    X = rng.normal(size=(n, 2))
    v = np.exp(X @ [0.3, -0.2])
    S0, S1, D0, keys = _brute(stop, event, start, strata, v, X)
    Xf = np.asfortranarray(X)
    s0, d0 = rs.risk_and_death_sums(v)
    s1, _ = rs.risk_and_death_sums(v, Xf)
    assert rs.K == len(keys)
    np.testing.assert_allclose(rs.block_time, [t for _, t in keys])
    np.testing.assert_allclose(s0, S0, rtol=1e-12)
    np.testing.assert_allclose(s1, S1, rtol=1e-12)
    np.testing.assert_allclose(d0, D0, rtol=1e-12)
    # unit weights (v None) count the rows
    c0, cd = rs.risk_and_death_sums(None)
    np.testing.assert_allclose(c0, _brute(stop, event, start, strata, np.ones(n), X)[0])
    np.testing.assert_array_equal(cd, rs.d)
    # the death slots list each block's tied deaths; deaths_block names each death's block
    np.testing.assert_array_equal(rs.deaths, np.flatnonzero(event))
    np.testing.assert_array_equal(np.bincount(rs.slot_block, minlength=rs.K), rs.d)
    np.testing.assert_array_equal(np.bincount(rs.deaths_block(), minlength=rs.K), rs.d)
    s = np.zeros(n, dtype=int) if strata is None else strata
    np.testing.assert_allclose(rs.block_time[rs.deaths_block()], stop[event])
    np.testing.assert_array_equal(rs.block_stratum[rs.deaths_block()], s[event])
    # at_risk_blocks: number of blocks each row is at risk for
    cnt = rs.at_risk_blocks(np.ones(rs.K))
    st = np.full(n, -np.inf) if start is None else start
    brute = np.array([sum((s[i] == k) and (st[i] < t <= stop[i]) for k, t in keys)
                      for i in range(n)])
    np.testing.assert_array_equal(cnt, brute)
    # death_block: the value of the block a row dies in, 0 for censored rows
    g = np.arange(1.0, rs.K + 1)
    db = rs.death_block(g)
    np.testing.assert_array_equal(db[~event], 0)
    np.testing.assert_array_equal(db[event], g[rs.deaths_block()])


def test_hash_columns_equals_hash_frame_of_the_columns():
    import pandas as pd

    from wsa_eval._utils import hash_frame
    from wsa_eval.survival._check import hash_columns, hash_in_background

    d = pd.DataFrame({"a": [1.0, 2, 3], "b": [1, 0, 1], "c": ["x", "y", "z"],
                      "d": [True, False, True]})
    for cols in (["a", "b"], ["b", "a", "d"], ["a", "c"]):
        assert hash_columns(d, cols) == hash_frame(d[cols])
        assert hash_in_background(d, cols)() == hash_frame(d[cols])
