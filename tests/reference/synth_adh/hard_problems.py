"""Hard nested-V synthetic-control problems (issue 14) and an independent brute-force check.

Six seeded panels built so that the outer search over predictor weights V has several local
minima: predictors on very different scales, near-collinear predictors, many predictors,
few donors, special predictors (window means and medians), a treated unit near the edge of
the donors' hull. ``PROBLEMS[name]()`` returns ``(data, spec)`` for
``wsa_eval.synth.synthetic_control(data, **spec)``.

:func:`brute_force` is independent of the library's solvers: the inner simplex
least-squares problem is solved by ``scipy.optimize.nnls`` (Lawson-Hanson, with a heavily
weighted row for ``sum(w) = 1``); V is searched over the same space as the library's
(every weight at least exp(-12) of the largest) by 4,000 random draws (flat and sparse
Dirichlet, log-uniform), the best 10 polished by scipy's Nelder-Mead.

Run from the repository root to refresh ``hard_problems.json`` (best pre-period MSPE from
the library's 200-start search and from the brute force, per problem; several minutes)::

    python tests/reference/synth_adh/hard_problems.py
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize, nnls

HERE = Path(__file__).resolve().parent


def _factor_panel(seed: int, J: int, T: int, n_cov: int, scales=None, collinear=False,
                  edge=False):
    rng = np.random.default_rng(seed)
    n = J + 1
    F = np.cumsum(rng.normal(size=(T, 3)), axis=0)
    L = rng.uniform(0.2, 1.5, size=(n, 3))
    a = rng.normal(20, 3, size=n)
    if edge:  # the treated unit's level near the top of the donors'
        a[0] = np.sort(a[1:])[-2] + 0.5
    Y = a[:, None] + L @ F.T + 0.8 * rng.normal(size=(n, T))
    covs = {}
    scales = scales or [1.0] * n_cov
    for k in range(n_cov):
        base = L @ rng.normal(size=3) + rng.normal(scale=0.7, size=n)
        if collinear and k == 1:
            base = covs["x0"][:, 0] / scales[0] + 0.02 * rng.normal(size=n)
        drift = rng.normal(scale=0.2, size=T).cumsum()
        covs[f"x{k}"] = scales[k] * (base[:, None] + drift[None, :]
                                     + 0.3 * rng.normal(size=(n, T)))
    units = np.repeat([f"u{i:02d}" for i in range(n)], T)
    years = np.tile(np.arange(1990, 1990 + T), n)
    df = pd.DataFrame({"unit": units, "year": years, "y": Y.ravel()})
    for k, v in covs.items():
        df[k] = v.ravel()
    return df


def scales():
    df = _factor_panel(11, J=30, T=26, n_cov=3, scales=[1e4, 1.0, 1e-3])
    return df, dict(outcome="y", unit="unit", time="year", treated="u00", start=2010,
                    predictors=["x0", "x1", "x2"], predictor_periods=range(2000, 2010),
                    special_predictors=[("y", [1995]), ("y", [2003]), ("y", [2009])])


def collinear():
    df = _factor_panel(12, J=25, T=24, n_cov=3, collinear=True)
    return df, dict(outcome="y", unit="unit", time="year", treated="u00", start=2008,
                    predictors=["x0", "x1", "x2"], predictor_periods=range(1998, 2008),
                    special_predictors=[("y", range(1990, 1996)), ("y", range(1996, 2002)),
                                        ("y", range(2002, 2008)), ("y", [2007])])


def many():
    df = _factor_panel(13, J=25, T=24, n_cov=6)
    return df, dict(outcome="y", unit="unit", time="year", treated="u00", start=2008,
                    predictors=[f"x{k}" for k in range(6)],
                    predictor_periods=range(2000, 2008),
                    special_predictors=[("y", [t]) for t in (1991, 1994, 1997, 2000, 2003,
                                                             2006)])


def few_donors():
    df = _factor_panel(14, J=8, T=20, n_cov=3)
    return df, dict(outcome="y", unit="unit", time="year", treated="u00", start=2004,
                    predictors=["x0", "x1", "x2"], predictor_periods=range(1998, 2004),
                    special_predictors=[("y", [1995]), ("y", [2003])])


def special():
    df = _factor_panel(15, J=40, T=28, n_cov=2, scales=[100.0, 0.1])
    df.loc[(df["year"] % 3 != 0), "x1"] = np.nan  # observed every third year only
    return df, dict(outcome="y", unit="unit", time="year", treated="u00", start=2012,
                    predictors={"x0": range(2004, 2012), "x1": range(1990, 2012)},
                    special_predictors=[("y", range(1990, 1997), "median"),
                                        ("y", range(1997, 2004), "median"),
                                        ("y", range(2004, 2012), "mean"), ("y", [2011]),
                                        ("x0", [1995]), ("y", [1990])])


def edge():
    df = _factor_panel(16, J=20, T=22, n_cov=2, edge=True)
    return df, dict(outcome="y", unit="unit", time="year", treated="u00", start=2006,
                    predictors=["x0", "x1"], predictor_periods=range(1998, 2006),
                    special_predictors=[("y", [1992]), ("y", [1999]), ("y", [2005])])


PROBLEMS = {"scales": scales, "collinear": collinear, "many": many,
            "few_donors": few_donors, "special": special, "edge": edge}


# ------------------------------------------------------------------------------------------
# an independent check of the outer optimum
# ------------------------------------------------------------------------------------------
def design(data, spec):
    """Standardised predictors and fitting-period outcomes, from the library's own problem
    set-up (the check is of the search, not of the predictor arithmetic)."""
    from wsa_eval.synth import synthetic_control
    from wsa_eval.synth.adh import _design

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prob = synthetic_control(data, **spec, v="inverse_variance").problem
    d = _design(prob, prob.treated, prob.donors, list(prob.predictors),
                list(prob.fit_periods), main=True)
    return d.X1s, d.X0s, d.z1, d.Z0


def inner_nnls(X1, X0, v):
    s = np.sqrt(v)
    A, b = X0 * s[:, None], X1 * s
    M = 1e3 * max(1.0, float(np.abs(A).max()))
    w, _ = nnls(np.vstack([A, M * np.ones(A.shape[1])]), np.append(b, M),
                maxiter=100 * A.shape[1])
    return w / w.sum()


def mspe_at(X1, X0, z1, Z0, v):
    e = z1 - Z0 @ inner_nnls(X1, X0, v)
    return float(e @ e) / len(z1)


#: the library's V space: every predictor weight at least exp(-12) of the largest
RATIO = np.exp(-12.0)


def _v_of(q: np.ndarray) -> np.ndarray:
    """A point of the library's V space from unconstrained ``q`` (log weights, clipped)."""
    t = q - q.max()
    v = np.exp(np.maximum(t, np.log(RATIO)))
    return v / v.sum()


