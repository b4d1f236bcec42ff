"""Competing risks: cumulative incidence, Gray's test and the Fine-Gray model.

When a woman can leave follow-up for more than one reason (a proven reoffence, death, or
moving out of the data), one minus a Kaplan-Meier curve that treats the other reasons as
censoring overstates the chance of the event of interest. The cumulative incidence function
(CIF) ``F_k(t) = P(T <= t, cause = k)`` is the right summary.

* :func:`cumulative_incidence` -- the Aalen-Johansen estimator of ``F_k`` (Aalen & Johansen,
  1978), ``F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j`` with ``S`` the all-cause Kaplan-Meier
  curve, and the variance that R ``cmprsk::cuminc`` reports (Gray's delta-method estimator with
  its correction for tied event times). Confidence intervals are pointwise, on the
  ``log(-log)`` scale by default (they stay inside [0, 1]) or linear.
* :func:`gray_test` -- Gray's (1988) K-sample test that the CIFs of one cause are equal across
  groups (optionally stratified), with the weight ``(1 - F(t-))^rho``; identical to the
  ``Tests`` component of ``cuminc``.
* :func:`fine_gray` -- the proportional subdistribution hazards model of Fine & Gray (1999),
  fitted by Newton-Raphson on the inverse-probability-of-censoring weighted partial
  likelihood score; women who had a competing event stay in the risk set with weight
  ``G(t-)/G(T_i-)``, ``G`` the Kaplan-Meier estimate of the censoring distribution. The
  variance is Fine & Gray's robust sandwich ``I^{-1} (sum_i (eta_i + psi_i)^{2}) I^{-1}``,
  whose ``psi_i`` term accounts for estimating ``G``; coefficients and standard errors match
  ``cmprsk::crr``.

Assumptions: independent censoring (within censoring groups for ``fine_gray``, not offered
here: one censoring distribution); event times measured on a common clock from the index date;
for ``fine_gray``, proportional subdistribution hazards.

References
----------
Aalen, O. O. & Johansen, S. (1978). An empirical transition matrix for non-homogeneous Markov
chains based on censored observations. *Scandinavian Journal of Statistics* 5, 141-150.
Gray, R. J. (1988). A class of K-sample tests for comparing the cumulative incidence of a
competing risk. *Annals of Statistics* 16, 1141-1154.
Fine, J. P. & Gray, R. J. (1999). A proportional hazards model for the subdistribution of a
competing risk. *Journal of the American Statistical Association* 94, 496-509.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import check_alpha, check_choice, hash_frame, require_columns, require_frame
from ..errors import (
    ColumnError,
    ConvergenceWarning,
    DataFormatError,
    EstimationError,
    SpecificationError,
    format_examples,
)
from ..results import make_spec, tidy_frame
from ._jdl_results import CumulativeIncidenceResult, FineGrayResult, GrayTestResult

__all__ = ["cumulative_incidence", "gray_test", "fine_gray"]


# ------------------------------------------------------------------------------------------
# input checks
# ------------------------------------------------------------------------------------------
def _survival_columns(
    data: pd.DataFrame, duration: str, event: str, extra: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    require_frame(data)
    require_columns(data, {"duration": duration, "event": event, **extra})
    cols = [duration, event] + [
        c for v in extra.values() if v is not None for c in ([v] if isinstance(v, str) else v)
    ]
    bad = [c for c in cols if data[c].isna().any()]
    if bad:
        c = bad[0]
        rows = data.index[data[c].isna()].tolist()
        raise DataFormatError(
            f"Column {c!r} has {len(rows)} missing value(s) (rows {format_examples(rows)}). "
            "Drop or fill them before calling; wsa_eval does not drop rows silently."
        )
    t = data[duration]
    if t.dtype.kind not in "iuf":
        raise ColumnError(f"duration={duration!r} must be numeric (e.g. days or months).")
    t = t.to_numpy(dtype=float)
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise DataFormatError(
            f"Column {duration!r} has negative or infinite times; durations must be >= 0."
        )
    e = data[event]
    if e.dtype.kind not in "iuf" or not np.all(e.to_numpy(float) == np.round(e.to_numpy(float))):
        raise ColumnError(
            f"event={event!r} must hold integer codes (0 = censored, 1, 2, ... = causes)."
        )
    return t, e.to_numpy(dtype=np.int64)


def _code_events(e: np.ndarray, event: str, event_of_interest: int, censor_code: int) -> np.ndarray:
    """Recode to 0 = censored, 1 = event of interest, 2 = any competing event."""
    if event_of_interest == censor_code:
        raise SpecificationError("event_of_interest and censor_code must differ.")
    if not np.any(e == event_of_interest):
        raise EstimationError(
            f"No rows have {event}={event_of_interest!r} (the event_of_interest); codes found: "
            f"{format_examples(sorted(set(e.tolist())), quote=False)}."
        )
    return np.where(e == censor_code, 0, np.where(e == event_of_interest, 1, 2)).astype(np.int64)


# ------------------------------------------------------------------------------------------
# Aalen-Johansen estimator with cuminc's variance
# ------------------------------------------------------------------------------------------
def aalen_johansen(time: np.ndarray, status: np.ndarray) -> tuple[np.ndarray, ...]:
    """CIF of cause 1 from ``time`` and ``status`` (0 censored, 1 cause, 2 competing).

    Returns ``(times, estimate, variance, n_risk)`` at the distinct times of cause 1, the
    variance as computed by Gray's ``cinc`` routine in cmprsk (delta method, with the factor
    ``1 - (d - 1)/(n - 1)`` for tied events).
    """
    order = np.argsort(time, kind="stable")
    t, s = time[order], status[order]
    tu, first, inv = np.unique(t, return_index=True, return_inverse=True)
    d1 = np.bincount(inv, weights=(s == 1)).astype(float)
    d2 = np.bincount(inv, weights=(s == 2)).astype(float)
    rs = (len(t) - first).astype(float)
    nd = d1 + d2
    keep = nd > 0
    tu, d1, d2, rs, nd = tu[keep], d1[keep], d2[keep], rs[keep], nd[keep]
    if tu.size == 0:
        return (np.zeros(0),) * 4
    surv = np.cumprod((rs - nd) / rs)  # all-cause KM after each time
    fk = np.concatenate(([1.0], surv[:-1]))  # before each time
    F = np.cumsum(fk * d1 / rs)

    def _t5(dd: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(dd > 1, 1.0 - (dd - 1.0) / (rs - 1.0), 1.0)

    with np.errstate(divide="ignore", invalid="ignore"):
        inv_s = np.where(surv > 0, 1.0 / surv, 0.0)
    # contributions of competing events (only where the survivor function stays positive)
    t6b = np.where((d2 > 0) & (surv > 0), fk**2 * _t5(d2) * d2 / rs**2, 0.0)
    t3b, t4b = inv_s, F * inv_s
    # contributions of events of interest
    t6a = np.where(d1 > 0, fk**2 * _t5(d1) * d1 / rs**2, 0.0)
    t3a, t4a = inv_s, 1.0 + inv_s * F
    v1 = np.cumsum(t4b * t4b * t6b + t4a * t4a * t6a)
    v2 = np.cumsum(t3b * t4b * t6b + t3a * t4a * t6a)
    v3 = np.cumsum(t3b * t3b * t6b + t3a * t3a * t6a)
    var = v1 + F * F * v3 - 2 * F * v2
    jump = d1 > 0
    return tu[jump], F[jump], np.maximum(var[jump], 0.0), rs[jump]


def _cif_ci(F: np.ndarray, se: np.ndarray, alpha: float, ci: str) -> tuple[np.ndarray, ...]:
    z = stats.norm.ppf(1 - alpha / 2)
    if ci == "linear":
        return np.clip(F - z * se, 0, 1), np.clip(F + z * se, 0, 1)
    lo, hi = F.copy(), F.copy()
    ok = (F > 0) & (F < 1) & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = z * se[ok] / (F[ok] * np.log(F[ok]))
        lo[ok] = F[ok] ** np.exp(-k)
        hi[ok] = F[ok] ** np.exp(k)
    return lo, hi


def cumulative_incidence(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    event_of_interest: int = 1,
    group: str | None = None,
    censor_code: int = 0,
    alpha: float = 0.05,
    ci: str = "log-log",
) -> CumulativeIncidenceResult:
    """Aalen-Johansen cumulative incidence of one cause, overall or by group.

    Parameters
    ----------
    data : DataFrame
        One row per person: time from the index date to the first event or censoring.
    duration, event : str
        Columns with the time (any unit, >= 0) and the integer event code:
        ``censor_code`` (default 0) = censored, other codes = causes.
    event_of_interest : int
        The cause whose cumulative incidence is wanted (e.g. 1 = proven reoffence); all other
        non-censoring codes are competing events.
    group : str, optional
        Estimate a curve per group and add Gray's test (``rho = 0``) comparing them.
    alpha : float
        1 - confidence level for the pointwise intervals.
    ci : {"log-log", "linear"}
        Interval construction; ``log-log`` (default) keeps the limits within [0, 1].

    Returns
    -------
    CumulativeIncidenceResult
        ``to_frame()`` has ``group, time, estimate, std_error, ci_low, ci_high, n_risk`` at
        time 0 and at every distinct time of the event of interest (the variance is cmprsk's
        ``cuminc`` variance; ``std_error`` is its square root).
    """
    alpha = check_alpha(alpha)
    check_choice("ci", ci, ("log-log", "linear"))
    t, e = _survival_columns(data, duration, event, {"group": group})
    status = _code_events(e, event, event_of_interest, censor_code)
    labels = data[group].to_numpy() if group is not None else np.zeros(len(t), dtype=int)
    groups = pd.unique(labels)
    try:
        groups = np.sort(groups)
    except TypeError:
        pass
    frames = []
    for g in groups:
        m = labels == g
        tt, F, var, nr = aalen_johansen(t[m], status[m])
        se = np.sqrt(var)
        lo, hi = _cif_ci(F, se, alpha, ci)
        frames.append(
            pd.DataFrame(
                {
                    "group": g if group is not None else "all",
                    "time": np.concatenate(([0.0], tt)),
                    "estimate": np.concatenate(([0.0], F)),
                    "std_error": np.concatenate(([0.0], se)),
                    "ci_low": np.concatenate(([0.0], lo)),
                    "ci_high": np.concatenate(([0.0], hi)),
                    "n_risk": np.concatenate(([float(m.sum())], nr)),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    test = None
    if group is not None and len(groups) > 1:
        test = _gray(t, status, labels, None, 0.0)
    spec = make_spec(
        "cumulative_incidence",
        dict(duration=duration, event=event, event_of_interest=event_of_interest, group=group,
             censor_code=censor_code, alpha=alpha, ci=ci),
        data_hash=hash_frame(data),
    )
    return CumulativeIncidenceResult(
        method="Aalen-Johansen cumulative incidence (Aalen & Johansen 1978; cmprsk variance)",
        spec=spec,
        table=table,
        gray=test,
        event_of_interest=event_of_interest,
        alpha=alpha,
        group_column=group,
        time_column=duration,
    )


# ------------------------------------------------------------------------------------------
# Gray's K-sample test (a translation of the algorithm, not of the Fortran code layout)
# ------------------------------------------------------------------------------------------
def _gray_stratum(y: np.ndarray, m: np.ndarray, g: np.ndarray, ng: int, rho: float):
    ng1 = ng - 1
    tu, inv = np.unique(y, return_inverse=True)
    T = tu.size
    d = np.zeros((3, T, ng))
    np.add.at(d, (m, inv, g), 1.0)
    rs = np.bincount(g, minlength=ng).astype(float)
    s = np.zeros(ng1)
    v = np.zeros((ng1, ng1))
    f1m = np.zeros(ng)
    f1 = np.zeros(ng)
    skmm = np.ones(ng)
    skm = np.ones(ng)
    v3 = np.zeros(ng)
    v2 = np.zeros((ng1, ng))
    c = np.zeros((ng, ng))
    fm = f = 0.0
    for j in range(T):
        D1, D2 = d[1, j], d[2, j]
        nd1, nd2 = D1.sum(), D2.sum()
        if nd1 + nd2 > 0:
            pos = rs > 0
            skm[pos] = skmm[pos] * (rs[pos] - D1[pos] - D2[pos]) / rs[pos]
            f1[pos] = f1m[pos] + skmm[pos] * D1[pos] / rs[pos]
            ratio = np.where(pos, rs / np.where(pos, skmm, 1.0), 0.0)
            tr = ratio.sum()
            tq = np.where(pos, ratio * (1 - f1m), 0.0).sum()
            f = fm + nd1 / tr
            fb = (1 - fm) ** rho
            a = -fb * np.outer(ratio, ratio) / tr
            np.fill_diagonal(a, fb * ratio * (1 - ratio / tr))
            if nd1 > 0:
                c += a * nd1 / (tr * (1 - fm))
            sp = pos[:ng1]
            s[sp] += fb * (D1[:ng1][sp] - nd1 * ratio[:ng1][sp] * (1 - f1m[:ng1][sp]) / tq)
            if nd1 > 0:
                for k in np.flatnonzero(pos):
                    t4 = 1 - (1 - f) / skm[k] if skm[k] > 0 else 1.0
                    t5 = 1 - (nd1 - 1) / (tr * skmm[k] - 1) if nd1 > 1 else 1.0
                    t3 = t5 * skmm[k] * nd1 / (tr * rs[k])
                    v3[k] += t4 * t4 * t3
                    t1 = a[:ng1, k] - t4 * c[:ng1, k]
                    v2[:, k] += t1 * t4 * t3
                    v += np.outer(t1, t1) * t3
            if nd2 > 0:
                for k in np.flatnonzero((skm > 0) & (D2 > 0)):
                    t4 = (1 - f) / skm[k]
                    t5 = 1 - (D2[k] - 1) / (rs[k] - 1) if D2[k] > 1 else 1.0
                    t3 = t5 * skmm[k] ** 2 * D2[k] / rs[k] ** 2
                    v3[k] += t4 * t4 * t3
                    t1 = t4 * c[:ng1, k]
                    v2[:, k] -= t1 * t4 * t3
                    v += np.outer(t1, t1) * t3
        rs -= d[0, j] + d[1, j] + d[2, j]
        fm = f
        f1m = f1.copy()
        skmm = skm.copy()
    cc = c[:ng1]
    v += (cc * v3) @ cc.T + cc @ v2.T + v2 @ cc.T
    return s, v


def _gray(t, status, labels, strata, rho):
    groups = pd.unique(labels)
    try:
        groups = np.sort(groups)
    except TypeError:
        pass
    ng = len(groups)
    if ng < 2:
        raise SpecificationError("Gray's test needs at least two groups.")
    gcode = pd.Categorical(labels, categories=groups).codes.astype(np.int64)
    strata = np.zeros(len(t), dtype=int) if strata is None else strata
    S = np.zeros(ng - 1)
    V = np.zeros((ng - 1, ng - 1))
    for st in pd.unique(strata):
        m = strata == st
        order = np.argsort(t[m], kind="stable")
        s, v = _gray_stratum(t[m][order], status[m][order], gcode[m][order], ng, rho)
        S += s
        V += v
    if np.linalg.matrix_rank(V) < ng - 1:
        raise EstimationError(
            "Gray's test cannot be computed: the score variance is singular (too few events "
            "in some group)."
        )
    stat = float(S @ np.linalg.solve(V, S))
    df = ng - 1
    return {"statistic": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df)),
            "groups": list(groups), "rho": rho}


def gray_test(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    event_of_interest: int = 1,
    group: str,
    strata: str | None = None,
    rho: float = 0.0,
    censor_code: int = 0,
) -> GrayTestResult:
    """Gray's (1988) test that the cumulative incidence of one cause is equal across groups.

    The statistic ``s' V^{-1} s`` is approximately chi-square with (groups - 1) degrees of
    freedom; ``rho`` sets the weight ``(1 - F(t-))^rho`` (0, the default, as in cmprsk).
    ``strata`` gives a stratified test (scores and variances summed over strata).
    """
    if group is None:
        raise SpecificationError("gray_test needs group=... (the column defining the groups).")
    if not np.isfinite(rho):
        raise SpecificationError("rho must be a finite number (0 is the usual choice).")
    t, e = _survival_columns(data, duration, event, {"group": group, "strata": strata})
    status = _code_events(e, event, event_of_interest, censor_code)
    st = data[strata].to_numpy() if strata is not None else None
    res = _gray(t, status, data[group].to_numpy(), st, float(rho))
    spec = make_spec(
        "gray_test",
        dict(duration=duration, event=event, event_of_interest=event_of_interest, group=group,
             strata=strata, rho=rho, censor_code=censor_code),
        data_hash=hash_frame(data),
    )
    return GrayTestResult(method="Gray (1988) K-sample test of cumulative incidence", spec=spec,
                          event_of_interest=event_of_interest, **res)


# ------------------------------------------------------------------------------------------
# Fine-Gray proportional subdistribution hazards
# ------------------------------------------------------------------------------------------
def _censoring_km_before(t: np.ndarray, status: np.ndarray) -> np.ndarray:
    """G(t_i-) for each (sorted) t_i: Kaplan-Meier of the censoring distribution."""
    tu, first, inv = np.unique(t, return_index=True, return_inverse=True)
    cens = np.bincount(inv, weights=(status == 0))
    risk = (len(t) - first).astype(float)
    after = np.cumprod(1.0 - cens / risk)
    before = np.concatenate(([1.0], after[:-1]))
    return before[inv]


class _FGData:
    """Sorted arrays and the fixed (coefficient-free) pieces of the Fine-Gray estimator."""

    def __init__(self, t: np.ndarray, status: np.ndarray, X: np.ndarray):
        o = np.argsort(t, kind="stable")
        self.t, self.s, self.X = t[o], status[o], X[o]
        self.n, self.p = X.shape
        self.G = _censoring_km_before(self.t, self.s)  # G(t_i-)
        fail = self.s == 1
        self.u, self.d = np.unique(self.t[fail], return_counts=True)
        self.d = self.d.astype(float)
        # index of the first observation with t >= u_k (start of the risk set)
        self.start = np.searchsorted(self.t, self.u, side="left")
        self.Gu = self.G[self.start]  # G(u_k-)
        self.comp = self.s == 2
        self.Xfail_sum = self.X[fail].sum(axis=0)

    def risk_sums(self, b: np.ndarray, second: bool = True):
        """S0, S1 (and S2) at each distinct failure time u_k, with IPCW weights."""
        r = np.exp(self.X @ b)
        rX = r[:, None] * self.X
        # suffix sums over t_j >= u_k
        A0 = np.cumsum(r[::-1])[::-1]
        A1 = np.cumsum(rX[::-1], axis=0)[::-1]
        # prefix sums over competing rows with t_j < u_k, weighted by 1/G(t_j-)
        wc = np.where(self.comp, r / self.G, 0.0)
        B0 = np.concatenate(([0.0], np.cumsum(wc)))
        B1 = np.vstack((np.zeros(self.p), np.cumsum(wc[:, None] * self.X, axis=0)))
        S0 = A0[self.start] + self.Gu * B0[self.start]
        S1 = A1[self.start] + self.Gu[:, None] * B1[self.start]
        out = [r, S0, S1]
        if second:
            XX = self.X[:, :, None] * self.X[:, None, :]
            A2 = np.cumsum((r[:, None, None] * XX)[::-1], axis=0)[::-1]
            B2 = np.concatenate(
                (np.zeros((1, self.p, self.p)), np.cumsum(wc[:, None, None] * XX, axis=0))
            )
            S2 = A2[self.start] + self.Gu[:, None, None] * B2[self.start]
            out.append(S2)
        return out

    def loglik(self, b: np.ndarray) -> float:
        r, S0, _ = self.risk_sums(b, second=False)
        return float(self.X[self.s == 1].sum(axis=0) @ b - np.sum(self.d * np.log(S0)))

    def score_info(self, b: np.ndarray):
        r, S0, S1, S2 = self.risk_sums(b)
        xbar = S1 / S0[:, None]
        U = self.Xfail_sum - (self.d[:, None] * xbar).sum(axis=0)
        I = np.einsum("k,kij->ij", self.d / S0, S2) - np.einsum(
            "k,ki,kj->ij", self.d, xbar, xbar)
        ll = float(self.Xfail_sum @ b - np.sum(self.d * np.log(S0)))
        return ll, U, I, r, S0, xbar

    def sandwich(self, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fine & Gray's robust variance (eta_i + psi_i), as computed by cmprsk::crr."""
        ll, U, I, r, S0, xbar = self.score_info(b)
        t, s, X, G = self.t, self.s, self.X, self.G
        u, d, Gu = self.u, self.d, self.Gu
        # index of the last distinct failure time <= t_i (-1 if none)
        k_le = np.searchsorted(u, t, side="right") - 1
        # -- eta_i: dN part
        kk = np.searchsorted(u, t)  # exact match for failure rows
        eta = np.zeros_like(X)
        fail = s == 1
        eta[fail] = X[fail] - xbar[kk[fail]]
        # -- eta_i: compensator for u_k <= t_i (weight 1)
        c0 = np.concatenate(([0.0], np.cumsum(d / S0)))
        c1 = np.vstack((np.zeros(self.p), np.cumsum((d / S0)[:, None] * xbar, axis=0)))
        eta -= r[:, None] * (X * c0[k_le + 1][:, None] - c1[k_le + 1])
        # -- compensator for u_k > t_i, competing rows only (weight G(u_k-)/G(t_i-))
        e0 = d * Gu / S0
        D0 = np.concatenate((np.cumsum(e0[::-1])[::-1], [0.0]))
        D1 = np.vstack((np.cumsum((e0[:, None] * xbar)[::-1], axis=0)[::-1], np.zeros(self.p)))
        comp = s == 2
        rc = (r / G)[comp][:, None]
        eta[comp] -= rc * (X[comp] * D0[k_le[comp] + 1][:, None] - D1[k_le[comp] + 1])
        # -- psi_i: censoring martingale part. q(v) at each distinct time v of the data
        tv, first, inv = np.unique(t, return_index=True, return_inverse=True)
        wc = np.where(comp, r / G, 0.0)
        E0 = np.concatenate(([0.0], np.cumsum(wc)))[first]  # competing rows with t < v
        E1 = np.vstack((np.zeros(self.p), np.cumsum(wc[:, None] * X, axis=0)))[first]
        ks = np.searchsorted(u, tv, side="left")  # first u_k >= v
        H0 = D0[ks]
        H1 = D1[ks]
        q = E1 * H0[:, None] - E0[:, None] * H1
        n_cens = np.bincount(inv, weights=(s == 0))
        n_risk = (len(t) - first).astype(float)
        comp_part = np.cumsum(q * (n_cens / n_risk**2)[:, None], axis=0)
        psi = -comp_part[inv]
        cens = s == 0
        psi[cens] += q[inv[cens]] / n_risk[inv[cens]][:, None]
        w = eta + psi
        B = w.T @ w
        Iinv = np.linalg.inv(I)
        return Iinv @ B @ Iinv, I


