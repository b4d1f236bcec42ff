"""Rambachan & Roth (2023) relative magnitudes: the Andrews, Roth & Pakes (2023) hybrid
(conditional-least-favourable) test over Delta^RM(Mbar), inverted on a grid and refined by
bisection (private; see :mod:`wsa_eval.did.honest` for the set-up).
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import numpy as np
from scipy import optimize, special

from .._utils import as_generator
from ..errors import EstimationError

__all__ = ["ci_rm"]


# -- relative magnitudes: ARP hybrid test ----------------------------------------------------

def _a_rm(num_pre: int, num_post: int, Mbar: float, s: int, positive: bool) -> np.ndarray:
    """Constraints A delta <= 0 for Delta^RM_{s,sign}(Mbar); delta_0 column dropped.

    ``s`` in -(num_pre-1)..0 indexes the pre-period change delta_s - delta_{s-1}.
    """
    n = num_pre + num_post + 1  # delta_-T .. delta_Tbar, position of delta_0 = num_pre
    D = np.zeros((n - 1, n))
    for r in range(n - 1):
        D[r, r:r + 2] = [-1.0, 1.0]
    vmax = np.zeros(n)
    vmax[num_pre + s - 1:num_pre + s + 1] = [-1.0, 1.0]
    if not positive:
        vmax = -vmax
    UB = np.vstack([np.tile(vmax, (num_pre, 1)), np.tile(Mbar * vmax, (num_post, 1))])
    A = np.vstack([D - UB, -D - UB])
    A = A[(A**2).sum(axis=1) > 1e-10]
    return np.delete(A, num_pre, axis=1)


class _Dual:
    """Dual polytope {g >= 0, X'g = 0, sd'g = 1} of the ARP linear program.

    ``eta(y) = min{eta : y - X gamma <= eta * sd} = max over vertices g of g'y``. Vertices are
    enumerated when there are few candidate supports; otherwise linear programs are used.
    """

    def __init__(self, X: np.ndarray, sd: np.ndarray, max_supports: int = 20000):
        self.X, self.sd = X, sd
        m, k = X.shape
        self.m, self.k = m, k
        n_sup = sum(math.comb(m, j) for j in range(1, min(k + 1, m) + 1))
        self.verts: np.ndarray | None = None
        if n_sup <= max_supports:
            self.verts = self._enumerate()

    def _enumerate(self) -> np.ndarray:
        m, k = self.m, self.k
        found = []
        for size in range(1, min(k + 1, m) + 1):
            for J in combinations(range(m), size):
                J = list(J)
                Mx = np.vstack([self.X[J].T, self.sd[J][None, :]])  # (k+1) x size
                rhs = np.zeros(k + 1)
                rhs[-1] = 1.0
                g, *_ = np.linalg.lstsq(Mx, rhs, rcond=None)
                if np.abs(Mx @ g - rhs).max() > 1e-9 or g.min() < -1e-12:
                    continue
                if np.linalg.matrix_rank(Mx) < size:
                    continue  # not a vertex (non-unique on this support)
                full = np.zeros(m)
                full[J] = np.maximum(g, 0.0)
                found.append(full)
        if not found:
            raise EstimationError("The moment inequalities have no dual vertex.")
        V = np.unique(np.round(np.array(found), 12), axis=0)
        return V

    def argmax(self, y: np.ndarray) -> tuple[float, np.ndarray]:
        if self.verts is not None:
            vals = self.verts @ y
            i = int(np.argmax(vals))
            return float(vals[i]), self.verts[i]
        A_eq = np.vstack([self.X.T, self.sd[None, :]])
        b_eq = np.zeros(self.k + 1)
        b_eq[-1] = 1.0
        r = optimize.linprog(-y, A_eq=A_eq, b_eq=b_eq, bounds=[(0, None)] * self.m,
                             method="highs")
        if r.status != 0:  # pragma: no cover
            raise EstimationError(f"ARP linear program failed: {r.message}")
        return float(-r.fun), r.x

    def eta_many(self, Y: np.ndarray) -> np.ndarray:
        """eta for each column of Y (m x n)."""
        if self.verts is not None:
            return (self.verts @ Y).max(axis=0)
        return np.array([self.argmax(Y[:, j])[0] for j in range(Y.shape[1])])

    def truncation(self, y: np.ndarray, g: np.ndarray, Sigma: np.ndarray,
                   eta: float) -> tuple[float, float, float]:
        """(sigma_B, V_lo, V_up): conditional law of g'y given the rest (ARP section 5)."""
        s2 = float(g @ Sigma @ g)
        if s2 <= 1e-20:
            return 0.0, -math.inf, math.inf
        c = Sigma @ g / s2
        S = y - c * eta
        if self.verts is not None:
            a = self.verts @ S
            b = self.verts @ c
            lo_m, hi_m = b < 1 - 1e-10, b > 1 + 1e-10
            vlo = float(np.max(a[lo_m] / (1 - b[lo_m]))) if lo_m.any() else -math.inf
            vup = float(np.min(a[hi_m] / (1 - b[hi_m]))) if hi_m.any() else math.inf
            return math.sqrt(s2), min(vlo, eta), max(vup, eta)
        # Dinkelbach / Newton steps on g(t) = max_v v'(S + c t) - t, zero on [V_lo, V_up]
        scale = max(1.0, abs(eta), math.sqrt(s2))
        ends = []
        for sign in (1.0, -1.0):
            t = eta + sign * 1e4 * scale
            val, v = self.argmax(S + c * t)
            if val - t <= 1e-9 * scale:
                ends.append(sign * math.inf)
                continue
            for _ in range(100):
                slope = float(v @ c) - 1.0
                t_new = -float(v @ S) / slope
                val, v = self.argmax(S + c * t_new)
                if val - t_new <= 1e-9 * scale or abs(t_new - t) <= 1e-12 * scale:
                    t = t_new
                    break
                t = t_new
            ends.append(t)
        return math.sqrt(s2), min(ends[1], eta), max(ends[0], eta)


