"""Harrell's C (survival._concordance) against a direct count over all pairs.

SOURCE: the definition in R's concordance() (survival 3.5-3; Therneau & Atkinson, "The
concordance statistic" vignette): event i and person j of the same stratum are comparable
when t_j > t_i, or t_j == t_i and j is censored; weights w_i w_j; tied scores count 1/2.
The R values on Rossi are checked in test_cox_reference.py. TOLERANCE 1e-12 relative.
"""

from __future__ import annotations

import numpy as np
import pytest

from wsa_eval.survival._concordance import concordance, weight_below


def _brute(time, event, score, w, strata):
    conc = disc = tied = 0.0
    for i in np.flatnonzero(event):
        for j in range(len(time)):
            if strata[j] != strata[i] or j == i:
                continue
            if time[j] > time[i] or (time[j] == time[i] and not event[j]):
                ww = w[i] * w[j]
                if score[i] > score[j]:
                    conc += ww
                elif score[i] < score[j]:
                    disc += ww
                else:
                    tied += ww
    return (conc + tied / 2) / (conc + disc + tied)


@pytest.mark.parametrize("seed", range(6))
def test_concordance_equals_pair_count(seed):
    rng = np.random.default_rng(seed)
    n = 120
    time = rng.integers(1, 25, n).astype(float)  # many tied times
    event = rng.random(n) < 0.6
    score = np.round(rng.normal(size=n), 1)  # tied scores
    w = rng.uniform(0.5, 2, n) if seed % 2 else np.ones(n)
    strata = rng.integers(0, 3, n) if seed >= 3 else np.zeros(n, dtype=int)
    got = concordance(time, event, score, w, strata if seed >= 3 else None)
    assert got == pytest.approx(_brute(time, event, score, w, strata), rel=1e-12)


def test_weight_below_equals_direct_sums():
    rng = np.random.default_rng(7)
    vals = rng.integers(0, 37, 300)
    w = rng.uniform(size=300)
    s = rng.integers(0, 300, 200)
    e = np.minimum(s + rng.integers(0, 120, 200), 300)
    b = rng.integers(0, 40, 200)
    got = weight_below(vals, w, s, e, b)
    want = [w[a:c][vals[a:c] < bb].sum() for a, c, bb in zip(s, e, b)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
