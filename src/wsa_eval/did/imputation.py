"""Borusyak, Jaravel & Spiess (2024) imputation estimator for staggered adoption.

Borusyak, K., Jaravel, X. and Spiess, J. (2024), "Revisiting event-study designs: robust and
efficient estimation", Review of Economic Studies 91(6), 3253-3285.

1. Fit ``Y_it = alpha_i + lambda_t (+ X_it gamma) + e_it`` by (weighted) least squares on
   the untreated observations only (never-treated units and not-yet-treated periods).
2. Impute the untreated potential outcome of every treated observation,
   ``Y_it(0) = alpha_i + lambda_t (+ X_it gamma)``, and its effect
   ``tau_it = Y_it - Y_it(0)``.
3. Average: the ATT (all treated observations) and one estimate per horizon (event time
   ``t - G_i = h``), with weights proportional to the regression weights (equal by default).

Standard errors follow the paper's Theorem 3 (as in Stata ``did_imputation`` and R
``didimputation``): every estimate is linear in the outcomes, ``sum_it v_it Y_it``, with
``v_it = w_it`` on treated observations and ``v = -W0 Z0 (Z0'W0 Z0)^{-1} Z1' w1`` on untreated
ones; the variance is ``sum_clusters (sum_{it in c} v_it e_it)^2``, where ``e_it`` is the
step-1 residual for untreated observations and ``tau_it - tau_bar`` for treated ones,
``tau_bar`` being the average effect in the observation's cohort x horizon group weighted by
``v_j`` times the total ``v`` of ``j``'s cluster in the group (``v_j^2`` when clustering by
unit; as in Stata ``did_imputation``). With ``leave_out=True`` (default; the paper
recommends it for small groups) ``tau_bar`` leaves out the observation's own cluster, which
keeps the variance conservative when groups are small. The covariance between horizons is
computed the same way (``vcov``).

The optional pre-trend test (the paper's Section 4.4) regresses the outcome on unit and
period fixed effects and dummies for the ``pretrends`` periods before treatment, on the
untreated observations only, and reports those coefficients (negative event times) with a
joint Wald test. Their covariance with the post-treatment estimates is not computed, so
``vcov`` covers the post-treatment horizons only.

Assumptions: parallel trends for untreated potential outcomes (unit and period effects are
additive), no anticipation, staggered adoption; treatment effects may vary freely across
units and periods.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from .._compat import renamed_arguments
from .._utils import check_alpha, hash_frame
from ..errors import DataWarning, EstimationError, SpecificationError, format_examples
from ..results import make_spec, result_dataclass, tidy_frame
from . import _design as D
from .twfe import EventStudyResult

__all__ = ["imputation", "ImputationResult", "impute_core"]


@result_dataclass
class ImputationResult(EventStudyResult):
    """Imputation estimates; ``effects`` by ``event_time``, headline = overall ATT."""


def _fe_design(unit_codes: np.ndarray, time_codes: np.ndarray, X: np.ndarray | None,
               n_units: int, n_times: int) -> sp.csr_matrix:
    """Sparse [unit dummies | period dummies without the first | covariates]."""
    n = len(unit_codes)
    rows = np.arange(n)
    U = sp.csr_matrix((np.ones(n), (rows, unit_codes)), shape=(n, n_units))
    T = sp.csr_matrix((np.ones(n), (rows, time_codes)), shape=(n, n_times))[:, 1:]
    blocks = [U, T]
    if X is not None:
        blocks.append(sp.csr_matrix(X))
    return sp.hstack(blocks, format="csr")


def impute_core(
    y: np.ndarray, treated: np.ndarray, unit_codes: np.ndarray, time_codes: np.ndarray,
    cluster_codes: np.ndarray, groups: np.ndarray, targets: np.ndarray,
    w: np.ndarray | None = None, X: np.ndarray | None = None, leave_out: bool = True,
) -> dict[str, np.ndarray]:
    """The imputation estimator and its variance (pure numpy/scipy).

    Parameters
    ----------
    y : (n,) outcomes; treated : (n,) bool; unit/time/cluster codes : (n,) ints;
    groups : (n,) ints, the cohort x horizon group of each treated row (ignored elsewhere);
    targets : (n, m) estimand weights, zero on untreated rows (each column sums to one);
    w : (n,) regression weights; X : (n, p) covariates.

    Returns a dict with ``estimate`` (m,), ``vcov`` (m, m), ``tau`` (n,) (NaN on untreated
    rows), ``v`` (n, m) and ``n_singleton`` (groups with one cluster under leave-out).
    """
    n = len(y)
    w = np.ones(n) if w is None else np.asarray(w, dtype=float)
    n_units = int(unit_codes.max()) + 1
    n_times = int(time_codes.max()) + 1
    Z = _fe_design(unit_codes, time_codes, X, n_units, n_times)
    u = ~treated
    Z0, Z1 = Z[u], Z[treated]
    A = (Z0.T @ sp.diags(w[u]) @ Z0).tocsc()
    try:
        lu = splu(A)
        b = lu.solve(Z0.T @ (w[u] * y[u]))
    except RuntimeError as exc:
        raise EstimationError(
            "The fixed effects cannot be estimated from the untreated observations (a unit "
            "or period has none, or the covariates are collinear)."
        ) from exc
    if not np.all(np.isfinite(b)):
        raise EstimationError("The untreated-observation regression has no unique solution.")
    fitted = Z @ b
    resid = y - fitted
    tau = np.where(treated, resid, np.nan)
    T1 = targets[treated]
    est = T1.T @ resid[treated]
    # v on untreated observations: -W0 Z0 A^{-1} Z1' w1
    R = np.asarray(Z1.T @ T1)
    sol = lu.solve(R) if R.ndim == 2 else lu.solve(R[:, None])
    v = np.array(targets, dtype=float, copy=True)
    v[u] = -(w[u][:, None] * np.asarray(Z0 @ sol))
    # residuals for the variance: untreated = step-1 residuals; treated = tau - tau_bar
    m = targets.shape[1]
    S = np.zeros((int(cluster_codes.max()) + 1, m))
    n_single = 0
    tr_idx = np.flatnonzero(treated)
    g1 = groups[tr_idx]
    c1 = cluster_codes[tr_idx]
    for j in range(m):
        eps = np.where(u, resid, 0.0)
        v1 = v[tr_idx, j]
        # weight of each treated observation in its group's average effect: v_j times the
        # total v of its cluster in the group (v_j^2 when each cluster has one observation
        # per group, e.g. clustering by unit with cohort x horizon groups)
        frame = pd.DataFrame({"g": g1, "c": c1, "v": v1})
        cw = frame.groupby(["g", "c"])["v"].transform("sum").to_numpy()
        sw = cw * v1
        frame = pd.DataFrame({"g": g1, "c": c1, "num": sw * tau[tr_idx], "den": sw})
        gs = frame.groupby("g")[["num", "den"]].transform("sum")
        if leave_out:
            gc = frame.groupby(["g", "c"])[["num", "den"]].transform("sum")
            num = gs["num"].to_numpy() - gc["num"].to_numpy()
            den = gs["den"].to_numpy() - gc["den"].to_numpy()
            single = den <= 0
            n_single += int(((sw > 0) & single).sum())
            num = np.where(single, gs["num"].to_numpy(), num)
            den = np.where(single, gs["den"].to_numpy(), den)
        else:
            num, den = gs["num"].to_numpy(), gs["den"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            tbar = np.where(den > 0, num / den, 0.0)
        eps[tr_idx] = tau[tr_idx] - tbar
        np.add.at(S[:, j], cluster_codes, v[:, j] * eps)
    V = S.T @ S
    return {"estimate": est, "vcov": V, "tau": tau, "v": v, "n_singleton": np.array(n_single)}


@renamed_arguments(treated_units="treated")
def imputation(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str | None = None,
    treatment: str | None = None,
    treated: Any = None,
    start: Any = None,
    horizons: Sequence[int] | None = None,
    pretrends: int | bool | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] | None = None,
    leave_out: bool = True,
    alpha: float = 0.05,
) -> ImputationResult:
    """Borusyak, Jaravel & Spiess (2024) imputation estimator.

    Parameters
    ----------
    data : DataFrame
        Long panel (never modified); need not be balanced.
    outcome, unit, time : str
        Column names.
    first_treated, treatment : str
        Each unit's first treated period (0/NaN = never), or a 0/1 treatment column.
    treated, start
        Alternatively, the treated unit label(s) and their first treated period.
    horizons : list of int, optional
        Event times (>= 0) to estimate (default: every observed one). The overall ATT
        averages the treated observations at these horizons.
    pretrends : int or True, optional
        Number of pre-treatment periods to test (True: all); see the module docstring.
    weights : str, optional
        Analytic weights: used in step 1 and to weight the treated observations.
    cluster : str, optional
        Cluster variable (default ``unit``).
    covariates : list of str, optional
        Time-varying controls in the model for Y(0).
    leave_out : bool
        Leave-out averaging of effects in the variance (default True).
    alpha : float
        1 - confidence level.
    """
    alpha = check_alpha(alpha)
    treatment, treated = D.timing_arguments("imputation", data, unit, treatment, treated,
                                            start)
    p = D.prepare(data, outcome=outcome, unit=unit, time=time, first_treated=first_treated,
                  treatment=treatment, treated=treated, start=start, weights=weights,
                  cluster=cluster, covariates=covariates)
    msgs: list[str] = list(p.warnings)
    rel = D.rel_periods(p)
    trt = np.isfinite(p.g) & (rel >= 0)
    # treated rows that cannot be imputed: their period, or their unit, has no untreated
    # observation (e.g. a unit first observed after its start in an unbalanced panel)
    untreated_times = np.unique(p.time_codes[~trt])
    untreated_units = np.unique(p.unit_codes[~trt])
    ok_t = ~trt | np.isin(p.time_codes, untreated_times)
    ok_u = ~trt | np.isin(p.unit_codes, untreated_units)
    ok = ok_t & ok_u
    if not ok_t.all():
        bad = np.unique(p.times[p.time_codes[~ok_t]])
        msg = (f"Dropped {int((~ok_t).sum())} treated observation(s) in period(s) "
               f"{format_examples([_fmt(t) for t in bad], quote=False)}, where every unit is "
               "already treated: their untreated outcome cannot be imputed.")
        msgs.append(msg)
        warnings.warn(msg, DataWarning, stacklevel=3)
    if not ok_u.all():
        bad_u = list(p.units[np.unique(p.unit_codes[~ok_u])])
        msg = (f"Dropped unit(s) {format_examples(bad_u)}: they are never observed before "
               "treatment, so their untreated outcome cannot be imputed.")
        msgs.append(msg)
        warnings.warn(msg, DataWarning, stacklevel=3)
    keep = ok.copy()
    all_h = np.unique(rel[trt & ok]).astype(int)
    if horizons is None:
        hz = all_h
    else:
        hz = np.asarray(sorted(set(int(h) for h in horizons)))
        if (hz < 0).any():
            raise SpecificationError("horizons must be event times >= 0 (use pretrends= for "
                                     "pre-treatment periods).")
        missing = [h for h in hz if h not in set(all_h)]
        if missing:
            raise SpecificationError(f"No treated observation at horizon(s) "
                                     f"{format_examples(missing, quote=False)}; available: "
                                     f"{format_examples(list(all_h), 30, quote=False)}.")
        # treated rows at other horizons are left out of the estimation entirely
        keep &= ~trt | np.isin(rel, hz)
    if len(hz) == 0:
        raise EstimationError("No treated observation can be imputed.")
    y, uc, tc, cc = p.y[keep], p.unit_codes[keep], p.time_codes[keep], p.cluster_codes[keep]
    tr = trt[keep]
    rk = rel[keep]
    wk = None if p.w is None else p.w[keep]
    ww = np.ones(len(y)) if wk is None else wk
    Xk = None if p.X is None else p.X[keep]
    targets = np.zeros((len(y), len(hz) + 1))
    for j, h in enumerate(hz):
        m = tr & (rk == h)
        targets[m, j] = ww[m] / ww[m].sum()
    targets[tr, -1] = ww[tr] / ww[tr].sum()
    gk = p.g[keep]
    grp = pd.factorize(pd.Series(list(zip(np.where(tr, gk, 0), np.where(tr, rk, 0)))))[0]
    # re-code units/times compactly after dropping rows
    uc = pd.factorize(uc, sort=True)[0]
    tc = pd.factorize(tc, sort=True)[0]
    core = impute_core(y, tr, uc, tc, cc, grp, targets, wk, Xk, leave_out=leave_out)
    if core["n_singleton"] > 0 and leave_out:
        msg = ("Some cohort x horizon groups hold a single cluster, so the leave-out average "
               "effect is not available there; the full-group average was used, which can "
               "understate the standard error.")
        msgs.append(msg)
        warnings.warn(msg, DataWarning, stacklevel=3)
    est, V = core["estimate"], core["vcov"]
    se = np.sqrt(np.diag(V))
    terms = [D.event_term(h) for h in hz]
    eff = tidy_frame(terms, est[:-1], se[:-1], alpha=alpha, extra={"event_time": hz})
    diagnostics: dict = {"n_clusters": int(len(np.unique(cc))),
                         "n_treated_clusters": D.treated_clusters(p),
                         "n_treated_obs": int(tr.sum()), "n_untreated_obs": int((~tr).sum())}
    if pretrends:
        pre_eff, pw = _pretrend(p, rel, trt, pretrends, alpha)
        eff = pd.concat([pre_eff, eff], ignore_index=True)
        diagnostics["pretrend_wald"] = pw
    else:
        diagnostics["pretrend_wald"] = {"stat": np.nan, "df": 0, "p_value": np.nan}
    h = D.headline(est[-1], se[-1], alpha)
    D.few_clusters_warning(p, msgs)
    spec = make_spec("imputation", dict(
        outcome=outcome, unit=unit, time=time, first_treated=first_treated,
        treatment=treatment, treated=treated, start=start,
        horizons=None if horizons is None else [int(x) for x in hz], pretrends=pretrends,
        weights=weights, cluster=cluster, covariates=list(p.covariates), leave_out=leave_out,
        alpha=alpha), data_hash=hash_frame(data))
    return ImputationResult(
        method="Borusyak, Jaravel & Spiess (2024) imputation", spec=spec,
        diagnostics=diagnostics, warnings=tuple(msgs), alpha=alpha,
        inference=(f"BJS conservative clustered variance ({'leave-out, ' if leave_out else ''}"
                   f"clustered by {p.cluster_name!r})"),
        estimand="average treatment effect on the treated (all imputed treated observations)",
        effects=eff, vcov=pd.DataFrame(V[:-1, :-1], index=terms, columns=terms),
        reference=-1, n_obs=int(len(y)), n_units=len(np.unique(uc)),
        n_treated=int(len(np.unique(uc[tr]))), **h,
    )


def _pretrend(p: D.Prepared, rel: np.ndarray, trt: np.ndarray, k: int | bool,
              alpha: float) -> tuple[pd.DataFrame, dict]:
    """BJS pre-trend test on untreated observations: dummies for event times -1..-k."""
    u = ~trt
    pre_rel = rel[u & np.isfinite(p.g)]
    if pre_rel.size == 0:
        raise EstimationError("No pre-treatment observation of a treated unit to test.")
    kmax = int(-pre_rel.min())
    k = kmax if k is True else int(k)
    if k < 1:
        raise SpecificationError(f"pretrends must be a positive whole number, not {k!r}.")
    if k >= kmax:
        k = kmax - 1  # one pre-period must stay the reference for identification
        if k < 1:
            raise EstimationError("Too few pre-treatment periods for a pre-trend test.")
    etimes = list(range(-k, 0))
    Xd = np.column_stack([(np.isfinite(p.g) & (rel == e)).astype(float) for e in etimes])
    X = Xd if p.X is None else np.column_stack([Xd, p.X])
    names = [D.event_term(e) for e in etimes] + list(p.covariates)
    fit = D.fit_twoway(p.y[u], X[u], p.unit_codes[u], p.time_codes[u], p.cluster_codes[u],
                       None if p.w is None else p.w[u], names)
    b, V = fit.params[:k], fit.vcov[:k, :k]
    eff = tidy_frame(names[:k], b, np.sqrt(np.diag(V)), alpha=alpha,
                     extra={"event_time": etimes})
    return eff, D.wald_zero(b, V)


def _fmt(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else str(t)
