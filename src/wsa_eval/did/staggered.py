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

Implementation: without covariates on a balanced panel every ATT(g,t) and the covariance
of all of them come from cohort moments -- per-cohort means and centred cross-products of
the outcome, one pass over the data (:mod:`wsa_eval.did._cs_moments`); the unit-level
influence functions are built only for the multiplier bootstrap, clusters, covariates or
repeated cross-sections (:mod:`wsa_eval.did._cs_engine`). Aggregated effects are linear
combinations of a small basis of influence functions, so their variances and bootstrap
draws cost almost nothing once the cells are estimated. The steps: data checks and arrays
(:mod:`wsa_eval.did._cs_data`), cells and Gram matrix (:mod:`wsa_eval.did._cs_fit`),
standard errors and tables (:mod:`wsa_eval.did._cs_tables`), aggregation
(:mod:`wsa_eval.did._cs_aggregate`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._compat import warn_renamed
from .._utils import (
    check_alpha,
    check_choice,
    require_columns,
    require_frame,
    resolve_random_state,
)
from ..errors import (
    DataWarning,
    EstimationError,
    InferenceWarning,
    SpecificationError,
)
from ..inference.multiplier import multiplier_draws
from ..results import EffectResult, make_spec, result_dataclass
from ._cs_aggregate import Cells, aggregate_components
from ._cs_data import CSData, prepare_cs
from ._cs_engine import CellPlan, plan_cells
from ._cs_fit import fit_cells, unit_basis
from ._cs_tables import (
    ESTIMANDS,
    aggregate_effects,
    headline_row,
    inference_text,
    standard_errors,
    tidy,
)
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

    def to_frame(self) -> pd.DataFrame:
        """The effects by cohort, event time or period; for the simple aggregation, which
        has none, its one ``overall`` row (no table is empty)."""
        return self.effects

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
    _inputs: Any = None
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
        inference: str | None = None,
        reps: int | None = None,
        alpha: float | None = None,
        random_state: int | np.random.Generator | None = None,
        bootstrap: bool | int | None = None,
    ) -> CSAggregateResult:
        """Aggregate ATT(g,t) as R ``did::aggte`` does.

        ``type``: ``"simple"`` (weighted average of post-treatment cells), ``"group"`` (by
        cohort, overall = cohort-size weighted average), ``"dynamic"`` (by event time
        ``e = t - g``, overall = mean over ``e >= 0``; ``balance_e`` keeps only cohorts
        observed for ``balance_e`` periods after treatment), ``"calendar"`` (by period).
        ``min_e``/``max_e`` limit the event times used. ``inference``: None reuses the
        fit's bootstrap draws when there were any (else analytic standard errors);
        ``"analytic"``; or ``"bootstrap"`` to run a multiplier bootstrap of ``reps`` draws
        (default 1,000) now. ``bootstrap=`` is the old spelling.
        """
        check_choice("type", type, ("simple", "group", "dynamic", "calendar"))
        alpha = self.alpha if alpha is None else check_alpha(alpha)
        if bootstrap is not None:
            inference, reps = _old_bootstrap("aggregate", bootstrap, inference, reps)
        overall, comps = aggregate_components(self.cells, type, balance_e=balance_e,
                                              min_e=min_e, max_e=max_e)
        draws, n_reps = self._draws, self.bootstrap_reps
        if inference is not None:
            check_choice("inference", inference, ("analytic", "bootstrap"))
            draws, n_reps = None, 0
            if inference == "bootstrap":
                n_reps = _check_reps(1000 if reps is None else reps)
                draws = multiplier_draws(self._basis(), n=self._n, reps=n_reps,
                                         weights=self._boot_weights,
                                         random_state=random_state).draws
        coefs = np.array([c.coef for c in comps]).reshape(len(comps), overall.coef.shape[0])
        est = np.array([c.estimate for c in comps], dtype=float)
        se_all, crit = standard_errors(self._gram, draws, self._n,
                                        np.vstack([coefs, overall.coef[None, :]]), alpha)
        se_overall = float(se_all[-1])
        effects = aggregate_effects(type, comps, est, se_all[:-1], crit, alpha,
                                     draws is not None, overall.estimate, se_overall)
        head = headline_row(overall.estimate, se_overall, alpha)
        spec = dict(self.spec)
        spec["aggregation"] = {"type": type, "balance_e": balance_e, "min_e": min_e,
                               "max_e": max_e, "inference": inference, "reps": reps,
                               "alpha": alpha}
        return CSAggregateResult(
            method=f"{_METHOD}, {type} aggregation",
            spec=spec, diagnostics=dict(self.diagnostics), warnings=self.warnings,
            estimate=overall.estimate, se=se_overall,
            ci_low=float(head["ci_low"]), ci_high=float(head["ci_high"]),
            p_value=float(head["p_value"]), alpha=alpha,
            inference=inference_text(n_reps if draws is not None else 0, self._boot_weights,
                                      self._cluster_name),
            estimand=ESTIMANDS[type], effects=effects, n_obs=self.n_obs,
            n_units=self.n_units, n_treated=self.n_treated, aggregation=type,
            critical_value=crit,
        )

    def _basis(self) -> np.ndarray:
        """The basis summed within clusters, rebuilt from the kept outcome matrix when the
        fit took its standard errors from cohort moments."""
        if self._sums is not None:
            return self._sums
        inputs = self._inputs
        if inputs is None:  # pragma: no cover - every fit keeps one or the other
            raise EstimationError("This result keeps no influence functions to bootstrap.")
        return unit_basis(inputs.data, inputs.plan, **inputs.options)[1]

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


