"""Rambachan & Roth (2023) sensitivity analysis for event studies ("HonestDiD").

References
----------
* Rambachan & Roth (2023), "A more credible approach to parallel trends", Review of
  Economic Studies 90(5), 2555-2591.
* Andrews, Roth & Pakes (2023), "Inference for linear conditional moment inequalities",
  Review of Economic Studies 90(6): the conditional and hybrid (conditional-least-favourable)
  tests used for relative magnitudes.
* Armstrong & Kolesar (2018, Econometrica) for fixed-length confidence intervals (FLCI),
  used for smoothness restrictions.

Set-up. ``betahat = (beta_pre, beta_post)`` are event-study coefficients (the reference
period, usually -1, omitted) with covariance ``sigma``; ``beta = tau + delta`` where
``delta`` is the difference in trends (``tau_pre = 0``). The target is
``theta = l' tau_post`` (default: the first post period). Instead of assuming
``delta_post = 0`` (parallel trends), ``delta`` is restricted to a set:

* ``method="relative_magnitudes"`` (Delta^RM(Mbar)): every post-period change
  ``|delta_{t+1} - delta_t|`` is at most ``Mbar`` times the largest pre-period change.
  Confidence sets invert the ARP hybrid test (least-favourable first stage at level
  ``alpha / 10``, then the conditional test), one polyhedron per location and sign of the
  largest pre-period change, united; as in the R package, only the moments that involve
  post-period coefficients enter the test.
* ``method="smoothness"`` (Delta^SD(M)): the slope of ``delta`` changes by at most ``M``
  between consecutive periods (``M = 0``: linear trends only). Confidence intervals are the
  optimal fixed-length intervals ``l'beta_post - w'beta_pre +/- chi``, with ``w`` chosen to
  minimise the half-length ``chi = sd * cv_alpha(max bias / sd)`` (the worst-case bias over
  Delta^SD(M) is ``M * ||mu(w)||_1``, computed exactly by linear-programming duality).

Assumptions: ``betahat`` is approximately normal with known covariance ``sigma`` (so at
least moderately many clusters behind ``sigma``; with one treated area the covariance
itself is unreliable: read the results as a sensitivity check, not as exact inference),
and the chosen restriction holds. Differences from the R package: the least-favourable
critical value is simulated with our own random draws (seeded), the FLCI uses the exact
folded-normal quantile and a continuous search rather than a grid, and the boundaries of
the relative-magnitudes set are refined by bisection rather than read off a grid.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import field
from itertools import combinations
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .._utils import as_generator, check_alpha, check_choice
from ..errors import EstimationError, InferenceWarning, SpecificationError
from ..results import Result, make_spec, result_dataclass

__all__ = ["HonestResult", "honest_did", "original_ci", "flci_sd", "ci_rm"]


# -- small helpers ---------------------------------------------------------------------------

def original_ci(betahat: np.ndarray, sigma: np.ndarray, num_pre: int, l_vec: np.ndarray,
                alpha: float) -> tuple[float, float, float, float]:
    """(estimate, se, low, high) of ``l'beta_post`` assuming parallel trends."""
    bp = betahat[num_pre:]
    Sp = sigma[num_pre:, num_pre:]
    est = float(l_vec @ bp)
    se = math.sqrt(float(l_vec @ Sp @ l_vec))
    z = stats.norm.ppf(1 - alpha / 2)
    return est, se, est - z * se, est + z * se


def _cv_folded(b: float, alpha: float) -> float:
    """1-alpha quantile of |N(b, 1)|."""
    b = abs(b)
    if b < 1e-10:
        return float(stats.norm.ppf(1 - alpha / 2))
    return float(math.sqrt(stats.ncx2.ppf(1 - alpha, 1, b * b)))


def _second_diff(num_pre: int, num_post: int) -> np.ndarray:
    """Second differences of (delta_-T..delta_-1, 0, delta_1..delta_Tbar); delta_0 dropped."""
    n = num_pre + num_post + 1
    A = np.zeros((n - 2, n))
    for r in range(n - 2):
        A[r, r:r + 3] = [1.0, -2.0, 1.0]
    return np.delete(A, num_pre, axis=1)


# -- smoothness: fixed-length confidence interval -------------------------------------------

