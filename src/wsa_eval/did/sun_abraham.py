"""Sun & Abraham (2021) interaction-weighted event-study estimator.

Sun, L. and Abraham, S. (2021), "Estimating dynamic treatment effects in event studies with
heterogeneous treatment effects", Journal of Econometrics 225(2), 175-199.

Step 1 fits a regression with unit and period fixed effects and a full set of
cohort x relative-period interactions for every treated cohort ``g`` (except the reference
relative period, -1 by default):

    Y_it = alpha_i + lambda_t + sum_g sum_{l != ref} delta_{g,l} 1{G_i = g} 1{t - g = l} + e_it

on the treated cohorts and a control cohort ``C``: the never-treated units
(``control_group="never_treated"``) or the last-treated cohort
(``control_group="last_cohort"``, with the
periods from its first treated period on dropped; never-treated units, if any, are kept as
controls too). ``delta_{g,l}`` estimates the cohort-specific average treatment effect
``CATT_{g,l}``. Step 2 averages them with the cohorts' shares at each relative period,

    IW_l = sum_g Pr(G = g | G in cohorts observed at l) * delta_{g,l},

the shares being the sample shares of observations (or of regression weights). Standard errors
are the delta method on the cluster-robust covariance of the interactions plus, with
``share_variance=True`` (default, as in the authors' Stata command ``eventstudyinteract``),
the variance from estimating the shares: for relative period ``l`` with ``n_l`` observations
and shares ``p_l``, ``delta_l' (diag(p_l) - p_l p_l') delta_l / n_l`` (a heteroskedasticity-
robust variance of the share regression, added to the diagonal only, as there). With
``share_variance=False`` the shares are treated as known, as R ``fixest::sunab`` aggregation
and pyfixest do. The covariance matrix of the IW estimates is stored as ``vcov``.

Assumptions: parallel trends between each treated cohort and the control cohort, no
anticipation, staggered adoption. Unlike the binned two-way fixed effects event study, the
estimates are not contaminated by effects at other relative periods when effects differ
across cohorts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._compat import renamed_arguments
from .._utils import check_alpha, check_choice, hash_frame
from ..errors import EstimationError, SpecificationError
from ..results import make_spec, result_dataclass, tidy_frame
from . import _design as D
from .twfe import EventStudyResult

__all__ = ["sun_abraham", "SunAbrahamResult"]


@result_dataclass
class SunAbrahamResult(EventStudyResult):
    """Interaction-weighted event study; ``cohort_effects`` holds the CATT(g, l) cells."""

    cohort_effects: pd.DataFrame = field(default_factory=pd.DataFrame)


def iw_weights(cells: pd.DataFrame) -> pd.DataFrame:
    """Cohort shares within each relative period (``cells`` has ``event_time``, ``mass``)."""
    out = cells.copy()
    out["weight"] = out["mass"] / out.groupby("event_time")["mass"].transform("sum")
    return out


@renamed_arguments(control="control_group", treated_units="treated")
def sun_abraham(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str | None = None,
    treatment: str | None = None,
    treated: Any = None,
    start: Any = None,
    control_group: Literal["never_treated", "last_cohort"] = "never_treated",
    reference: int = -1,
    leads: int | None = None,
    lags: int | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] | None = None,
    share_variance: bool = True,
    alpha: float = 0.05,
) -> SunAbrahamResult:
    """Sun & Abraham (2021) interaction-weighted event study.

    Parameters
    ----------
    data : DataFrame
        Long panel (never modified).
    outcome, unit, time : str
        Column names.
    first_treated, treatment : str
        Each unit's first treated period (0/NaN = never), or a 0/1 treatment column.
    treated, start
        Alternatively, the treated unit label(s) and their first treated period.
    control_group : {"never_treated", "last_cohort"}
        The control cohort (see the module docstring). ``control`` is its old name.
    reference : int
        The omitted relative period (default -1).
    leads, lags : int, optional
        Report event times from ``-leads`` to ``lags`` only (the regression always uses all
        relative periods: binning would reintroduce contamination).
    weights, cluster, covariates, alpha
        Analytic weights, cluster variable (default ``unit``), controls, 1 - confidence.
    share_variance : bool
        Add the variance from estimating the cohort shares (default True; see the module
        docstring).

    Returns
    -------
    SunAbrahamResult
        ``effects`` by ``event_time`` with ``vcov``; the headline ``estimate`` is the average
        of the post-period CATT(g, l) cells weighted by their sizes (the ATT);
        ``cohort_effects`` lists every cell with its weight.
    """
    alpha = check_alpha(alpha)
    check_choice("control_group", control_group, ("never_treated", "last_cohort"))
    if not isinstance(reference, (int, np.integer)) or reference >= 0:
        raise SpecificationError(f"reference must be a negative whole number, not {reference!r}.")
    for nm, v in (("leads", leads), ("lags", lags)):
        if v is not None and (not isinstance(v, (int, np.integer)) or v < 0):
            raise SpecificationError(f"{nm} must be a non-negative whole number, not {v!r}.")
    treatment, treated = D.timing_arguments("sun_abraham", data, unit, treatment, treated,
                                            start)
    p = D.prepare(data, outcome=outcome, unit=unit, time=time, first_treated=first_treated,
                  treatment=treatment, treated=treated, start=start, weights=weights,
                  cluster=cluster, covariates=covariates,
                  control_group="never_treated" if control_group == "never_treated"
                  else "either")
    msgs: list[str] = list(p.warnings)
    g = p.g.copy()
    keep = np.ones(len(g), dtype=bool)
    cohorts = np.unique(g[np.isfinite(g)])
    if control_group == "last_cohort":
        if len(cohorts) < 2:
            raise EstimationError("control_group='last_cohort' needs at least two treated cohorts.")
        g_last = cohorts[-1]
        keep = p.t < g_last
        g = np.where(g == g_last, np.inf, g)  # the last cohort becomes the control cohort
        cohorts = cohorts[:-1]
    rel = D.rel_periods(p)
    trt = np.isfinite(g) & keep
    wt = np.ones(int(trt.sum())) if p.w is None else p.w[trt]
    cells = (pd.DataFrame({"cohort": g[trt], "event_time": rel[trt].astype(int),
                           "mass": wt, "mass2": wt ** 2})
             .groupby(["cohort", "event_time"], as_index=False)[["mass", "mass2"]].sum())
    cells = cells.loc[cells["event_time"] != reference].reset_index(drop=True)
    if cells.empty:
        raise EstimationError("No treated observations away from the reference period.")
    # design: one dummy per (cohort, event time) cell
    key = pd.MultiIndex.from_arrays([g, np.where(np.isfinite(rel), rel, -10**9).astype(int)])
    cell_index = pd.MultiIndex.from_frame(cells[["cohort", "event_time"]])
    col = cell_index.get_indexer(key)
    col[~trt] = -1
    Xd = np.zeros((len(g), len(cells)))
    rows = np.flatnonzero(col >= 0)
    Xd[rows, col[rows]] = 1.0
    cell_names = [f"cohort={_fmt(c)}:{D.event_term(e)}" for c, e in
                  zip(cells["cohort"], cells["event_time"])]
    X = Xd if p.X is None else np.column_stack([Xd, p.X])
    names = cell_names + list(p.covariates)
    w = None if p.w is None else p.w[keep]
    fit = None
    if w is None:  # balanced and unweighted: exact two-way demeaning, no iterative solver
        fit = _fit_balanced(p.y[keep], X[keep], p.unit_codes[keep], p.time_codes[keep],
                            p.cluster_codes[keep])
    if fit is None:
        fit = D.fit_twoway(p.y[keep], X[keep], p.unit_codes[keep], p.time_codes[keep],
                           p.cluster_codes[keep], w, names)
    nc = len(cells)
    delta, Vd = fit.params[:nc], fit.vcov[:nc, :nc]
    cells = iw_weights(cells)
    cells["estimate"] = delta
    cells["std_error"] = np.sqrt(np.diag(Vd))
    etimes = np.sort(cells["event_time"].unique())
    lo = -np.inf if leads is None else -int(leads)
    hi = np.inf if lags is None else int(lags)
    etimes = etimes[(etimes >= lo) & (etimes <= hi)]
    if len(etimes) == 0:
        raise SpecificationError("No event time falls inside the leads/lags window.")
    A = np.zeros((len(etimes), nc))
    for j, e in enumerate(etimes):
        m = (cells["event_time"] == e).to_numpy()
        A[j, m] = cells.loc[m, "weight"].to_numpy()
    b = A @ delta
    V = A @ Vd @ A.T
    if share_variance:
        V = V + np.diag([_share_var(cells, (cells["event_time"] == e).to_numpy())
                         for e in etimes])
    terms = [D.event_term(e) for e in etimes]
    eff = tidy_frame(terms, b, np.sqrt(np.diag(V)), alpha=alpha,
                     extra={"event_time": etimes.astype(int)})
    post_cells = (cells["event_time"] >= 0).to_numpy()
    if post_cells.any():
        a = np.where(post_cells, cells["mass"], 0.0)
        a = a / a.sum()
        est_att, se_att = D.lincomb(delta, Vd, a)
        if share_variance:  # cells of one unit are treated as independent here
            se_att = float(np.sqrt(se_att ** 2 + _share_var(cells, post_cells)))
        h = D.headline(est_att, se_att, alpha)
    else:
        h = D.headline(np.nan, np.nan, alpha)
    pre = etimes < 0
    pw = D.wald_zero(b[pre], V[np.ix_(pre, pre)])
    D.few_clusters_warning(p, msgs)
    ce = tidy_frame(cell_names, delta, np.sqrt(np.diag(Vd)), alpha=alpha,
                    extra={"cohort": cells["cohort"].to_numpy(),
                           "event_time": cells["event_time"].to_numpy(),
                           "weight": cells["weight"].to_numpy(),
                           "n_obs_or_weight": cells["mass"].to_numpy()})
    spec = make_spec("sun_abraham", dict(
        outcome=outcome, unit=unit, time=time, first_treated=first_treated,
        treatment=treatment, treated=treated, start=start,
        control_group=control_group, reference=reference, leads=leads, lags=lags, weights=weights,
        cluster=cluster, covariates=list(p.covariates), share_variance=share_variance,
        alpha=alpha),
        data_hash=hash_frame(data))
    return SunAbrahamResult(
        method="Sun & Abraham (2021) interaction-weighted event study", spec=spec,
        diagnostics={"pretrend_wald": pw, "n_clusters": fit.n_clusters,
                     "n_treated_clusters": D.treated_clusters(p), "control_group": control_group,
                     "cohorts": [float(c) for c in cohorts]},
        warnings=tuple(msgs), alpha=alpha,
        inference=(f"delta method on cluster-robust (CR1) covariance, clustered by "
                   f"{p.cluster_name!r}; "
                   + ("plus cohort-share estimation variance" if share_variance
                      else "cohort shares treated as known")),
        estimand="average treatment effect on the treated (post-period cells, size-weighted)",
        effects=eff, vcov=pd.DataFrame(V, index=terms, columns=terms),
        reference=int(reference), cohort_effects=ce, n_obs=fit.n_obs, n_units=len(p.units),
        n_treated=int(len(np.unique(p.unit_codes[trt]))), **h,
    )


def _fit_balanced(y: np.ndarray, X: np.ndarray, unit_codes: np.ndarray,
                  time_codes: np.ndarray, cluster_codes: np.ndarray) -> D.TwoWayFit | None:
    """The regression of :func:`wsa_eval.did._design.fit_twoway` for a balanced, unweighted
    panel (None otherwise), without linearmodels (internal).

    With every unit observed once in every period the within transformation is exact:
    ``x_it - mean_i(x) - mean_t(x) + mean(x)``. OLS on the demeaned data gives the same
    coefficients, and the cluster sandwich ``(X'X)^-1 (sum_c s_c s_c') (X'X)^-1`` with
    ``s_c`` the summed scores of cluster ``c`` times fixest's CR1 factor the same covariance,
    as ``PanelOLS`` (fast two-way path, ``debiased=False``) does. Products are formed with
    ``einsum``, not multi-threaded BLAS, which is slow on a busy shared machine.
    """
    _, u = np.unique(unit_codes, return_inverse=True)
    _, t = np.unique(time_codes, return_inverse=True)
    nu, nt = int(u.max()) + 1, int(t.max()) + 1
    n, k = X.shape
    if n != nu * nt or nt < 2 or nu < 2:
        return None
    pos = u * nt + t
    if np.bincount(pos, minlength=n).max() != 1:
        return None
    order = np.argsort(pos, kind="stable")  # rows as a units x periods grid
    Z = np.column_stack([y, X])[order].reshape(nu, nt, k + 1)
    Zd = (Z - Z.mean(axis=1, keepdims=True) - Z.mean(axis=0, keepdims=True)
          + Z.mean(axis=(0, 1), keepdims=True)).reshape(n, k + 1)
    yd, Xd = Zd[:, 0], Zd[:, 1:]
    scale = np.sqrt(np.einsum("ij,ij->j", X, X))
    norm_d = np.sqrt(np.einsum("ij,ij->j", Xd, Xd))
    if np.any(norm_d <= 1e-8 * np.maximum(scale, 1e-300)):
        raise EstimationError(
            "A regressor is fully explained by the unit and period fixed effects, so its "
            "effect cannot be estimated. Check the leads/lags and the control group.")
    xtx = np.einsum("ij,ik->jk", Xd, Xd)
    if np.linalg.matrix_rank(xtx / np.outer(norm_d, norm_d)) < k:
        raise EstimationError(
            "The regressors are collinear once unit and period fixed effects are removed "
            "(for an event study without never-treated units, bin the end points or use "
            "fewer leads and lags).")
    b = np.linalg.solve(xtx, np.einsum("ij,i->j", Xd, yd))
    eps = yd - np.einsum("ij,j->i", Xd, b)
    cl = cluster_codes[order]
    _, cl = np.unique(cl, return_inverse=True)
    G = int(cl.max()) + 1
    if G < 2:
        return None  # let fit_twoway report it
    xe = Xd * eps[:, None]
    scores = np.column_stack([np.bincount(cl, weights=xe[:, j], minlength=G)
                              for j in range(k)])
    bread = np.linalg.inv(xtx)
    V0 = bread @ np.einsum("gj,gk->jk", scores, scores) @ bread
    V0 = (V0 + V0.T) / 2
    # fixest's CR1 factor, as fit_twoway applies it
    k_fe = 0
    unit_nested = D.nested(unit_codes, cluster_codes)
    time_nested = D.nested(time_codes, cluster_codes)
    k_fe += 0 if unit_nested else nu
    k_fe += 0 if time_nested else nt
    k_fe -= 1 if not (unit_nested or time_nested) else 0
    K = k + k_fe
    factor = (G / (G - 1)) * ((n - 1) / (n - K)) if G > 1 and n > K else np.nan
    resid = y - np.einsum("ij,j->i", X, b)
    return D.TwoWayFit(params=b, vcov=V0 * factor, resid=resid, n_obs=n, n_clusters=G,
                       df_resid=n - nu - nt + 1 - k)


def _share_var(cells: pd.DataFrame, mask: np.ndarray) -> float:
    """Variance of ``sum_c p_c delta_c`` from estimating the shares ``p`` (internal).

    ``p_c = mass_c / sum(mass)`` over the cells in ``mask`` (``mass`` = sum of regression
    weights, or counts); treating observations as independent (a robust variance of the
    share regression, as ``eventstudyinteract`` does), the variance is
    ``sum_c mass2_c (delta_c - delta_bar)^2 / (sum mass)^2`` with ``mass2`` the sum of squared
    weights; with counts it is ``(sum p delta^2 - delta_bar^2) / n``.
    """
    c = cells.loc[mask]
    m = c["mass"].to_numpy()
    d = c["estimate"].to_numpy()
    tot = float(m.sum())
    if tot <= 0:
        return 0.0
    dbar = float((m * d).sum() / tot)
    return float((c["mass2"].to_numpy() * (d - dbar) ** 2).sum() / tot ** 2)


def _fmt(c: float) -> str:
    return str(int(c)) if float(c).is_integer() else str(c)
