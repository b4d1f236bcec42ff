"""The outer ("nested") problem of synthetic control: choosing the predictor weights V.

For standardised predictors ``X1`` (K,), ``X0`` (K, J) and the fitting-period outcomes
``z1`` (T0,), ``Z0`` (T0, J), the nested choice of Abadie & Gardeazabal (2003) and Abadie,
Diamond & Hainmueller (2010, 2011) is

    V* = argmin_{V diagonal, V >= 0, tr V = 1}  L(V) = ||z1 - Z0 W*(V)||^2 / T0,
    W*(V) = argmin_{W in the simplex} (X1 - X0 W)' V (X1 - X0 W)        (the inner QP).

``L`` is continuous but only piecewise smooth (the support of ``W*`` changes with V) and
often has several local minima, which is why a single local search (R Synth's default: one
start, Nelder-Mead and BFGS) can stop well above the best fit. The search here:

1. **Exact certificate first.** No V can fit the outcome better than the best convex
   combination of donors ``W**`` (the outcome-only fit). ``W**`` is the inner solution for
   some V iff the inner KKT conditions hold at ``W**``, which are *linear* in
   ``(V, multiplier)``: a linear programme decides it (Malo, Eskelinen, Zhou & Kuosmanen
   2020 make the same observation). When it is feasible, that V is a global optimum.
2. **Starts.** R Synth's two (equal weights on the standardised predictors, and the
   regression-based ``diag(B B')`` with ``B`` the coefficients of the fitting-period outcomes
   on the predictors), equal weights on the raw scale, a regression on the mean outcome,
   one start concentrated on each predictor, then seeded random ones.
3. **Local search from every start**: a quasi-Newton pass (L-BFGS-B on ``theta``, ``V =
   softmax(theta)``, ``|theta| <= 6``, with the exact gradient of ``L`` on the current
   support of ``W*``, obtained from one extra solve of the inner KKT system), then a
   derivative-free pass (adaptive Nelder-Mead) from the best points, then the quasi-Newton
   pass again.
4. **Adaptive multistart.** Random starts are added in batches until the best fit has been
   reached (to 0.1%) from at least two different starts, or a budget of starts is spent.
   The spread of the local optima across starts is reported; a caller warns when the best
   starts disagree by more than 1% or the search stopped on its budget.

Every weight of V stays at least ``exp(-12)`` (about 6e-6) of the largest, which keeps the
inner solution well defined while allowing near-corner solutions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.optimize import linprog

from ._qp import _Inner, _nelder_mead, outcome_only_bound, solve_weights

__all__ = ["nested_v", "regression_v_synth", "certify_outcome_optimum"]

#: |theta| <= _B: every predictor weight at least exp(-2 _B) (about 6e-6) of the largest
_B = 6.0
#: a local optimum within this relative distance of the best counts as reaching it
HIT_TOL = 1e-3
#: the best starts "disagree" when the second best local optimum is this much worse
DISAGREE_TOL = 1e-2
#: adaptive multistart: random starts per batch, and the largest number of starts
BATCH, MAX_STARTS = 4, 60
#: screening: every subset of predictors up to this many, else this many random ones;
#: the best screened points become starts of local searches
_ALL_PATTERNS_K, _N_SCREEN, _N_SCREENED_STARTS, _N_POLISH = 6, 300, 8, 3
#: grid points of the coordinate scan
_N_GRID = 17


class _AtFloor(Exception):
    """Raised inside the search when the fit reaches the outcome-only bound."""


# ------------------------------------------------------------------------------------------
# starting points
# ------------------------------------------------------------------------------------------
def _normalise(v: np.ndarray, K: int) -> np.ndarray:
    v = np.abs(np.asarray(v, dtype=float))
    if not np.all(np.isfinite(v)) or v.sum() <= 0:
        return np.full(K, 1.0 / K)
    return v / v.sum()


def regression_v_synth(X1: np.ndarray, X0: np.ndarray, z1: np.ndarray,
                       Z0: np.ndarray) -> np.ndarray:
    """R Synth's regression-based starting V: ``diag(B B')``, ``B`` the coefficients of a
    regression (with intercept) of every fitting-period outcome on the predictors."""
    K = X1.shape[0]
    A = np.column_stack([np.ones(X0.shape[1] + 1), np.column_stack([X1, X0]).T])
    Z = np.column_stack([z1, Z0]).T  # units x periods
    B = np.linalg.lstsq(A, Z, rcond=None)[0][1:]  # K x T0
    return 0.9 * _normalise(np.sum(B ** 2, axis=1), K) + 0.1 / K


def _regression_mean_v(X1: np.ndarray, X0: np.ndarray, z1: np.ndarray,
                       Z0: np.ndarray) -> np.ndarray:
    """A regression of the mean fitting-period outcome on the predictors."""
    K = X1.shape[0]
    A = np.column_stack([np.ones(X0.shape[1] + 1), np.column_stack([X1, X0]).T])
    y = np.concatenate([[z1.mean()], Z0.mean(axis=0)])
    beta = np.linalg.lstsq(A, y, rcond=None)[0][1:]
    return 0.9 * _normalise(beta ** 2, K) + 0.1 / K


def _deterministic_starts(X1, X0, z1, Z0, raw_sd) -> list[tuple[str, np.ndarray]]:
    K = X1.shape[0]
    starts = [("equal on standardised predictors (R Synth)", np.full(K, 1.0 / K)),
              ("regression-based (R Synth)", regression_v_synth(X1, X0, z1, Z0))]
    if raw_sd is not None:
        starts.append(("equal on the raw scale", _normalise(raw_sd ** 2, K)))
    starts.append(("regression on the mean outcome", _regression_mean_v(X1, X0, z1, Z0)))
    return starts


def _random_start(rng: np.random.Generator, K: int, i: int) -> np.ndarray:
    """Alternately a flat Dirichlet draw and a log-uniform one (which reaches corners)."""
    if i % 2 == 0:
        return rng.dirichlet(np.ones(K))
    return _normalise(np.exp(rng.uniform(-_B, _B, size=K)), K)


#: the three levels of a screened V: a predictor matched (1), used to break ties among the
#: exact matches of the others (1e-3), or almost ignored (the smallest allowed weight)
_LEVELS = np.array([1.0, 1e-3, 3e-5])


def _screen_candidates(K: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Cheap candidates, each judged by one inner solve: "hierarchical corners" of the V
    simplex, where every predictor gets one of three levels (``_LEVELS``) and at least one
    the top level -- the optimum is often of this form, because predictors that the
    synthetic control matches exactly need no particular relative weight, and smaller
    weights only choose among those exact matches. Every pattern when there are at most
    ``_ALL_PATTERNS_K`` predictors, random patterns otherwise; plus random interior points.
    """
    if K <= _ALL_PATTERNS_K:
        codes = np.array(np.meshgrid(*[np.arange(3)] * K, indexing="ij")).reshape(K, -1).T
    else:
        codes = rng.integers(0, 3, size=(_N_SCREEN, K))
    codes = codes[(codes == 0).any(axis=1) & (codes != 0).any(axis=1)]
    out = [_normalise(_LEVELS[c], K) for c in codes]
    for i in range(_N_SCREEN // 6):
        out.append(_random_start(rng, K, i))
    return out


# ------------------------------------------------------------------------------------------
# the exact certificate
# ------------------------------------------------------------------------------------------
def certify_outcome_optimum(X1: np.ndarray, X0: np.ndarray, w: np.ndarray,
                            penalty: float | None = None) -> np.ndarray | None:
    """A V (normalised, every weight at least ``exp(-2 _B)`` of the largest... or None)
    for which ``w`` satisfies the inner KKT conditions strictly off its support.

    At ``w`` the half-gradient of the inner objective is ``A v`` with
    ``A[j, k] = X0[k, j] (X0 w - X1)_k (+ penalty/2 (X1_k - X0_kj)^2)``: linear in ``v``.
    ``w`` solves the inner problem iff ``A v + mu = 0`` on its support and ``>= 0`` off
    it. The linear programme maximises the smallest off-support slack ``t`` (scaled); a
    positive ``t`` means ``w`` is the inner solution at that V.
    """
    K, J = X0.shape
    d = X0 @ w - X1
    A = (X0 * d[:, None]).T  # J x K
    if penalty:
        A = A + 0.5 * penalty * ((X1[:, None] - X0) ** 2).T
    S = w > 1e-12
    if S.all():
        return None
    scale = max(float(np.abs(A).max()), 1e-300)
    A = A / scale
    lo = math.exp(-2 * _B)  # v_k >= lo * v_max is implied by v_k >= lo / K with sum 1
    # variables: v (K), mu (free), t; maximise t
    n = K + 2
    c = np.zeros(n)
    c[-1] = -1.0
    A_eq = np.zeros((int(S.sum()) + 1, n))
    A_eq[:-1, :K] = A[S]
    A_eq[:-1, K] = 1.0
    A_eq[-1, :K] = 1.0
    b_eq = np.zeros(A_eq.shape[0])
    b_eq[-1] = 1.0
    A_ub = np.zeros((int((~S).sum()), n))  # -(A v + mu) + t <= 0
    A_ub[:, :K] = -A[~S]
    A_ub[:, K] = -1.0
    A_ub[:, -1] = 1.0
    bounds = [(lo / K, 1.0)] * K + [(None, None), (None, 1.0)]
    try:
        res = linprog(c, A_ub=A_ub, b_ub=np.zeros(A_ub.shape[0]), A_eq=A_eq, b_eq=b_eq,
                      bounds=bounds, method="highs")
    except ValueError:  # pragma: no cover - solver input guard
        return None
    if res.status != 0 or res.x is None or -res.fun <= 1e-9:
        return None
    return _normalise(res.x[:K], K)


# ------------------------------------------------------------------------------------------
# the loss, its gradient, and the local searches
# ------------------------------------------------------------------------------------------
class _Objective:
    """``L(V)`` with the best point seen, its exact gradient on the current support, and
    an early stop at the outcome-only bound."""

    def __init__(self, X1, X0, z1, Z0, penalty, stop_at):
        self.X1, self.X0, self.z1, self.Z0 = X1, X0, z1, Z0
        self.penalty = penalty
        self.D = (X1[:, None] - X0) ** 2 if penalty else None
        self.inner = _Inner(X1, X0, penalty)
        self.T0 = len(z1)
        self.stop_at = stop_at
        self.best: dict[str, Any] = {"loss": math.inf}

    def _record(self, f: float, v: np.ndarray, w: np.ndarray) -> None:
        if f < self.best["loss"]:
            self.best = {"loss": f, "v": v.copy(), "w": w.copy()}
            if f <= self.stop_at:
                raise _AtFloor

    def at_v(self, v: np.ndarray) -> float:
        w = self.inner.solve(v)
        e = self.z1 - self.Z0 @ w
        f = float(e @ e) / self.T0
        self._record(f, v, w)
        return f

    def at_p(self, p: np.ndarray) -> float:
        """Loss at log-weights ``p`` (``V`` of :func:`_v_of`)."""
        return self.at_v(_v_of(p)[0])

    def with_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and gradient at log-weights ``theta`` (``V`` of :func:`_v_of`).

        On the support ``S`` of ``W*`` the inner KKT system ``M [w; mu] = [c; 1]`` with
        ``M = [[X0_S' V X0_S, 1], [1', 0]]`` gives ``dw/dv_k = M^{-1} [x_k r_k; 0]`` (``x_k``
        row k of ``X0_S``, ``r = X1 - X0 w``); with ``M [y; nu] = [Z0_S' e; 0]``,
        ``dL/dv_k = -2/T0 (x_k' y) r_k``.
        """
        v, free = _v_of(theta)
        f = self.at_v(v)
        w = self.inner.w
        S = np.flatnonzero(w > 0)
        X0S = self.X0[:, S]
        e = self.z1 - self.Z0 @ w
        k = S.size
        M = np.ones((k + 1, k + 1))
        M[:k, :k] = X0S.T @ (X0S * v[:, None])
        M[k, k] = 0.0
        rhs = np.zeros(k + 1)
        rhs[:k] = self.Z0[:, S].T @ e
        try:
            y = np.linalg.solve(M, rhs)[:k]
        except np.linalg.LinAlgError:
            y = np.linalg.lstsq(M, rhs, rcond=None)[0][:k]
        r = self.X1 - self.X0 @ w
        gv = (X0S @ y) * r
        if self.D is not None:
            gv = gv - 0.5 * self.penalty * (self.D[:, S] @ y)
        gv = -2.0 / self.T0 * gv
        g_theta = v * (gv - v @ gv) * free  # weights held at the floor do not move
        return f, g_theta


def _v_of(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``V`` from log-weights ``p``: ``v_k proportional to exp(p_k)``, every weight held at
    least ``exp(-2 _B)`` of the largest; also the mask of weights above that floor."""
    t = p - p.max()
    free = t > -2 * _B
    v = np.exp(np.where(free, t, -2 * _B))
    return v / v.sum(), free


def _p_of(v: np.ndarray) -> np.ndarray:
    """Log-weights of ``V``, kept a little above the floor so that a search can move them."""
    th = np.log(np.maximum(v, 1e-300))
    th = th - th.max()
    return np.maximum(th, -2 * _B + 0.25)


def _fg(obj: _Objective, p: np.ndarray) -> tuple[float, np.ndarray]:
    return obj.with_grad(p)


def _quasi_newton(obj: _Objective, p: np.ndarray, maxiter: int,
                  ftol: float = 1e-10) -> tuple[np.ndarray, float]:
    """BFGS with Armijo backtracking on ``p`` (unconstrained: the bounds on ``theta`` are
    built into ``tanh``). ``L`` is piecewise smooth, so a direction that does not descend
    resets the curvature estimate; the search stops when a step gains less than ``ftol``
    (relative) twice in a row or no step along the gradient helps."""
    K = p.size
    f, g = _fg(obj, p)
    H = None  # first step: steepest descent, largest coordinate change 1
    stall = 0
    for _ in range(maxiter):
        if H is None:
            gmax = float(np.max(np.abs(g)))
            if not gmax > 0:
                break
            d = -g / gmax
        else:
            d = -H @ g
        slope = float(g @ d)
        if not slope < 0:
            if H is None:
                break
            H = None
            continue
        step, f_new = 1.0, math.inf
        for _ in range(25):
            p_new = p + step * d
            f_new = obj.at_p(p_new)
            if f_new <= f + 1e-4 * step * slope:
                break
            step *= 0.5
        else:  # no descent along d: restart from steepest descent once, else stop
            if H is None:
                break
            H = None
            continue
        f_new, g_new = _fg(obj, p_new)
        s_vec, y_vec = p_new - p, g_new - g
        sy = float(s_vec @ y_vec)
        if sy > 1e-12 * float(np.sqrt((s_vec @ s_vec) * (y_vec @ y_vec))):
            if H is None:
                H = np.eye(K) * (sy / float(y_vec @ y_vec))
            rho = 1.0 / sy
            Hy = H @ y_vec
            H = (H - rho * (np.outer(s_vec, Hy) + np.outer(Hy, s_vec))
                 + (rho * rho * float(y_vec @ Hy) + rho) * np.outer(s_vec, s_vec))
        gain = (f - f_new) / max(abs(f), 1e-300)
        p, f, g = p_new, f_new, g_new
        stall = stall + 1 if gain < ftol else 0
        if stall >= 3:
            break
    return p, f


def _derivative_free(obj: _Objective, p: np.ndarray, maxiter: int,
                     step: float) -> tuple[np.ndarray, float]:
    K = p.size
    r = _nelder_mead(obj.at_p, np.vstack([p, p + step * np.eye(K)]), maxiter, 1e-7, 1e-13)
    return r.x, float(r.fun)


def _local_search(obj: _Objective, v0: np.ndarray, scan: bool = False
                  ) -> tuple[np.ndarray, float]:
    """Quasi-Newton from ``v0`` (the cheap pass used for every start); from a screened
    corner a one-sweep coordinate scan first (its basin is often narrow on the log scale)."""
    p = _coordinate_scan(obj, _p_of(v0), sweeps=1) if scan else _p_of(v0)
    return _quasi_newton(obj, p, 60, ftol=1e-6)


def _coordinate_scan(obj: _Objective, p: np.ndarray, sweeps: int = 2) -> np.ndarray:
    """Derivative-free coordinate search on the log scale: each predictor's weight in turn
    over a grid from the smallest allowed to a little above the largest, the others fixed.
    It finds the narrow basins where a predictor acts as a tie-breaker (a weight of 1e-4 of
    the others can matter while 1e-3 and 1e-5 do not), which local moves can miss."""
    th = _p_of(_v_of(p)[0])
    best = obj.at_p(th)
    for _ in range(sweeps):
        improved = False
        for k in range(th.size):
            top = np.max(np.delete(th, k)) if th.size > 1 else 0.0
            for g in np.linspace(-2 * _B + 0.25, 1.0, _N_GRID):
                cand = th.copy()
                cand[k] = top + g
                f = obj.at_p(cand)
                if f < best * (1 - 1e-12):
                    best, th, improved = f, cand, True
        if not improved:
            break
    return th


def _polish(obj: _Objective, p: np.ndarray) -> tuple[np.ndarray, float]:
    """Coordinate scan, derivative-free, then quasi-Newton again from a promising point."""
    p0 = _coordinate_scan(obj, p)
    p1, _ = _derivative_free(obj, p0, 150, 0.5)
    return _quasi_newton(obj, p1, 100)


# ------------------------------------------------------------------------------------------
# the search
# ------------------------------------------------------------------------------------------
def _spread(losses: list[float]) -> dict[str, Any]:
    a = np.sort(np.asarray(losses, dtype=float))
    best = float(a[0])
    rel = (a - best) / max(abs(best), 1e-300)
    return {"best": best, "second": float(a[1]) if a.size > 1 else math.nan,
            "median": float(np.median(a)), "worst": float(a[-1]),
            "n_starts": int(a.size),
            "n_within_0.1%": int(np.sum(rel <= HIT_TOL)),
            "n_within_1%": int(np.sum(rel <= DISAGREE_TOL)),
            "second_best_gap": float(rel[1]) if a.size > 1 else math.nan}


def nested_v(X1: np.ndarray, X0: np.ndarray, z1: np.ndarray, Z0: np.ndarray, *,
             penalty: float | None = None, n_starts: int | None = None, seed: int = 0,
             raw_sd: np.ndarray | None = None,
             max_starts: int = MAX_STARTS) -> tuple[np.ndarray, Any, dict[str, Any]]:
    """Choose diagonal ``V`` minimising the outcome MSPE ``||z1 - Z0 W*(V)||^2 / T0``.

    ``n_starts=None`` (default): the deterministic starts, then random ones in batches until
    the best fit is reached from two starts (to 0.1%) or ``max_starts`` starts are spent.
    An int: exactly that many starts (deterministic ones first). Returns ``(v, inner,
    report)``; the report holds the loss of every start and their spread.
    """
    K, T0 = X1.shape[0], len(z1)
    if K == 1:
        v = np.ones(1)
        r = solve_weights(X1, X0, v, penalty)
        e = z1 - Z0 @ r.w
        return v, r, {"starts": [], "best_loss": float(e @ e) / T0, "evaluations": 1,
                      "converged": True, "method": "one predictor"}
    floor, w_star = outcome_only_bound(z1, Z0)
    obj = _Objective(X1, X0, z1, Z0, penalty, floor * (1 + 1e-9) + 1e-14)
    report: dict[str, Any] = {"starts": [], "stopped_at_lower_bound": False,
                              "stopped_on_budget": False, "certified": False}
    try:
        # n_starts=1 is R Synth's single local search from equal weights: no certificate
        v_cert = (certify_outcome_optimum(X1, X0, w_star, penalty)
                  if n_starts is None or int(n_starts) > 1 else None)
        if v_cert is not None:
            obj.at_v(v_cert)
        _multistart(obj, X1, X0, z1, Z0, raw_sd, n_starts, seed, max_starts, report)
    except _AtFloor:
        report["stopped_at_lower_bound"] = True
    return _finish(obj, X1, X0, z1, Z0, penalty, report)


def _multistart(obj, X1, X0, z1, Z0, raw_sd, n_starts, seed, max_starts, report) -> None:
    K = X1.shape[0]
    starts = _deterministic_starts(X1, X0, z1, Z0, raw_sd)
    fixed = n_starts is not None
    rng = np.random.default_rng(seed)
    if not fixed or int(n_starts) > len(starts):
        starts += _screened_starts(obj, K, rng)
    budget = max(int(n_starts), 1) if fixed else max(int(max_starts), len(starts))
    starts = starts[:budget]
    found: list[tuple[np.ndarray, float]] = []

    def run(name: str, v0: np.ndarray) -> None:
        if fixed and budget == 1:  # R Synth: one derivative-free search from equal V
            p, _ = _derivative_free(obj, _p_of(v0), 50, 1.0)
            th, f = _derivative_free(obj, p, 300, 0.5)
        else:
            th, f = _local_search(obj, v0, scan=name.startswith("screened"))
        found.append((th, f))
        report["starts"].append({"start": name, "loss": f})

    for name, v0 in starts:
        run(name, v0)
    _polish_best(obj, found, report)
    i = 0
    while len(found) < budget:
        if not fixed and i >= BATCH and _agree(found):
            break
        for _ in range(min(BATCH, budget - len(found))):
            run("random", _random_start(rng, K, i))
            i += 1
        if not fixed:
            _polish_best(obj, found, report)
    _polish_best(obj, found, report)
    report["stopped_on_budget"] = bool(not fixed and not _agree(found))


def _screened_starts(obj: _Objective, K: int,
                     rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """The best screened candidates (distinct donor supports first) as starts."""
    scored = []
    for v in _screen_candidates(K, rng):
        f = obj.at_v(v)
        scored.append((f, tuple(np.flatnonzero(obj.inner.w > 0)), v))
    scored.sort(key=lambda x: x[0])
    out, seen = [], set()
    for _f, supp, v in scored:
        if supp in seen:
            continue
        seen.add(supp)
        out.append(("screened corner or random point", v))
        if len(out) >= _N_SCREENED_STARTS:
            break
    return out


def _agree(found: list[tuple[np.ndarray, float]]) -> bool:
    f = np.array([x[1] for x in found])
    best = f.min()
    return bool(np.sum(f <= best * (1 + HIT_TOL) + 1e-14) >= 2)


def _polish_best(obj, found, report) -> None:
    """Polish the best few local optima not yet polished (derivative-free, then
    quasi-Newton): nearby basins can swap order. A polished point replaces its start's
    result."""
    done = report.setdefault("_polished", set())
    order = np.argsort([x[1] for x in found], kind="stable")[:_N_POLISH]
    for i in (int(j) for j in order):
        if i in done:
            continue
        p, f = _polish(obj, found[i][0])
        if f < found[i][1]:
            found[i] = (p, f)
            report["starts"][i]["loss"] = f
            report["starts"][i]["polished"] = True
        done.add(i)


def _finish(obj, X1, X0, z1, Z0, penalty, report) -> tuple[np.ndarray, Any, dict]:
    T0 = len(z1)
    best = obj.best
    v, w = best["v"], best["w"]
    report.pop("_polished", None)
    losses = [s["loss"] for s in report["starts"]]
    # a final restart from the best point: a converged search gains (almost) nothing
    gain = 0.0
    if not report["stopped_at_lower_bound"]:
        before = best["loss"]
        try:
            _derivative_free(obj, _p_of(v), 100, 0.25)
        except _AtFloor:
            report["stopped_at_lower_bound"] = True
        gain = (before - obj.best["loss"]) / max(before, 1e-300)
        v, w = obj.best["v"], obj.best["w"]
    # the inner solution from a cold start at the chosen V: if it differs (ties), keep the
    # one the search found, which fits the pre-period outcome better, and say so
    r = solve_weights(X1, X0, v, penalty)
    e = z1 - Z0 @ r.w
    cold = float(e @ e) / T0
    tie = bool(cold > obj.best["loss"] * (1 + 1e-6) + 1e-14
               and np.max(np.abs(r.w - w)) > 1e-3)
    inner = r if not tie else _replace_w(r, w)
    spread = _spread(losses) if losses else {}
    report.update({
        "best_loss": min(cold, obj.best["loss"]), "evaluations": obj.inner.evals,
        "restart_gain": gain, "inner_tie": tie, "spread": spread,
        "starts_disagree": bool(spread and spread["n_starts"] > 1
                                and not report["stopped_at_lower_bound"]
                                and spread["second_best_gap"] > DISAGREE_TOL),
    })
    report["converged"] = bool(gain < 1e-3)
    return v, inner, report


def _replace_w(r: Any, w: np.ndarray) -> Any:
    from dataclasses import replace as _rep

    return _rep(r, w=w)