def fine_gray(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    event_of_interest: int = 1,
    covariates: Sequence[str],
    censor_code: int = 0,
    alpha: float = 0.05,
    tol: float = 1e-10,
    max_iter: int = 50,
) -> FineGrayResult:
    """Fine & Gray (1999) proportional subdistribution hazards regression.

    Parameters
    ----------
    data : DataFrame
        One row per person.
    duration, event : str
        Time and integer event code (``censor_code`` = censored).
    event_of_interest : int
        The cause modelled; other non-censoring codes are competing events.
    covariates : list of str
        Numeric columns (code categories as 0/1 dummies first).
    alpha : float
        For the Wald intervals.
    tol, max_iter : float, int
        Newton-Raphson stops when the largest step is below ``tol``.

    Returns
    -------
    FineGrayResult
        ``effects``: log subdistribution hazard ratios with robust (sandwich) standard errors,
        Wald z, p-values and intervals, plus ``shr``, ``shr_ci_low``, ``shr_ci_high``.
    """
    alpha = check_alpha(alpha)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise SpecificationError("fine_gray needs at least one covariate.")
    t, e = _survival_columns(data, duration, event, {"covariates": covariates})
    for c in covariates:
        if data[c].dtype.kind not in "iufb":
            raise ColumnError(
                f"Covariate {c!r} is not numeric; code categories as 0/1 dummy columns first."
            )
    status = _code_events(e, event, event_of_interest, censor_code)
    X = data[covariates].to_numpy(dtype=float)
    if np.any(X.std(axis=0) == 0):
        bad = [c for c, sd in zip(covariates, X.std(axis=0)) if sd == 0]
        raise EstimationError(f"Covariate(s) {format_examples(bad)} do not vary in the data.")
    fg = _FGData(t, status, X)
    b = np.zeros(fg.p)
    ll, U, I, *_ = fg.score_info(b)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007
        try:
            step = np.linalg.solve(I, U)
        except np.linalg.LinAlgError as exc:
            raise EstimationError(
                "The Fine-Gray information matrix is singular (collinear covariates?)."
            ) from exc
        lam = 1.0
        for _ in range(30):  # step halving if the likelihood falls
            ll_new = fg.loglik(b + lam * step)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12 * abs(ll):
                break
            lam /= 2
        b = b + lam * step
        ll, U, I, *_ = fg.score_info(b)
        if np.max(np.abs(lam * step)) < tol:
            converged = True
            break
    warns: list[str] = []
    if not converged:
        msg = (f"Fine-Gray Newton-Raphson did not converge in {max_iter} iterations; "
               "estimates may be unreliable (separation or too few events?).")
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        warns.append(msg)
    V, I = fg.sandwich(b)
    se = np.sqrt(np.diag(V))
    eff = tidy_frame(covariates, b, se, alpha=alpha)
    eff["shr"] = np.exp(eff["estimate"])
    eff["shr_ci_low"] = np.exp(eff["ci_low"])
    eff["shr_ci_high"] = np.exp(eff["ci_high"])
    spec = make_spec(
        "fine_gray",
        dict(duration=duration, event=event, event_of_interest=event_of_interest,
             covariates=covariates, censor_code=censor_code, alpha=alpha, tol=tol,
             max_iter=max_iter),
        data_hash=hash_frame(data),
    )
    return FineGrayResult(
        method="Fine & Gray (1999) proportional subdistribution hazards",
        spec=spec,
        warnings=tuple(warns),
        effects=eff,
        params=pd.Series(b, index=covariates),
        cov=pd.DataFrame(V, index=covariates, columns=covariates),
        loglik=ll,
        n_obs=len(t),
        n_events=int((status == 1).sum()),
        n_competing=int((status == 2).sum()),
        converged=converged,
        n_iter=it,
        alpha=alpha,
        event_of_interest=event_of_interest,
        information=pd.DataFrame(I, index=covariates, columns=covariates),
    )
