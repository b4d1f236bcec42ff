"""Least squares on the probability simplex.

Solves ``min_w ||A w - b||^2`` subject to ``w >= 0`` and ``sum(w) = 1``, the inner problem of
synthetic control (with ``A = V^{1/2} X_0`` and ``b = V^{1/2} x_1``). A primal active-set
method in the spirit of Lawson & Hanson (1974, ch. 23): start at the best single donor, add
the donor whose reduced gradient most violates the KKT conditions, solve the equality-
constrained problem on the free set, and step back to the boundary when a weight would turn
negative. It is exact (to rounding) and fast for tens to a few thousand donors, and returns
a sparse solution, as synthetic-control weights typically are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgesv as _dgesv

__all__ = ["SimplexLSResult", "simplex_ls", "kkt_solve"]


@dataclass(frozen=True)
class SimplexLSResult:
    w: np.ndarray
    loss: float  #: ||A w - b||^2
    iterations: int
    converged: bool
    kkt_gap: float  #: max violation of the KKT conditions at the solution


def _kkt_solve(Gf: np.ndarray, cf: np.ndarray) -> np.ndarray | None:
    """Solve [Gf 1; 1' 0][w; mu] = [cf; 1]; None when singular. Returns (w, mu) stacked."""
    k = cf.size
    K = np.empty((k + 1, k + 1))
    K[:k, :k] = Gf
    K[:k, k] = 1.0
    K[k, :k] = 1.0
    K[k, k] = 0.0
    rhs = np.empty(k + 1)
    rhs[:k] = cf
    rhs[k] = 1.0
    _, _, sol, info = _dgesv(K, rhs)
    if info != 0 or not np.isfinite(sol).all():
        return None
    return sol


def _solve_free(G: np.ndarray, c: np.ndarray, free: np.ndarray, ridge: float) -> np.ndarray:
    """Minimise 0.5 w'Gw - c'w on the free set subject to sum(w) = 1 (KKT system)."""
    k = free.size
    if k == 1:
        return np.ones(1)
    Gf = G.take(free, 0).take(free, 1)
    if ridge:
        Gf.flat[:: k + 1] += ridge
    sol = _kkt_solve(Gf, c.take(free))
    if sol is None:
        K = np.zeros((k + 1, k + 1))
        K[:k, :k] = Gf
        K[:k, k] = K[k, :k] = 1.0
        rhs = np.append(c.take(free), 1.0)
        sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
    return sol[:k]


def simplex_ls(
    A: np.ndarray | None = None,
    b: np.ndarray | None = None,
    *,
    G: np.ndarray | None = None,
    c: np.ndarray | None = None,
    const: float = 0.0,
    tol: float = 1e-10,
    max_iter: int | None = None,
    support: np.ndarray | None = None,
    w0: np.ndarray | None = None,
) -> SimplexLSResult:
    """Minimise ``||A w - b||^2`` over the simplex.

    Either give ``A`` (m x n) and ``b`` (m,), or the Gram form ``G = A'A`` (n x n),
    ``c = A'b`` and ``const = b'b`` (cheaper when the same donors are refitted many times).
    Warm starts (the answer does not depend on them, up to rounding): ``w0``, any feasible
    point (e.g. the solution of a previous, similar problem), or ``support``, donor indices
    used only when the optimum on that set is feasible.

    Returns the weights, the loss, and a KKT gap (0 at an exact optimum).
    """
    if G is None:
        A = np.asarray(A, dtype=float)
        b = np.asarray(b, dtype=float)
        G = A.T @ A
        c = A.T @ b
        const = float(b @ b)
    else:
        G = np.asarray(G, dtype=float)
        c = np.asarray(c, dtype=float)
    n = G.shape[0]
    diag = np.diag(G)
    scale = max(float(np.max(np.abs(diag))), 1e-300)
    ridge = 1e-14 * scale
    max_iter = max_iter or 10 * n + 50
    w = np.zeros(n)
    free = np.zeros(n, dtype=bool)
    started = need_inner = False
    if w0 is not None:
        x = np.clip(np.asarray(w0, dtype=float), 0.0, None)
        if x.shape == (n,) and np.isfinite(x).all() and x.sum() > 0:
            w = x / x.sum()
            free = w > 0
            started = need_inner = True
    if not started and support is not None and len(support) > 0:
        s0 = np.unique(np.asarray(support, dtype=int))
        z0 = _solve_free(G, c, s0, ridge)
        if (z0 > 0).all():
            w[s0] = z0
            free[s0] = True
            started = True
    if not started:
        # best single vertex: loss_j = G_jj - 2 c_j + const
        j0 = int(np.argmin(diag - 2 * c))
        w[j0] = 1.0
        free[j0] = True
    it = 0
    converged = False
    j = int(np.flatnonzero(free)[0])
    while it < max_iter:
        it += 1
        if need_inner:
            # move towards the free-set optimum, dropping weights that hit zero
            for _ in range(n + 1):
                idx = np.flatnonzero(free)
                z = _solve_free(G, c, idx, ridge)
                if (z > 0).all():
                    w[:] = 0.0
                    w[idx] = z
                    break
                wf = w.take(idx)
                neg = z <= 0
                with np.errstate(divide="ignore", invalid="ignore"):
                    steps = np.where(neg, wf / (wf - z), np.inf)
                alpha = min(max(float(steps.min()), 0.0), 1.0)
                wf = wf + alpha * (z - wf)
                w[:] = 0.0
                w[idx] = wf
                hit = (wf <= 1e-15) & neg
                drop = idx[hit] if hit.any() else idx[[np.argmin(steps)]]
                free[drop] = False
                w[drop] = 0.0
                if not free.any():  # cannot happen for a feasible start; guard anyway
                    w[j] = 1.0
                    free[j] = True
                    break
            np.clip(w, 0.0, None, out=w)
            s = w.sum()
            if s > 0:
                w /= s
            else:  # pragma: no cover - guard
                w[:] = 1.0 / n
                free[:] = True
        idx = np.flatnonzero(free)
        grad = G.take(idx, 1) @ w.take(idx) - c  # half the gradient of the loss
        lam = -float(grad.take(idx).mean())
        reduced = grad + lam  # >= 0 on the fixed set at the optimum
        reduced[idx] = np.inf
        j = int(np.argmin(reduced))
        if reduced[j] >= -tol * scale:
            converged = True
            break
        free[j] = True
        need_inner = True
    grad = G @ w - c
    pos = w > 0
    lam = -np.mean(grad[pos]) if np.any(pos) else 0.0
    red = grad + lam
    gap = float(max(np.max(np.abs(red[pos])) if np.any(pos) else 0.0,
                    -np.min(red[~pos]) if np.any(~pos) else 0.0, 0.0) / scale)
    loss = float(w @ G @ w - 2 * c @ w + const)
    return SimplexLSResult(w=w, loss=max(loss, 0.0), iterations=it, converged=converged,
                           kkt_gap=gap)


def kkt_solve(Gf: np.ndarray, cf: np.ndarray) -> np.ndarray | None:
    """Weights and multiplier of ``min 0.5 w'Gf w - cf'w`` s.t. ``sum(w) = 1`` (no sign
    constraint): the stacked solution ``(w, mu)``, or None when the system is singular."""
    return _kkt_solve(np.asarray(Gf, dtype=float), np.asarray(cf, dtype=float))
