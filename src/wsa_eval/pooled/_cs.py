"""Callaway & Sant'Anna (2021) as a linear map of the outcomes, for randomization inference.

With never-treated comparison units, no covariates and a balanced panel, every group-time
effect is a difference of means of outcome changes,

    ATT(g, t) = mean_{i in g} (Y_it - Y_ib) - mean_{i never treated} (Y_it - Y_ib),

with base period ``b = g - 1`` after the start and ``b = t - 1`` before it (R did's
"varying" base period), and the simple and event-time aggregations are averages of them
weighted by cohort size (R did's ``aggte``). So each reported effect is ``sum_i a_{g(i)}'
Y_i``: a row vector ``a_g`` per first-treated period ``g`` (and one for never treated) that
depends only on the cohort sizes. Reassigning first-treated periods across areas keeps the
cohort sizes, so the rows are fixed and the effect of any reassignment is a sum of entries
of ``M = A Y'`` -- thousands of reassignments cost a gather, not a refit. The estimates
equal :func:`wsa_eval.did.callaway_santanna` (tested to 1e-10).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["LinearCS", "linear_cs", "estimates", "permuted_codes", "invert"]


@dataclass(frozen=True)
class LinearCS:
    """The rows ``A`` (terms x (cohorts + 1) x periods) and the terms they define."""

    terms: tuple  # "overall", then event times (ints)
    cohorts: np.ndarray  # first-treated periods (sorted); code len(cohorts) = never treated
    A: np.ndarray
    post: np.ndarray  # (terms,) True for the overall effect and event times >= 0


def linear_cs(times: np.ndarray, codes: np.ndarray, cohorts: np.ndarray,
              overall_only: bool = False) -> LinearCS:
    """Rows for ``codes`` (per unit: index into ``cohorts``, ``len(cohorts)`` = never);
    ``overall_only``: the simple aggregation alone."""
    times = np.asarray(times, dtype=float)
    T, S = len(times), len(cohorts)
    idx = np.searchsorted(times, cohorts)  # position of each cohort's first treated period
    n_g = np.bincount(codes, minlength=S + 1).astype(float)
    n_c = n_g[S]
    e_min = int(min(1 - idx)) if S else 0
    e_max = int(max(T - 1 - idx)) if S else 0
    events = [e for e in range(e_min, e_max + 1)]
    rows = []
    terms: list = ["overall"]

    def term_rows(cells: list[tuple[int, int, int]]) -> np.ndarray | None:
        """cells: (cohort k, period index t, base index b); weights by cohort size."""
        if not cells:
            return None
        w_tot = sum(n_g[k] for k, _, _ in cells)
        a = np.zeros((S + 1, T))
        for k, t, b in cells:
            d = np.zeros(T)
            d[t] += 1.0
            d[b] -= 1.0
            a[k] += d * (n_g[k] / w_tot) / n_g[k]
            a[S] -= d * (n_g[k] / w_tot) / n_c
        return a

    rows.append(term_rows([(k, t, idx[k] - 1) for k in range(S) for t in range(idx[k], T)]))
    post = [True]
    for e in ([] if overall_only else events):
        if e >= 0:
            cells = [(k, idx[k] + e, idx[k] - 1) for k in range(S) if idx[k] + e < T]
        else:
            cells = [(k, idx[k] + e, idx[k] + e - 1) for k in range(S) if idx[k] + e - 1 >= 0]
        r = term_rows(cells)
        if r is not None:
            rows.append(r)
            terms.append(e)
            post.append(e >= 0)
    return LinearCS(terms=tuple(terms), cohorts=np.asarray(cohorts, float),
                    A=np.stack(rows), post=np.asarray(post))


def estimates(lin: LinearCS, Y: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Every term for the assignment ``codes`` (N,) or each row of ``codes`` (R, N)."""
    M = lin.A @ np.asarray(Y, float).T  # (terms, S+1, N)
    c = np.atleast_2d(codes)
    out = M[:, c, np.arange(c.shape[1])].sum(axis=-1)  # (terms, R)
    return out[:, 0] if np.ndim(codes) == 1 else out


def permuted_codes(codes: np.ndarray, reps: int, rng: np.random.Generator,
                   strata: np.ndarray | None = None) -> np.ndarray:
    """``reps`` reassignments of the first-treated codes across units (within strata)."""
    codes = np.asarray(codes)
    out = np.empty((reps, len(codes)), dtype=codes.dtype)
    if strata is None:
        for r in range(reps):
            out[r] = rng.permutation(codes)
        return out
    groups = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    for r in range(reps):
        row = codes.copy()
        for g in groups:
            row[g] = codes[g][rng.permutation(len(g))]
        out[r] = row
    return out


def p_values(obs: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """Two-sided randomization p-values ``(1 + #{|T*| >= |T|}) / (R + 1)`` per term."""
    n_ge = np.sum(np.abs(perm) >= np.abs(obs)[:, None] * (1 - 1e-12), axis=1)
    return (1 + n_ge) / (perm.shape[1] + 1)


def invert(a_obs: float, b_obs: float, a_perm: np.ndarray, b_perm: np.ndarray, alpha: float,
           width: float, n_grid: int = 1601) -> tuple[float, float]:
    """Confidence set of a constant effect ``delta`` by inverting the randomization test.

    Under ``H0: effect = delta`` the untreated outcomes are ``Y - delta * D`` (``D`` the
    observed treatment), so the statistic of a reassignment is ``a - delta * b`` with ``a``
    its estimate on ``Y`` and ``b`` on ``D`` (linearity). Returns the smallest and largest
    ``delta`` on a grid of ``n_grid`` points over ``a_obs +- width`` not rejected at ``alpha``
    (the set is reported by its hull; NaN if every grid point is rejected).
    """
    grid = np.linspace(a_obs - width, a_obs + width, n_grid)
    stat_obs = np.abs(a_obs - grid * b_obs)  # (G,)
    stat = np.abs(a_perm[None, :] - grid[:, None] * b_perm[None, :])  # (G, R)
    p = (1 + np.sum(stat >= stat_obs[:, None] * (1 - 1e-12), axis=1)) / (len(a_perm) + 1)
    ok = p > alpha * (1 + 1e-9)
    if not ok.any():
        return math.nan, math.nan
    return float(grid[ok].min()), float(grid[ok].max())