def _check_reps(b: Any) -> int:
    if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 2:
        raise SpecificationError(f"reps must be a whole number of draws >= 2, not {b!r}.")
    return int(b)


def _old_bootstrap(func: str, bootstrap: Any, inference: str | None,
                   reps: int | None) -> tuple[str, int | None]:
    """``bootstrap=False/True/int`` (old spelling) as ``inference=`` and ``reps=``."""
    if inference is not None:
        raise SpecificationError(f"{func}(): give inference= (and reps=) only; bootstrap= is "
                                 "its old spelling.")
    warn_renamed(func, "bootstrap", "inference='bootstrap' with reps=", stacklevel=4)
    if bootstrap is False:
        return "analytic", reps
    if bootstrap is True:
        return "bootstrap", reps
    return "bootstrap", _check_reps(bootstrap)


# ---------------------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Inputs:
    """What a result keeps to rebuild its influence functions for a later bootstrap."""

    data: CSData
    plan: list[CellPlan]
    options: dict[str, Any]


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
    inference: str = "analytic",
    reps: int = 1000,
    bootstrap_weights: str = "mammen",
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    bootstrap: bool | int | None = None,
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
        On an unbalanced panel with covariates, ``method="reg"`` and ``"ipw"`` then treat a
        unit's observations in different periods as unrelated (as R ``did`` does) and can
        be far from the doubly robust estimate: a warning says so.
    weights : str, optional
        Column of sampling weights (constant within a unit for panel data).
    cluster : str, optional
        Column of clusters coarser than units (e.g. police force area); must be constant
        within a unit. Default: clustered by unit.
    inference : {"analytic", "bootstrap"}
        Analytic influence-function standard errors (default), or the multiplier bootstrap
        with ``reps`` draws and simultaneous (sup-t) bands ``cband_low``/``cband_high``.
    reps : int
        Bootstrap draws (default 1,000).
    bootstrap_weights : {"mammen", "rademacher"}
    alpha : float
        1 - confidence level.
    random_state : int, Generator or None
        Seed of the bootstrap (recorded in ``spec["seed"]``).
    progress : bool or None
        Progress bar for the bootstrap.
    bootstrap : bool or int
        Old spelling of ``inference``/``reps`` (False, True or a number of draws).

    Returns
    -------
    CallawaySantAnnaResult
        ``att_gt`` (one row per cell), headline ``estimate`` = simple aggregation, and
        ``aggregate("simple" | "group" | "dynamic" | "calendar", ...)``.
    """
    if bootstrap is not None:
        inference, reps = _old_bootstrap("callaway_santanna", bootstrap,
                                         None if inference == "analytic" else inference, reps)
        reps = 1000 if reps is None else reps
    opts = _check_options(data, control_group=control_group, method=method,
                          base_period=base_period, bootstrap_weights=bootstrap_weights,
                          alpha=alpha, anticipation=anticipation, panel=panel,
                          inference=inference, reps=reps, covariates=covariates,
                          cluster=cluster, unit=unit)
    n_reps, covs, cluster = opts["reps"], opts["covariates"], opts["cluster"]
    alpha = opts["alpha"]
    d = prepare_cs(data, outcome=outcome, unit=unit, time=time, first_treated=first_treated,
                   control_group=control_group, covariates=covs,
                   anticipation=int(anticipation), panel=bool(panel), weights=weights,
                   cluster=cluster)
    notes = list(d.notes)
    if not panel and covs and method in ("reg", "ipw"):
        _pairing_note(data, unit, time, method, notes)
    for m in notes:
        warnings.warn(m, DataWarning, stacklevel=2)
    plan = plan_cells(d.glist, d.times, base_period, anticipation)
    fit_opts = dict(control_group=control_group, method=method,
                    anticipation=int(anticipation), covariates=covs, outcome=outcome,
                    time=time, panel=bool(panel))
    att, gram, sums = fit_cells(d, plan, need_basis=bool(n_reps), **fit_opts)
    if sums is not None and sums.base is None:
        sums.setflags(write=False)  # the result keeps it without a copy
    rng, seed = resolve_random_state(random_state) if n_reps else (None, None)
    cells = _cells(att, plan, d)
    draws = None
    if n_reps:
        draws = multiplier_draws(sums, n=d.n, reps=n_reps, weights=bootstrap_weights,
                                 random_state=rng, progress=progress).draws
        draws.setflags(write=False)
    n_tc = _few_treated(d, notes)
    args = dict(outcome=outcome, unit=unit, time=time, first_treated=first_treated,
                control_group=control_group, covariates=covs or None, method=method,
                anticipation=int(anticipation), base_period=base_period, panel=bool(panel),
                weights=weights, cluster=cluster, inference=inference, reps=n_reps or None,
                bootstrap_weights=bootstrap_weights, alpha=alpha)
    return _result(
        cells=cells, plan=plan, d=d, gram=gram, sums=sums, draws=draws, alpha=alpha,
        spec=make_spec("callaway_santanna", args, data_hash=d.data_hash, seed=seed),
        notes=notes, n_reps=n_reps, control_group=control_group, method=method,
        base_period=base_period, anticipation=int(anticipation),
        boot_weights=bootstrap_weights, cluster=cluster, n_treated_clusters=n_tc,
        inputs=None if sums is not None else _Inputs(d, plan, fit_opts),
    )


def _check_options(data: Any, *, control_group: str, method: str, base_period: str,
                   bootstrap_weights: str, alpha: float, anticipation: Any, panel: Any,
                   inference: str, reps: Any, covariates: Any, cluster: str | None,
                   unit: str) -> dict[str, Any]:
    """Check the arguments that do not need the data's values."""
    require_frame(data)
    check_choice("control_group", control_group, ("never_treated", "not_yet_treated"))
    check_choice("method", method, ("dr", "ipw", "reg"))
    check_choice("base_period", base_period, ("varying", "universal"))
    check_choice("bootstrap_weights", bootstrap_weights, ("mammen", "rademacher"))
    check_choice("inference", inference, ("analytic", "bootstrap"))
    alpha = check_alpha(alpha)
    if isinstance(anticipation, bool) or not isinstance(anticipation, (int, np.integer)) \
            or anticipation < 0:
        raise SpecificationError(f"anticipation must be a whole number of periods >= 0, "
                                 f"not {anticipation!r}.")
    if not isinstance(panel, (bool, np.bool_)):
        raise SpecificationError(f"panel must be True or False, not {panel!r}.")
    n_reps = _check_reps(reps) if inference == "bootstrap" else 0
    covs = [covariates] if isinstance(covariates, str) else list(covariates or [])
    require_columns(data, {"cluster": cluster})
    if cluster is not None and cluster == unit:
        cluster = None
    return {"alpha": alpha, "reps": n_reps, "covariates": covs, "cluster": cluster}


