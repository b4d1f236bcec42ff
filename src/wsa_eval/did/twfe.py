"""Canonical 2x2 difference-in-differences, static two-way fixed effects and the event study.

* :func:`did2x2`: the canonical comparison of two groups in two periods (before and after a
  common start), ``(Y_T,post - Y_T,pre) - (Y_C,post - Y_C,pre)``, estimated as the
  interaction coefficient of an OLS regression, with unit-clustered standard errors.
* :func:`twfe`: ``Y_it = alpha_i + lambda_t + beta D_it (+ X_it gamma) + e_it`` fitted with
  linearmodels' ``PanelOLS`` (unit and period fixed effects absorbed; optional analytic
  weights such as population; cluster-robust standard errors, clustered by unit by default).
* :func:`event_study`: the dynamic specification
  ``Y_it = alpha_i + lambda_t + sum_{e != ref} beta_e 1{t - G_i = e} + e_it`` with the end
  points binned (all leads beyond ``leads`` pooled into the first bin, all lags beyond
  ``lags`` into the last), as in e.g. Schmidheiny & Siegloch (2023, J. Applied Econometrics).

Assumptions: parallel trends in untreated outcomes, no anticipation, staggered adoption (once
treated, always treated). With staggered timing and effects that vary across cohorts or over
time, the static TWFE coefficient is a weighted average of 2x2 comparisons some of which use
already-treated units as controls (Goodman-Bacon 2021, J. Econometrics 225(2); see
:func:`wsa_eval.did.bacon.bacon_decomposition`), and event-study coefficients can be
contaminated by effects at other horizons (Sun & Abraham 2021, J. Econometrics 225(2)). Prefer
:func:`~wsa_eval.did.sun_abraham.sun_abraham`, :func:`~wsa_eval.did.imputation.imputation`
or Callaway & Sant'Anna there. Cluster-robust standard errors need many treated clusters
(Conley & Taber 2011, REStat 93(1)); with few, use ``wsa_eval.inference``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._compat import renamed_arguments
from .._utils import check_alpha, hash_frame, require_columns, require_frame
from ..errors import DataWarning, EstimationError, SpecificationError, format_examples
from ..results import EffectResult, make_spec, result_dataclass, tidy_frame
from . import _design as D

__all__ = ["did2x2", "twfe", "event_study", "TWFEResult", "EventStudyResult"]


@result_dataclass
class TWFEResult(EffectResult):
    """A (static) regression DiD estimate; ``vcov`` is the coefficients' covariance matrix."""

    vcov: pd.DataFrame = field(default_factory=pd.DataFrame)


@result_dataclass
class EventStudyResult(EffectResult):
    """Event-study coefficients by event time.

    ``effects`` has an ``event_time`` column after the tidy columns; ``vcov`` is the
    covariance matrix of the event-time coefficients (rows and columns named by ``term``),
    which the pre-trend test and HonestDiD sensitivity analysis use. ``reference`` is the
    omitted event time (normalised to zero).
    """

    vcov: pd.DataFrame = field(default_factory=pd.DataFrame)
    reference: int = -1

    _plot_kinds: ClassVar[dict[str, str]] = {
        "event_study": "wsa_eval.plotting:event_study_plot",
        "effects": "wsa_eval.plotting:effects_plot",
    }
    _default_plot: ClassVar[str | None] = "event_study"

    @property
    def pre_period(self) -> pd.DataFrame:
        """The event-time coefficients before treatment (event_time < 0)."""
        return self.effects.loc[self.effects["event_time"] < 0].copy()

    @property
    def post_period(self) -> pd.DataFrame:
        return self.effects.loc[self.effects["event_time"] >= 0].copy()

    def interpret(self) -> str:
        text = super().interpret()
        pw = self.diagnostics.get("pretrend_wald") if self.diagnostics else None
        if pw and pw.get("df"):
            if pw["p_value"] < self.alpha:
                text += (f" Before the start, the treated and comparison units already moved "
                         f"differently (joint test of the {pw['df']} pre-period coefficients, "
                         f"p = {pw['p_value']:.3g}): the parallel-trends assumption is in "
                         "doubt, so read the estimates with care (see the HonestDiD "
                         "sensitivity analysis).")
            else:
                text += (f" The pre-period coefficients show no clear difference in trends "
                         f"before the start (joint test p = {pw['p_value']:.3g}); this does not "
                         "prove that trends would have stayed parallel.")
        return text

    def _summary_footer(self) -> list[str]:
        foot = []
        pw = self.diagnostics.get("pretrend_wald") if self.diagnostics else None
        if pw and pw.get("df"):
            foot.append(
                f"Pre-trend test (all pre-period coefficients zero): chi2({pw['df']}) = "
                f"{pw['stat']:.3f}, p = {pw['p_value']:.3g}. A large p-value does not prove "
                "parallel trends (the test may lack power)."
            )
        return foot + super()._summary_footer()