def brute_force(X1, X0, z1, Z0, n: int = 4000, top: int = 10, seed: int = 1) -> float:
    """Best pre-period MSPE over the library's V space by random search and Nelder-Mead.

    The same space as the library's search (every predictor weight at least exp(-12) of
    the largest): without that floor the nested problem degenerates (weights of 1e-12 of
    the largest break ties among near-exact fits of the other predictors, and the fit
    keeps improving as they shrink), so the two could not be compared."""
    rng = np.random.default_rng(seed)
    K = len(X1)
    cands = []
    for i in range(n):
        q = (np.log(rng.dirichlet(np.ones(K))) if i % 3 == 0 else
             rng.uniform(-12, 0, K) if i % 3 == 1 else
             np.log(np.maximum(rng.dirichlet(0.2 * np.ones(K)), 1e-300)))
        cands.append((mspe_at(X1, X0, z1, Z0, _v_of(q)), q))
    cands.sort(key=lambda c: c[0])
    best = cands[0][0]

    def f(q):
        return mspe_at(X1, X0, z1, Z0, _v_of(q))

    for _, q0 in cands[:top]:
        q0 = np.maximum(q0 - q0.max(), -12.0)
        r = minimize(f, q0, method="Nelder-Mead",
                     options=dict(maxiter=2000, xatol=1e-8, fatol=1e-14, adaptive=True))
        best = min(best, float(r.fun))
    return best


def main() -> None:
    from wsa_eval.synth import synthetic_control

    out = {"source": "tests/reference/synth_adh/hard_problems.py (brute force: scipy nnls "
                     "inner solver, 4,000 random V + Nelder-Mead polish of the best 10; "
                     "multistart: wsa_eval's nested_v with n_starts=200)", "problems": {}}
    for name, make in PROBLEMS.items():
        data, spec = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r200 = synthetic_control(data, **spec, n_starts=200, random_state=1)
        X1, X0, z1, Z0 = design(data, spec)
        bf = brute_force(X1, X0, z1, Z0)
        out["problems"][name] = {"K": int(len(X1)), "J": int(X0.shape[1]),
                                 "mspe_200_starts": r200.diagnostics["fit_mspe"],
                                 "mspe_brute_force": bf}
        print(name, out["problems"][name], file=sys.stderr)
    (HERE / "hard_problems.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