def _pairing_note(data: pd.DataFrame, unit: str, time: str, method: str,
                  notes: list[str]) -> None:
    """Warn when repeated cross-section OR/IPW estimators meet units seen more than once."""
    if unit not in data.columns or not data[unit].duplicated().any():
        return  # true repeated cross-sections: nothing is paired
    name = {"reg": "outcome-regression", "ipw": "inverse-probability-weighting"}[method]
    notes.append(
        f"panel=False with method={method!r}: the {name} estimator for repeated "
        "cross-sections treats each unit's rows in different periods as unrelated "
        "observations (as R did does), so on an unbalanced panel it can differ markedly "
        "from the doubly robust estimate. Keep the units observed in every period and use "
        "panel=True, or use method='dr'.")


def _cells(att: np.ndarray, plan: list[CellPlan], d: CSData) -> Cells:
    G = len(d.glist)
    pg = np.bincount(d.cohort, weights=d.w_unit, minlength=G + 1)[:G] / d.n
    return Cells(att=att, cohort=np.array([c.g for c in plan]),
                 gidx=np.array([c.gidx for c in plan], dtype=int),
                 time=d.times[[c.ti for c in plan]],
                 reference=np.array([c.reference for c in plan], dtype=bool),
                 glist=d.glist, pg=pg, t_first=float(d.times[0]), t_last=float(d.times[-1]))