# ------------------------------------------------------------------------------------------
# 2x2
# ------------------------------------------------------------------------------------------

def _ols_cluster(y: np.ndarray, X: np.ndarray, names: list[str], clusters: np.ndarray,
                 w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """OLS/WLS on statsmodels with CR1 cluster-robust covariance (the Stata small-sample
    factor ``G/(G-1) (n-1)/(n-k)``). Collinear regressors raise an EstimationError naming
    them, instead of a pseudo-inverse quietly picking one solution."""
    import statsmodels.api as sm

    D.require_full_rank(X, names)
    model = sm.OLS(y, X) if w is None else sm.WLS(y, X, weights=w)
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": clusters, "use_correction": True,
                                                   "df_correction": True})
    return np.asarray(fit.params), np.asarray(fit.cov_params())


@renamed_arguments(treated_units="treated", treat="treatment")
def did2x2(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    start: Any,
    treated: Any = None,
    treatment: str | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    alpha: float = 0.05,
) -> TWFEResult:
    """The canonical 2x2 difference-in-differences.

    Periods ``>= start`` are "after", earlier ones "before"; the treated group is given by
    ``treated`` (unit label or list of labels) or ``treatment`` (a 0/1 column, constant
    within unit). Every period is used: the estimate is the interaction coefficient of
    ``Y ~ treated + post + treated:post`` (OLS, or WLS with ``weights``, on statsmodels),
    i.e. the change in the treated group's mean outcome minus the change in the comparison
    group's. Standard errors are clustered by unit (or ``cluster``), CR1.
    """
    require_frame(data)
    alpha = check_alpha(alpha)
    if (treated is None) == (treatment is None):
        raise SpecificationError("Give the treated group one way: treated= (unit labels) or "
                                 "treatment= (a 0/1 column).")
    require_columns(data, {"outcome": outcome, "unit": unit, "time": time,
                           "treatment": treatment, "weights": weights, "cluster": cluster})
    if treatment is not None:
        treated = _treated_from_column(data, unit, treatment)
    tu = [treated] if np.isscalar(treated) else list(treated)
    tvals = pd.to_numeric(data[time], errors="coerce")
    try:
        s0 = float(start)
    except (TypeError, ValueError) as exc:
        raise SpecificationError(f"start must be a period number, not {start!r}.") from exc
    if not (tvals.min() < s0 <= tvals.max()):
        raise EstimationError(
            f"start={start!r} leaves no periods before or no periods after it (the data run "
            f"from {tvals.min():g} to {tvals.max():g})."
        )
    p = D.prepare(data, outcome=outcome, unit=unit, time=time, treated=tu, start=start,
                  weights=weights, cluster=cluster, balanced=False, control_group="either")
    trt = np.isfinite(p.g).astype(float)
    post = (p.t >= float(start)).astype(float)
    if trt.all():
        raise EstimationError("Every unit is treated: there is no comparison group.")
    X = np.column_stack([np.ones_like(trt), trt, post, trt * post])
    names = ["intercept", "treated", "post", "treated:post"]
    b, V = _ols_cluster(p.y, X, names, p.cluster_codes, p.w)
    est, se = float(b[3]), float(np.sqrt(V[3, 3]))
    h = D.headline(est, se, alpha)
    msgs: list[str] = list(p.warnings)
    D.few_clusters_warning(p, msgs)
    eff = tidy_frame(names, b, np.sqrt(np.diag(V)), alpha=alpha)
    spec = make_spec("did2x2", dict(outcome=outcome, unit=unit, time=time, start=start,
                                    treated=tu, treatment=treatment, weights=weights,
                                    cluster=cluster, alpha=alpha), data_hash=hash_frame(data))
    return TWFEResult(
        method="Canonical 2x2 difference-in-differences", spec=spec,
        diagnostics={"n_clusters": int(len(np.unique(p.cluster_codes))),
                     "n_treated_clusters": D.treated_clusters(p)},
        warnings=tuple(msgs), alpha=alpha,
        inference=f"cluster-robust (CR1) standard errors, clustered by {p.cluster_name!r}",
        estimand="difference-in-differences (treated x after)", effects=eff,
        vcov=pd.DataFrame(V, index=names, columns=names), n_obs=len(p.y),
        n_units=len(p.units), n_treated=len(tu), **h,
    )


