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
    """The canonical 2x2 difference-in-differences: two groups, before and after ``start``.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period (never modified). It need not be balanced.
    outcome, unit, time : str
        Column names. ``time`` must be numeric (e.g. the year).
    start : number
        The first "after" period: periods ``>= start`` are after, earlier ones before.
    treated : label or list of labels, optional
        The treated unit(s), e.g. ``"Greater Manchester"``. Give this or ``treatment``.
    treatment : str, optional
        Alternatively, the name of a 0/1 column marking the treated group; it must be the
        same in every row of a unit.
    weights : str, optional
        Column of analytic weights (weighted least squares).
    cluster : str, optional
        Cluster variable for the standard errors (default: ``unit``).
    alpha : float
        One minus the confidence level (default 0.05).

    Returns
    -------
    TWFEResult
        ``estimate`` is the ``treated:post`` interaction; ``effects`` lists all four
        coefficients (``intercept``, ``treated``, ``post``, ``treated:post``) and ``vcov``
        their covariance.

    Raises
    ------
    SpecificationError
        Both or neither of ``treated`` and ``treatment`` given, or a ``treatment`` column
        that is not 0/1 or varies within a unit.
    ColumnError
        A named column is not in ``data``.
    PanelError
        A treated label is not in the ``unit`` column, rows repeat a unit and period, or
        every unit is treated (nothing to compare with).
    EstimationError
        ``start`` leaves no period before or after it, or the regressors are collinear.

    See Also
    --------
    twfe : the same comparison with unit and period fixed effects, for staggered timing.
    bacon_decomposition : the 2x2 comparisons hidden inside a staggered TWFE estimate.

    Notes
    -----
    Every period is used: the estimate is the interaction coefficient of the regression
    ``Y ~ treated + post + treated:post`` (OLS, or WLS with ``weights``, fitted with
    statsmodels), which equals the change in the treated group's mean outcome minus the
    change in the comparison group's mean. Standard errors are cluster-robust (CR1, the
    Stata small-sample factor), clustered by unit unless ``cluster`` is given.

    Assumptions: parallel trends (without the scheme both groups' means would have changed
    by the same amount) and no anticipation before ``start``. Cluster-robust standard
    errors need many treated clusters; with one or a few treated areas an
    :class:`~wsa_eval.errors.InferenceWarning` says so, and the functions of
    :mod:`wsa_eval.inference` give valid p-values ([1]_).

    References
    ----------
    .. [1] Conley, T. G. and Taber, C. R. (2011). Inference with "difference in
       differences" with a small number of policy changes. *Review of Economics and
       Statistics* 93(1), 113-125.

    Examples
    --------
    The states of the castle-doctrine data (Cheng & Hoekstra 2013) whose law took effect
    in 2006, against the states that never passed one:

    >>> from wsa_eval.datasets import load_castle
    >>> from wsa_eval.did import did2x2
    >>> castle = load_castle()
    >>> first = castle.loc[castle["post"] == 1].groupby("state")["year"].min()
    >>> castle["first_year"] = castle["state"].map(first).fillna(0).astype(int)
    >>> sub = castle[castle["first_year"].isin([0, 2006])]
    >>> laws_2006 = sorted(sub.loc[sub["first_year"] == 2006, "state"].unique())
    >>> len(laws_2006)
    13
    >>> r = did2x2(sub, outcome="l_homicide", unit="state", time="year",
    ...            treated=laws_2006, start=2006)
    >>> print(f"{r.estimate:.4f} (SE {r.se:.4f})")
    0.0682 (SE 0.0842)

    The same comparison with the treated group given as a 0/1 column:

    >>> sub = sub.assign(law_2006=(sub["first_year"] == 2006).astype(int))
    >>> r2 = did2x2(sub, outcome="l_homicide", unit="state", time="year",
    ...             treatment="law_2006", start=2006)
    >>> print(f"{r2.estimate:.4f}")
    0.0682
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
        Column names. ``time`` must be numeric (e.g. the year).
    treatment : str, optional
        Name of a 0/1 column: 1 in the unit-periods under treatment.
    first_treated : str, optional
        Alternatively, a column with each unit's first treated period (0 or NaN for units
        never treated).
    treated, start : optional
        Alternatively, the treated unit label(s) and their first treated period (one
        value, or a dict unit -> period), e.g. ``treated="Greater Manchester",
        start=2014``.
    weights : str, optional
        Analytic (regression) weights, e.g. population.
    cluster : str, optional
        Cluster variable for the standard errors (default: ``unit``).
    covariates : list of str, optional
        Time-varying controls.
    alpha : float
        One minus the confidence level (default 0.05).

    Returns
    -------
    TWFEResult
        ``estimate`` is the coefficient on the treatment dummy; ``effects`` lists every
        coefficient (treatment first, then covariates); ``vcov`` their covariance.

    Raises
    ------
    SpecificationError
        The treatment is given in more than one way (or in none), or an argument has a
        value the method does not allow.
    ColumnError
        A named column is not in ``data``.
    PanelError
        The panel fails a check: rows repeating a unit and period, missing outcomes,
        treated labels not in the data, a treatment that switches off.
    EstimationError
        The regressors are collinear (the message names them).

    See Also
    --------
    event_study : the dynamic version, one coefficient per event time.
    bacon_decomposition : which 2x2 comparisons make up this estimate.
    sun_abraham, imputation, callaway_santanna : estimators robust to effects that vary
        across cohorts and over time.

    Notes
    -----
    The model is ``Y_it = alpha_i + lambda_t + beta D_it (+ X_it gamma) + e_it``, fitted
    with linearmodels' ``PanelOLS`` (unit and period effects absorbed); standard errors
    are cluster-robust (CR1).

    Assumptions: parallel trends in untreated outcomes, no anticipation, and treatment
    that stays on once started. With staggered timing and effects that change over time or
    differ across cohorts, ``beta`` is a weighted average of 2x2 comparisons some of which
    use already-treated units as controls, and can even have the wrong sign ([1]_); prefer
    the robust estimators listed above there. Cluster-robust standard errors need many
    treated clusters; with one or a few treated areas use :mod:`wsa_eval.inference`.

    Units treated from the first observed period stay in the regression (as in R
    ``fixest`` and Stata ``reghdfe``): their dummy never changes, so they act as an
    "always treated" comparison group.

    References
    ----------
    .. [1] Goodman-Bacon, A. (2021). Difference-in-differences with variation in
       treatment timing. *Journal of Econometrics* 225(2), 254-277.

    Examples
    --------
    The castle-doctrine panel of Cheng & Hoekstra (2013): 50 US states, 2000-2010,
    21 of them passing a law between 2005 and 2009. Goodman-Bacon (2021) reports the
    TWFE estimate 0.0818 on the log homicide rate:

    >>> from wsa_eval.datasets import load_castle
    >>> from wsa_eval.did import twfe
    >>> castle = load_castle()
    >>> r = twfe(castle, outcome="l_homicide", unit="state", time="year",
    ...          treatment="post")
    >>> print(f"{r.estimate:.4f} (SE {r.se:.4f}), {r.n_treated} of {r.n_units} states")
    0.0818 (SE 0.0589), 21 of 50 states

    The same timing given as each state's first treated year (0 = never):

    >>> first = castle.loc[castle["post"] == 1].groupby("state")["year"].min()
    >>> castle["first_year"] = castle["state"].map(first).fillna(0).astype(int)
    >>> r = twfe(castle, outcome="l_homicide", unit="state", time="year",
    ...          first_treated="first_year")
    >>> print(f"{r.estimate:.4f}")
    0.0818

    Weighted by population:

    >>> r = twfe(castle, outcome="l_homicide", unit="state", time="year",
    ...          treatment="post", weights="popwt")
    >>> print(r.to_frame().round(4).to_string(index=False))
       term  estimate  std_error  statistic  p_value  ci_low  ci_high
    treated    0.0594     0.0276     2.1562   0.0311  0.0054   0.1135
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
    data : DataFrame
        Long panel, one row per unit and period (never modified).
    outcome, unit, time : str
        Column names. ``time`` must be numeric (e.g. the year).
    first_treated, treatment, treated, start : optional
        The treatment timing, given one way: a column of first treated periods (0 or NaN
        for never treated), a 0/1 ``treatment`` column, or unit label(s) ``treated`` with
        their first treated period ``start``. As in :func:`twfe`.
    leads, lags : int, optional
        Event times from ``-leads`` to ``lags`` get their own coefficient (default: every
        observed event time). With ``bin_endpoints=True`` (default) event times before
        ``-leads`` are pooled into ``-leads`` and those after ``lags`` into ``lags``; with
        False, treated rows outside the window are dropped (with a warning).
    bin_endpoints : bool
        Pool the end points (default True) or drop the rows outside the window.
    reference : int
        The omitted event time (default -1, the period before treatment).
    weights, cluster, covariates : optional
        Analytic weights, cluster variable (default ``unit``) and time-varying controls,
        as in :func:`twfe`.
    alpha : float
        One minus the confidence level (default 0.05).

    Returns
    -------
    EventStudyResult
        ``effects`` by ``event_time`` (the reference period is not a row); ``vcov``; the
        headline ``estimate`` is the simple average of the post-period (event time >= 0)
        coefficients; ``diagnostics['pretrend_wald']`` is the joint chi-squared test that
        all pre-period coefficients are zero.

    Raises
    ------
    SpecificationError
        ``leads``/``lags`` not whole numbers >= 0, ``reference`` not negative or outside
        the window, or the timing given in more than one way.
    ColumnError
        A named column is not in ``data``.
    PanelError
        The panel fails a check (duplicated unit-periods, missing outcomes, ...).
    EstimationError
        No treated observation at some event time of the window (narrow ``leads``/``lags``).

    Warns
    -----
    DataWarning
        Units treated from the first observed period (no pre-period) are dropped, and so
        are treated rows outside the window when ``bin_endpoints=False``.

    See Also
    --------
    sun_abraham, imputation, callaway_santanna : event studies that stay valid when
        effects differ across cohorts.
    pretrend_test, honest_did : what the pre-period coefficients say about parallel trends.

    Notes
    -----
    The model is ``Y_it = alpha_i + lambda_t + sum_{e != ref} beta_e 1{t - G_i = e} +
    e_it`` with the end points binned, as recommended by Schmidheiny & Siegloch
    ([1]_). Assumptions: parallel trends, no anticipation, treatment that stays on.
    With staggered adoption and effects that differ across cohorts each ``beta_e`` can be
    contaminated by effects at other event times ([2]_); the estimators under See Also
    avoid this.

    References
    ----------
    .. [1] Schmidheiny, K. and Siegloch, S. (2023). On event studies and
       distributed-lags in two-way fixed effects models: identification, equivalence, and
       generalization. *Journal of Applied Econometrics* 38(5), 695-713.
    .. [2] Sun, L. and Abraham, S. (2021). Estimating dynamic treatment effects in event
       studies with heterogeneous treatment effects. *Journal of Econometrics* 225(2),
       175-199.

    Examples
    --------
    Castle-doctrine laws (Cheng & Hoekstra 2013), four years either side of each state's
    first treated year, with the end points binned:

    >>> from wsa_eval.datasets import load_castle
    >>> from wsa_eval.did import event_study
    >>> castle = load_castle()
    >>> first = castle.loc[castle["post"] == 1].groupby("state")["year"].min()
    >>> castle["first_year"] = castle["state"].map(first).fillna(0).astype(int)
    >>> es = event_study(castle, outcome="l_homicide", unit="state", time="year",
    ...                  first_treated="first_year", leads=4, lags=4)
    >>> tab = es.to_frame()[["event_time", "estimate", "std_error"]]
    >>> print(tab.round(3).to_string(index=False))
     event_time  estimate  std_error
             -4    -0.004      0.051
             -3     0.053      0.045
             -2     0.058      0.050
              0     0.092      0.043
              1     0.105      0.052
              2     0.111      0.067
              3     0.103      0.067
              4     0.073      0.059
    >>> print(f"{es.diagnostics['pretrend_wald']['p_value']:.3f}")  # pre-periods jointly 0
    0.279
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
