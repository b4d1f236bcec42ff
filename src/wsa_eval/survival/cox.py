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
from ._check import prepare_survival, used_columns
from ._cox_core import RiskSets, fit_newton, score_residuals, weighted_gram
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


def _sorted_centred(Xraw: np.ndarray, rs: RiskSets) -> np.ndarray:
    """``Xraw[rs.order] - mean`` as a Fortran-ordered array."""
    X = rs.permute(Xraw)
    X -= Xraw.mean(axis=0)
    return X


def _concordance(time: np.ndarray, event: np.ndarray, eta: np.ndarray, w: np.ndarray,
                 strata: np.ndarray | None) -> float:
    """Harrell's C as R's ``concordance`` for a Cox fit (ties in the predictor count 1/2).

    A pair is comparable when person i has the event and person j (same stratum) is still
    at risk after ``t_i`` or is censored at ``t_i``; it is concordant when i has the higher
    risk score. Counting is offline 2-D dominance counting (for each event, the weight of
    comparable people with a lower score) done level by level as in a bottom-up merge sort,
    ``O(n log^2 n)`` in vectorised numpy.
    """
    n = time.shape[0]
    st = np.zeros(n, dtype=np.int64) if strata is None else strata.astype(np.int64)
    n_strata = int(st.max()) + 1
    rank = np.unique(eta, return_inverse=True)[1].reshape(-1).astype(np.int64)
    m = int(rank.max()) + 2
    # people ordered by stratum, time descending, censored before events at a tie
    order = np.lexsort((event, -time, st))
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    ev = np.flatnonzero(event)
    # an event's comparable set: people before the first event of its (stratum, time)
    key_t = np.stack([st[order], time[order], event[order]])
    first = np.ones(n, dtype=bool)
    first[1:] = np.any(key_t[:, 1:] != key_t[:, :-1], axis=0)
    grp_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    q_pos = grp_start[pos[ev]]
    # one sequence: people at 2*pos + 1, queries (events) at 2*q_pos
    seq_key = np.concatenate([2 * pos + 1, 2 * q_pos])
    seq_rank = np.concatenate([rank, rank[ev]])
    seq_st = np.concatenate([st, st[ev]])
    seq_w = np.concatenate([w, np.zeros(ev.shape[0])])
    is_q = np.concatenate([np.zeros(n, bool), np.ones(ev.shape[0], bool)])
    o = np.argsort(seq_key, kind="stable")
    seq_rank, seq_st, seq_w, is_q = seq_rank[o], seq_st[o], seq_w[o], is_q[o]
    qi = np.flatnonzero(is_q)
    less = np.zeros(qi.shape[0])
    leq = np.zeros(qi.shape[0])
    idx = np.arange(seq_key.shape[0], dtype=np.int64)
    level = 0
    while (1 << level) < idx.shape[0]:
        block = idx >> level
        pair = block >> 1
        left = ((block & 1) == 0) & ~is_q
        lk = (pair[left] * n_strata + seq_st[left]) * m + seq_rank[left]
        lo_ = np.argsort(lk, kind="stable")
        lk = lk[lo_]
        cw = np.concatenate([[0.0], np.cumsum(seq_w[left][lo_])])
        right_q = (block[qi] & 1) == 1
        qq = qi[right_q]
        base = (pair[qq] * n_strata + seq_st[qq]) * m
        start = cw[np.searchsorted(lk, base, side="left")]
        less[right_q] += cw[np.searchsorted(lk, base + seq_rank[qq], side="left")] - start
        leq[right_q] += cw[np.searchsorted(lk, base + seq_rank[qq], side="right")] - start
        level += 1
    # weight of all comparable people for each event (same stratum, before its group)
    cum_all = np.concatenate([[0.0], np.cumsum(w[order])])
    strat_start = np.searchsorted(st[order], st[ev], side="left")
    total = cum_all[q_pos] - cum_all[strat_start]
    # events appear in qi in the order of their sequence key; map back
    ev_order = o[qi] - n
    wi = w[ev][ev_order]
    tot = total[ev_order]
    conc = float(wi @ less)
    tied = float(wi @ (leq - less))
    disc = float(wi @ (tot - leq))
    denom = conc + disc + tied
    return (conc + tied / 2) / denom if denom > 0 else float("nan")


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
    spread = Xraw.max(axis=0) - Xraw.min(axis=0)
    const = [c for c, s in zip(names, spread) if s == 0]
    if const:
        raise EstimationError(
            f"Covariate(s) {', '.join(map(repr, const))} take a single value in the data, so "
            "their effect cannot be estimated; drop them."
        )
    if not sd.event.any():
        raise EstimationError(f"Column {event!r} has no events (all rows censored).")

    rs = RiskSets(sd.time, sd.event, sd.entry, sd.strata, efron=(ties == "efron"))
    X = _sorted_centred(Xraw, rs)
    w = np.ones(sd.n) if weights is None else rs.permute(sd.weights)
    st, info, st0, info0, iters, converged = fit_newton(rs, X, w)
    warn: list[str] = []
    if not converged:
        msg = (f"The Cox fit did not converge in {iters} iterations; estimates may be "
               "unreliable (often a covariate that almost perfectly predicts the events).")
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        warn.append(msg)
    beta = st.beta
    # standard deviation <= half the range: compute it only where it could matter
    big = np.abs(beta) * spread > 15
    if big.any():
        big[big] = np.abs(beta[big]) * Xraw[:, big].std(axis=0) > 15
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
        # dfbeta residuals D = diag(w) L V; the sandwich is D'D (summed within clusters
        # first), computed as V (L' W^2 L) V without forming D row by row
        L = score_residuals(rs, X, w, st)
        if cluster is not None:
            cl = rs.permute(sd.cluster)
            Lw = L if weights is None else L * w[:, None]
            U = np.column_stack([np.bincount(cl, weights=Lw[:, j], minlength=sd.n_clusters)
                                 for j in range(Lw.shape[1])])
            meat = U.T @ U
            inference = (f"cluster-robust (Lin & Wei 1989 sandwich, {sd.n_clusters} clusters "
                         f"of {cluster!r})")
            if sd.n_clusters < 30:
                msg = (f"Only {sd.n_clusters} clusters of {cluster!r}: cluster-robust "
                       "standard errors can be too small with fewer than about 30 clusters.")
                warnings.warn(msg, InferenceWarning, stacklevel=2)
                warn.append(msg)
        else:
            inference = "robust (Lin & Wei 1989 sandwich)"
            meat = weighted_gram(L, None if weights is None else w * w)
        V = V @ meat @ V
        V = (V + V.T) / 2
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
        concordance = sd.n <= 200_000
    if concordance and sd.entry is None:
        eta = Xraw @ beta
        conc = _concordance(sd.time, sd.event, eta, sd.weights, sd.strata)
    vc = pd.DataFrame(V, index=names, columns=names)
    spec = make_spec(
        "cox",
        dict(duration=duration, event=event, covariates=names, ties=ties, robust=robust,
             cluster=cluster, strata=strata, weights=weights, entry=entry, alpha=alpha),
        data_hash=hash_frame(data[used_columns(duration, event, names, cluster, strata,
                                                weights, entry)]),
    )
    first = effects.iloc[0]
    fit_data = CoxFitData(rs=rs, X=X, w=w, state=st, info=info, time=rs.permute(sd.time),
                          event=rs.permute(sd.event),
                          entry=None if sd.entry is None else rs.permute(sd.entry))
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