def _trunc_upper_tail(z: float, a: float, b: float) -> float:
    """P(Z > z | a <= Z <= b) for standard normal Z, stable in both tails."""
    if b - a < 1e-12:
        return 0.0
    la, lz = special.log_ndtr(-a), special.log_ndtr(-z)
    lb = special.log_ndtr(-b) if math.isfinite(b) else -math.inf
    num = math.exp(lz - la) * -math.expm1(min(lb - lz, 0.0))
    den = -math.expm1(min(lb - la, 0.0))
    return num / den if den > 0 else 0.0


def _rm_poly_accept(betahat: np.ndarray, sigma: np.ndarray, num_pre: int, num_post: int,
                    l_vec: np.ndarray, A: np.ndarray, alpha: float, kappa: float,
                    rng: np.random.Generator, sims: int):
    """Return accept(theta) for one polyhedron (ARP hybrid test, LF first stage)."""
    if num_post > 1:
        rows = np.flatnonzero(np.abs(A[:, num_pre:]).sum(axis=1) > 0)
        A = A[rows]
    j0 = int(np.argmax(np.abs(l_vec)))
    Gamma = np.eye(num_post)
    Gamma[0] = l_vec
    if j0 != 0:
        Gamma[j0] = np.eye(num_post)[0]
    AGi = A[:, num_pre:] @ np.linalg.inv(Gamma)
    a1, X = AGi[:, 0], AGi[:, 1:]
    Y0 = A @ betahat
    SY = A @ sigma @ A.T
    sd = np.sqrt(np.diag(SY))
    dual = _Dual(X, sd)
    # least-favourable critical value: 1 - kappa quantile of eta(xi), xi ~ N(0, SY)
    w, U = np.linalg.eigh(SY)
    root = U @ np.diag(np.sqrt(np.clip(w, 0, None))) @ U.T
    xi = root @ rng.standard_normal((len(sd), sims))
    lf_cv = float(np.quantile(dual.eta_many(xi), 1 - kappa))
    mod = (alpha - kappa) / (1 - kappa)

    def accept(theta: float) -> bool:
        y = Y0 - a1 * theta
        eta, g = dual.argmax(y)
        if eta > lf_cv:
            return False
        sB, vlo, vup = dual.truncation(y, g, SY, eta)
        if sB <= 1e-10:
            return not eta > 0
        zlo, zup, z = vlo / sB, min(vup, lf_cv) / sB, eta / sB
        if not (zlo - 1e-9 <= z <= zup + 1e-9):
            return True  # numerical trouble: do not reject (as the R package)
        # reject iff z > max(0, c) with c the 1 - mod quantile of N(0,1) truncated to
        # [zlo, zup]  <=>  z > 0 and P(Z > z | zlo <= Z <= zup) < mod
        return not (z > 0 and _trunc_upper_tail(z, zlo, zup) < mod)

    return accept


def ci_rm(betahat: np.ndarray, sigma: np.ndarray, num_pre: int, num_post: int,
          l_vec: np.ndarray, Mbar: float, alpha: float, *, grid: np.ndarray,
          kappa: float | None = None, sims: int = 1000, random_state: Any = 0,
          tol: float = 1e-7) -> dict[str, Any]:
    """Robust confidence set for ``l'tau_post`` under Delta^RM(Mbar) (ARP hybrid)."""
    kappa = alpha / 10 if kappa is None else kappa
    acc = np.zeros(len(grid), dtype=bool)
    tests = []
    for s in range(-(num_pre - 1), 1):
        for positive in (True, False):
            rng = as_generator(random_state if not isinstance(random_state, int)
                               else random_state + 1000 * (s + num_pre) + positive)
            A = _a_rm(num_pre, num_post, Mbar, s, positive)
            f = _rm_poly_accept(betahat, sigma, num_pre, num_post, l_vec, A, alpha, kappa,
                                rng, sims)
            a = np.array([f(t) for t in grid])
            tests.append((f, a))
            acc |= a
    if not acc.any():
        return {"ci_low": math.nan, "ci_high": math.nan, "empty": True, "edge": False,
                "gaps": False}
    idx = np.flatnonzero(acc)

    def any_accept(t: float) -> bool:
        return any(f(t) for f, _ in tests)

    def refine(inside: float, outside: float) -> float:
        for _ in range(60):
            if abs(inside - outside) <= tol:
                break
            mid = 0.5 * (inside + outside)
            if any_accept(mid):
                inside = mid
            else:
                outside = mid
        return 0.5 * (inside + outside)

    lo_i, hi_i = idx[0], idx[-1]
    edge = lo_i == 0 or hi_i == len(grid) - 1
    lo = -math.inf if lo_i == 0 else refine(grid[lo_i], grid[lo_i - 1])
    hi = math.inf if hi_i == len(grid) - 1 else refine(grid[hi_i], grid[hi_i + 1])
    gaps = bool((~acc[lo_i:hi_i + 1]).any())
    return {"ci_low": lo, "ci_high": hi, "empty": False, "edge": edge, "gaps": gaps}


