"""The faster nested-V search does what the previous one did.

* ``_qp._nelder_mead`` is scipy's adaptive Nelder-Mead iteration without its bookkeeping:
  same points, same result (tolerance: exact equality, the arithmetic is the same).
* The search stops once the pre-period fit reaches the outcome-only lower bound (the best
  MSPE of any convex combination of donors), which no predictor weighting can beat.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from wsa_eval.synth import _qp, _vsearch


def _rosen(p):
    return float(np.sum(100.0 * (p[1:] - p[:-1] ** 2) ** 2 + (1 - p[:-1]) ** 2))


def test_nelder_mead_replicates_scipy_adaptive_iteration():
    for K, it, xtol in ((3, 60, 1e-4), (5, 300, 1e-7)):
        p0 = np.linspace(-0.5, 0.7, K)
        sim = np.vstack([p0, p0 + 0.3 * np.eye(K)])
        ref = minimize(_rosen, p0, method="Nelder-Mead",
                       options={"maxiter": it, "xatol": xtol, "fatol": 1e-12,
                                "initial_simplex": sim, "adaptive": True})
        ours = _qp._nelder_mead(_rosen, sim, it, xtol, 1e-12)
        assert ours.fun == ref.fun
        assert np.array_equal(ours.x, ref.x)
        assert ours.nfev == ref.nfev


def test_search_stops_at_the_outcome_only_bound():
    # the treated unit is above every donor in every period and every predictor: the best
    # any weighting can do is the highest donor, which the search reaches and stops at
    rng = np.random.default_rng(2)
    J, T0 = 12, 10
    Z0 = rng.normal(10, 1, size=(T0, J))
    Z0[:, 3] += 5
    z1 = Z0[:, 3] + 3.0
    X0 = np.vstack([Z0[[0, 3, 6, 9]]])
    X1 = X0[:, 3] + 3.0
    sd = np.column_stack([X1, X0]).std(axis=1, ddof=1)
    v, inner, rep = _vsearch.nested_v(X1 / sd, X0 / sd[:, None], z1, Z0, n_starts=5)
    bound, _ = _qp.outcome_only_bound(z1, Z0)
    assert rep["stopped_at_lower_bound"]
    assert rep["best_loss"] <= bound * (1 + 1e-9) + 1e-12
    assert inner.w[3] > 0.99
    assert rep["evaluations"] < 200  # the full search uses thousands here