def _treated_from_column(data: pd.DataFrame, unit: str, treatment: str) -> list[Any]:
    """The units marked 1 in a 0/1 column that must be constant within each unit."""
    tr = pd.to_numeric(data[treatment], errors="coerce")
    if not tr.isin([0, 1]).all():
        raise SpecificationError(f"The treatment column {treatment!r} must be 0 or 1 in every "
                                 "row.")
    varies = tr.groupby(data[unit]).nunique()
    if (varies > 1).any():
        bad = format_examples(list(varies[varies > 1].index))
        raise SpecificationError(
            f"The treatment column {treatment!r} marks the treated group, so it must be the "
            f"same in every row of a unit; it varies for {bad}."
        )
    treated = list(pd.unique(data.loc[tr == 1, unit]))
    if not treated:
        raise EstimationError(f"No unit has {treatment!r} = 1.")
    return treated


# ------------------------------------------------------------------------------------------
# static TWFE
# ------------------------------------------------------------------------------------------

@renamed_arguments(treated_units="treated")
def twfe(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment: str | None = None,
    first_treated: str | None = None,
    treated: Any = None,
    start: Any = None,
    weights: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> TWFEResult:
    """Static two-way fixed effects regression of ``outcome`` on the treatment dummy.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period (never modified).
    outcome, unit, time : str
        Column names.
    treatment, first_treated : str
        Treatment as a 0/1 column, or each unit's first treated period (0/NaN = never).
    treated, start
        Alternatively, the treated unit label(s) and their first treated period (a value,
        or a dict unit -> period), e.g. ``treated="Greater Manchester", start=2014``.
    weights : str, optional
        Analytic (regression) weights, e.g. population.
    cluster : str, optional
        Cluster variable for the standard errors (default: ``unit``).
    covariates : list of str, optional
        Time-varying controls.
    alpha : float
        1 - confidence level.

    Returns
    -------
    TWFEResult
        ``estimate`` is the coefficient on the treatment dummy; ``effects`` lists every
        coefficient (treatment first, then covariates); ``vcov`` their covariance.

    Units treated from the first observed period stay in the regression (as in R
    ``fixest`` and Stata ``reghdfe``): their dummy never changes, so they act as an "always
    treated" comparison group (see :func:`~wsa_eval.did.bacon.bacon_decomposition`).
    """
    alpha = check_alpha(alpha)
    treatment, treated = D.timing_arguments("twfe", data, unit, treatment, treated,
                                            start)
    p = D.prepare(data, outcome=outcome, unit=unit, time=time, first_treated=first_treated,
                  treatment=treatment, treated=treated, start=start, weights=weights,
                  cluster=cluster, covariates=covariates, always_treated="keep")
    dit = (p.t >= p.g).astype(float)
    X = dit[:, None] if p.X is None else np.column_stack([dit, p.X])
    names = ["treated", *p.covariates]
    fit = D.fit_twoway(p.y, X, p.unit_codes, p.time_codes, p.cluster_codes, p.w, names)
    se = np.sqrt(np.diag(fit.vcov))
    h = D.headline(float(fit.params[0]), float(se[0]), alpha)
    msgs: list[str] = list(p.warnings)
    D.few_clusters_warning(p, msgs)
    spec = make_spec("twfe", dict(outcome=outcome, unit=unit, time=time, treatment=treatment,
                                  first_treated=first_treated, treated=treated,
                                  start=start, weights=weights, cluster=cluster,
                                  covariates=list(p.covariates), alpha=alpha),
                     data_hash=hash_frame(data))
    return TWFEResult(
        method="Two-way fixed effects (static)", spec=spec,
        diagnostics={"n_clusters": fit.n_clusters, "n_treated_clusters": D.treated_clusters(p)},
        warnings=tuple(msgs), alpha=alpha,
        inference=f"cluster-robust (CR1) standard errors, clustered by {p.cluster_name!r}",
        estimand="two-way fixed effects coefficient on treatment",
        effects=tidy_frame(names, fit.params, se, alpha=alpha),
        vcov=pd.DataFrame(fit.vcov, index=names, columns=names), n_obs=fit.n_obs,
        n_units=len(p.units), n_treated=int(np.isfinite(p.cohorts).sum()), **h,
    )


# ------------------------------------------------------------------------------------------
# event study
# ------------------------------------------------------------------------------------------

def event_time_design(
    rel: np.ndarray, treated_mask: np.ndarray, *, leads: int | None, lags: int | None,
    bin_endpoints: bool, reference: int,
) -> tuple[np.ndarray, list[int], np.ndarray]:
    """Dummies for binned event times (internal).

    Returns the dummy matrix (rows x event times other than ``reference``), the event times
    and a mask of the rows to keep (rows outside an unbinned window are dropped).
    """
    r = rel[treated_mask]
    lo = int(r.min()) if leads is None else -int(leads)
    hi = int(r.max()) if lags is None else int(lags)
    if not lo <= reference <= hi:
        raise SpecificationError(
            f"reference={reference} is outside the event-time window [{lo}, {hi}]."
        )
    keep = np.ones(len(rel), dtype=bool)
    e = rel.copy()
    if bin_endpoints:
        e = np.clip(e, lo, hi)
    else:
        keep = ~treated_mask | ((rel >= lo) & (rel <= hi))
    times = [k for k in range(lo, hi + 1) if k != reference]
    Xd = np.zeros((len(rel), len(times)))
    for j, k in enumerate(times):
        Xd[:, j] = (treated_mask & (e == k)).astype(float)
    return Xd, times, keep


@renamed_arguments(treated_units="treated")
def event_study(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str | None = None,
    treatment: str | None = None,
    treated: Any = None,
    start: Any = None,
    leads: int | None = None,
    lags: int | None = None,
    bin_endpoints: bool = True,
    reference: int = -1,
    weights: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> EventStudyResult:
    """Dynamic two-way fixed effects regression (event study) with binned end points.

    Parameters
    ----------
    leads, lags : int, optional
        Event times from ``-leads`` to ``lags`` get their own coefficient (default: every
        observed event time). With ``bin_endpoints=True`` (default) event times before
        ``-leads`` are pooled into ``-leads`` and those after ``lags`` into ``lags``; with
        False, treated rows outside the window are dropped (with a warning).
    reference : int
        The omitted event time (default -1, the period before treatment).
    first_treated, treatment, treated, start, weights, cluster, covariates, alpha
        As in :func:`twfe`. Units treated from the first observed period have no
        pre-period and are dropped (with a warning).

    Returns
    -------
    EventStudyResult
        ``effects`` by ``event_time`` (the reference period is not a row); ``vcov``; the
        headline ``estimate`` is the simple average of the post-period (event time >= 0)
        coefficients; ``diagnostics['pretrend_wald']`` is the joint chi-squared test that
        all pre-period coefficients are zero.
    """
    alpha = check_alpha(alpha)
    for nm, v in (("leads", leads), ("lags", lags)):
        if v is not None and (not isinstance(v, (int, np.integer)) or v < 0):
            raise SpecificationError(f"{nm} must be a non-negative whole number, not {v!r}.")
    if not isinstance(reference, (int, np.integer)) or reference >= 0:
        raise SpecificationError(
            f"reference must be a negative whole number (a pre-treatment event time), not "
            f"{reference!r}."
        )
    treatment, treated = D.timing_arguments("event_study", data, unit, treatment, treated,
                                            start)
    p = D.prepare(data, outcome=outcome, unit=unit, time=time, first_treated=first_treated,
                  treatment=treatment, treated=treated, start=start, weights=weights,
                  cluster=cluster, covariates=covariates)
    tmask = np.isfinite(p.g)
    rel = np.where(tmask, _rel_periods(p), 0).astype(int)
    Xd, etimes, keep = event_time_design(rel, tmask, leads=leads, lags=lags,
                                         bin_endpoints=bin_endpoints, reference=reference)
    msgs: list[str] = list(p.warnings)
    if not keep.all():
        m = (f"Dropped {int((~keep).sum())} treated row(s) outside the event-time window "
             f"[{etimes[0]}, {etimes[-1]}] (bin_endpoints=False).")
        msgs.append(m)
        warnings.warn(m, DataWarning, stacklevel=3)
    empty = [k for j, k in enumerate(etimes) if not Xd[keep, j].any()]
    if empty:
        raise EstimationError(f"No treated observation at event time(s) "
                              f"{format_examples(empty, quote=False)}; narrow leads/lags.")
    X = Xd if p.X is None else np.column_stack([Xd, p.X])
    terms = [D.event_term(k) for k in etimes]
    names = terms + list(p.covariates)
    w = None if p.w is None else p.w[keep]
    fit = D.fit_twoway(p.y[keep], X[keep], p.unit_codes[keep], p.time_codes[keep],
                       p.cluster_codes[keep], w, names)
    ne = len(etimes)
    b, V = fit.params[:ne], fit.vcov[:ne, :ne]
    se = np.sqrt(np.diag(V))
    eff = tidy_frame(terms, b, se, alpha=alpha, extra={"event_time": etimes})
    et = np.asarray(etimes)
    post = et >= 0
    pre = et < 0
    a = post / post.sum() if post.any() else np.zeros(ne)
    h = D.headline(*D.lincomb(b, V, a), alpha) if post.any() else D.headline(np.nan, np.nan,
                                                                             alpha)
    pw = D.wald_zero(b[pre], V[np.ix_(pre, pre)])
    D.few_clusters_warning(p, msgs)
    spec = make_spec("event_study", dict(
        outcome=outcome, unit=unit, time=time, first_treated=first_treated,
        treatment=treatment, treated=treated, start=start, leads=leads, lags=lags,
        bin_endpoints=bin_endpoints, reference=reference,
        weights=weights, cluster=cluster, covariates=list(p.covariates), alpha=alpha),
        data_hash=hash_frame(data))
    return EventStudyResult(
        method="Event study (two-way fixed effects)", spec=spec,
        diagnostics={"pretrend_wald": pw, "n_clusters": fit.n_clusters,
                     "n_treated_clusters": D.treated_clusters(p),
                     "binned": bool(bin_endpoints and (leads is not None or lags is not None))},
        warnings=tuple(msgs), alpha=alpha,
        inference=f"cluster-robust (CR1) standard errors, clustered by {p.cluster_name!r}",
        estimand="average of the post-treatment event-time coefficients",
        effects=eff, vcov=pd.DataFrame(V, index=terms, columns=terms), reference=int(reference),
        n_obs=fit.n_obs, n_units=len(p.units),
        n_treated=int(np.isfinite(p.report.cohorts).sum()), **h,
    )


def _rel_periods(p: D.Prepared) -> np.ndarray:
    """Event time counted in periods of the sorted period grid (NaN for never treated)."""
    return D.rel_periods(p)