def flci_sd(betahat: np.ndarray, sigma: np.ndarray, num_pre: int, num_post: int,
            l_vec: np.ndarray, M: float, alpha: float) -> dict[str, Any]:
    """Optimal FLCI for ``l'tau_post`` under Delta^SD(M)."""
    A = _second_diff(num_pre, num_post)
    s = np.concatenate([np.arange(-num_pre, 0), np.arange(1, num_post + 1)]).astype(float)
    P = np.linalg.solve(A @ A.T, A)  # mu(v) = P v  (v in the row space of A)
    Spp = sigma[:num_pre, :num_pre]
    SpP = sigma[:num_pre, num_pre:]
    SPP = sigma[num_pre:, num_pre:]
    c_eq = float(s[num_pre:] @ l_vec)  # s_pre'w must equal s_post'l

    def v_of(w: np.ndarray) -> np.ndarray:
        return np.concatenate([-w, l_vec])

    def var_of(w: np.ndarray) -> float:
        return float(w @ Spp @ w - 2 * w @ SpP @ l_vec + l_vec @ SPP @ l_vec)

    def bias_of(w: np.ndarray) -> float:
        return M * float(np.abs(P @ v_of(w)).sum())

    def chi_of(w: np.ndarray) -> float:
        sd = math.sqrt(max(var_of(w), 1e-300))
        return sd * _cv_folded(bias_of(w) / sd, alpha)

    sp = s[:num_pre]
    # minimum-variance weights subject to s_pre'w = c_eq (KKT system)
    K = np.block([[2 * Spp, sp[:, None]], [sp[None, :], np.zeros((1, 1))]])
    rhs = np.concatenate([2 * SpP @ l_vec, [c_eq]])
    w_mv = np.linalg.lstsq(K, rhs, rcond=None)[0][:num_pre]
    if M == 0:
        w_best = w_mv
    else:
        # minimum-bias weights (LP): min ||P v(w)||_1 s.t. s_pre'w = c_eq
        m = P.shape[0]
        Pw = -P[:, :num_pre]
        p0 = P[:, num_pre:] @ l_vec
        # variables (w, u): min sum u ; -u <= p0 + Pw w <= u
        cost = np.concatenate([np.zeros(num_pre), np.ones(m)])
        A_ub = np.block([[Pw, -np.eye(m)], [-Pw, -np.eye(m)]])
        b_ub = np.concatenate([-p0, p0])
        A_eq = np.concatenate([sp, np.zeros(m)])[None, :]
        lp = optimize.linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[c_eq],
                              bounds=[(None, None)] * (num_pre + m), method="highs")
        if lp.status != 0:  # pragma: no cover - the LP is always feasible and bounded
            raise EstimationError(f"FLCI bias minimisation failed: {lp.message}")
        w_mb = lp.x[:num_pre]
        h_lo, h_hi = bias_of(w_mb), bias_of(w_mv)

        def min_var_given_bias(h: float, w0: np.ndarray) -> np.ndarray:
            # min var(w) s.t. M * ||p0 + Pw w||_1 <= h, s_pre'w = c_eq ; slack form
            x0 = np.concatenate([w0, np.abs(p0 + Pw @ w0)])

            def f(x: np.ndarray) -> float:
                return var_of(x[:num_pre])

            def g(x: np.ndarray) -> np.ndarray:
                w = x[:num_pre]
                return np.concatenate([2 * Spp @ w - 2 * SpP @ l_vec, np.zeros(m)])

            cons = [
                {"type": "ineq", "fun": lambda x: x[num_pre:] - (p0 + Pw @ x[:num_pre]),
                 "jac": lambda x: np.hstack([-Pw, np.eye(m)])},
                {"type": "ineq", "fun": lambda x: x[num_pre:] + (p0 + Pw @ x[:num_pre]),
                 "jac": lambda x: np.hstack([Pw, np.eye(m)])},
                {"type": "ineq", "fun": lambda x: h / M - x[num_pre:].sum(),
                 "jac": lambda x: np.concatenate([np.zeros(num_pre), -np.ones(m)])[None, :]},
                {"type": "eq", "fun": lambda x: np.array([sp @ x[:num_pre] - c_eq]),
                 "jac": lambda x: np.concatenate([sp, np.zeros(m)])[None, :]},
            ]
            res = optimize.minimize(f, x0, jac=g, constraints=cons, method="SLSQP",
                                    options={"ftol": 1e-14, "maxiter": 500})
            return res.x[:num_pre]

        cache: dict[float, np.ndarray] = {}

        def chi_h(h: float) -> float:
            start = w_mb if not cache else cache[min(cache, key=lambda k: abs(k - h))]
            w = min_var_given_bias(h, start)
            cache[h] = w
            return chi_of(w)

        if h_hi - h_lo <= 1e-12 * max(1.0, h_hi):
            w_best = w_mv if chi_of(w_mv) <= chi_of(w_mb) else w_mb
        else:
            hs = np.linspace(h_lo, h_hi, 12)
            vals = np.array([chi_h(h) for h in hs])
            i = int(np.argmin(vals))
            a, b = hs[max(i - 1, 0)], hs[min(i + 1, len(hs) - 1)]
            opt = optimize.minimize_scalar(chi_h, bounds=(a, b), method="bounded",
                                           options={"xatol": 1e-10 * max(1.0, h_hi)})
            h_best = float(opt.x) if opt.fun <= vals[i] else float(hs[i])
            w_best = cache[h_best] if h_best in cache else min_var_given_bias(h_best, w_mb)
            for cand in (w_mv, w_mb):
                if chi_of(cand) < chi_of(w_best):
                    w_best = cand
    v = v_of(w_best)
    center = float(v @ betahat)
    chi = chi_of(w_best)
    return {"ci_low": center - chi, "ci_high": center + chi, "center": center,
            "half_length": chi, "weights_pre": w_best, "bias": bias_of(w_best),
            "sd": math.sqrt(var_of(w_best))}


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


