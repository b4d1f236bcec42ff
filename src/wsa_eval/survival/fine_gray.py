"""Fine & Gray (1999) proportional subdistribution hazards regression.

Fitted by Newton-Raphson on the inverse-probability-of-censoring weighted partial likelihood
score: women who had a competing event stay in the risk set with weight ``G(t-)/G(T_i-)``,
``G`` the Kaplan-Meier estimate of the censoring distribution
(:func:`~wsa_eval.survival.km.km_curve`). The variance is Fine & Gray's robust sandwich
``I^{-1} (sum_i (eta_i + psi_i)^{2}) I^{-1}``, whose ``psi_i`` term accounts for estimating
``G``; coefficients and standard errors match ``cmprsk::crr``.

Assumptions: independent censoring (one censoring distribution; censoring groups are not
offered), proportional subdistribution hazards, event times on a common clock.

Reference: Fine, J. P. & Gray, R. J. (1999). A proportional hazards model for the
subdistribution of a competing risk. *Journal of the American Statistical Association* 94,
496-509.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._utils import check_alpha, hash_frame
from ..errors import (
    ColumnError,
    ConvergenceWarning,
    EstimationError,
    SpecificationError,
    format_examples,
)
from ..results import make_spec, tidy_frame
from ._competing_data import code_events, competing_columns
from ._jdl_results import FineGrayResult
from ._km_core import km_curve

__all__ = ["fine_gray"]


def _censoring_km_before(t: np.ndarray, status: np.ndarray) -> np.ndarray:
    """G(t_i-) for each t_i: the Kaplan-Meier curve of the censoring distribution
    (:func:`~wsa_eval.survival.km.km_curve` with censoring as the event), just before t_i."""
    g = km_curve(t, status == 0)
    return np.concatenate(([1.0], g.surv))[np.searchsorted(g.time, t, side="left")]


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

    Notes
    -----
    Assumes proportional subdistribution hazards, one censoring distribution for everyone
    (censoring independent of the event times and of the covariates) and event times on one
    clock. A subdistribution hazard ratio describes how a covariate moves the cumulative
    incidence; it is not a ratio of event rates among people still at risk.

    References
    ----------
    Fine, J. P. & Gray, R. J. (1999). A proportional hazards model for the subdistribution of
    a competing risk. *Journal of the American Statistical Association* 94, 496-509.

    Examples
    --------
    Age and progression of MGUS (event 1), with death as a competing event; ``cmprsk::crr``
    gives the same coefficient and standard error:

    >>> from wsa_eval.datasets import load_mgus2_cr
    >>> from wsa_eval.survival import fine_gray
    >>> fg = fine_gray(load_mgus2_cr(), duration="etime", event="event", covariates=["age"])
    >>> print(fg.to_frame()[["term", "shr", "shr_ci_low", "shr_ci_high", "p_value"]].round(3)
    ...       .to_string(index=False))
    term   shr  shr_ci_low  shr_ci_high  p_value
     age 0.983       0.973        0.995    0.004
    """
    alpha = check_alpha(alpha)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise SpecificationError("fine_gray needs at least one covariate.")
    t, e = competing_columns(data, duration, event, {"covariates": covariates})
    for c in covariates:
        if data[c].dtype.kind not in "iufb":
            raise ColumnError(
                f"Covariate {c!r} is not numeric; code categories as 0/1 dummy columns first."
            )
    status = code_events(e, event, event_of_interest, censor_code)
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