def _few_treated(d: CSData, notes: list[str]) -> int:
    """Warn when few units (or clusters) are treated: the SEs and bands are asymptotic in
    the number of treated clusters (with one treated area validation/RESULTS.md measured a
    65-81% false-positive rate at the 5% level)."""
    treated_mask = np.isfinite(d.g_unit)
    cl = d.cl_codes
    n_tc = len(np.unique(cl[treated_mask])) if cl is not None else int(treated_mask.sum())
    if n_tc < FEW_CLUSTERS:
        msg = (f"Only {n_tc} treated {'cluster(s)' if cl is not None else 'unit(s)'}: "
               "the standard errors and bootstrap bands assume many treated units and are "
               "usually far too narrow with so few (with one treated area they found an "
               "'effect' in about 70% of areas that had none). Use randomization inference "
               "(wsa_eval.inference) or, for one area, wsa_eval.check_claim / synth.sdid with "
               "placebo inference.")
        notes.append(msg)
        warnings.warn(msg, InferenceWarning, stacklevel=3)
    return n_tc


def _result(*, cells: Cells, plan: list[CellPlan], d: CSData, gram: np.ndarray,
            sums: np.ndarray | None, draws: np.ndarray | None, alpha: float,
            spec: dict[str, Any], notes: list[str], n_reps: int, control_group: str,
            method: str, base_period: str, anticipation: int, boot_weights: str,
            cluster: str | None, n_treated_clusters: int, inputs: _Inputs | None,
            ) -> CallawaySantAnnaResult:
    """The ATT(g,t) table, the simple aggregation as headline, and the result."""
    K, n = cells.k, d.n
    eye = np.eye(K + len(d.glist))[:K]
    overall, _ = aggregate_components(cells, "simple")
    se_all, crit = standard_errors(gram, draws, n, np.vstack([eye, overall.coef]), alpha)
    se = np.where(cells.reference, np.nan, se_all[:K])
    att = cells.att
    extra: dict[str, Any] = {
        "cohort": cells.cohort, "time": cells.time, "event_time": cells.event_time,
        "base_period": d.times[[c.bi for c in plan]], "post": cells.post,
    }
    if n_reps:
        extra["cband_low"] = att - crit * se
        extra["cband_high"] = att + crit * se
    extra["reference"] = cells.reference
    terms = [f"ATT(g={_fmt(g)}, t={_fmt(t)})" for g, t in zip(cells.cohort, cells.time)]
    effects = tidy(terms, att, se, alpha, extra)
    order = ["cohort", "time", "event_time", "base_period", "post", "estimate", "std_error",
             "statistic", "p_value", "ci_low", "ci_high"] + (
        ["cband_low", "cband_high"] if n_reps else []) + ["reference"]
    se_overall = float(se_all[-1])
    head = headline_row(overall.estimate, se_overall, alpha)
    diagnostics = {"pretrend_test": _pretrend_wald(att, gram, n, cells),
                   "n_cells": K, "cohorts": [float(g) for g in d.glist],
                   "cohort_shares": dict(zip([float(g) for g in d.glist], cells.pg.tolist())),
                   "n_clusters": int(len(np.unique(d.cl_codes)) if d.cl_codes is not None
                                     else n),
                   "n_treated_clusters": n_treated_clusters}
    return CallawaySantAnnaResult(
        method=_METHOD, spec=spec, diagnostics=diagnostics, warnings=tuple(notes),
        estimate=overall.estimate, se=se_overall, ci_low=head["ci_low"],
        ci_high=head["ci_high"], p_value=head["p_value"], alpha=alpha,
        inference=inference_text(n_reps, boot_weights, cluster),
        effects=effects, att_gt=effects[order], n_obs=d.n_obs, n_units=int(n),
        n_treated=int(np.isfinite(d.g_unit).sum()), control_group=control_group,
        adjustment=method, base_period=base_period, anticipation=anticipation,
        critical_value=crit, bootstrap_reps=n_reps, cells=cells, _gram=gram, _sums=sums,
        _inputs=inputs, _draws=draws, _n=n, _boot_weights=boot_weights,
        _cluster_name=cluster, estimand=ESTIMANDS["simple"],
    )


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