# -- result and user-facing function ---------------------------------------------------------

@result_dataclass
class HonestResult(Result):
    """Robust confidence sets over a grid of M (or Mbar), with the breakdown value."""

    robust: pd.DataFrame
    original: dict[str, float] = field(default_factory=dict)
    breakdown: float = math.nan
    restriction: str = ""
    alpha: float = 0.05
    l_vec: tuple[float, ...] = ()

    _plot_kinds: ClassVar[dict[str, str]] = {
        "sensitivity": "wsa_eval.plotting.honest:sensitivity_plot"}
    _default_plot: ClassVar[str | None] = "sensitivity"

    def to_frame(self) -> pd.DataFrame:
        """Columns ``M, ci_low, ci_high, method`` (plus ``restriction``)."""
        return self.robust.copy()

    def _summary_header(self) -> list[tuple[str, Any]]:
        o = self.original
        name = "Mbar" if self.restriction == "relative_magnitudes" else "M"
        return [("Restriction", self.restriction), ("Target (l_vec)", str(list(self.l_vec))),
                ("Estimate", o.get("estimate", math.nan)),
                (f"{100 * (1 - self.alpha):.0f}% CI under parallel trends",
                 f"[{o.get('ci_low', math.nan):.4g}, {o.get('ci_high', math.nan):.4g}]"),
                (f"Breakdown {name}", self.breakdown)]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Robust confidence sets", self.to_frame())]

    def interpret(self) -> str:
        name = "Mbar" if self.restriction == "relative_magnitudes" else "M"
        o = self.original
        sig = o.get("ci_low", 0) > 0 or o.get("ci_high", 0) < 0
        if not sig:
            return ("inconclusive: not enough evidence either way. Even under exact parallel "
                    "trends the interval includes zero, so allowing for violations cannot "
                    "make the conclusion firmer.")
        if math.isnan(self.breakdown):
            return (f"The effect is significant under parallel trends, but not once any "
                    f"violation on the grid is allowed (smallest {name} tried): the "
                    "conclusion rests fully on parallel trends.")
        what = ("post-period changes in the trend difference up to "
                f"{self.breakdown:.3g} times the largest pre-period change"
                if self.restriction == "relative_magnitudes" else
                f"the slope of the trend difference changing by up to {self.breakdown:.3g} "
                "per period")
        if self.diagnostics.get("breakdown_beyond_grid"):
            return (f"The conclusion (the interval excludes zero) survives every value tried, "
                    f"up to {what}; the breakdown value is at least {name} = "
                    f"{self.breakdown:.3g}.")
        return (f"The conclusion (the interval excludes zero) survives {what} (breakdown "
                f"value {name} = {self.breakdown:.3g}), and not beyond.")


