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

__all__ = ["SimplexLSResult", "simplex_ls"]


@dataclass(frozen=True)
class SimplexLSResult:
    w: np.ndarray
    loss: float  #: ||A w - b||^2
    iterations: int
    converged: bool
    kkt_gap: float  #: max violation of the KKT conditions at the solution


def _solve_free(G: np.ndarray, c: np.ndarray, free: np.ndarray, ridge: float) -> np.ndarray:
    """Minimise 0.5 w'Gw - c'w on the free set subject to sum(w) = 1 (KKT system)."""
    k = free.size
    if k == 1:
        return np.ones(1)
    Gf = G[np.ix_(free, free)]
    K = np.empty((k + 1, k + 1))
    K[:k, :k] = Gf
    if ridge:
        K[:k, :k] += ridge * np.eye(k)
    K[:k, k] = 1.0
    K[k, :k] = 1.0
    K[k, k] = 0.0
    rhs = np.empty(k + 1)
    rhs[:k] = c[free]
    rhs[k] = 1.0
    try:
        sol = np.linalg.solve(K, rhs)
        if not np.all(np.isfinite(sol)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
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
) -> SimplexLSResult:
    """Minimise ``||A w - b||^2`` over the simplex.

    Either give ``A`` (m x n) and ``b`` (m,), or the Gram form ``G = A'A`` (n x n),
    ``c = A'b`` and ``const = b'b`` (cheaper when the same donors are refitted many times).

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
    scale = max(float(np.max(np.abs(np.diag(G)))), 1e-300)
    ridge = 1e-14 * scale
    max_iter = max_iter or 10 * n + 50
    diag = np.diag(G)
    # best single vertex: loss_j = G_jj - 2 c_j + const
    j0 = int(np.argmin(diag - 2 * c))
    w = np.zeros(n)
    w[j0] = 1.0
    free = np.zeros(n, dtype=bool)
    free[j0] = True
    it = 0
    converged = False
    while it < max_iter:
        it += 1
        grad = G @ w - c  # half the gradient of the loss
        lam = -np.mean(grad[free])
        reduced = grad + lam  # >= 0 on the fixed set at the optimum
        cand = np.where(~free, reduced, np.inf)
        j = int(np.argmin(cand))
        if cand[j] >= -tol * scale:
            converged = True
            break
        free[j] = True
        # inner loop: move towards the free-set optimum, dropping weights that hit zero
        for _ in range(n + 1):
            idx = np.flatnonzero(free)
            z = _solve_free(G, c, idx, ridge)
            if np.all(z > 0):
                w = np.zeros(n)
                w[idx] = z
                break
            wf = w[idx]
            neg = z <= 0
            with np.errstate(divide="ignore", invalid="ignore"):
                steps = np.where(neg, wf / (wf - z), np.inf)
            alpha = float(np.min(steps))
            alpha = min(max(alpha, 0.0), 1.0)
            wf = wf + alpha * (z - wf)
            w = np.zeros(n)
            w[idx] = wf
            hit = (wf <= 1e-15) & neg
            drop = idx[hit] if np.any(hit) else idx[[np.argmin(steps)]]
            free[drop] = False
            w[drop] = 0.0
            if not free.any():  # cannot happen for a feasible start; guard anyway
                w[j] = 1.0
                free[j] = True
                break
        w = np.clip(w, 0.0, None)
        s = w.sum()
        w = w / s if s > 0 else np.full(n, 1.0 / n)
    grad = G @ w - c
    lam = -np.mean(grad[w > 0]) if np.any(w > 0) else 0.0
    red = grad + lam
    gap = float(max(np.max(np.abs(red[w > 0])) if np.any(w > 0) else 0.0,
                    -np.min(red[w <= 0]) if np.any(w <= 0) else 0.0, 0.0) / scale)
    loss = float(w @ G @ w - 2 * c @ w + const)
    return SimplexLSResult(w=w, loss=max(loss, 0.0), iterations=it, converged=converged,
                           kkt_gap=gap)
