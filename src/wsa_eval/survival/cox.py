"""Cox proportional-hazards regression.

Cox (1972) partial likelihood, maximised by Newton-Raphson with step halving from zero (as R
``coxph``). Tied event times by Efron's (1977) approximation (default, as R) or Breslow's
(1974). Robust (sandwich) standard errors of Lin & Wei (1989) from dfbeta residuals, summed
within ``cluster`` for cluster-robust errors (R ``coxph(..., robust = TRUE)`` /
``cluster = ``). Strata have their own baseline hazards; case ``weights`` multiply each
row's contribution; time-varying covariates in counting-process ``(entry, duration]`` form
(Andersen & Gill 1982): one row per episode, ``entry`` = start, ``duration`` = stop. See
Therneau & Grambsch (2000), chapters 3, 7 and 8.

Assumptions: hazards proportional over time within strata (check with
:func:`~wsa_eval.survival.zph.proportional_hazards_test`), censoring independent given the
covariates, log-linear covariate effects.

Speed: risk-set sums are reverse cumulative sums over rows sorted once; tied deaths are
handled as vectors; the information and the score residuals cost ``O(n p^2)`` and ``O(n p)``
(see :mod:`wsa_eval.survival._cox_core`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import check_alpha, check_choice, hash_frame
from ..errors import ConvergenceWarning, EstimationError, InferenceWarning
from ..results import make_spec, tidy_frame
from ._check import prepare_survival
from ._cox_core import RiskSets, fit_newton, score_residuals
from ._results import CoxResult

__all__ = ["cox", "CoxFitData"]


@dataclass(frozen=True)
class CoxFitData:
    """What a fitted model keeps for residual-based follow-ups (sorted row order)."""

    rs: RiskSets
    X: np.ndarray  # centred covariates
    w: np.ndarray
    state: Any
    info: np.ndarray
    time: np.ndarray
    event: np.ndarray
    entry: np.ndarray | None


def _concordance(time: np.ndarray, event: np.ndarray, eta: np.ndarray, w: np.ndarray,
                 strata: np.ndarray | None) -> float:
    """Harrell's C as R ``concordance`` for a Cox fit (ties in the predictor count 1/2).

    A pair (i, j) is comparable when i has the event and j is still at risk after t_i
    (or is censored at t_i); concordant when the earlier event has the higher risk score.
    Counting uses a sort of the risk scores and cumulative sums within each event time,
    ``O(n log n)`` per stratum via a Fenwick tree over score ranks.
    """
    groups = [np.arange(time.shape[0])] if strata is None else [
        np.flatnonzero(strata == s) for s in np.unique(strata)]
    conc = disc = tied = 0.0
    for idx in groups:
        t, e, x, ww = time[idx], event[idx], eta[idx], w[idx]
        ranks = np.unique(x, return_inverse=True)[1].reshape(-1)
        m = int(ranks.max()) + 1
        tree = np.zeros(m + 1)
        total = 0.0
        order = np.lexsort((e, -t))  # descending time; censored (e=0) before events at a tie
        i = 0
        n = len(order)
        while i < n:  # loop over distinct times (events added after being compared)
            j = i
            ti = t[order[i]]
            while j < n and t[order[j]] == ti:
                j += 1
            block = order[i:j]
            cens = block[~e[block]]
            evs = block[e[block]]
            for r_ in cens:  # censored at ti are at risk beyond an event at ti
                k = ranks[r_] + 1
                while k <= m:
                    tree[k] += ww[r_]
                    k += k & -k
                total += ww[r_]
            for r_ in evs:
                k = ranks[r_]  # strictly lower ranks
                below = 0.0
                while k > 0:
                    below += tree[k]
                    k -= k & -k
                k = ranks[r_] + 1
                le = 0.0
                while k > 0:
                    le += tree[k]
                    k -= k & -k
                same = le - below
                conc += ww[r_] * below
                disc += ww[r_] * (total - le)
                tied += ww[r_] * same
            for r_ in evs:
                k = ranks[r_] + 1
                while k <= m:
                    tree[k] += ww[r_]
                    k += k & -k
                total += ww[r_]
            i = j
    denom = conc + disc + tied
    return float((conc + tied / 2) / denom) if denom > 0 else float("nan")


def cox(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    covariates: Sequence[str],
    ties: str = "efron",
    robust: bool = False,
    cluster: str | None = None,
    strata: str | Sequence[str] | None = None,
    weights: str | None = None,
    entry: str | None = None,
    alpha: float = 0.05,
    concordance: bool | None = None,
) -> CoxResult:
    """Fit a Cox proportional-hazards model (formula-free; matches R ``coxph``).

    Parameters
    ----------
    data : DataFrame
        One row per person, or per episode with ``entry`` (not modified).
    duration, event : str
        Exit (stop) time and event indicator (1 = event at the exit time, 0 = censored).
    covariates : list of str
        Numeric columns. For a categorical variable make 0/1 dummy columns first
        (``pd.get_dummies(..., drop_first=True, dtype=float)``). Put the treatment first:
        it becomes the result's headline ``estimate``.
    ties : {"efron", "breslow"}
        Tied event times (Efron 1977, R's default; Breslow 1974).
    robust : bool
        Lin & Wei (1989) sandwich standard errors (R ``robust = TRUE``).
    cluster : str, optional
        Cluster-robust standard errors summing dfbeta residuals within this column's
        levels (implies ``robust``). Use the person id with episode (start/stop) data.
    strata : str or list of str, optional
        Separate baseline hazards by these columns' levels.
    weights : str, optional
        Positive case weights.
    entry : str, optional
        Start of each row's at-risk interval (counting-process form, time-varying
        covariates, delayed entry): the row is at risk on ``(entry, duration]``.
    alpha : float
        1 - confidence level.
    concordance : bool, optional
        Compute Harrell's C (as R's ``concordance``). The count loops over rows in Python,
        so by default (None) it is computed only up to 50,000 rows; pass True to force it.
        Not available with ``entry`` (start/stop data).

    Returns
    -------
    CoxResult
        ``to_frame()``: ``term, estimate (log HR), std_error, statistic, p_value, ci_low,
        ci_high, hazard_ratio, hr_ci_low, hr_ci_high``; ``vcov``, ``loglik``, ``tests``
        (likelihood-ratio, Wald, score), ``concordance``.
    """
    alpha = check_alpha(alpha)
    check_choice("ties", ties, ("efron", "breslow"))
    sd = prepare_survival(data, duration=duration, event=event, covariates=covariates,
                          strata=strata, cluster=cluster, weights=weights, entry=entry)
    names = list(sd.covariates)
    robust = bool(robust) or cluster is not None
    Xraw = sd.X
    sdev = Xraw.std(axis=0)
    const = [c for c, s in zip(names, sdev) if s == 0]
    if const:
        raise EstimationError(
            f"Covariate(s) {', '.join(map(repr, const))} take a single value in the data, so "
            "their effect cannot be estimated; drop them."
        )
    if not sd.event.any():
        raise EstimationError(f"Column {event!r} has no events (all rows censored).")

    rs = RiskSets(sd.time, sd.event, sd.entry, sd.strata, efron=(ties == "efron"))
    o = rs.order
    X = Xraw[o]
    X = X - X.mean(axis=0)
    w = sd.weights[o]
    st, info, st0, info0, iters, converged = fit_newton(rs, X, w)
    warn: list[str] = []
    if not converged:
        msg = (f"The Cox fit did not converge in {iters} iterations; estimates may be "
               "unreliable (often a covariate that almost perfectly predicts the events).")
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        warn.append(msg)
    beta = st.beta
    big = np.abs(beta) * sdev > 15
    if big.any():
        msg = (f"Very large coefficient(s) for {', '.join(np.array(names)[big])}: the "
               "likelihood may be monotone (a covariate separates events from non-events); "
               "treat these estimates and standard errors with caution.")
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        warn.append(msg)
    try:
        V = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise EstimationError("The information matrix is singular at the solution.") from None
    naive = V
    inference = "model-based (inverse information)"
    if not robust and weights is not None and np.any(sd.weights != np.round(sd.weights)):
        msg = ("Non-integer weights (e.g. inverse-probability weights) with model-based "
               "standard errors: these are usually too small or too large; use robust=True "
               "(R's coxph switches to robust errors here by default).")
        warnings.warn(msg, InferenceWarning, stacklevel=2)
        warn.append(msg)
    if robust:
        L = score_residuals(rs, X, w, st)
        D = (L * w[:, None]) @ V
        if cluster is not None:
            cl = sd.cluster[o]
            D = np.column_stack([np.bincount(cl, weights=D[:, j], minlength=sd.n_clusters)
                                 for j in range(D.shape[1])])
            inference = (f"cluster-robust (Lin & Wei 1989 sandwich, {sd.n_clusters} clusters "
                         f"of {cluster!r})")
            if sd.n_clusters < 30:
                msg = (f"Only {sd.n_clusters} clusters of {cluster!r}: cluster-robust "
                       "standard errors can be too small with fewer than about 30 clusters.")
                warnings.warn(msg, InferenceWarning, stacklevel=2)
                warn.append(msg)
        else:
            inference = "robust (Lin & Wei 1989 sandwich)"
        V = D.T @ D
    se = np.sqrt(np.diag(V))
    z = stats.norm.ppf(1 - alpha / 2)
    effects = tidy_frame(names, beta, se, alpha=alpha)
    effects["hazard_ratio"] = np.exp(beta)
    effects["hr_ci_low"] = np.exp(beta - z * se)
    effects["hr_ci_high"] = np.exp(beta + z * se)

    p = len(names)
    lr = 2 * (st.loglik - st0.loglik)
    wald = float(beta @ np.linalg.solve(V, beta))
    score = float(st0.score @ np.linalg.solve(info0, st0.score))
    tests = pd.DataFrame({
        "test": ["likelihood ratio", "Wald", "score (log-rank)"],
        "statistic": [lr, wald, score],
        "df": [p, p, p],
        "p_value": [stats.chi2.sf(lr, p), stats.chi2.sf(wald, p), stats.chi2.sf(score, p)],
    })
    conc = float("nan")
    if concordance is None:
        concordance = sd.n <= 50_000
    if concordance and sd.entry is None:
        eta = Xraw @ beta
        conc = _concordance(sd.time, sd.event, eta, sd.weights, sd.strata)
    vc = pd.DataFrame(V, index=names, columns=names)
    spec = make_spec(
        "cox",
        dict(duration=duration, event=event, covariates=names, ties=ties, robust=robust,
             cluster=cluster, strata=strata, weights=weights, entry=entry, alpha=alpha),
        data_hash=hash_frame(data),
    )
    first = effects.iloc[0]
    fit_data = CoxFitData(rs=rs, X=X, w=w, state=st, info=info, time=sd.time[o],
                          event=sd.event[o], entry=None if sd.entry is None else sd.entry[o])
    return CoxResult(
        method=f"Cox (1972) proportional hazards, {ties.capitalize()} ties",
        spec=spec,
        warnings=tuple(warn),
        estimate=float(first["estimate"]),
        se=float(first["std_error"]),
        ci_low=float(first["ci_low"]),
        ci_high=float(first["ci_high"]),
        p_value=float(first["p_value"]),
        alpha=alpha,
        inference=inference,
        estimand=f"log hazard ratio for {names[0]}",
        effects=effects,
        n_obs=sd.n,
        n_units=sd.n_clusters if cluster is not None else None,
        coef=pd.Series(beta, index=names, name="coef"),
        vcov=vc,
        naive_vcov=pd.DataFrame(naive, index=names, columns=names),
        loglik=st.loglik,
        loglik_null=st0.loglik,
        n_events=float(sd.event.sum()),
        ties=ties,
        robust=robust,
        tests=tests,
        iterations=iters,
        converged=converged,
        concordance=conc,
        covariates=tuple(names),
        fit_data=fit_data,
    )