def _parse_input(obj: Any, num_pre: int | None, num_post: int | None):
    if isinstance(obj, tuple):
        if len(obj) == 4:
            b, S, num_pre, num_post = obj
        elif len(obj) == 2:
            b, S = obj
        else:
            raise SpecificationError("Pass (betahat, sigma, num_pre, num_post) or a result.")
        b = np.asarray(b, dtype=float).ravel()
        S = np.asarray(S, dtype=float)
        labels = None
    else:
        eff = obj.to_frame() if hasattr(obj, "to_frame") else getattr(obj, "effects", None)
        if eff is None or "event_time" not in eff.columns:
            raise SpecificationError("The result needs an effects table with event_time.")
        V = getattr(obj, "vcov", None)
        if V is None and hasattr(obj, "diagnostics"):
            V = obj.diagnostics.get("vcov")
        if V is None:
            raise SpecificationError("The result has no covariance matrix (vcov).")
        et = eff["event_time"].to_numpy(dtype=float)
        order = np.argsort(et, kind="stable")
        b = eff["estimate"].to_numpy(dtype=float)[order]
        S = np.asarray(V, dtype=float)[np.ix_(order, order)]
        et = et[order]
        num_pre, num_post = int((et < 0).sum()), int((et >= 0).sum())
        labels = et
    if num_pre is None or num_post is None:
        raise SpecificationError("num_pre and num_post are required with (betahat, sigma).")
    num_pre, num_post = int(num_pre), int(num_post)
    if num_pre < 1 or num_post < 1:
        raise SpecificationError("Need at least one pre-period and one post-period "
                                 "coefficient.")
    if len(b) != num_pre + num_post or S.shape != (len(b), len(b)):
        raise SpecificationError(
            f"betahat has {len(b)} entries and sigma is {S.shape}; expected "
            f"num_pre + num_post = {num_pre + num_post}.")
    if not (np.isfinite(b).all() and np.isfinite(S).all()):
        raise EstimationError("betahat or sigma is not finite.")
    if np.linalg.eigvalsh((S + S.T) / 2).min() < -1e-10 * max(1.0, np.abs(S).max()):
        raise SpecificationError("sigma is not positive semi-definite.")
    return b, (S + S.T) / 2, num_pre, num_post, labels


