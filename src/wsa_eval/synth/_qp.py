"""Least squares on the probability simplex.

Solves ``min_w ||A w - b||^2`` subject to ``w >= 0`` and ``sum(w) = 1``, the inner problem of
synthetic control (with ``A = V^{1/2} X_0`` and ``b = V^{1/2} x_1``). A primal active-set
method in the spirit of Lawson & Hanson (1974, ch. 23): start at the best single donor, add
the donor whose reduced gradient most violates the KKT conditions, solve the equality-
constrained problem on the free set, and step back to the boundary when a weight would turn
negative. It is exact (to rounding) and fast for tens to a few thousand donors, and returns
a sparse solution, as synthetic-control weights typically are.

The second half holds the synthetic-control layer on top: :func:`solve_weights` (donor
weights for given predictor weights V, optionally penalised as in Abadie & L'Hour 2021) and
:func:`wsa_eval.synth._vsearch.nested_v` (V chosen to minimise the pre-period outcome MSPE)
uses the repeated-solve helper :class:`_Inner` and the Nelder-Mead iteration kept here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg.lapack import dgesv as _dgesv

__all__ = ["SimplexLSResult", "simplex_ls", "kkt_solve", "solve_weights",
           "outcome_only_bound"]


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


# ------------------------------------------------------------------------------------------
# synthetic control: the inner QP for given predictor weights V and the nested choice of V
# (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010, 2011; see synth.adh)
# ------------------------------------------------------------------------------------------
def solve_weights(X1: np.ndarray, X0: np.ndarray, v: np.ndarray, penalty: float | None = None,
                  support: np.ndarray | None = None):
    """Donor weights for predictor weights ``v``: ``argmin_W ||X1 - X0 W||_V^2`` (+ penalty).

    ``X1`` is (K,), ``X0`` (K, J), ``v`` (K,) non-negative. Returns a
    :class:`~wsa_eval.synth._qp.SimplexLSResult`.
    """
    Xv = X0 * v[:, None]
    G = X0.T @ Xv
    c = Xv.T @ X1
    const = float(X1 @ (v * X1))
    if penalty:
        d = ((X1[:, None] - X0) ** 2 * v[:, None]).sum(axis=0)
        c = c - 0.5 * penalty * d
    return simplex_ls(G=G, c=c, const=const, support=support)


# the hot loops call these C reductions directly (the ndarray methods and np.* functions go
# through Python wrappers first; the results are identical)
_max, _min, _sum = np.maximum.reduce, np.minimum.reduce, np.add.reduce
_ONES: dict[tuple[int, ...], np.ndarray] = {}


def _ones(shape: tuple[int, ...]) -> np.ndarray:
    t = _ONES.get(shape)
    if t is None:
        t = _ONES[shape] = np.ones(shape)
    return t.copy()


def _ones1(n: int) -> np.ndarray:
    return _ones((n,))


def _ones2(n: int) -> np.ndarray:
    return _ones((n, n))


class _Inner:
    """Fast repeated inner solves for one (X1, X0): KKT on the previous support first."""

    def __init__(self, X1: np.ndarray, X0: np.ndarray, penalty: float | None):
        self.X1, self.X0, self.penalty = X1, X0, penalty
        self.D = (X1[:, None] - X0) ** 2 if penalty else None
        self.S = np.zeros(0, dtype=int)
        self.w = None
        self.evals = 0
        self._sq = X0 ** 2
        self.X0T = np.ascontiguousarray(X0.T)
        self.vX1 = None

    def scale(self, v: np.ndarray) -> float:
        return float(_max(v @ self._sq))

    def solve(self, v: np.ndarray) -> np.ndarray:
        """Primal active set from the previous solution (feasible for any V).

        Called thousands of times per nested-V search, so it is written for few numpy
        calls: on the support ``S`` only the J x k block ``X0' V X0[:, S]`` is formed, and
        the bordered KKT system ``[G_SS 1; 1' 0]`` is solved by LAPACK ``dgesv`` directly.
        """
        self.evals += 1
        X0, X0T = self.X0, self.X0T
        J = X0.shape[1]
        c = X0T @ (v * self.X1)
        if self.D is not None:
            c = c - 0.5 * self.penalty * (v @ self.D)
        if self.w is None:
            G = X0.T @ (X0 * v[:, None])
            w = simplex_ls(G=G, c=c).w
            self.w, self.S = w, np.flatnonzero(w > 0)
            return w
        w = self.w.copy()
        Sa = self.S
        vcol = v[:, None]
        for _ in range(4 * J + 20):
            # optimum on S, stepping back to the boundary when a weight would turn negative
            for _ in range(Sa.size + 1):
                k = Sa.size
                GS = X0T @ (X0[:, Sa] * vcol)  # J x k
                if k > 1:
                    K = _ones2(k + 1)
                    K[:k, :k] = GS[Sa]
                    K[k, k] = 0.0
                    rhs = _ones1(k + 1)
                    rhs[:k] = c[Sa]
                    _, _, sol, info = _dgesv(K, rhs)
                    if info != 0 or not sol @ sol < math.inf:  # singular, or inf / NaN
                        return self._fallback(v, c)
                else:
                    sol = np.array([1.0, c[Sa[0]] - GS[Sa[0], 0]])
                z = sol[:k]
                if _min(z) > 0:
                    w[:] = 0.0
                    w[Sa] = z
                    break
                wf = w[Sa]
                neg = z <= 0
                with np.errstate(divide="ignore", invalid="ignore"):
                    steps = np.where(neg, wf / (wf - z), np.inf)
                i = int(np.argmin(steps))
                alpha = min(max(float(steps[i]), 0.0), 1.0)
                wf = wf + alpha * (z - wf)
                wf[i] = 0.0
                wf[wf < 1e-15] = 0.0
                w[:] = 0.0
                w[Sa] = wf
                Sa = Sa[wf > 0]
                if not Sa.size:
                    return self._fallback(v, c)
            else:
                return self._fallback(v, c)
            red = GS @ z - c
            red += sol[k]
            red[Sa] = np.inf
            j = int(red.argmin())
            if red[j] >= 0 or red[j] >= -1e-10 * self.scale(v):
                self.w, self.S = w, Sa
                return w
            Sa = np.append(Sa, j)
        return self._fallback(v, c)

    def _fallback(self, v: np.ndarray, c: np.ndarray) -> np.ndarray:
        G = self.X0.T @ (self.X0 * v[:, None])
        w = simplex_ls(G=G, c=c).w
        self.w, self.S = w, np.flatnonzero(w > 0)
        return w


class _NMResult:
    __slots__ = ("x", "fun", "nfev")

    def __init__(self, x: np.ndarray, fun: float, nfev: int):
        self.x, self.fun, self.nfev = x, fun, nfev


def _nelder_mead(f: Any, sim: np.ndarray, maxiter: int, xatol: float,
                 fatol: float) -> _NMResult:
    """Adaptive Nelder-Mead (Gao & Han 2012 parameters) from the simplex ``sim`` (N+1, N).

    The iteration of ``scipy.optimize.minimize(method="Nelder-Mead", adaptive=True)``
    without bounds -- the same trial points, computed by the same arithmetic, the same
    stopping rule -- without its per-iteration bookkeeping (result objects, callbacks,
    argument copies), which costs as much as a synthetic-control inner solve.
    """
    sim = np.array(sim, dtype=float)
    N = sim.shape[1]
    dim = float(N)
    rho = 1
    chi = 1 + 2 / dim
    psi = 0.75 - 1 / (2 * dim)
    sigma = 1 - 1 / dim
    fsim = np.full((N + 1,), np.inf, dtype=float)
    for k in range(N + 1):
        fsim[k] = f(sim[k])
    nfev = N + 1
    ind = fsim.argsort()
    sim = sim.take(ind, 0)
    fsim = fsim.take(ind, 0)
    iterations = 1
    while iterations < maxiter:
        # scipy tests the simplex size first; the loss spread (cheaper, and usually the
        # test that fails) first gives the same decision
        if (_max(np.abs(fsim[0] - fsim[1:])) <= fatol
                and _max(np.ravel(np.abs(sim[1:] - sim[0]))) <= xatol):
            break
        xbar = np.add.reduce(sim[:-1], 0) / N
        xr = (1 + rho) * xbar - rho * sim[-1]
        fxr = f(xr)
        nfev += 1
        doshrink = 0
        if fxr < fsim[0]:
            xe = (1 + rho * chi) * xbar - rho * chi * sim[-1]
            fxe = f(xe)
            nfev += 1
            if fxe < fxr:
                sim[-1] = xe
                fsim[-1] = fxe
            else:
                sim[-1] = xr
                fsim[-1] = fxr
        elif fxr < fsim[-2]:
            sim[-1] = xr
            fsim[-1] = fxr
        else:
            if fxr < fsim[-1]:
                xc = (1 + psi * rho) * xbar - psi * rho * sim[-1]
                fxc = f(xc)
                nfev += 1
                if fxc <= fxr:
                    sim[-1] = xc
                    fsim[-1] = fxc
                else:
                    doshrink = 1
            else:
                xcc = (1 - psi) * xbar + psi * sim[-1]
                fxcc = f(xcc)
                nfev += 1
                if fxcc < fsim[-1]:
                    sim[-1] = xcc
                    fsim[-1] = fxcc
                else:
                    doshrink = 1
            if doshrink:
                for j in range(1, N + 1):
                    sim[j] = sim[0] + sigma * (sim[j] - sim[0])
                    fsim[j] = f(sim[j])
                    nfev += 1
        iterations += 1
        ind = fsim.argsort()
        sim = sim.take(ind, 0)
        fsim = fsim.take(ind, 0)
    return _NMResult(sim[0], float(_min(fsim)), nfev)


def outcome_only_bound(z1: np.ndarray, Z0: np.ndarray) -> tuple[float, np.ndarray]:
    """The smallest pre-period MSPE any convex combination of donors reaches, and its W."""
    r = simplex_ls(Z0, z1)
    return r.loss / len(z1), r.w


def _degenerate(X1: np.ndarray, X0: np.ndarray, v: np.ndarray, w: np.ndarray,
                penalty: float | None) -> bool:
    """True when the inner solution is not unique (ties or a singular support system)."""
    Xv = X0 * v[:, None]
    G = X0.T @ Xv
    c = Xv.T @ X1
    if penalty:
        c = c - 0.5 * penalty * ((X1[:, None] - X0) ** 2 * v[:, None]).sum(axis=0)
    S = w > 1e-10
    scale = max(float(np.max(np.abs(np.diag(G)))), 1e-300)
    grad = G @ w - c
    lam = -float(np.mean(grad[S]))
    red = (grad + lam) / scale
    if np.any((~S) & (np.abs(red) < 1e-12)):
        return True
    k = int(S.sum())
    if k > 1:
        GS = G[np.ix_(S, S)]
        # directions in the support that keep sum(w) = 1: null space of 1'
        P = np.eye(k) - 1.0 / k
        ev = np.linalg.eigvalsh(P @ GS @ P / scale)
        # k-1 of them should be positive
        if np.sort(ev)[1] < 1e-11:
            return True
    return False
