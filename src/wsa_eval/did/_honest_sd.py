"""Rambachan & Roth (2023) smoothness restrictions: the fixed-length confidence interval
(FLCI) of Armstrong & Kolesar (2018) over Delta^SD(M), and the small helpers shared with
:mod:`wsa_eval.did.honest` (private; see that module's docstring for the set-up).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize, stats

from ..errors import EstimationError

__all__ = ["original_ci", "flci_sd"]


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
    """Optimal FLCI for ``l'tau_post`` under Delta^SD(M).

    ``failures`` in the returned dict lists the optimiser runs (SLSQP for the minimum
    variance at a given worst-case bias, the bounded search over that bias) that stopped
    without converging; the caller warns about them."""
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
    failures: list[str] = []  # optimiser runs that stopped without converging
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
            if not res.success:
                failures.append(f"SLSQP at bias bound {h:.4g}: {res.message}")
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
            if not opt.success:
                failures.append(f"bounded search of the bias bound: {opt.message}")
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
            "sd": math.sqrt(var_of(w_best)), "failures": failures}