def honest_did(
    result: Any,
    *,
    method: Literal["relative_magnitudes", "smoothness"] = "relative_magnitudes",
    M: Any = None,
    l_vec: Any = None,
    alpha: float = 0.05,
    num_pre: int | None = None,
    num_post: int | None = None,
    grid_points: int = 400,
    grid_width: float = 20.0,
    sims: int = 10000,
    random_state: int | np.random.Generator | None = 0,
    breakdown: Literal["grid", "refine"] = "grid",
) -> HonestResult:
    """Rambachan-Roth robust confidence sets over a grid of M (smoothness) or Mbar (RM).

    Parameters
    ----------
    result : event-study result or tuple
        A result whose effects table has ``event_time`` and ``estimate`` (negative event
        times = pre-periods; the reference period omitted) and a ``vcov`` aligned with its
        rows; or ``(betahat, sigma, num_pre, num_post)`` with pre-periods first.
    method : {"relative_magnitudes", "smoothness"}
    M : sequence of float, optional
        Grid of Mbar (default 0, 0.5, ..., 2) or of M (default: 10 values from 0 to an upper
        bound for the largest pre-period second difference).
    l_vec : array, optional
        Weights on the post-period effects (default: the first post period).
    alpha : float
    grid_points, grid_width
        Relative magnitudes: theta grid of ``grid_points`` points over ``estimate +/-
        grid_width * sd(estimate)``; boundaries are then refined by bisection.
    sims, random_state
        Draws for the least-favourable critical value of the hybrid test (the R package
        uses 1000; more draws make the interval endpoints less noisy), and their seed.
    breakdown : {"grid", "refine"}
        The breakdown value is the largest M on the grid whose interval excludes zero
        ("grid", as the R package reports it), or that value refined by bisection between
        it and the next grid value ("refine", 12 extra interval computations).

    Returns
    -------
    HonestResult
    """
    check_choice("method", method, ("relative_magnitudes", "smoothness"))
    alpha = check_alpha(alpha)
    b, S, num_pre, num_post, _ = _parse_input(result, num_pre, num_post)
    lv = (np.eye(num_post)[0] if l_vec is None else np.asarray(l_vec, dtype=float).ravel())
    if len(lv) != num_post:
        raise SpecificationError(f"l_vec has {len(lv)} entries; there are {num_post} "
                                 "post-period coefficients.")
    if not np.any(lv):
        raise SpecificationError("l_vec must not be all zeros.")
    est, se, olo, ohi = original_ci(b, S, num_pre, lv, alpha)
    rows = []
    warns: list[str] = []
    if method == "smoothness":
        if M is None:
            if num_pre < 2:
                raise SpecificationError("Give M= explicitly: with one pre-period the default "
                                         "grid cannot be set from pre-period curvature.")
            A = _second_diff(num_pre, 0)[: num_pre - 1]
            A = A[:, :num_pre]
            sdv = np.sqrt(np.diag(A @ S[:num_pre, :num_pre] @ A.T))
            mub = float(np.max(np.abs(A @ b[:num_pre]) + stats.norm.ppf(1 - alpha) * sdv))
            M = np.linspace(0, mub, 10)
        for m in np.sort(np.atleast_1d(np.asarray(M, dtype=float))):
            if m < 0:
                raise SpecificationError(f"M must be >= 0, not {m}.")
            r = flci_sd(b, S, num_pre, num_post, lv, float(m), alpha)
            rows.append((float(m), r["ci_low"], r["ci_high"], "FLCI", "DeltaSD"))
    else:
        if num_pre < 1:  # pragma: no cover - checked above
            raise SpecificationError("Relative magnitudes need a pre-period.")
        if M is None:
            M = np.arange(0, 2.01, 0.5)
        grid = np.linspace(est - grid_width * se, est + grid_width * se, int(grid_points))
        seed = random_state if isinstance(random_state, (int, np.integer)) else None
        gen = None if seed is not None else as_generator(random_state)
        for m in np.sort(np.atleast_1d(np.asarray(M, dtype=float))):
            if m < 0:
                raise SpecificationError(f"Mbar must be >= 0, not {m}.")
            r = ci_rm(b, S, num_pre, num_post, lv, float(m), alpha, grid=grid, sims=sims,
                      random_state=int(seed) if seed is not None else gen)
            if r["empty"]:
                warns.append(f"At Mbar = {m:g} the robust confidence set is empty: the "
                             "pre-period estimates are inconsistent with this restriction.")
            if r["edge"]:
                warns.append(f"At Mbar = {m:g} the confidence set reaches the edge of the "
                             "search grid: it is reported as unbounded on that side.")
            if r["gaps"]:
                warns.append(f"At Mbar = {m:g} the confidence set is not an interval; its "
                             "hull is reported.")
            rows.append((float(m), r["ci_low"], r["ci_high"], "C-LF", "DeltaRM"))
    check_choice("breakdown", breakdown, ("grid", "refine"))
    robust = pd.DataFrame(rows, columns=["M", "ci_low", "ci_high", "method", "restriction"])
    excl = (robust["ci_low"] > 0) | (robust["ci_high"] < 0)
    bd = math.nan
    beyond = False
    if excl.iloc[0]:
        first_fail = np.flatnonzero(~excl.to_numpy())
        beyond = len(first_fail) == 0
        last = len(robust) - 1 if beyond else first_fail[0] - 1
        bd = float(robust["M"].iloc[last])
        if breakdown == "refine" and not beyond:
            lo_m, hi_m = bd, float(robust["M"].iloc[last + 1])
            for _ in range(12):
                mid = 0.5 * (lo_m + hi_m)
                if method == "smoothness":
                    r = flci_sd(b, S, num_pre, num_post, lv, mid, alpha)
                else:
                    r = ci_rm(b, S, num_pre, num_post, lv, mid, alpha, grid=grid, sims=sims,
                              random_state=int(seed) if seed is not None else gen)
                if r["ci_low"] > 0 or r["ci_high"] < 0:
                    lo_m = mid
                else:
                    hi_m = mid
            bd = lo_m
    if beyond and len(robust) > 1:
        warns.append("Every M on the grid gives an interval excluding zero: the breakdown "
                     "value is at least the largest M tried; extend the grid.")
    for w in warns:
        warnings.warn(w, InferenceWarning, stacklevel=2)
    name = "relative magnitudes (Delta^RM)" if method == "relative_magnitudes" else \
        "smoothness (Delta^SD)"
    spec = make_spec("honest_did", dict(method=method, M=[float(x) for x in robust["M"]],
                                         l_vec=[float(x) for x in lv], alpha=alpha,
                                         num_pre=num_pre, num_post=num_post,
                                         grid_points=grid_points, sims=sims),
                     seed=random_state if isinstance(random_state, int) else None)
    return HonestResult(
        method=f"Rambachan & Roth (2023) sensitivity analysis, {name}",
        robust=robust, original={"estimate": est, "se": se, "ci_low": olo, "ci_high": ohi},
        breakdown=bd, restriction=method, alpha=alpha,
        l_vec=tuple(float(x) for x in lv), spec=spec, warnings=tuple(warns),
        diagnostics={"num_pre": num_pre, "num_post": num_post, "breakdown_method": breakdown,
                     "breakdown_beyond_grid": beyond},
    )
