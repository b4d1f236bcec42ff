"""Callaway & Sant'Anna (2021) difference-in-differences with staggered adoption.

Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. *Journal of Econometrics* 225(2), 200-230.
Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences estimators.
*Journal of Econometrics* 219(1), 101-122.

Estimand: the group-time average treatment effect ATT(g,t), the average effect in period
``t`` on the units first treated in period ``g`` (the *cohort*), each estimated by a 2x2
comparison of cohort ``g`` with a comparison group between a base period and ``t``; then
aggregated into an overall effect, effects by cohort, by event time (an event study) or by
calendar period, with weights given by the cohort sizes (:meth:`CallawaySantAnnaResult.aggregate`).

Assumptions: staggered adoption (once treated, always treated); no anticipation beyond
``anticipation`` periods; parallel trends (conditional on the covariates, if given) between
each cohort and its comparison group -- the never-treated units, or the units not yet
treated by period ``max(t, base) + anticipation``; overlap (for ``ipw``/``dr``: no cohort
unit has a propensity score near one). Without covariates the three methods coincide.

Inference: analytic standard errors from the influence functions (clustered by unit, or by
a coarser ``cluster``), or the multiplier bootstrap (:mod:`wsa_eval.inference.multiplier`)
with simultaneous (sup-t) bands. The numbers match the R package ``did`` (``att_gt`` and
``aggte``), including the estimation effect of the cohort shares in aggregated effects.

Implementation: for a balanced panel the outcome is reshaped once to a units x periods
matrix; every ATT(g,t) and its influence function is computed on unit-level arrays, and
aggregated effects are linear combinations of a small basis of influence functions, so
that their variances and bootstrap draws cost almost nothing once the cells are estimated.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import (
    check_alpha,
    check_choice,
    hash_frame,
    require_columns,
    require_frame,
    resolve_random_state,
)
from ..errors import (
    DataWarning,
    EstimationError,
    InferenceWarning,
    PanelError,
    SpecificationError,
)
from ..inference.multiplier import bootstrap_se, multiplier_draws, sup_t_critical_value
from ..panel import validate_panel
from ..results import EffectResult, make_spec, result_dataclass, tidy_frame
from ._cs_aggregate import Cells, aggregate_components
from ._cs_engine import PanelArrays, RCArrays, estimate_panel, estimate_rc, plan_cells
from ._design import FEW_CLUSTERS

__all__ = ["callaway_santanna", "CallawaySantAnnaResult", "CSAggregateResult"]

_METHOD = "Callaway & Sant'Anna (2021)"


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


# ---------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------
@result_dataclass
class CSAggregateResult(EffectResult):
    """An aggregation of ATT(g,t): ``estimate``/``se`` are the overall effect, ``effects``
    holds the per-cohort (``cohort``), per-event-time (``event_time``) or per-period
    (``time``) effects, with ``cband_low``/``cband_high`` when a bootstrap was run."""

    aggregation: str = "simple"
    critical_value: float = math.nan

    _plot_kinds: ClassVar[dict[str, str]] = {
        "effects": "wsa_eval.plotting:effects_plot",
        "event_study": "wsa_eval.plotting:event_study_plot",
    }
    _default_plot: ClassVar[str | None] = "effects"

    def plot(self, kind: str | None = None, ax: Any = None, **kwargs: Any) -> Any:
        if kind is None and self.aggregation == "dynamic":
            kind = "event_study"
        return super().plot(kind=kind, ax=ax, **kwargs)


@result_dataclass
class CallawaySantAnnaResult(EffectResult):
    """Group-time average treatment effects ATT(g,t).

    ``att_gt`` has one row per cell (``cohort``, ``time``, ``event_time``, ``base_period``,
    ``post``, ``estimate``, ``std_error``, ``ci_low``, ``ci_high`` and, with a bootstrap,
    ``cband_low``/``cband_high``). The headline ``estimate`` is the simple aggregation
    (the cohort-size weighted average of the post-treatment cells); ``effects`` is the tidy
    table of cells. Use :meth:`aggregate` for effects by cohort, event time or period.
    """

    att_gt: pd.DataFrame = field(default_factory=pd.DataFrame)
    control_group: str = "never_treated"
    adjustment: str = "dr"
    base_period: str = "varying"
    anticipation: int = 0
    critical_value: float = math.nan
    bootstrap_reps: int = 0
    cells: Cells | None = None
    _gram: np.ndarray | None = None
    _sums: np.ndarray | None = None
    _draws: np.ndarray | None = None
    _n: int = 0
    _boot_weights: str = "mammen"
    _cluster_name: str | None = None

    _plot_kinds: ClassVar[dict[str, str]] = {
        "event_study": "wsa_eval.did.staggered:_plot_event_study",
        "att_gt": "wsa_eval.plotting:effects_plot",
    }
    _default_plot: ClassVar[str | None] = "event_study"

    def aggregate(
        self,
        type: str = "simple",  # noqa: A002 - the name R's aggte uses
        *,
        balance_e: int | None = None,
        min_e: float = -math.inf,
        max_e: float = math.inf,
        bootstrap: bool | int | None = None,
        alpha: float | None = None,
        random_state: int | np.random.Generator | None = None,
    ) -> CSAggregateResult:
        """Aggregate ATT(g,t) as R ``did::aggte`` does.

        ``type``: ``"simple"`` (weighted average of post-treatment cells), ``"group"`` (by
        cohort, overall = cohort-size weighted average), ``"dynamic"`` (by event time
        ``e = t - g``, overall = mean over ``e >= 0``; ``balance_e`` keeps only cohorts
        observed for ``balance_e`` periods after treatment), ``"calendar"`` (by period).
        ``min_e``/``max_e`` limit the event times used. ``bootstrap``: None reuses the
        fit's bootstrap draws when there were any (else analytic standard errors); True or
        a number of draws runs a multiplier bootstrap now.
        """
        check_choice("type", type, ("simple", "group", "dynamic", "calendar"))
        alpha = self.alpha if alpha is None else check_alpha(alpha)
        cells = self.cells
        overall, comps = aggregate_components(cells, type, balance_e=balance_e, min_e=min_e,
                                              max_e=max_e)
        draws = self._draws
        reps = self.bootstrap_reps
        if bootstrap is not None and bootstrap is not False:
            reps = 1000 if bootstrap is True else _check_reps(bootstrap)
            draws = multiplier_draws(self._sums, n=self._n, reps=reps,
                                     weights=self._boot_weights,
                                     random_state=random_state).draws
        elif bootstrap is False:
            draws, reps = None, 0
        coefs = np.array([c.coef for c in comps]).reshape(len(comps), overall.coef.shape[0])
        est = np.array([c.estimate for c in comps], dtype=float)
        z = stats.norm.ppf(1 - alpha / 2)
        crit = math.nan
        if draws is None:
            se_all = _analytic_se(self._gram, np.vstack([coefs, overall.coef[None, :]]), self._n)
        else:
            bd = draws @ np.vstack([coefs, overall.coef[None, :]]).T
            se_all = bootstrap_se(bd)
            if len(comps):
                crit = sup_t_critical_value(bd[:, :-1], se_all[:-1], alpha)
                crit = max(crit, z) if np.isfinite(crit) else z
        se, se_overall = se_all[:-1], float(se_all[-1])
        col = {"group": "cohort", "dynamic": "event_time", "calendar": "time"}.get(type)
        if comps:
            label = {"group": "cohort {}", "dynamic": "e = {}", "calendar": "period {}"}[type]
            extra: dict[str, Any] = {col: [c.label for c in comps]}
            if draws is not None:
                extra["cband_low"] = est - crit * se
                extra["cband_high"] = est + crit * se
            effects = tidy_frame([label.format(_fmt(c.label)) for c in comps], est, se,
                                 alpha=alpha, extra=extra)
        else:
            effects = tidy_frame([], [], [], alpha=alpha)
        head = tidy_frame(["overall"], [overall.estimate], [se_overall], alpha=alpha)
        estimand = {
            "simple": "average effect on the treated (all post-treatment periods)",
            "group": "average effect on the treated, averaged over cohorts",
            "dynamic": "average effect on the treated over post-treatment event times",
            "calendar": "average effect on the treated, averaged over calendar periods",
        }[type]
        inference = (f"multiplier bootstrap ({reps} draws, {self._boot_weights} weights"
                     f"{_cl_text(self._cluster_name)})" if draws is not None else
                     f"analytic influence-function standard errors{_cl_text(self._cluster_name)}")
        spec = dict(self.spec)
        spec["aggregation"] = {"type": type, "balance_e": balance_e, "min_e": min_e,
                               "max_e": max_e, "bootstrap": bootstrap, "alpha": alpha}
        return CSAggregateResult(
            method=f"{_METHOD}, {type} aggregation",
            spec=spec,
            diagnostics=dict(self.diagnostics),
            warnings=self.warnings,
            estimate=overall.estimate,
            se=se_overall,
            ci_low=float(head["ci_low"].iloc[0]),
            ci_high=float(head["ci_high"].iloc[0]),
            p_value=float(head["p_value"].iloc[0]),
            alpha=alpha,
            inference=inference,
            estimand=estimand,
            effects=effects,
            n_obs=self.n_obs,
            n_units=self.n_units,
            n_treated=self.n_treated,
            aggregation=type,
            critical_value=crit,
        )

    def _summary_header(self) -> list[tuple[str, Any]]:
        return super()._summary_header() + [
            ("Comparison group", self.control_group.replace("_", "-")),
            ("Adjustment", {"dr": "doubly robust", "ipw": "inverse probability weighting",
                            "reg": "outcome regression"}[self.adjustment]),
            ("Base period", self.base_period),
            ("Anticipation", self.anticipation),
        ]

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        cols = [c for c in ("cohort", "time", "estimate", "std_error", "ci_low", "ci_high",
                            "cband_low", "cband_high") if c in self.att_gt.columns]
        return [("Group-time average treatment effects ATT(g,t)", self.att_gt[cols])]

    def _summary_footer(self) -> list[str]:
        foot = [f"Comparison: {self.control_group.replace('_', '-')} units; "
                f"{self.base_period} base period; anticipation {self.anticipation}."]
        pt = self.diagnostics.get("pretrend_test", {})
        if pt.get("df"):
            foot.append(f"Pre-trend check (Wald test that all {pt['df']} pre-treatment "
                        f"ATT(g,t) are zero): p = {pt['p_value']:.3g}.")
        if self.bootstrap_reps:
            foot.append(f"Simultaneous bands: sup-t critical value {self.critical_value:.3f}.")
        return foot + super()._summary_footer()


def _plot_event_study(result: CallawaySantAnnaResult, ax: Any = None, **kw: Any) -> Any:
    from ..plotting import event_study_plot

    return event_study_plot(result.aggregate("dynamic"), ax=ax, **kw)


def _cl_text(name: str | None) -> str:
    return f", clustered by {name!r}" if name else ", clustered by unit"


def _analytic_se(gram: np.ndarray, coefs: np.ndarray, n: int) -> np.ndarray:
    var = np.einsum("ij,jk,ik->i", coefs, gram, coefs)
    se = np.sqrt(np.maximum(var, 0.0)) / n
    return np.where(se > math.sqrt(np.finfo(float).eps) * 10, se, np.nan)


def _check_reps(b: Any) -> int:
    if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 2:
        raise SpecificationError(f"bootstrap must be False, True or a number of draws >= 2, "
                                 f"not {b!r}.")
    return int(b)


# ---------------------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------------------
def callaway_santanna(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    control_group: str = "never_treated",
    covariates: str | list[str] | None = None,
    method: str = "dr",
    anticipation: int = 0,
    base_period: str = "varying",
    panel: bool = True,
    weights: str | None = None,
    cluster: str | None = None,
    bootstrap: bool | int = False,
    bootstrap_weights: str = "mammen",
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
) -> CallawaySantAnnaResult:
    """Group-time average treatment effects with staggered adoption (Callaway & Sant'Anna).

    Parameters
    ----------
    data : DataFrame
        Long format, one row per unit and period (never modified).
    outcome, unit, time : str
        Column names. ``time`` must be numeric (e.g. the year).
    first_treated : str
        Column with each unit's first treated period; 0 or NaN for never treated.
    control_group : {"never_treated", "not_yet_treated"}
        The comparison units. With ``"not_yet_treated"`` and no never-treated units, the
        last cohort serves as the comparison group and the periods from its start are
        dropped (as R ``did`` does), with a warning.
    covariates : str or list of str, optional
        Pre-treatment covariates for conditional parallel trends (values in the earlier
        of the two periods of each comparison are used, as R ``did`` does).
    method : {"dr", "ipw", "reg"}
        Covariate adjustment: doubly robust (Sant'Anna & Zhao 2020; the locally efficient
        estimator with a logit propensity score, as R ``did`` uses), normalised inverse
        probability weighting, or outcome regression. Without covariates all three are the
        same.
    anticipation : int
        Number of periods before treatment in which units may already respond.
    base_period : {"varying", "universal"}
        Pre-treatment cells compare consecutive periods (varying) or every period with the
        last period before treatment (universal, the usual event-study normalisation).
    panel : bool
        True: a balanced panel. False: repeated cross-sections or an unbalanced panel, using
        the repeated cross-section estimators, with influence functions summed by unit.
    weights : str, optional
        Column of sampling weights (constant within a unit for panel data).
    cluster : str, optional
        Column of clusters coarser than units (e.g. police force area); must be constant
        within a unit. Default: clustered by unit.
    bootstrap : bool or int
        False: analytic standard errors. True (1,000 draws) or a number of draws: the
        multiplier bootstrap, with simultaneous (sup-t) bands ``cband_low``/``cband_high``.
    bootstrap_weights : {"mammen", "rademacher"}
    alpha : float
        1 - confidence level.
    random_state : int, Generator or None
        Seed of the bootstrap.
    progress : bool or None
        Progress bar for the bootstrap.

    Returns
    -------
    CallawaySantAnnaResult
        ``att_gt`` (one row per cell), headline ``estimate`` = simple aggregation, and
        ``aggregate("simple" | "group" | "dynamic" | "calendar", ...)``.
    """
    require_frame(data)
    check_choice("control_group", control_group, ("never_treated", "not_yet_treated"))
    check_choice("method", method, ("dr", "ipw", "reg"))
    check_choice("base_period", base_period, ("varying", "universal"))
    check_choice("bootstrap_weights", bootstrap_weights, ("mammen", "rademacher"))
    alpha = check_alpha(alpha)
    if isinstance(anticipation, bool) or not isinstance(anticipation, (int, np.integer)) \
            or anticipation < 0:
        raise SpecificationError(f"anticipation must be a whole number of periods >= 0, "
                                 f"not {anticipation!r}.")
    if not isinstance(panel, (bool, np.bool_)):
        raise SpecificationError(f"panel must be True or False, not {panel!r}.")
    reps = 0 if bootstrap is False else (1000 if bootstrap is True else _check_reps(bootstrap))
    covs = [covariates] if isinstance(covariates, str) else list(covariates or [])
    require_columns(data, {"cluster": cluster})
    if cluster is not None and cluster == unit:
        cluster = None
    rng, seed = resolve_random_state(random_state) if reps else (None, None)
    args = dict(outcome=outcome, unit=unit, time=time, first_treated=first_treated,
                control_group=control_group, covariates=covs or None, method=method,
                anticipation=int(anticipation), base_period=base_period, panel=bool(panel),
                weights=weights, cluster=cluster, bootstrap=bootstrap,
                bootstrap_weights=bootstrap_weights, alpha=alpha)
    try:
        report = validate_panel(data, unit=unit, time=time, outcome=outcome,
                                first_treated=first_treated, covariates=covs or None,
                                weights=weights, control_group=control_group,
                                balanced=bool(panel), anticipation=int(anticipation),
                                min_pre_periods=1, warn=False)
    except PanelError as exc:
        if panel and any("balanced panel" in p for p in exc.problems):
            raise PanelError(f"{exc} For an unbalanced panel or repeated cross-sections pass "
                             "panel=False.", exc.problems) from exc
        raise
    notes = list(report.warnings)
    df = report.data
    times = np.asarray(report.times, dtype=float)
    cohorts = report.cohorts.astype(float)
    # R did: not-yet-treated without never-treated units -> the last cohort is the control
    if control_group == "not_yet_treated" and not np.isinf(cohorts.to_numpy()).any():
        gmax = float(np.nanmax(cohorts.to_numpy()))
        notes = [m for m in notes if not m.startswith("No never-treated units")]
        keep_t = times < gmax - anticipation
        notes.append(f"No never-treated units: the last cohort (first treated in {_fmt(gmax)}) "
                     f"is used as the comparison group and periods from "
                     f"{_fmt(gmax - anticipation)} on are dropped.")
        df = df.loc[df[time].to_numpy(dtype=float) < gmax - anticipation].reset_index(drop=True)
        times = times[keep_t]
        cohorts = cohorts.where(cohorts != gmax, np.inf)
    for m in notes:
        warnings.warn(m, DataWarning, stacklevel=2)
    glist = np.unique(cohorts.to_numpy()[np.isfinite(cohorts.to_numpy())])
    if len(glist) == 0:
        raise EstimationError("No treated cohort is left to estimate.")

    if panel:
        # validate_panel returns a balanced panel sorted by unit, then time: unit i's rows
        # are i*T .. i*T+T-1, in the order of report.units (as pd.factorize would number them)
        uniq = pd.Index(report.units)
        n = len(uniq)
        codes = np.repeat(np.arange(n, dtype=np.intp), len(times))
    else:
        codes, uniq = pd.factorize(df[unit], sort=False)
        n = len(uniq)
    g_unit = cohorts.reindex(uniq).to_numpy(dtype=float)
    cl_codes, cl_name = None, None
    if cluster is not None:
        cl_codes, cl_name = _unit_constant_codes(df[cluster], codes, n, cluster), cluster
    if weights is None:  # every weight is one (what the general branch would give exactly)
        w_unit = np.ones(n)
        w_row = np.ones(len(df)) if not panel else None
    else:
        w_row = df[weights].to_numpy(dtype=float)
        _check_unit_constant(w_row, codes, n, "weights", weights)
        w_unit = np.bincount(codes, weights=w_row, minlength=n) / np.bincount(codes,
                                                                             minlength=n)
        if not w_unit.sum() > 0:
            raise SpecificationError(f"The weights column {weights!r} is zero for every unit.")
        scale = w_unit.mean()
        w_unit, w_row = w_unit / scale, w_row / scale
    plan = plan_cells(glist, times, base_period, anticipation)
    xr = df[covs].to_numpy(dtype=float) if covs else None
    if panel:
        T = len(times)
        arrays = PanelArrays(
            y=np.ascontiguousarray(df[outcome].to_numpy(dtype=float).reshape(n, T).T),
            x=None if xr is None else xr.reshape(n, T, len(covs)),
            g=g_unit, w=w_unit, times=times, glist=glist)
        att, basis, _ = estimate_panel(arrays, plan, control_group, method, anticipation)
    else:
        tidx = np.searchsorted(times, df[time].to_numpy(dtype=float))
        g_row = g_unit[codes]
        arrays_rc = RCArrays(y=df[outcome].to_numpy(dtype=float), tidx=tidx, uid=codes,
                             g=g_row, w=w_row, x=xr, n_units=n, g_unit=g_unit, w_unit=w_unit,
                             times=times, glist=glist)
        att, basis, _ = estimate_rc(arrays_rc, plan, control_group, method, anticipation)

    from ..inference.multiplier import cluster_sums

    sums = cluster_sums(basis, cl_codes) if cl_codes is not None else basis
    # S'S without BLAS threads (whose start-up cost dominates on small shared machines)
    gram = np.einsum("ij,ik->jk", sums, sums)
    pg = np.array([np.mean(w_unit * (g_unit == g)) for g in glist])
    cells = Cells(att=att, cohort=np.array([c.g for c in plan]),
                  gidx=np.array([c.gidx for c in plan], dtype=int),
                  time=times[[c.ti for c in plan]],
                  reference=np.array([c.reference for c in plan], dtype=bool),
                  glist=glist, pg=pg, t_first=float(times[0]), t_last=float(times[-1]))
    K = cells.k
    eye = np.eye(K + len(glist))[:K]
    draws = None
    crit = math.nan
    z = stats.norm.ppf(1 - alpha / 2)
    if reps:
        draws = multiplier_draws(sums, n=n, reps=reps, weights=bootstrap_weights,
                                 random_state=rng, progress=progress).draws
        se = bootstrap_se(draws[:, :K])
        crit = sup_t_critical_value(draws[:, :K], se, alpha)
        crit = max(crit, z) if np.isfinite(crit) else z
    else:
        se = _analytic_se(gram, eye, n)
    se = np.where(cells.reference, np.nan, se)
    extra: dict[str, Any] = {
        "cohort": cells.cohort, "time": cells.time, "event_time": cells.event_time,
        "base_period": times[[c.bi for c in plan]], "post": cells.post,
        "reference": cells.reference,
    }
    if reps:
        extra["cband_low"] = att - crit * se
        extra["cband_high"] = att + crit * se
    terms = [f"ATT(g={_fmt(g)}, t={_fmt(t)})" for g, t in zip(cells.cohort, cells.time)]
    effects = tidy_frame(terms, att, se, alpha=alpha, extra=extra)
    order = ["cohort", "time", "event_time", "base_period", "post", "estimate", "std_error",
             "statistic", "p_value", "ci_low", "ci_high"] + (
        ["cband_low", "cband_high"] if reps else []) + ["reference"]
    diagnostics = {"pretrend_test": _pretrend_wald(att, gram, n, cells),
                   "n_cells": K, "cohorts": [float(g) for g in glist],
                   "cohort_shares": dict(zip([float(g) for g in glist], pg.tolist())),
                   "n_clusters": int(sums.shape[0])}
    # few treated units/clusters: the influence-function SEs and the multiplier bootstrap are
    # asymptotic in the number of treated clusters; with one treated area validation/RESULTS.md
    # measured a 65-81% false-positive rate at the 5% level
    treated_mask = np.isfinite(g_unit)
    n_tc = (len(np.unique(cl_codes[treated_mask])) if cl_codes is not None
            else int(treated_mask.sum()))
    if n_tc < FEW_CLUSTERS:
        msg = (f"Only {n_tc} treated {'cluster(s)' if cl_codes is not None else 'unit(s)'}: "
               "the standard errors and bootstrap bands assume many treated units and are "
               "usually far too narrow with so few (with one treated area they found an "
               "'effect' in about 70% of areas that had none). Use randomization inference "
               "(wsa_eval.inference) or, for one area, wsa_eval.check_claim / synth.sdid with "
               "placebo inference.")
        notes.append(msg)
        warnings.warn(msg, InferenceWarning, stacklevel=2)
    res = CallawaySantAnnaResult(
        method=_METHOD, spec=make_spec("callaway_santanna", args, data_hash=hash_frame(data),
                                       seed=seed),
        diagnostics=diagnostics, warnings=tuple(notes), estimate=math.nan, alpha=alpha,
        effects=effects, att_gt=effects[order].copy(), n_obs=int(len(df)), n_units=int(n),
        n_treated=int(np.isfinite(g_unit).sum()), control_group=control_group,
        adjustment=method, base_period=base_period, anticipation=int(anticipation),
        critical_value=crit, bootstrap_reps=reps, cells=cells, _gram=gram, _sums=sums,
        _draws=draws, _n=n, _boot_weights=bootstrap_weights, _cluster_name=cl_name,
        estimand="average effect on the treated (all post-treatment periods)",
    )
    simple = res.aggregate("simple")
    return res.replace(estimate=simple.estimate, se=simple.se, ci_low=simple.ci_low,
                       ci_high=simple.ci_high, p_value=simple.p_value,
                       inference=simple.inference)


def _check_unit_constant(values: np.ndarray, codes: np.ndarray, n: int, what: str,
                         col: str | None) -> None:
    if len(values) == 0:
        return
    if np.any(np.diff(codes) < 0):
        order = np.argsort(codes, kind="stable")
        values, codes = values[order], codes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    lo = np.minimum.reduceat(values, starts)
    hi = np.maximum.reduceat(values, starts)
    if np.any(hi - lo > 1e-12 * np.maximum(1.0, np.abs(hi))):
        raise SpecificationError(f"The {what} column {col!r} must be the same in every "
                                 "period of a unit.")


def _unit_constant_codes(col: pd.Series, codes: np.ndarray, n: int, name: str) -> np.ndarray:
    if col.isna().any():
        raise SpecificationError(f"The cluster column {name!r} has missing values.")
    ccodes, _ = pd.factorize(col, sort=False)
    _check_unit_constant(ccodes.astype(float), codes, n, "cluster", name)
    out = np.zeros(n, dtype=np.int64)
    out[codes] = ccodes
    return out


def _pretrend_wald(att: np.ndarray, gram: np.ndarray, n: int, cells: Cells) -> dict[str, Any]:
    """Wald test that every pre-treatment ATT(g,t) is zero (analytic covariance)."""
    pre = np.flatnonzero(~cells.post & ~cells.reference)
    if len(pre) == 0:
        return {"statistic": math.nan, "df": 0, "p_value": math.nan,
                "note": "no pre-treatment cells to test"}
    v = gram[np.ix_(pre, pre)] / n**2
    stat = float(att[pre] @ np.linalg.pinv(v) @ att[pre])
    dof = int(np.linalg.matrix_rank(v))
    return {"statistic": stat, "df": dof, "p_value": float(stats.chi2.sf(stat, dof)),
            "note": "Wald test that all pre-treatment ATT(g,t) are zero"}
