"""Check a published claim of success against what comparison areas saw.

A claim such as "Greater Manchester has seen a 60% reduction in the number of women sent to
custody since its Whole System Approach began in 2014" is a raw before/after change. Custody
of women fell across England and Wales in the same years, so the raw change mixes the
scheme's effect with everything else that changed. :func:`check_claim` splits the claim's own
change, from its ``baseline`` year to its ``end`` year, into

* the change the treated area would have seen without the scheme (the *counterfactual*
  change), estimated by synthetic difference-in-differences, synthetic control and
  difference-in-differences (Arkhangelsky et al. 2021; all three from
  :mod:`wsa_eval.synth`, so they are comparable), on the log scale by default, and
* the change *attributable* to the scheme: its effect in the ``end`` year,

so that ``(1 + actual) = (1 + counterfactual) x (1 + attributable)`` holds exactly
(:mod:`wsa_eval.claims._arithmetic`). Uncertainty comes from placebo-in-space (Abadie,
Diamond & Hainmueller 2010): every comparison area in turn is given the scheme (the treated
area left out), which gives both a placebo standard error (Arkhangelsky et al., Algorithm 4,
all J placebos, no resampling) and an exact permutation p-value whose smallest attainable
value is ``1/(J+1)``. The average effect over the post-period is reported beside it.
Robustness rows re-run the primary method with another donor pool, another data edition and
other start years. The result is read in a fixed vocabulary ("evidence of a reduction",
"evidence of an increase", "inconclusive: not enough evidence either way") with its true
reason (:func:`wsa_eval.interpret.explain_verdict`).

Assumptions: comparison areas were not affected by the scheme (no spill-overs) and, had the
scheme not started, the treated area's (log) outcome would have followed the weighted
comparison as each estimator assumes (parallel trends for DiD; a low-rank factor structure
for SC and SDID). Permutation p-values are exact if the scheme could as well have started in
any of the areas compared; otherwise they measure how unusual the treated area's change is
among its peers.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._utils import check_alpha, check_choice, hash_frame
from ..errors import DataWarning, SpecificationError, WsaEvalError, WsaEvalWarning
from ..interpret import explain_verdict, verdict
from ..results import make_spec
from ._arithmetic import attributable_change, claim_changes, end_year_inference
from ._placebo import fit_method, gap_path, permutation_p, placebo_gaps, rmspe_ratio
from ._prepare import Prepared, claim_years, level_at, prepare
from .result import METHOD_LABELS, ClaimResult

__all__ = ["check_claim"]


def _arguments(methods: Sequence[str], primary: str | None, claimed_change: Any,
               scale: str, alpha: float, start: Any, end: Any) -> tuple:
    alpha = check_alpha(alpha)
    check_choice("scale", scale, ("log", "level"))
    methods = tuple(methods)
    if not methods:
        raise SpecificationError("methods must name at least one of 'sdid', 'sc', 'did'.")
    if primary is None:
        primary = "sdid" if "sdid" in methods else methods[0]
    for m in (*methods, primary):
        check_choice("methods", m, tuple(METHOD_LABELS))
    if primary not in methods:
        raise SpecificationError(f"primary={primary!r} must be one of methods={list(methods)}.")
    if not isinstance(claimed_change, (int, float)) or math.isnan(claimed_change):
        raise SpecificationError("claimed_change must be a number such as -0.6 or -60.")
    claimed = float(claimed_change) / 100 if abs(claimed_change) > 1 else float(claimed_change)
    if not end > start:
        raise SpecificationError(f"end ({end}) must come after start ({start}).")
    return alpha, methods, primary, claimed


def _method_row(method: str, prep: Prepared, y0: float, y1: float, args: dict,
                progress: bool | None) -> tuple[dict, pd.DataFrame, Any, list]:
    """Fit one method and its placebos; the end-year and average effects with inference
    (and the fit's warnings, for the claim's)."""
    o, u, t, tr, st, end = (args[k] for k in ("outcome", "unit", "time", "treated", "start",
                                                "end"))
    with warnings.catch_warnings(record=True) as caught:  # passed on by check_claim
        warnings.simplefilter("always", WsaEvalWarning)
        fit = fit_method(method, prep.data, o, u, t, tr, st, None, 0, args["alpha"], None,
                         progress)
    fit_warnings = [(f"{METHOD_LABELS[method]}: {w.message}", w.category) for w in caught
                    if issubclass(w.category, WsaEvalWarning)]
    gaps = gap_path(fit)
    post = gaps.index.to_numpy() >= st
    pre_rmspe, ratio = rmspe_ratio(gaps.to_numpy(), post)
    pg, p_est = placebo_gaps(method, prep.data, o, u, t, tr, st, list(prep.donors), progress)
    g_end = float(gaps.loc[end])
    inf_end = end_year_inference(g_end, pg.loc[end].to_numpy(float), args["alpha"])
    actual, cf, att = claim_changes(y0, y1, g_end, args["scale"])
    ratios = [rmspe_ratio(pg[c].to_numpy(float), post)[1] for c in pg.columns]
    p_ratio, _ = permutation_p(np.asarray(ratios), ratio, larger_is_extreme=False)
    avg = end_year_inference(float(fit.estimate), p_est, args["alpha"])
    row = {
        "method": method, "label": METHOD_LABELS[method], "term": f"effect in {end}",
        "estimate": g_end, "std_error": inf_end["std_error"], "statistic":
            g_end / inf_end["std_error"] if inf_end["std_error"] > 0 else math.nan,
        "p_value": inf_end["p_value"], "ci_low": inf_end["ci_low"],
        "ci_high": inf_end["ci_high"],
        "change": att,
        "change_ci_low": attributable_change(y1, inf_end["ci_low"], args["scale"]),
        "change_ci_high": attributable_change(y1, inf_end["ci_high"], args["scale"]),
        "actual_change": actual, "counterfactual_change": cf,
        "n_as_large": inf_end["n_as_large"], "rank": 1 + inf_end["n_as_large"],
        "n_placebos": inf_end["n_placebos"], "min_p_value": inf_end["min_p_value"],
        "average_estimate": float(fit.estimate), "average_std_error": avg["std_error"],
        "average_ci_low": avg["ci_low"], "average_ci_high": avg["ci_high"],
        "average_p_value": avg["p_value"], "p_value_rmspe_ratio": p_ratio,
        "pre_rmspe": pre_rmspe,
        "n_effective_donors": float(getattr(fit, "n_effective_donors", math.nan)),
    }
    return row, pg, fit, fit_warnings


def _robustness_row(label: str, data: pd.DataFrame, exclude: Any, start: Any,
                    args: dict, outcome_is_count: bool) -> dict:
    """The primary method on another specification (a row that fails says why)."""
    a = dict(args, start=start)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            prep = prepare(data, a["outcome"], a["unit"], a["time"], a["treated"], start,
                           a["end"], a["scale"], None, exclude, outcome_is_count)
        y0 = level_at(data, a["outcome"], a["unit"], a["time"], a["treated"], a["baseline"])
        y1 = level_at(data, a["outcome"], a["unit"], a["time"], a["treated"], a["end"])
        row, _, _, _ = _method_row(a["primary"], prep, y0, y1, a, False)
    except WsaEvalError as exc:
        return {"specification": label, "estimate": math.nan, "change": math.nan,
                "change_ci_low": math.nan, "change_ci_high": math.nan, "p_value": math.nan,
                "n_comparison_areas": 0, "verdict": f"not computed: {exc}"}
    return {"specification": label, "estimate": row["estimate"], "change": row["change"],
            "change_ci_low": row["change_ci_low"], "change_ci_high": row["change_ci_high"],
            "p_value": row["p_value"], "n_comparison_areas": len(prep.donors),
            "verdict": verdict(row["estimate"], row["ci_low"], row["ci_high"], row["p_value"],
                               a["alpha"])}


def _paths(data: pd.DataFrame, fit_gaps: pd.Series, args: dict) -> pd.DataFrame:
    """Actual and no-scheme levels of the treated area by period, with the gap."""
    o, u, t, tr = (args[k] for k in ("outcome", "unit", "time", "treated"))
    lv = data[data[u] == tr].set_index(t)[o].astype(float)
    times = fit_gaps.index
    actual = lv.reindex(times).to_numpy(float)
    g = fit_gaps.to_numpy(float)
    if args["scale"] == "log":
        cf = actual * np.exp(-g)
        pct = np.expm1(g)
    else:
        cf = actual - g
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(cf > 0, actual / cf - 1, np.nan)
    return pd.DataFrame({"time": times, "actual": actual, "counterfactual": cf, "gap": g,
                         "gap_percent": 100 * pct, "post": times >= args["start"]})


def check_claim(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: Any,
    start: Any,
    end: Any,
    claimed_change: float,
    baseline: Any = None,
    donors: Sequence[Any] | None = None,
    exclude: Sequence[Any] | None = None,
    methods: Sequence[str] = ("sdid", "sc", "did"),
    primary: str | None = None,
    scale: str = "log",
    outcome_is_count: bool | None = None,
    outcome_label: str | None = None,
    alternative_data: Mapping[str, pd.DataFrame] | None = None,
    alternative_exclude: Sequence[Any] | None = None,
    other_starts: Sequence[Any] = (),
    reps: int | None = None,
    alpha: float = 0.05,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
) -> ClaimResult:
    """Split a claimed change into what would have happened anyway and what the scheme did.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per area and period. Never modified.
    outcome, unit, time : str
        Column names (e.g. ``"immediate_custody"``, ``"pfa"``, ``"year"``).
    treated : label
        The area making the claim (e.g. ``"Greater Manchester"``).
    start : period
        The first period the scheme could have affected (e.g. 2014).
    end : period
        The last period of the claim (e.g. 2020); later periods are not used.
    claimed_change : float
        The claimed change: ``-0.6`` or ``-60`` for "a 60% reduction".
    baseline : period, optional
        The period the claim measures from. Default: the last period before ``start``
        (the report says so). A claim that names its own years passes them (Greater
        Manchester's "since 2014": ``baseline=2014``).
    donors, exclude : list, optional
        Restrict the comparison areas to ``donors``, or drop ``exclude`` from them (e.g.
        areas with schemes of their own, see ``wsa_eval.datasets.treated_areas``).
    methods, primary : which estimators to run (``"sdid"``, ``"sc"``, ``"did"``) and which
        one the verdict is read from (default ``"sdid"`` when it is run).
    scale : {"log", "level"}
        Analyse log outcomes (effects read as percentage changes; default) or levels.
    outcome_is_count : bool, optional
        Whether the outcome counts people (disclosure control then applies to it in
        reports, and negative or fractional values are refused). Default: decided by
        :func:`wsa_eval.validate_panel` (a column of whole numbers is a count).
    outcome_label : str, optional
        The outcome in words for reports (default: from the column name).
    alternative_data : mapping, optional
        Other versions of the data (e.g. ``{"edition B": frame}``) for the robustness table.
    alternative_exclude : list, optional
        A second donor-pool restriction for robustness (default: run once with ``exclude``
        and once without, whichever was not the main specification).
    other_starts : list
        Other start periods to try in the robustness table.
    reps : int, optional
        Not used: with one treated area the placebo distribution has exactly J members and
        all of them are used (exact, no resampling). Kept for compatibility.
    alpha : float
        1 - confidence level; also the level of the permutation test.
    random_state : int or Generator, optional
        Not used (the check is deterministic); recorded for compatibility.
    progress : bool, optional
        Progress bars (default: only on a terminal).

    Returns
    -------
    ClaimResult
        The three headline changes (``raw_change``: the claim's own before/after change,
        ``counterfactual_change``: what the estimator says would have happened anyway,
        ``attributable_change``: the rest), the ``verdict`` with its reason
        (``assessment``), ``attributable`` (one row per method, with intervals and
        p-values), ``robustness``, ``paths`` and ``placebo_gaps``; ``interpret()`` says
        it in words and :func:`wsa_eval.report` writes the report.

    Raises
    ------
    SpecificationError
        Arguments that cannot be used: no method, an unknown method or ``scale``,
        ``primary`` not among ``methods``, ``claimed_change`` not a number, ``end`` not
        after ``start``...
    ColumnError
        A named column is not in ``data``.
    PanelError
        The panel fails a check (duplicated area-periods, missing or invalid outcomes, the
        treated area not in the data, no comparison area left...).

    Warns
    -----
    DataWarning
        Problems found in the data that did not stop the check (passed on from the panel
        checks).

    See Also
    --------
    wsa_eval.synth.sdid, wsa_eval.synth.sc, wsa_eval.synth.did : the estimators used.
    wsa_eval.report : the guided report of the result.

    Notes
    -----
    The counterfactual change comes from synthetic difference-in-differences ([1]_),
    synthetic control and difference-in-differences, all fitted by :mod:`wsa_eval.synth`,
    on the log scale by default; ``(1 + actual) = (1 + counterfactual) x (1 +
    attributable)`` holds exactly. Uncertainty comes from placebos in space ([2]_): every
    comparison area in turn is given the scheme, which gives a placebo standard error and
    an exact permutation p-value whose smallest value is ``1 / (J + 1)``.

    The verdict is "evidence of a reduction/increase" only when the placebo-standard-error
    interval of the end-year effect excludes zero AND its permutation p-value is at most
    ``alpha`` (the rejection rule of an exact permutation test). The size-and-power study
    (``validation/RESULTS.md``) measured this design with one treated area: cluster-robust
    TWFE standard errors reject a true null about 80% of the time there, so they are never
    used for the verdict, while the permutation rule holds its size; power is low with one
    area (about a third against a true 30% reduction), so "inconclusive" is the expected
    answer for most single-area claims.

    Assumptions: comparison areas were not affected by the scheme (no spill-overs; leave
    areas with schemes of their own out with ``exclude``) and, without the scheme, the
    treated area's (log) outcome would have followed the weighted comparison as each
    estimator assumes (parallel trends for DiD, a low-rank factor structure for SC and
    SDID). The permutation p-value is exact if the scheme could as well have started in
    any of the areas compared.

    References
    ----------
    .. [1] Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S.
       (2021). Synthetic difference-in-differences. *American Economic Review* 111(12),
       4088-4118.
    .. [2] Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic control methods
       for comparative case studies: estimating the effect of California's tobacco control
       program. *Journal of the American Statistical Association* 105(490), 493-505.

    Examples
    --------
    Greater Manchester's claim of a 60% fall in women sent to custody since its Whole
    System Approach began in 2014, checked against the 26 police force areas without a
    scheme of their own. The default runs SDID, SC and DiD (several seconds); DiD alone
    keeps this example fast:

    >>> from wsa_eval import check_claim
    >>> from wsa_eval.datasets import load_pfa_custody, load_wsa_start_dates, treated_areas
    >>> custody = load_pfa_custody("A")
    >>> schemes = treated_areas(load_wsa_start_dates(), min_strength="medium", before=2021)
    >>> others = [a for a in schemes if a != "Greater Manchester"]
    >>> c = check_claim(custody, outcome="immediate_custody", unit="pfa", time="year",
    ...                 treated="Greater Manchester", start=2014, end=2020, baseline=2014,
    ...                 claimed_change=-60, exclude=others, methods=("did",))
    >>> print(f"actual {c.raw_change:.0%}, comparison areas {c.comparison_change:.0%}, "
    ...       f"attributable {c.attributable_change:.0%}")
    actual -58%, comparison areas -39%, attributable -30%
    >>> row = c.primary_row
    >>> print(f"95% CI {row['change_ci_low']:.0%} to {row['change_ci_high']:.0%}, "
    ...       f"p = {row['p_value']:.3f} ({row['n_as_large']} of {row['n_placebos']} areas "
    ...       "as large)")
    95% CI -67% to 53%, p = 0.407 (10 of 26 areas as large)
    >>> c.verdict
    'inconclusive: not enough evidence either way'
    """
    alpha, methods, primary, claimed = _arguments(methods, primary, claimed_change, scale,
                                                  alpha, start, end)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        prep = prepare(data, outcome, unit, time, treated, start, end, scale, donors, exclude,
                       outcome_is_count)
    outcome_is_count = prep.outcome_is_count
    data_warnings = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    for msg in data_warnings:
        warnings.warn(msg, DataWarning, stacklevel=2)
    baseline, baseline_source = claim_years(prep.data, time, start, end, baseline)
    y0 = level_at(data, outcome, unit, time, treated, baseline)
    y1 = level_at(data, outcome, unit, time, treated, end)
    comp = data[data[unit].isin(prep.donors) & data[time].isin([baseline, end])]
    totals = comp.groupby(time)[outcome].sum()
    args = dict(outcome=outcome, unit=unit, time=time, treated=treated, start=start, end=end,
                baseline=baseline, scale=scale, alpha=alpha, primary=primary)
    rows, fits, placebo, fit_warnings = [], {}, pd.DataFrame(), []
    for m in methods:
        row, pg, fit, fw = _method_row(m, prep, y0, y1, args, progress)
        fit_warnings += fw
        rows.append(row)
        fits[m] = fit
        if m == primary:
            placebo, prim_gaps = pg, gap_path(fit)
    att = pd.DataFrame(rows)
    p = att.set_index("method").loc[primary]
    assessment = explain_verdict(
        p["change"], p["change_ci_low"], p["change_ci_high"], p["p_value"], alpha,
        n_comparison=len(prep.donors), min_p_value=p["min_p_value"],
        n_as_large=int(p["n_as_large"]), scale="pct", what=f"the effect in {end}")
    rob = [{"specification": "main", "estimate": p["estimate"], "change": p["change"],
            "change_ci_low": p["change_ci_low"], "change_ci_high": p["change_ci_high"],
            "p_value": p["p_value"], "n_comparison_areas": len(prep.donors),
            "verdict": assessment.label}]
    if alternative_exclude is not None:
        rob.append(_robustness_row("other donor pool", data, list(alternative_exclude), start,
                                   args, outcome_is_count))
    elif exclude:
        rob.append(_robustness_row("all other areas as comparisons", data, None, start, args,
                                   outcome_is_count))
    for name, alt in (alternative_data or {}).items():
        rob.append(_robustness_row(name, alt, exclude, start, args, outcome_is_count))
    for st in other_starts:
        rob.append(_robustness_row(f"start {st}", data, exclude, st, args, outcome_is_count))
    spec = make_spec(
        "check_claim",
        dict(outcome=outcome, unit=unit, time=time, treated=treated, start=start, end=end,
             claimed_change=claimed_change, baseline=baseline, exclude=list(exclude or []),
             methods=list(methods), primary=primary, scale=scale,
             outcome_is_count=bool(outcome_is_count), other_starts=list(other_starts),
             alternative_data=list((alternative_data or {}).keys()), alpha=alpha),
        data_hash=hash_frame(data), seed=None)
    warns = list(data_warnings)
    for msg, category in fit_warnings:
        warnings.warn(msg, category, stacklevel=2)
        warns.append(msg)
    if len(prep.donors) < 19:
        warns.append(f"Only {len(prep.donors)} comparison areas: the smallest attainable "
                     f"permutation p-value is {1 / (len(prep.donors) + 1):.3f}, so evidence at "
                     "the 5% level is hard or impossible to reach.")
    return ClaimResult(
        method="Claim check", spec=spec, warnings=tuple(warns),
        diagnostics={"n_comparison_areas": len(prep.donors)},
        treated=treated, start=start, end=end, baseline=baseline,
        baseline_source=baseline_source, outcome=outcome,
        outcome_label=outcome_label or outcome.replace("_", " "),
        outcome_is_count=bool(outcome_is_count), scale=scale, claimed_change=claimed,
        baseline_level=y0, end_level=y1,
        comparison_levels=(float(totals.get(baseline, math.nan)),
                           float(totals.get(end, math.nan))),
        attributable=att, assessment=assessment, primary=primary, alpha=alpha,
        robustness=pd.DataFrame(rob), paths=_paths(data, prim_gaps, args),
        placebo_gaps=placebo, donors=prep.donors, excluded=prep.excluded, fits=fits)

